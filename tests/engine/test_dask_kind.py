"""The ``dask`` kind on the lab's own LocalCluster: scaling, per-worker spans, failures, cancel.

The body every kind shares (results, tracebacks, output, warm start) is in test_executors.py,
which includes ``dask`` when ``distributed`` is installed. The cluster a user starts
(``dask scheduler`` + ``dask worker``) is tested in test_dask_user_cluster.py.
"""

from __future__ import annotations

import os
import threading
import time

import psutil
import pytest

pytest.importorskip("distributed")

import dask

from desktop_app import workloads
from desktop_app.engine.cancel import CancelToken
from desktop_app.engine.executors import PoolStartError, make_executor
from desktop_app.engine.executors import _dask_cluster as cluster
from desktop_app.engine.executors.base import MapHooks
from desktop_app.engine.executors.dask_kind import set_scheduler
from desktop_app.engine.start_method import START_METHOD

HANG_GUARD_S = 60  # a loaded machine may be slow, never this slow


@pytest.fixture(autouse=True)
def _own_cluster():
    set_scheduler("")  # whatever the environment says, these tests use the lab's own cluster
    yield
    set_scheduler(None)


@pytest.fixture
def executors():
    made = []

    def make(size: int):
        made.append(make_executor("dask", size))
        return made[-1]

    yield make
    for executor in made:
        executor.shutdown()


def worker_pids(executor) -> set[int]:
    return set(executor._link.worker_pids().values())


def test_a_sweep_scales_one_cluster_and_reports_scaling_as_start_up(executors):
    two, four = executors(2), executors(4)
    assert two.start() > 0
    link = two._link
    # The workers are processes started with the app's method (never fork), each a child of
    # this process (their nannies run here), with the scheduler on this machine only.
    assert dask.config.get("distributed.worker.multiprocessing-method") == START_METHOD
    assert link.scheduler.startswith("tcp://127.0.0.1:")
    assert len(worker_pids(two)) == 2
    # Nothing listens beyond this machine, and no dashboard takes Dask's usual port 8787.
    listening = _listening({os.getpid(), *worker_pids(two)})
    assert listening and all(ip == "127.0.0.1" and port != 8787 for ip, port in listening)
    assert four.start() > 0 and four._link is link and link.size() == 4
    assert four.warm and not two.warm  # what the pool status shows: one cluster, at 4
    outcome = four.map(workloads.io_wait, [0.05] * 8, chunksize=1)
    assert outcome.state == "completed"
    # One timeline row per Dask worker: the span names its pid and its address (host:port).
    rows = {(pid, name) for pid, name in zip(outcome.spans.pid, _names(outcome.spans), strict=True)}
    assert all(name.startswith("127.0.0.1:") for _, name in rows)
    assert {pid for pid, _ in rows} <= worker_pids(four) and len(rows) >= 2
    assert two.start() > 0 and link.size() == 2  # scaled back down: that is its start-up
    assert two.start() == 0.0 and two.warm and not four.warm  # warm at its size now


def _listening(pids: set[int]) -> list[tuple[str, int]]:
    out = []
    for pid in pids:
        process = psutil.Process(pid)
        connections = getattr(process, "net_connections", None) or process.connections
        for conn in connections(kind="tcp"):
            if conn.status == psutil.CONN_LISTEN:
                out.append((conn.laddr.ip, conn.laddr.port))
    return out


def _names(spans) -> list[str]:
    return [spans.threads[index] for index in spans.thread_index]


def test_a_killed_worker_is_retried_then_killed_worker_is_one_clear_record(executors):
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        executor = executors(2)
        executor.start()
    outcome = executor.map(workloads.kill_worker, [1], chunksize=1)
    lost = [r for r in outcome.errors if r.type == "WorkerLost"]
    killed = [r for r in outcome.errors if r.type.endswith("KilledWorker")]
    assert len(killed) == 1, outcome.errors
    assert killed[0].origin == "dask" and killed[0].task == 0
    assert "allowed-failures" in killed[0].message and "died" in killed[0].message
    # Dask rescheduled the task once on another worker before giving up: each death says so.
    assert lost and all("reschedules" in r.message for r in lost)
    assert executor.map(workloads.square, [3]).results == [9]  # the nannies replaced them


def test_a_worker_killed_mid_task_is_noted_and_the_task_reruns_elsewhere(executors):
    executor = executors(2)
    executor.start()
    seen: list[tuple[int, int, float]] = []
    hooks = MapHooks(on_progress=lambda done, total, running: seen.extend(running))
    killer = threading.Thread(target=_kill_first_running, args=(seen,))
    killer.start()
    outcome = executor.map(workloads.io_wait, [1.5, 0.01], chunksize=1, hooks=hooks)
    killer.join()
    assert outcome.state == "completed" and outcome.results == [1.5, 0.01]
    (record,) = [r for r in outcome.errors if r.type == "WorkerLost"]
    assert "task(s) 0" in record.message and record.origin == "dask"


def _kill_first_running(seen: list) -> None:
    deadline = time.monotonic() + HANG_GUARD_S
    while time.monotonic() < deadline:
        for pid, task, _ in list(seen):
            if task == 0:
                psutil.Process(pid).kill()
                return
        time.sleep(0.01)


def test_cancel_returns_at_once_and_the_hung_workers_are_replaced(executors):
    executor = executors(2)
    executor.start()
    before = worker_pids(executor)
    cancel = CancelToken()
    timer = threading.Timer(0.5, cancel.cancel)
    timer.start()
    began = time.perf_counter()
    outcome = executor.map(workloads.hang, [1, 2, 3], chunksize=1, cancel=cancel)
    assert outcome.state == "cancelled"
    assert time.perf_counter() - began < HANG_GUARD_S
    # The tasks ignore the cancel: the next start restarts the lab's own workers.
    assert executor.start() > 0
    assert not before & worker_pids(executor)
    assert executor.map(workloads.square, [4]).results == [16]


def test_cancel_on_a_shared_cluster_kills_and_replaces_its_busy_workers(executors):
    two, four = executors(2), executors(4)
    four.start()
    two.start()  # the same cluster, scaled down to 2
    before = worker_pids(two)
    cancel = CancelToken()
    timer = threading.Timer(0.5, cancel.cancel)
    timer.start()
    outcome = two.map(workloads.hang, [1, 2], chunksize=1, cancel=cancel)
    assert outcome.state == "cancelled"
    assert two.start() > 0 and two._link is four._link  # kept: another executor holds it
    assert not before & worker_pids(two)
    assert two.map(workloads.square, [5]).results == [25]


def test_shutdown_leaves_no_worker_even_with_a_task_still_running(executors):
    executor = executors(2)
    executor.start()
    pids = worker_pids(executor)
    hooks_seen: list = []
    hooks = MapHooks(on_progress=lambda done, total, running: hooks_seen.extend(running))
    outcome = executor.map(workloads.hang, [1], chunksize=1, timeout=0.5, hooks=hooks)
    assert outcome.state == "failed" and outcome.errors[0].type == "TimeoutError"
    executor.shutdown()
    assert not [pid for pid in pids if psutil.pid_exists(pid) and _alive(pid)]
    # Dask's loop thread ends once the closed client's callbacks drain: soon, not at once, on a
    # loaded machine (CI saw it still alive right after shutdown() returned).
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _io_loops():
        time.sleep(0.05)
    assert not _io_loops()


def _io_loops() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "IO loop"]


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_an_unreachable_scheduler_is_one_clear_start_error(monkeypatch):
    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT_S", 0.5)
    set_scheduler("tcp://127.0.0.1:9")  # the discard port: nothing listens there
    executor = make_executor("dask", 2)
    with pytest.raises(PoolStartError) as caught:
        executor.start()
    assert "cannot connect to the Dask scheduler at tcp://127.0.0.1:9" in str(caught.value)
    assert caught.value.record.origin == "dask"


@pytest.mark.parametrize("text", ["host:port", "tcp://a b:1", "http://x:1", "tcp://x:1/path"])
def test_a_malformed_scheduler_address_is_named(text):
    with pytest.raises(ValueError, match="is not valid: use tcp://HOST:PORT"):
        set_scheduler(text)


def test_without_distributed_the_kind_is_unavailable_with_the_install_command(monkeypatch):
    real = cluster.importlib.util.find_spec
    monkeypatch.setattr(
        cluster.importlib.util,
        "find_spec",
        lambda name, *a: None if name == "distributed" else real(name, *a),
    )
    reason = make_executor("dask", 2).unavailable()
    assert reason and 'pip install "concurrency-lab[cluster]"' in reason
    with pytest.raises(PoolStartError, match="dask executor is unavailable"):
        make_executor("dask", 2).start()
    assert os.getpid()  # nothing was started


def test_spans_of_a_worker_on_another_machine_move_onto_this_clock():
    """Same boot: perf_counter is one clock, spans stay as they are. Another machine: its
    readings move by the difference of the two (wall - perf_counter) offsets."""
    import pickle

    from desktop_app.engine._worker import ChunkResult
    from desktop_app.engine.executors.dask_kind import _chunk_of

    chunk = ChunkResult(4, 77, "Dask-Default-Threads-77-0")
    chunk.results = [1, 2]
    chunk.marks.extend([10.0, 10.5, 11.0])
    chunk.errors = [(5, "ValueError", "bad", "Traceback ...")]
    chunk.error_ends = {5: 10.9}
    data = pickle.dumps(chunk)
    local = ("boot-a", 1000.0)
    same = _chunk_of((data, "tcp://10.0.0.5:40331", ("boot-a", 5000.0)), local)
    assert list(same.marks) == [10.0, 10.5, 11.0] and same.thread == "10.0.0.5:40331"
    other = _chunk_of((data, "tcp://10.0.0.6:40001", ("boot-b", 1003.0)), local)
    assert list(other.marks) == [13.0, 13.5, 14.0] and other.error_ends == {5: 13.9}
    assert other.thread == "10.0.0.6:40001" and other.pid == 77
