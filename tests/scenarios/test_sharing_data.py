"""sharing-data: every tool's visible effect, the IPC comparison, one tool at a time, cancel."""

from __future__ import annotations

import os
import re
import threading

import pytest
from _scenario_helpers import runner, wait_for, workers_of_ours

from desktop_app.engine.cancel import CancelToken
from desktop_app.scenarios import sharing_data
from desktop_app.scenarios._sharing_processes import max_overlap
from desktop_app.scenarios.base import ParamError

SCENARIO = sharing_data.SCENARIO
run = runner(SCENARIO)


def test_all_tools_show_their_effect(pools):
    report = run(pools, messages=20, msg_kb=4)
    assert report.state == "completed", report.errors
    assert not report.errors
    out = report.output
    assert "Value: 42" in out
    assert "Array: [99, 1, 2, 3, 4, 5, 6, 7, 8, 9]" in out
    assert "Manager list: ['Data from process']" in out
    assert "Queue: Data from process" in out
    assert "Pipe: Message from process" in out
    assert sum(line.endswith("Locked section of code") for line in out) == 2
    rows = report.table_rows
    lock_rows = [row[2] for row in rows if row[0] == "threading.Lock"]
    assert lock_rows[1].endswith("with the Lock: counter = 800 (expected 800)")
    assert "without a lock" in lock_rows[0]
    by_tool = {row[0]: row for row in rows}
    assert "taken 3 times" in by_tool["threading.RLock"][2]
    assert "[1, 2, 3, 4, 5]" in by_tool["queue.Queue"][2]
    assert "'data ready'" in by_tool["threading.Condition"][2]
    assert by_tool["threading.Event"][2].startswith("3 waiters released")


def test_semaphore_never_has_more_than_two_holders(pools):
    report = run(pools, tool="semaphore")
    assert report.state == "completed", report.errors
    (held,) = [e for e in report.runs if e.measurement.series == "Semaphore(2): permit held"]
    intervals = [(span.start, span.end) for span in held.spans]
    assert len(intervals) == 6
    assert max_overlap(intervals) <= 2
    assert {row[0] for row in report.table_rows} == {"threading.Semaphore(2)"}


def test_mp_lock_is_held_by_one_process_at_a_time(pools):
    report = run(pools, tool="mp-lock")
    assert report.state == "completed", report.errors
    (held,) = [e for e in report.runs if e.measurement.series == "multiprocessing.Lock: held"]
    pids = {span.pid for span in held.spans}
    assert len(pids) == 2 and os.getpid() not in pids
    assert max_overlap([(span.start, span.end) for span in held.spans]) == 1


def test_ipc_comparison_measures_four_channels(pools):
    report = run(pools, tool="ipc", messages=30, msg_kb=16)
    assert report.state == "completed", report.errors
    ipc = [row for row in report.table_rows if row[1] == "ipc"]
    labels = [row[0] for row in ipc]
    assert labels == [
        "IPC: multiprocessing.Queue",
        "IPC: multiprocessing.Pipe",
        "IPC: Manager().Queue proxy",
        "IPC: shared_memory",
    ]
    for row in ipc:
        assert row[3] > 0 and row[4] > 0, row
    assert any(note.startswith("IPC at 16 KB") for note in report.notes)
    receivers = [e for e in report.runs if e.measurement.series.startswith("IPC: ")]
    assert len(receivers) == 4 and all(e.measurement.state == "completed" for e in receivers)


def test_shared_memory_block_is_unlinked(pools, monkeypatch):
    from multiprocessing import shared_memory

    names = []
    original = shared_memory.SharedMemory.__init__

    def remember(self, *args, **kwargs):
        original(self, *args, **kwargs)
        if kwargs.get("create"):
            names.append(self.name)

    monkeypatch.setattr(shared_memory.SharedMemory, "__init__", remember)
    report = run(pools, tool="ipc", messages=5, msg_kb=1)
    assert report.state == "completed", report.errors
    assert len(names) == 1
    with pytest.raises(FileNotFoundError):
        shared_memory.SharedMemory(name=names[0])


def test_without_the_lock_updates_are_lost_and_with_it_none(pools):
    """Four threads read, yield, write: without the Lock their writes overwrite each other's
    (measured: 200-365 of 800 kept, in every one of 30 runs); with it every increment counts."""
    report = run(pools, tool="lock")
    assert report.state == "completed", report.errors
    counters = {}
    for row in report.table_rows:
        match = re.search(
            r"(with the Lock|without a lock): counter = (\d+) \(expected (\d+)\)", row[2]
        )
        assert match, row
        counters[match[1]] = (int(match[2]), int(match[3]))
    kept, expected = counters["without a lock"]
    assert 0 < kept < expected == 800, "updates were lost"
    assert counters["with the Lock"] == (800, 800)


@pytest.mark.parametrize("tool", ["lock", "rlock", "condition", "event", "queue", "mp-value-array"])
def test_one_tool_at_a_time(pools, tool):
    report = run(pools, tool=tool)
    assert report.state == "completed", report.errors
    assert report.table_rows and all(row[1] in ("threads", "process") for row in report.table_rows)


def test_bad_values_are_refused():
    with pytest.raises(ParamError):
        SCENARIO.parse_settings(["tool=spinlock"])
    with pytest.raises(ParamError):
        SCENARIO.parse_settings(["msg_kb=0"])


def test_cancel_during_a_transfer_kills_the_children(pools):
    token = CancelToken()
    saw_workers = []

    feeders_before = set(feeder_threads())

    def cancel_when_busy():
        # The Manager's server and the receiving child exist, and our Queue's feeder thread
        # is sending: the transfer through multiprocessing.Queue is under way.
        saw_workers.append(
            wait_for(
                lambda: len(workers_of_ours()) >= 2 and set(feeder_threads()) - feeders_before,
                timeout=30,
            )
        )
        token.cancel()

    watcher = threading.Thread(target=cancel_when_busy, daemon=True)
    watcher.start()
    report = run(pools, cancel=token, tool="ipc", messages=100_000, msg_kb=256)
    watcher.join(35)
    assert saw_workers == [True]
    assert report.state == "cancelled"
    assert wait_for(lambda: not workers_of_ours(), timeout=5), workers_of_ours()
    # A child killed mid-transfer must not leave our Queue's feeder thread blocked for good.
    assert wait_for(lambda: not set(feeder_threads()) - feeders_before, timeout=5)


def feeder_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "QueueFeederThread" and t.is_alive()]
