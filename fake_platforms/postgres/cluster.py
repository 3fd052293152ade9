"""A real PostgreSQL server for the tests and bench/: initdb into a temp dir, started on a free port on 127.0.0.1.

    cluster = PgCluster.start()      # once per session (tests/conftest.py: the `pg` fixture)
    url = cluster.new_database()     # a fresh, empty database per test: postgresql://leekguard:...@127.0.0.1:PORT/lg_3
    cluster.stop(); cluster.start_again()   # fault tests: the server goes away and comes back on the same port
    cluster.destroy()

bench/bench_store_pg.py uses it too (several bot processes sharing one database), hence here, not in tests/.

The server binaries come from PATH or Debian's /usr/lib/postgresql/<version>/bin (.ci/run installs the
`postgresql` package when initdb is missing). initdb and postgres refuse to run as root: as root the server
runs as the `postgres` user when it exists (Debian's package creates it), else as `nobody`.
TCP connections need the password (scram-sha-256), so URLs in the tests carry a secret, as in production;
the unix socket lives in the temp dir, never in /var/run.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

SUPERUSER = "leekguard"
PASSWORD = "s3cret-Pw"


def find_binaries() -> Path:
    found = shutil.which("initdb")
    if found and Path(found).resolve().with_name("pg_ctl").exists():
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                      key=lambda p: int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0)
    if versions:
        return Path(versions[-1]).parent
    raise RuntimeError("PostgreSQL server binaries not found (initdb): install Debian's `postgresql` "
                       "package (.ci/run does) or put initdb and pg_ctl on PATH")


def _server_user() -> pwd.struct_passwd | None:
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise RuntimeError("running as root and neither a `postgres` nor a `nobody` user exists to run PostgreSQL")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgCluster:
    def __init__(self, root: Path, bindir: Path, port: int, user: pwd.struct_passwd | None) -> None:
        self.root, self.bindir, self.port, self.user = root, bindir, port, user
        self.data, self.sockets, self.log = root / "data", root / "sockets", root / "server.log"
        self._count = 0

    # ---- life cycle ----

    @classmethod
    def start(cls) -> "PgCluster":
        bindir, user = find_binaries(), _server_user()
        root = Path(tempfile.mkdtemp(prefix="lg-pg-"))
        os.chmod(root, 0o755)  # the server's user must reach its data dir inside
        cluster = cls(root, bindir, free_port(), user)
        cluster.sockets.mkdir()
        pwfile = root / "pw"
        pwfile.write_text(PASSWORD + "\n")
        for p in (cluster.sockets, pwfile):
            cluster._own(p)
        cluster._own(root)
        cluster._run("initdb", "-D", str(cluster.data), "-U", SUPERUSER, f"--pwfile={pwfile}", "-E", "UTF8",
                     "--locale=C", "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync")
        pwfile.unlink()
        cluster.start_again()
        return cluster

    def start_again(self) -> None:
        # fsync off: a test server's durability is not under test (the bot's commits are; they are killed, not
        # the server's disk)
        opts = (f"-p {self.port} -k {self.sockets} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c full_page_writes=off -c max_connections=200 -c shared_buffers=32MB")
        for attempt in range(3):
            try:
                self._run("pg_ctl", "start", "-w", "-t", "60", "-D", str(self.data), "-l", str(self.log), "-o", opts)
                return
            except RuntimeError:
                if attempt == 2:
                    raise
                time.sleep(1)

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "stop", "-w", "-t", "60", "-m", mode, "-D", str(self.data))

    def destroy(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self.stop("immediate")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    # ---- databases ----

    def url(self, database: str = "postgres", password: str = PASSWORD) -> str:
        return f"postgresql://{SUPERUSER}:{password}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        import psycopg

        self._count += 1
        name = f"lg_{os.getpid()}_{self._count}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    # ---- helpers ----

    def _own(self, path: Path) -> None:
        if self.user is not None:
            os.chown(path, self.user.pw_uid, self.user.pw_gid)

    def _run(self, tool: str, *args: str) -> None:
        kwargs: dict = {}
        if self.user is not None:
            kwargs = {"user": self.user.pw_uid, "group": self.user.pw_gid, "extra_groups": []}
        env = {**os.environ, "LC_ALL": "C", "HOME": str(self.root)}
        proc = subprocess.run([str(self.bindir / tool), *args], capture_output=True, text=True, timeout=120,
                              env=env, cwd=self.root, **kwargs)
        if proc.returncode != 0:
            tail = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{tool} failed ({proc.returncode}): {proc.stderr.strip()}\n{tail}")
