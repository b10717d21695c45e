"""Opening the history database: WAL, a schema check, migrations, and recovery from a bad file.

Every call opens its own connection (SQLite connections must not cross threads, and opening
one costs about a tenth of a millisecond), so the store is safe to use from a worker thread
while the window lists runs on the GUI thread. WAL lets readers and one writer work at once;
a writer waits up to ``BUSY_TIMEOUT_S`` for another (a second app instance, the CLI).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

from . import schema

BUSY_TIMEOUT_S = 30.0
SQLITE_MAGIC = b"SQLite format 3\x00"
_CORRUPT = ("SQLITE_CORRUPT", "SQLITE_NOTADB")


class HistoryError(Exception):
    """Something the user should read: the message names the file and what to do."""


class NewerSchemaError(HistoryError):
    """The database was written by a newer version of the app: left untouched."""


def diagnose(path: Path) -> str:
    """Why SQLite may have failed, in words ("unable to open database file" says little)."""
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        return f" ({folder} is not a folder)"
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        return f" (the folder {folder} is read-only)"
    with contextlib.suppress(OSError):
        if shutil.disk_usage(folder).free < 1024 * 1024:
            return f" (the disk holding {folder} is full)"
    return ""


def is_corruption(exc: sqlite3.Error) -> bool:
    name = getattr(exc, "sqlite_errorname", "")
    return name in _CORRUPT or "malformed" in str(exc) or "not a database" in str(exc)


def connect(path: Path, max_pages: int | None = None) -> sqlite3.Connection:
    """A connection in autocommit mode: transactions are explicit (``BEGIN IMMEDIATE``)."""
    db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    try:
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("PRAGMA synchronous = NORMAL")  # durable across app crashes under WAL
        if max_pages is not None:
            db.execute(f"PRAGMA max_page_count = {int(max_pages)}")
    except BaseException:
        db.close()
        raise
    return db


@contextlib.contextmanager
def write_transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` takes the write lock up front, so two writers queue, never deadlock."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def prepare(path: Path) -> list[str]:
    """Make sure ``path`` holds a current history database; returns notices for the user.

    A file that is not a database of ours is moved aside (never deleted) and a fresh one made;
    an older schema is migrated; a newer one raises :class:`NewerSchemaError`.
    """
    notices: list[str] = []
    path.parent.mkdir(parents=True, exist_ok=True)
    problem = _problem(path)
    if problem is not None:
        moved = move_aside(path)
        notices.append(
            f"the history database {path} {problem}; it was moved to {moved} (nothing deleted) "
            f"and a new, empty history was started"
        )
    with contextlib.closing(connect(path)) as db:
        _create_or_migrate(db, path)
    return notices


def _problem(path: Path) -> str | None:
    """Why the file at ``path`` cannot be used, or None when it can (or does not exist)."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return None
    if size == 0:
        return None
    with open(path, "rb") as handle:
        if handle.read(len(SQLITE_MAGIC)) != SQLITE_MAGIC:
            return "is not an SQLite database (damaged, or another program's file)"
    try:
        with contextlib.closing(sqlite3.connect(path, timeout=BUSY_TIMEOUT_S)) as db:
            app_id = db.execute("PRAGMA application_id").fetchone()[0]
            tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master")]
            if app_id == 0 and not tables:
                return None
            if app_id != schema.APPLICATION_ID:
                return "belongs to another program (its application id is not ours)"
            db.execute("SELECT count(*) FROM runs").fetchone()
    except sqlite3.DatabaseError as exc:
        if isinstance(exc, sqlite3.OperationalError) and not is_corruption(exc):
            raise  # locked, unreadable: a real error to report, not a file to move
        return f"is damaged ({exc})"
    return None


def move_aside(path: Path) -> Path:
    """Rename the database (and its WAL and shared-memory files) to a dated name beside it."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.damaged-{stamp}")
    serial = 1
    while target.exists():
        serial += 1
        target = path.with_name(f"{path.name}.damaged-{stamp}-{serial}")
    path.rename(target)
    for suffix in ("-wal", "-shm"):
        extra = path.with_name(path.name + suffix)
        if extra.exists():
            extra.rename(target.with_name(target.name + suffix))
    return target


def _create_or_migrate(db: sqlite3.Connection, path: Path) -> None:
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > schema.SCHEMA_VERSION:
        raise NewerSchemaError(
            f"the history database {path} was written by a newer Concurrency Lab (schema "
            f"{version}, this version reads up to {schema.SCHEMA_VERSION}): update the app, "
            f"or choose another folder with --data-dir"
        )
    if version == schema.SCHEMA_VERSION:
        return
    if version == 0:
        # Must precede the first table: lets pruning hand freed pages back to the disk.
        db.execute("PRAGMA auto_vacuum = INCREMENTAL")
    db.execute("PRAGMA journal_mode = WAL")
    with write_transaction(db):
        version = db.execute("PRAGMA user_version").fetchone()[0]  # another process may have won
        if version == 0:
            schema.create(db)
        elif version < schema.SCHEMA_VERSION:
            schema.migrate(db, version)
