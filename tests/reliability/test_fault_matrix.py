"""The fault matrix (issue 5): every fault on every kind of worker, through ``run_scenario``.

One test body runs each cell of FAULTS × BACKENDS, the way CPython's test_concurrent_futures
runs one body over every pool kind. For each cell it asserts that the run ends (the run's own
timeout: 20 s, 1 s for the hang; and pytest-timeout: 60 s per cell; in practice well under
2 s), that its state is right, that the report and its JSON hold exactly the right record (or
none where the fault is not an error there), that the next run on the same PoolManager works,
and that after PoolManager.shutdown() no child of ours and no zombie is left (multiprocessing's
own forkserver and resource tracker live as long as the process, as tests/conftest.py allows).

Cells that do not apply literally still run and assert what is right there, and their ids say
so: threads do not pickle (the run completes, nothing to report), a Process sends no return
value back (its result is shown as its repr), and ``os._exit``, SIGKILL or a segfault in a
thread ends the whole process (run in a fresh interpreter, which must die with that code).
Run with ``-s`` to see, per cell, how long the error took to reach the consumer.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest
from fault_scenario import BACKENDS, EXIT_CODE, FAULTS, fault_scenario_registered, fault_task

from desktop_app import workloads
from desktop_app.engine.context import run_scenario
from desktop_app.engine.events import ErrorRaised
from desktop_app.engine.pools import PoolManager

RUN_TIMEOUT_S = 20.0  # a cell that should not time out never gets near it
HANG_TIMEOUT_S = 1.0  # what stops the hang
CELL_TIMEOUT_S = 60  # pytest-timeout: a cell that hangs fails here instead of stalling CI
ORIGIN = {
    "threads": "thread",
    "processes": "process",
    "futures": "future",
    "pool": "pool",
    "process": "process",
}
DEATHS = {"exit": EXIT_CODE, "kill": -signal.SIGKILL, "segfault": -signal.SIGSEGV}
DEATH_WORDS = {"exit": f"exit code {EXIT_CODE}", "kill": "SIGKILL", "segfault": "SIGSEGV"}
RAISED = {
    "exception": "ValueError",
    "unpicklable-exception": "desktop_app.workloads.UnpicklableError",
}
WHOLE_PROCESS = {(fault, "threads") for fault in DEATHS}


@dataclass(frozen=True)
class Expect:
    state: str
    type: str | None  # None: no record at all is right here
    why: str  # the cell's id suffix: what this cell asserts where it differs from the rest


def expect(fault: str, backend: str) -> Expect:
    """What is right for one cell."""
    if fault in RAISED:
        return Expect("completed", RAISED[fault], "record")
    if fault == "unpicklable-argument":
        if backend == "threads":
            return Expect("completed", None, "threads-share-objects-no-pickling")
        state = "failed" if backend == "process" else "completed"  # a Process that never started
        return Expect(state, "TypeError", "record-not-sent")
    if fault == "unpicklable-result":
        if backend == "threads":
            return Expect("completed", None, "threads-share-objects-no-pickling")
        if backend == "process":
            return Expect("completed", None, "process-sends-no-result-repr-shown")
        return Expect("completed", "TypeError", "record")
    if fault in DEATHS:
        return Expect("failed", "WorkerDied", "dead-worker-record")
    if fault == "hang":
        why = "timeout-thread-cannot-be-killed" if backend == "threads" else "timeout-killed"
        return Expect("failed", "TimeoutError", why)
    assert fault == "output"
    return Expect("completed", None, "no-error-output-bounded")


def _cells(whole_process: bool) -> list:
    return [
        pytest.param(
            fault,
            backend,
            id=f"{fault}-{backend}-"
            + ("ends-the-whole-process" if whole_process else expect(fault, backend).why),
        )
        for fault in FAULTS
        for backend in BACKENDS
        if ((fault, backend) in WHOLE_PROCESS) == whole_process
    ]


@pytest.fixture(scope="module")
def fault_scenario():
    with fault_scenario_registered() as scenario:
        yield scenario


@pytest.fixture
def pools():
    manager = PoolManager()
    yield manager
    manager.shutdown()


def run_cell(scenario, pools, fault: str, backend: str, latencies: list[float] | None = None):
    """One run of the fault scenario; ``latencies`` gets run start → each ErrorRaised seen."""
    started: list[float] = []

    def consumer(batch) -> None:
        now = time.perf_counter()
        for event in batch:
            if isinstance(event, ErrorRaised) and latencies is not None and started:
                latencies.append(now - started[0])

    started.append(time.perf_counter())
    timeout = HANG_TIMEOUT_S if fault == "hang" else RUN_TIMEOUT_S
    return run_scenario(
        scenario,
        scenario.resolve({"fault": fault, "backend": backend}),
        pools=pools,
        consumer=consumer,
        timeout=timeout,
    )


def leftovers() -> list[str]:
    """Descendants other than multiprocessing's two live helpers, and any zombie at all."""
    out = []
    for child in psutil.Process().children(recursive=True):
        try:
            status = child.status()
            helper = child.ppid() == os.getpid() and any(
                f"multiprocessing.{name}" in " ".join(child.cmdline())
                for name in ("forkserver", "resource_tracker")
            )
        except psutil.NoSuchProcess:
            continue
        except psutil.ZombieProcess:
            status, helper = psutil.STATUS_ZOMBIE, False
        if status == psutil.STATUS_ZOMBIE or not helper:
            out.append(f"pid {child.pid} ({status})")
    return out


def wait_for_no_leftovers(timeout: float = 5.0) -> list[str]:
    deadline = time.monotonic() + timeout
    left = leftovers()
    while left and time.monotonic() < deadline:
        time.sleep(0.02)
        left = leftovers()
    return left


def check_record(record, as_json: dict, fault: str, backend: str) -> None:
    """The one record: origin, type, the worker's own traceback, a dead worker's pid and code."""
    assert as_json["origin"] == record.origin == ORIGIN[backend]
    assert as_json["type"] == record.type
    assert as_json["traceback"] == record.traceback and as_json["pid"] == record.pid
    assert record.task == 0
    func = fault_task(fault)[0]
    in_worker = backend != "threads"
    if fault in RAISED:
        assert f"in {func.__name__}\n" in record.traceback  # the worker's own frame
        assert "workloads.py" in record.traceback
        assert record.pid and (record.pid != os.getpid()) == in_worker
    elif fault == "unpicklable-argument":  # never reached a worker: the pickling traceback
        assert "cannot pickle" in record.traceback and record.pid is None
        assert re.search("could not be (sent to a worker|started)", record.message)
    elif fault == "unpicklable-result":  # raised by pickle in the worker, after the function
        assert "cannot pickle" in record.traceback and record.pid != os.getpid()
        assert "return_unpicklable" in record.message
    elif fault in DEATHS:  # a dead process has no traceback: its pid and exit code instead
        assert record.traceback == ""
        assert record.exitcode == as_json["exitcode"] == DEATHS[fault]
        assert record.pid and record.pid != os.getpid() and f"pid {record.pid}" in record.message
        assert DEATH_WORDS[fault] in record.message
    elif fault == "hang":
        assert record.pid and (record.pid != os.getpid()) == in_worker
        assert f"{HANG_TIMEOUT_S:g} s" in record.message and f"{record.pid}" in record.message


def check_no_record_cell(report, fault: str, backend: str) -> None:
    """Where the fault is no error, what the run shows instead."""
    results = report.runs[-1].results
    if fault == "unpicklable-argument":
        assert results == ["lock"]  # the thread got the lock itself
    elif fault == "unpicklable-result":
        if backend == "threads":
            assert type(results[0]).__name__ == "lock"
        else:
            assert isinstance(results[0], str) and "lock" in results[0]
    else:  # megabytes of output: bounded, and the report says what was dropped
        assert results == [fault_task(fault)[1]]
        text = "\n".join(report.output)
        assert "line 0 from pid" in text and "more characters of output dropped" in text
        assert len(text) < 200_000  # from about 2 MB printed


@pytest.mark.timeout(CELL_TIMEOUT_S)
@pytest.mark.parametrize(("fault", "backend"), _cells(whole_process=False))
def test_fault_cell(fault_scenario, pools, fault, backend):
    want = expect(fault, backend)
    latencies: list[float] = []
    report = run_cell(fault_scenario, pools, fault, backend, latencies)
    assert report.state == want.state, [(e.type, e.message) for e in report.errors]
    records = json.loads(report.dumps())["errors"]
    if want.type is None:
        assert report.errors == [] and records == []
        check_no_record_cell(report, fault, backend)
    else:
        assert [r.type for r in report.errors] == [want.type], [r.message for r in report.errors]
        check_record(report.errors[0], records[0], fault, backend)
    if latencies:
        print(f"\n{fault} on {backend}: reported {latencies[0] * 1000:.0f} ms after run start")
    again = run_cell(fault_scenario, pools, "none", backend)
    assert (again.state, again.errors, again.runs[-1].results) == ("completed", [], [49])
    if fault == "hang" and backend == "threads":  # still running: only its release ends it
        assert workloads.hanging() == 1
        assert workloads.release_hung_threads(), "the hung thread did not end when released"
    pools.shutdown()
    assert wait_for_no_leftovers() == []


@pytest.mark.timeout(CELL_TIMEOUT_S)
@pytest.mark.parametrize(("fault", "backend"), _cells(whole_process=True))
def test_fault_in_a_thread_ends_the_whole_process(fault, backend):
    """A thread shares its process: os._exit, SIGKILL or a segfault there ends the app itself.

    No guard can catch that, which is why the lab runs crash-prone work in processes; the cell
    runs in a fresh interpreter and asserts it died with the fault's own code, before the run
    could report anything.
    """
    script = Path(__file__).with_name("fault_scenario.py")
    done = subprocess.run(
        [sys.executable, str(script), fault, backend],
        capture_output=True,
        text=True,
        timeout=CELL_TIMEOUT_S - 10,
    )
    assert done.returncode == DEATHS[fault], (done.returncode, done.stderr[-2000:])
    assert "survived" not in done.stdout


@pytest.mark.timeout(CELL_TIMEOUT_S)
def test_a_thread_left_hanging_does_not_keep_the_app_from_exiting():
    """The hang in threads, then the interpreter's exit: the abandoned thread must not block it.

    ThreadPoolExecutor's workers are joined at exit, so this once never exited; the threads
    executor now runs daemon workers. The bound (the subprocess timeout) only catches a hang.
    """
    script = Path(__file__).with_name("fault_scenario.py")
    done = subprocess.run(
        [sys.executable, str(script), "hang", "threads", str(HANG_TIMEOUT_S)],
        capture_output=True,
        text=True,
        timeout=CELL_TIMEOUT_S - 10,
    )
    assert (done.returncode, done.stdout.strip()) == (0, "survived: failed"), done.stderr[-2000:]
