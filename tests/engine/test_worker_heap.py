"""Process workers (and the process collecting their chunks) keep their freed heap mapped.

Without it glibc returned a chunk's buffers to the kernel after every chunk, and the next chunk
faulted them in again: about 115 page faults a 12,500-task chunk, where a bare ``Pool.map``'s
workers had none (issue 14's throughput; docs/benchmarks.md).
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import textwrap

import pytest

from desktop_app import workloads
from desktop_app.engine.executors import make_executor
from desktop_app.engine.worker_heap import glibc_version, keep_heap_warm

ON_GLIBC = platform.libc_ver()[0] == "glibc"
needs_glibc = pytest.mark.skipif(not ON_GLIBC, reason="mallopt(M_TOP_PAD) is glibc's")

# One process, the same steps as a process worker's chunk: run, pickle, the pool's own pickle.
CHUNKS_PROBE = textwrap.dedent(
    """
    import resource, sys
    from multiprocessing.reduction import ForkingPickler
    from desktop_app import workloads
    from desktop_app.engine._worker import ThreadBoard, init_thread_worker, run_chunk_pickled
    from desktop_app.engine.worker_heap import keep_heap_warm

    if sys.argv[1] == "warm":
        assert keep_heap_warm()
    init_thread_worker(ThreadBoard(1))
    items = list(range(12_500))
    faults = []
    for _ in range(6):
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        message = ForkingPickler.dumps(run_chunk_pickled(workloads.noop, 0, items))
        del message
        faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
    print(sum(faults[1:]))  # the first chunk faults its buffers in either way
    """
)


def _chunk_faults(mode: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", CHUNKS_PROBE, mode], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return int(done.stdout)


def _minor_faults(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return int(fields[7])  # minflt: the stat line's tenth field, the eighth after the name


def test_the_glibc_version_is_the_one_the_platform_module_reads():
    expected = platform.libc_ver()[1] if ON_GLIBC else None
    assert glibc_version() == expected


def test_without_glibc_it_does_nothing(monkeypatch):
    monkeypatch.setattr("desktop_app.engine.worker_heap.glibc_version", lambda: None)
    assert keep_heap_warm() is False


@needs_glibc
def test_a_warm_heap_runs_chunk_after_chunk_without_faulting_pages_in():
    cold, warm = _chunk_faults("cold"), _chunk_faults("warm")
    assert warm <= 20, f"{warm} page faults in five chunks on a warm heap"
    assert cold > 4 * max(warm, 10), (cold, warm)  # what it saves, so the test can fail


@needs_glibc
@pytest.mark.parametrize("kind", ["processes", "pool"])
def test_pool_workers_fault_no_pages_in_once_their_heap_is_warm(kind):
    executor = make_executor(kind, 2)
    executor.start()
    try:
        items = list(range(100_000))
        for _ in range(2):
            executor.map(workloads.noop, items)
        pids = executor.worker_pids()
        before = sum(_minor_faults(pid) for pid in pids)
        outcome = executor.map(workloads.noop, items)
        faults = sum(_minor_faults(pid) for pid in pids) - before
    finally:
        executor.shutdown()
    assert outcome.state == "completed" and len(outcome.spans) == len(items)
    # About 920 for the eight chunks when each chunk's buffers went back to the kernel.
    assert faults < 150, f"{faults} page faults in the workers for one 100,000-task map"


@needs_glibc
@pytest.mark.parametrize(
    ("tasks", "bound"),
    # Without the warm heap ~1,300 at 100,000 tasks; with a pad too small for a million-task
    # map's span rows ~21,000-26,000 there (64 MB: ~5,800; glibc's defaults: ~5,000, the
    # results' int objects, so the million-task case checks the pad's size, not that it is set).
    [(100_000, 400), (1_000_000, 9_000)],
)
def test_the_process_collecting_chunks_faults_few_pages_in_once_warm(tasks, bound):
    """This test's process collects the chunks (as the run host does): building the pool
    warms its heap too, with room for a million-task map's table."""
    executor = make_executor("processes", 2)
    executor.start()
    try:
        items = list(range(tasks))
        for _ in range(2):
            executor.map(workloads.noop, items)
        before = _minor_faults(os.getpid())
        outcome = executor.map(workloads.noop, items)
        faults = _minor_faults(os.getpid()) - before
    finally:
        executor.shutdown()
    assert outcome.state == "completed"
    assert faults < bound, f"{faults} page faults in the parent for one {tasks:,}-task map"
