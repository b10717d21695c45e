"""The store under trouble: two writers at once, a damaged or foreign file, an old or newer
schema, a full disk and a read-only folder. A save may fail, with a message; nothing is lost.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
import sys
import textwrap
import zlib
from pathlib import Path

import pytest
from _history_builders import heavy_report, make_report

from desktop_app.history import schema
from desktop_app.history.store import (
    HistoryError,
    NewerSchemaError,
    SaveError,
    Store,
)

HERE = Path(__file__).parent


def test_two_processes_save_at_the_same_time_and_every_run_lands(tmp_path):
    database = tmp_path / "history.sqlite3"
    go = tmp_path / "go"
    writer = textwrap.dedent(
        f"""
        import sys, time
        sys.path.insert(0, {str(HERE)!r})
        from pathlib import Path
        from _history_builders import make_report
        from desktop_app.history.store import Store
        store = Store({str(database)!r})
        store.list_runs()  # both open (and race to create) the database first
        while not Path({str(go)!r}).exists():
            time.sleep(0.01)
        ids = [store.save_report(make_report(sys.argv[1], spans_per_repeat=300))
               for _ in range(12)]
        print(",".join(map(str, ids)))
        """
    )
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", writer, name],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("writer-a", "writer-b")
    ]
    go.touch()
    outputs = [proc.communicate(timeout=120) for proc in writers]
    for proc, (_, err) in zip(writers, outputs, strict=True):
        assert proc.returncode == 0, err
    ids = [set(map(int, out.strip().split(","))) for out, _ in outputs]
    assert len(ids[0]) == len(ids[1]) == 12 and not ids[0] & ids[1]
    store = Store(database)
    runs = store.list_runs()
    assert len(runs) == 24
    assert {run.scenario for run in runs} == {"writer-a", "writer-b"}
    for run in runs:
        assert store.load(run.id).summary.span_count == 6 * 300
    with contextlib.closing(sqlite3.connect(database)) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def check_moved_aside(store: Store, original: bytes, why: str) -> None:
    (notice,) = store.notices
    assert why in notice and "moved to" in notice and "nothing deleted" in notice
    moved = [p for p in store.path.parent.iterdir() if ".damaged-" in p.name]
    assert [p.read_bytes() for p in moved if not p.name.endswith(("-wal", "-shm"))] == [original]


@pytest.mark.parametrize(
    "content",
    [b"this is not a database at all\n" * 100, b"SQLite format 3\x00" + b"\xff" * 5000],
    ids=["text", "bad-header"],
)
def test_a_file_that_is_no_database_is_moved_aside_and_a_fresh_one_made(tmp_path, content):
    path = tmp_path / "history.sqlite3"
    path.write_bytes(content)
    store = Store(path)
    run_id = store.save_report(make_report())
    assert store.load(run_id).summary.scenario == "pool-timing"
    why = "not an SQLite database" if content[:6] != b"SQLite" else "damaged"
    check_moved_aside(store, content, why)


def test_another_programs_database_is_moved_aside_not_written_into(tmp_path):
    path = tmp_path / "history.sqlite3"
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE recipes (name TEXT)")
        db.execute("INSERT INTO recipes VALUES ('bread')")
        db.commit()
    original = path.read_bytes()
    store = Store(path)
    assert store.list_runs() == []
    check_moved_aside(store, original, "belongs to another program")


def test_damage_found_inside_the_file_moves_it_aside_and_the_save_still_lands(tmp_path):
    path = tmp_path / "history.sqlite3"
    store = Store(path)
    for _ in range(3):
        store.save_report(heavy_report(30_000))
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page = db.execute("PRAGMA page_size").fetchone()[0]
    data = bytearray(path.read_bytes())
    data[page : page * 8] = os.urandom(page * 7)  # the header stays: damage a few pages in
    path.write_bytes(data)
    fresh = Store(path)
    run_id = fresh.save_report(make_report())
    assert fresh.load(run_id).summary.scenario == "pool-timing"
    check_moved_aside(fresh, bytes(data), "damaged")


def test_a_newer_schema_is_left_untouched_and_the_save_says_why(tmp_path):
    path = tmp_path / "history.sqlite3"
    Store(path).save_report(make_report())
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("PRAGMA user_version = 99")
    before = path.read_bytes()
    with pytest.raises(NewerSchemaError, match="newer Concurrency Lab.*schema 99"):
        Store(path).list_runs()
    with pytest.raises(SaveError, match="newer Concurrency Lab"):
        Store(path).save_report(make_report())
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if ".damaged-" in p.name] == []


def make_version_1(path: Path) -> None:
    """A database as the first schema wrote it: rollback journal, no label, note or params."""
    document = json.loads(make_report().dumps())
    for run in document["runs"]:
        run["tasks"] = []
    document["origin"] = 0.0
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as db:
        db.executescript(schema.SCHEMA_V1)
        db.execute(f"PRAGMA application_id = {schema.APPLICATION_ID}")
        db.execute("PRAGMA user_version = 1")
        db.execute(
            "INSERT INTO runs (created, scenario, state, duration_s, python, machine, "
            "app_version, span_count, document) VALUES (1.7e9, 'pool-timing', 'completed', "
            "1.5, 'CPython 3.11.7', 'old-box', '0.0.9', 0, ?)",
            (zlib.compress(json.dumps(document).encode()),),
        )
        from desktop_app.engine.records import SpanTable
        from desktop_app.history.span_codec import encode_spans

        blob = encode_spans([SpanTable() for _ in document["runs"]])
        db.execute("INSERT INTO spans (run_id, data) VALUES (1, ?)", (blob,))


def test_a_version_1_database_is_migrated_with_its_runs_kept(tmp_path):
    path = tmp_path / "history.sqlite3"
    make_version_1(path)
    store = Store(path)
    (old,) = store.list_runs()
    assert (old.scenario, old.machine, old.app_version) == ("pool-timing", "old-box", "0.0.9")
    assert old.params == make_report().params  # filled in from the stored document
    assert old.label == "" and old.note == ""
    store.set_label(old.id, "from before the upgrade")
    new_id = store.save_report(make_report("io-vs-cpu"))
    assert [run.id for run in store.list_runs()] == [new_id, old.id]
    with contextlib.closing(sqlite3.connect(path)) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.notices == []


def test_a_full_database_fails_the_save_with_a_message_and_keeps_earlier_runs(tmp_path):
    path = tmp_path / "history.sqlite3"
    first = Store(path).save_report(make_report())
    pages = path.stat().st_size // 4096 + 20  # room for a little more, not for 400k spans
    capped = Store(path, max_pages=pages)
    with pytest.raises(SaveError, match="full.*free some disk space"):
        capped.save_report(heavy_report(400_000))
    assert [run.id for run in capped.list_runs()] == [first]
    assert capped.save_report(make_report(spans_per_repeat=2)) > first  # small runs still fit


@pytest.fixture
def tmpfs(tmp_path):
    """A real, tiny tmpfs (root only): yields (folder, remount) and unmounts it afterwards."""
    folder = tmp_path / "tmpfs"
    folder.mkdir()
    mount = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    if mount.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mount.stderr.strip()}")

    def remount(options: str) -> None:
        subprocess.run(["mount", "-o", f"remount,{options}", str(folder)], check=True)

    try:
        yield folder, remount
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() != 0, reason="mounting needs root")
def test_a_really_full_disk_fails_the_save_with_a_message(tmpfs):
    folder, _ = tmpfs
    store = Store(folder / "history.sqlite3")
    first = store.save_report(make_report())
    with pytest.raises(SaveError, match="full"):
        store.save_report(heavy_report(400_000))
    assert [run.id for run in store.list_runs()] == [first]


@pytest.fixture
def read_only_folder(tmp_path, request):
    """A folder holding a saved run, then made read-only: chmod, or a read-only tmpfs as root
    (root writes through chmod)."""
    if os.geteuid() != 0:
        folder = tmp_path / "locked"
        folder.mkdir()
        Store(folder / "history.sqlite3").save_report(make_report())
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    folder, remount = request.getfixturevalue("tmpfs")
    Store(folder / "history.sqlite3").save_report(make_report())
    remount("ro")
    yield folder


def test_a_read_only_folder_fails_the_save_with_a_message(read_only_folder):
    store = Store(read_only_folder / "history.sqlite3")
    with pytest.raises(SaveError, match="not saved to the history.*writable folder") as caught:
        store.save_report(make_report())
    assert "readonly" in str(caught.value) or "read-only" in str(caught.value)
    with pytest.raises(SaveError, match="not saved.*Read-only file system|Permission denied"):
        Store(read_only_folder / "sub" / "history.sqlite3").save_report(make_report())


def test_a_folder_that_is_a_file_fails_the_save_with_a_message(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with pytest.raises(SaveError, match="not saved to the history"):
        Store(blocker / "history.sqlite3").save_report(make_report())
    with pytest.raises(HistoryError, match="cannot use the history database"):
        Store(blocker / "history.sqlite3").list_runs()
