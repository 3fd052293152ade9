"""Fixtures shared by every test group: a real PostgreSQL server (one per session, started on first use)."""

from __future__ import annotations

import pytest

from fake_platforms.postgres import PgCluster


@pytest.fixture(scope="session")
def pg():
    cluster = PgCluster.start()
    yield cluster
    cluster.destroy()


@pytest.fixture
def pg_url(pg) -> str:
    """A fresh, empty database on the session's server (the URL carries a password)."""
    return pg.new_database()


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path) -> str:
    """The incident store's target on each backend: a SQLite file path, or a PostgreSQL URL."""
    if request.param == "sqlite":
        return str(tmp_path / "lg.db")
    return request.getfixturevalue("pg_url")
