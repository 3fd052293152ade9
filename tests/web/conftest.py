"""The web console tests' site: a seeded SQLite store served by `leekguard web` on 127.0.0.1."""

import pytest

from tests.support.web import seed, serve


@pytest.fixture
def site(tmp_path):
    db = tmp_path / "lg.db"
    ids = seed(db)
    with serve(db) as url:
        yield url, db, ids
