"""The history database's tables, and the steps that bring an older database up to date.

``PRAGMA user_version`` holds the schema version and ``PRAGMA application_id`` marks the file
as ours, so a database another program made is told apart from an old one of ours. Each
migration is one function run in the same transaction as the version bump: a database is
either fully migrated or untouched.

Version history:
  1. ``runs`` (one row per run: what the History list shows, and the run's JSON document
     without its spans) and ``spans`` (one compact blob per run, see span_codec).
  2. ``label`` and ``note`` on ``runs`` (rename and annotate a run), ``params`` (the run's
     parameters as JSON, so the History list shows and searches them without unpacking each
     document; filled in from the documents for runs saved before), the ``settings`` table
     (the size budget), and an index for "newest first, per scenario".
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections.abc import Callable

SCHEMA_VERSION = 2
APPLICATION_ID = 0x434C4842  # "CLHB": Concurrency Lab History dataBase

SCHEMA_V1 = """
CREATE TABLE runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created REAL NOT NULL,
    scenario TEXT NOT NULL,
    state TEXT NOT NULL,
    duration_s REAL NOT NULL,
    python TEXT NOT NULL,
    machine TEXT NOT NULL,
    app_version TEXT NOT NULL,
    span_count INTEGER NOT NULL,
    document BLOB NOT NULL
);
CREATE TABLE spans (
    run_id INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
    data BLOB NOT NULL
);
"""


def _v1_to_v2(db: sqlite3.Connection) -> None:
    db.execute("ALTER TABLE runs ADD COLUMN label TEXT NOT NULL DEFAULT ''")
    db.execute("ALTER TABLE runs ADD COLUMN note TEXT NOT NULL DEFAULT ''")
    db.execute("ALTER TABLE runs ADD COLUMN params TEXT NOT NULL DEFAULT '{}'")
    rows = db.execute("SELECT id, document FROM runs").fetchall()
    for run_id, document in rows:
        params = json.loads(zlib.decompress(document)).get("params") or {}
        db.execute(
            "UPDATE runs SET params = ? WHERE id = ?", (json.dumps(params, sort_keys=True), run_id)
        )
    db.execute("CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.execute("CREATE INDEX runs_by_scenario ON runs(scenario, created)")


# MIGRATIONS[n] takes a version-n database to version n + 1.
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {1: _v1_to_v2}


def create(db: sqlite3.Connection) -> None:
    """Make a fresh database at the current version (the caller holds a write transaction)."""
    for statement in SCHEMA_V1.split(";"):
        if statement.strip():
            db.execute(statement)
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    db.execute("PRAGMA user_version = 1")
    migrate(db, 1)


def migrate(db: sqlite3.Connection, version: int) -> None:
    """Apply every migration from ``version`` up to :data:`SCHEMA_VERSION`."""
    while version < SCHEMA_VERSION:
        MIGRATIONS[version](db)
        version += 1
        db.execute(f"PRAGMA user_version = {version}")
