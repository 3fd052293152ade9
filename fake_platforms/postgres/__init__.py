"""A throw-away PostgreSQL server (initdb in a temp dir, 127.0.0.1, free port) for tests and bench/."""

from fake_platforms.postgres.cluster import PASSWORD, SUPERUSER, PgCluster, find_binaries, free_port

__all__ = ["PASSWORD", "SUPERUSER", "PgCluster", "find_binaries", "free_port"]
