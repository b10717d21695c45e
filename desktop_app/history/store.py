"""The run history: every run saved to an embedded SQLite database, listed, loaded, pruned.

Qt-free so the CLI, the window and tests share it. Every method opens its own connection, so
:meth:`Store.save` may run on a worker thread (the span encoding, zlib and SQLite all release
the GIL for the heavy part) while the GUI thread lists runs. A failed save raises
:class:`SaveError` with a message for the user; it never touches the run itself.

The one-liner for a finished run: ``Store().save_report(report)``.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..engine.outputs.writers import write_atomically
from ..engine.records import SpanTable
from . import documents, span_codec
from ._database import (
    HistoryError,
    NewerSchemaError,
    connect,
    diagnose,
    is_corruption,
    move_aside,
    prepare,
    write_transaction,
)
from .document_codec import int_column, pack_document, unpack_document
from .paths import DATA_DIR_ENV, database_path
from .runs import PruneResult, RunSummary, SavedRun, summary_from_row, summary_row

__all__ = [
    "DamagedDatabase",
    "HistoryError",
    "NewerSchemaError",
    "RunNotFound",
    "SaveError",
    "PruneResult",
    "RunSummary",
    "SavedRun",
    "Store",
]

DEFAULT_SIZE_BUDGET = 300 * 1024 * 1024
_SUMMARY_COLUMNS = (
    "id, created, scenario, state, duration_s, python, machine, app_version, span_count, "
    "label, note, params, (SELECT length(data) FROM spans WHERE spans.run_id = runs.id)"
)


class SaveError(HistoryError):
    """The run could not be saved (full disk, read-only folder…): the run itself is fine."""


class DamagedDatabase(HistoryError):
    """The database turned out damaged mid-call: it has been moved aside (see ``notices``)."""


class RunNotFound(HistoryError):
    """No saved run has that id."""


class Store:
    """The history database at ``path`` (default: the per-user data folder, see paths.py).

    Safe to share between threads: every call opens its own connection, so the window saves
    on a worker thread (``save_report``) while its GUI thread lists and loads runs.
    ``notices`` collects messages the user should see once (a damaged file moved aside).
    ``max_pages`` caps the database size in pages; tests use it to make a full disk.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, max_pages: int | None = None):
        self.path = Path(path) if path is not None else database_path()
        self.max_pages = max_pages
        self.notices: list[str] = []
        self._ready = False
        # The first call prepares the file (creates, migrates, switches to WAL): one thread at
        # a time, so pool threads saving at once never race on a database being made.
        self._preparing = threading.Lock()

    # --- writing -------------------------------------------------------------------------

    def save_report(self, report: Any) -> int:
        """Save a finished ``RunReport``; returns the new run's id (see :meth:`save`).

        The spans go in as tables and whole-number results as arrays, never as one dict or
        JSON value each: that is what keeps a million-span save under a second.
        """
        from ..engine.outputs.report import RunEntry

        packable = [int_column(entry.results) for entry in report.runs]
        light = replace(
            report,
            runs=[
                RunEntry(e.measurement, SpanTable(), [] if ints is not None else e.results, e.locks)
                for e, ints in zip(report.runs, packable, strict=True)
            ],
        )
        document = light.to_json()
        for run, ints in zip(document["runs"], packable, strict=True):
            if ints is not None:
                run["results"] = ints
        return self.save(document, [e.spans for e in report.runs], report.origin)

    def save(
        self,
        document: dict[str, Any],
        spans: Sequence[SpanTable] | None = None,
        origin: float = 0.0,
    ) -> int:
        """Save a run's JSON document and spans; returns its id. Raises :class:`SaveError`.

        ``spans`` holds one table per entry of ``document["runs"]`` (absolute perf_counter
        times, ``origin`` the run's start); without it the spans come from the ``tasks``.
        """
        if spans is None:
            spans, origin = documents.spans_from_tasks(document), 0.0
        runs = document.get("runs", [])
        if len(spans) != len(runs):
            raise ValueError(f"{len(spans)} span tables for {len(runs)} runs in the document")
        stored = documents.stored_document(document, origin)
        blob = span_codec.encode_spans(spans)
        packed = pack_document(stored)
        row = summary_row(stored, sum(len(t) for t in spans), packed)
        try:
            try:
                run_id = self._insert(row, blob)
            except DamagedDatabase:
                run_id = self._insert(row, blob)  # once more, on the fresh database
        except (OSError, HistoryError) as exc:
            raise SaveError(self._save_failure(exc)) from None
        with contextlib.suppress(HistoryError):
            self.prune(keep=run_id)  # over budget: a failed prune must not fail the save
        return run_id

    def _insert(self, row: dict[str, Any], blob: bytes) -> int:
        with self._connection() as db, write_transaction(db):
            cursor = db.execute(
                "INSERT INTO runs (created, scenario, state, duration_s, python, machine, "
                "app_version, span_count, document, params) VALUES (:created, :scenario, "
                ":state, :duration_s, :python, :machine, :app_version, :span_count, "
                ":document, :params)",
                row,
            )
            run_id = int(cursor.lastrowid or 0)
            db.execute("INSERT INTO spans (run_id, data) VALUES (?, ?)", (run_id, blob))
        return run_id

    def _save_failure(self, exc: BaseException) -> str:
        reason = str(exc) or type(exc).__name__
        hint = ""
        if not isinstance(exc, NewerSchemaError):
            hint = (
                "; free some disk space, or choose a writable folder with --data-dir or "
                f"${DATA_DIR_ENV}"
            )
        return f"the run was not saved to the history: {reason}{hint}"

    def delete(self, run_id: int) -> None:
        with self._connection() as db, write_transaction(db):
            if db.execute("DELETE FROM runs WHERE id = ?", (run_id,)).rowcount == 0:
                raise RunNotFound(f"no saved run has id {run_id} (see 'history list')")
            db.execute("DELETE FROM spans WHERE run_id = ?", (run_id,))

    def set_label(self, run_id: int, label: str) -> None:
        self._update(run_id, "label", label)

    def set_note(self, run_id: int, note: str) -> None:
        self._update(run_id, "note", note)

    def _update(self, run_id: int, column: str, value: str) -> None:
        with self._connection() as db, write_transaction(db):
            query = f"UPDATE runs SET {column} = ? WHERE id = ?"  # column is ours, not input
            if db.execute(query, (value, run_id)).rowcount == 0:
                raise RunNotFound(f"no saved run has id {run_id} (see 'history list')")

    # --- reading -------------------------------------------------------------------------

    def list_runs(
        self, scenario: str | None = None, search: str = "", limit: int | None = None
    ) -> list[RunSummary]:
        """Saved runs, newest first; ``search`` matches scenario, label, note, params, host."""
        query = f"SELECT {_SUMMARY_COLUMNS} FROM runs WHERE 1"
        args: list[Any] = []
        if scenario:
            query += " AND scenario = ?"
            args.append(scenario)
        if search:
            query += " AND (scenario || ' ' || label || ' ' || note || ' ' || params || ' ' ||"
            query += " machine || ' ' || python || ' ' || state) LIKE ? ESCAPE '\\'"
            args.append("%" + search.replace("\\", "\\\\").replace("%", "\\%") + "%")
        query += " ORDER BY created DESC, id DESC"
        if limit is not None:
            query += f" LIMIT {int(limit)}"
        with self._connection() as db:
            return [summary_from_row(row) for row in db.execute(query, args)]

    def summary(self, run_id: int) -> RunSummary:
        with self._connection() as db:
            row = db.execute(
                f"SELECT {_SUMMARY_COLUMNS} FROM runs WHERE id = ?",
                (run_id,),
            ).fetchone()
        if row is None:
            raise RunNotFound(f"no saved run has id {run_id} (see 'history list')")
        return summary_from_row(row)

    def load(self, run_id: int) -> SavedRun:
        """A saved run with its spans decoded (``spans`` None if they were pruned)."""
        with self._connection() as db:
            row = db.execute(
                f"SELECT {_SUMMARY_COLUMNS}, document, data FROM runs "
                "LEFT JOIN spans ON spans.run_id = runs.id WHERE runs.id = ?",
                (run_id,),
            ).fetchone()
        if row is None:
            raise RunNotFound(f"no saved run has id {run_id} (see 'history list')")
        document = unpack_document(row[-2])
        try:
            spans = None if row[-1] is None else span_codec.decode_spans(row[-1])
        except span_codec.SpanCodecError as exc:
            raise HistoryError(f"the spans of saved run {run_id} are damaged: {exc}") from None
        return SavedRun(summary_from_row(row[:-2]), document, spans)

    def previous_run(self, run_id: int) -> RunSummary | None:
        """The run of the same scenario saved just before ``run_id`` ("compare with previous")."""
        current = self.summary(run_id)
        with self._connection() as db:
            row = db.execute(
                f"SELECT {_SUMMARY_COLUMNS} FROM runs "
                "WHERE scenario = ? AND (created < ? OR (created = ? AND id < ?)) "
                "ORDER BY created DESC, id DESC LIMIT 1",
                (current.scenario, current.created, current.created, run_id),
            ).fetchone()
        return None if row is None else summary_from_row(row)

    def export_json(self, run_id: int, path: str | os.PathLike[str]) -> Path:
        """Write the run as ``run --json`` would have, atomically (a temp file, then rename)."""
        text = json.dumps(self.load(run_id).to_json(), indent=2) + "\n"
        return write_atomically(path, lambda handle: handle.write(text))

    # --- size budget ---------------------------------------------------------------------

    @property
    def size_budget(self) -> int:
        with self._connection() as db:
            row = db.execute("SELECT value FROM settings WHERE key = 'size_budget'").fetchone()
        return DEFAULT_SIZE_BUDGET if row is None else int(row[0])

    @size_budget.setter
    def size_budget(self, value: int) -> None:
        if value <= 0:
            raise ValueError("the size budget must be above 0 bytes")
        with self._connection() as db, write_transaction(db):
            db.execute(
                "INSERT OR REPLACE INTO settings (key, value) VALUES ('size_budget', ?)",
                (str(int(value)),),
            )

    def stored_bytes(self) -> int:
        """Bytes of saved documents and spans (the database file also holds some overhead)."""
        with self._connection() as db:
            return _stored_bytes(db)

    def prune(self, budget: int | None = None, keep: int | None = None) -> PruneResult:
        """Drop the spans of the oldest runs until the history fits ``budget``.

        Summaries, parameters, results and errors stay: the run still lists and compares.
        The newest run (or ``keep``) keeps its spans even if it alone is over the budget.
        """
        budget = self.size_budget if budget is None else budget
        pruned: list[int] = []
        with self._connection() as db:
            with write_transaction(db):
                before = total = _stored_bytes(db)
                newest = keep or db.execute("SELECT max(id) FROM runs").fetchone()[0]
                rows = db.execute(
                    "SELECT runs.id, length(spans.data) FROM runs JOIN spans "
                    "ON spans.run_id = runs.id WHERE runs.id != ? ORDER BY created, runs.id",
                    (newest,),
                ).fetchall()
                for run_id, size in rows:
                    if total <= budget:
                        break
                    db.execute("DELETE FROM spans WHERE run_id = ?", (run_id,))
                    total -= size
                    pruned.append(run_id)
            if pruned:
                db.execute("PRAGMA incremental_vacuum")
        return PruneResult(pruned, before, total)

    # --- the connection ------------------------------------------------------------------

    @contextlib.contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        """A fresh connection; SQLite's errors come out as :class:`HistoryError` messages.

        A damaged file found here is moved aside at once (a notice says where), so the next
        call starts on a fresh database; the failing call raises :class:`DamagedDatabase`.
        """
        if not self._ready:
            with self._preparing:
                if not self._ready:
                    try:
                        self.notices += prepare(self.path)
                    except (OSError, sqlite3.Error) as exc:
                        raise HistoryError(self._cannot(exc)) from None
                    self._ready = True
        try:
            db = connect(self.path, self.max_pages)
        except sqlite3.Error as exc:
            raise HistoryError(self._cannot(exc)) from None
        try:
            yield db
        except sqlite3.Error as exc:
            db.close()
            if is_corruption(exc):
                raise DamagedDatabase(self._recover(exc)) from None
            raise HistoryError(self._cannot(exc)) from None
        finally:
            db.close()

    def _cannot(self, exc: BaseException) -> str:
        return f"cannot use the history database {self.path}: {exc}{diagnose(self.path)}"

    def _recover(self, exc: sqlite3.Error) -> str:
        moved = move_aside(self.path)
        notice = (
            f"the history database {self.path} is damaged ({exc}); it was moved to {moved} "
            "(nothing deleted) and a new, empty history was started"
        )
        self.notices.append(notice)
        self._ready = False
        return notice


def _stored_bytes(db: sqlite3.Connection) -> int:
    documents_size = db.execute("SELECT coalesce(sum(length(document)), 0) FROM runs").fetchone()
    spans_size = db.execute("SELECT coalesce(sum(length(data)), 0) FROM spans").fetchone()
    return int(documents_size[0]) + int(spans_size[0])
