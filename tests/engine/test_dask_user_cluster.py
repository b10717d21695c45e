"""The ``dask`` kind on a cluster started the way a user starts machines: ``dask scheduler``,
then ``dask worker`` processes pointed at it, all on 127.0.0.1 and all separate processes.

Each test starts its own small cluster (a scheduler and two single-thread workers, about two
seconds) and kills it afterwards, so the suite's leak check still sees no child left behind.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

pytest.importorskip("distributed")

from desktop_app import workloads
from desktop_app.engine.cancel import CancelToken
from desktop_app.engine.executors import PoolStartError, make_executor
from desktop_app.engine.executors import _dask_cluster as cluster
from desktop_app.engine.executors.base import MapHooks
from desktop_app.engine.executors.dask_kind import SCHEDULER_LOST_S, set_scheduler

START_TIMEOUT_S = 60.0  # a hang guard: two cold Python starts on a loaded 2-core machine


class UserCluster:
    """``dask scheduler`` and ``dask worker --no-nanny`` processes, as on separate machines."""

    def __init__(self, folder: Path, workers: int) -> None:
        file = folder / "scheduler.json"
        dask = [sys.executable, "-m", "dask"]
        self.scheduler = _start(
            [*dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard"]
            + ["--scheduler-file", str(file)]
        )
        self.address = _read_address(file, self.scheduler)
        self.workers = [
            _start(
                [*dask, "worker", self.address, "--nthreads", "1", "--no-nanny"]
                + ["--no-dashboard", "--host", "127.0.0.1"]
            )
            for _ in range(workers)
        ]

    def processes(self) -> list[subprocess.Popen]:
        return [self.scheduler, *self.workers]

    def stop(self) -> None:
        for process in self.processes():
            if process.poll() is None:
                process.kill()
        for process in self.processes():
            process.wait(10)


def _start(command: list[str]) -> subprocess.Popen:
    return subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def _read_address(file: Path, scheduler: subprocess.Popen) -> str:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline and scheduler.poll() is None:
        try:
            return json.loads(file.read_text())["address"]
        except (OSError, ValueError, KeyError):
            time.sleep(0.05)
    raise RuntimeError("dask scheduler did not start")


@pytest.fixture
def user_cluster(tmp_path):
    started = UserCluster(tmp_path, workers=2)
    set_scheduler(started.address)
    yield started
    set_scheduler(None)
    started.stop()


@pytest.fixture
def executor(user_cluster):
    made = make_executor("dask", 2)
    yield made
    made.shutdown()


def test_runs_on_the_users_workers_and_never_tears_their_cluster_down(user_cluster, executor):
    assert executor.start() >= 0  # waits for both of the user's workers
    outcome = executor.map(workloads.io_wait, [0.05] * 6, chunksize=1)
    assert outcome.state == "completed" and outcome.results == [0.05] * 6
    worker_pids = {p.pid for p in user_cluster.workers}
    assert set(outcome.spans.pid) <= worker_pids and len(set(outcome.spans.pid)) == 2
    assert all(name.startswith("127.0.0.1:") for name in outcome.spans.threads)
    executor.shutdown()
    assert all(p.poll() is None for p in user_cluster.processes())  # not ours to stop


def test_a_larger_pool_than_the_cluster_has_is_a_clear_start_error(user_cluster, monkeypatch):
    monkeypatch.setattr(cluster, "USER_WORKERS_WAIT_S", 0.5)
    executor = make_executor("dask", 3)
    try:
        with pytest.raises(PoolStartError, match=r"has \d worker\(s\), a pool of 3 needs 3"):
            executor.start()
    finally:
        executor.shutdown()


def test_a_worker_killed_mid_run_is_a_record_and_its_task_reruns(user_cluster, executor):
    executor.start()
    seen: list = []
    hooks = MapHooks(on_progress=lambda done, total, running: seen.extend(running))
    killer = threading.Thread(target=_kill_when_running, args=(seen, 0))
    killer.start()
    outcome = executor.map(workloads.io_wait, [1.5, 0.01, 0.01], chunksize=1, hooks=hooks)
    killer.join()
    assert outcome.state == "completed" and outcome.results[0] == 1.5
    (record,) = [r for r in outcome.errors if r.type == "WorkerLost"]
    assert "task(s) 0" in record.message and record.worker.startswith("tcp://127.0.0.1:")


def test_a_pool_whose_every_worker_left_fails_instead_of_waiting(user_cluster):
    one = make_executor("dask", 1)  # a pool of one of the user's two workers
    try:
        one.start()
        seen: list = []
        hooks = MapHooks(on_progress=lambda done, total, running: seen.extend(running))
        killer = threading.Thread(target=_kill_when_running, args=(seen, 0))
        killer.start()
        outcome = one.map(workloads.io_wait, [30.0], chunksize=1, hooks=hooks)
        killer.join()
    finally:
        one.shutdown()
    assert outcome.state == "failed"
    assert "WorkersLost" in {r.type for r in outcome.errors}
    assert user_cluster.scheduler.poll() is None  # the rest of the user's cluster runs on


def _kill_when_running(seen: list, task: int) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        for pid, running, _ in list(seen):
            if running == task:
                psutil.Process(pid).kill()
                return
        time.sleep(0.01)


def test_the_scheduler_killed_mid_run_fails_the_run_within_the_bound(user_cluster, executor, capfd):
    executor.start()
    timer = threading.Timer(0.5, user_cluster.scheduler.kill)
    timer.start()
    began = time.perf_counter()
    outcome = executor.map(workloads.io_wait, [30.0, 30.0], chunksize=1)
    elapsed = time.perf_counter() - began
    timer.join()
    assert outcome.state == "failed"
    assert {r.type for r in outcome.errors} & {"SchedulerLost"}
    assert all(r.origin == "dask" for r in outcome.errors)
    assert elapsed < 0.5 + SCHEDULER_LOST_S + 20  # the stated bound, with room for the load
    executor.shutdown()
    assert "Traceback" not in capfd.readouterr().err  # Dask's reconnect attempts stay quiet


def test_cancel_on_the_users_cluster_returns_and_leaves_it_running(user_cluster, executor):
    executor.start()
    cancel = CancelToken()
    timer = threading.Timer(0.5, cancel.cancel)
    timer.start()
    outcome = executor.map(workloads.io_wait, [30.0] * 4, chunksize=1, cancel=cancel)
    timer.join()
    assert outcome.state == "cancelled"
    executor.shutdown()
    assert all(p.poll() is None for p in user_cluster.processes())
