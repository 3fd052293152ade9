"""Online backup of a live incident database (SQLite backup API), safe while the bot writes."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from bot.store.types import StoreError


def backup_database(src: str | os.PathLike, dest: str | os.PathLike, *, overwrite: bool = True) -> dict:
    """Copy `src` to `dest` as one consistent snapshot; the copy is checked and then renamed into place.

    In WAL mode the copy reads a snapshot while writers go on; a single backup step copies all pages under
    that one snapshot, so the result is never a mix of two moments.
    """
    src_path, dest_path = Path(src), Path(dest)
    if not src_path.exists():
        raise StoreError(f"database not found: {src_path}")
    if dest_path.exists() and dest_path.resolve() == src_path.resolve():
        raise StoreError("the backup path is the database itself")
    if dest_path.exists() and not overwrite:
        raise StoreError(f"{dest_path} already exists (use --force to replace it)")
    if dest_path.is_dir():
        raise StoreError(f"{dest_path} is a directory; give a file name")
    tmp = dest_path.with_name(dest_path.name + ".partial")
    tmp.unlink(missing_ok=True)
    source = sqlite3.connect(f"{src_path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    try:
        target = sqlite3.connect(tmp)
        try:
            source.backup(target, pages=-1)
            target.execute("PRAGMA journal_mode = DELETE")  # a stand-alone file, no -wal beside it
            check = target.execute("PRAGMA quick_check").fetchone()[0]
            incidents = target.execute("SELECT count(*) FROM incidents").fetchone()[0]
            version = target.execute("PRAGMA user_version").fetchone()[0]
        finally:
            target.close()
        if check != "ok":
            raise StoreError(f"backup copy failed its integrity check: {check}")
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, dest_path)
    except sqlite3.Error as exc:
        raise StoreError(f"backup failed: {exc}") from exc
    finally:
        source.close()
        tmp.unlink(missing_ok=True)
    return {"path": str(dest_path), "bytes": dest_path.stat().st_size, "incidents": incidents, "schema": version}
