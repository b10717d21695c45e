"""What runs on a Dask worker for the ``dask`` kind: the chunk wrapper and a worker plugin.

Workers import this module (by reference, as they import ``workloads``), so it imports no Qt
and imports ``distributed`` itself: only a process that has chosen the ``dask`` kind loads it.
"""

from __future__ import annotations

import functools
import os
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from distributed import get_worker
from distributed.diagnostics.plugin import WorkerPlugin

from .._worker import install_stdout_capture, run_chunk_pickled

RUNNING_TOPIC = "concurrency-lab-running"


def clock_frame() -> tuple[str, float]:
    """(this machine's boot id, wall clock minus ``perf_counter``): how to read its spans.

    Spans are ``perf_counter`` readings. Processes of one boot share that clock (Linux's
    CLOCK_MONOTONIC, macOS's mach time), so their spans line up as they are; a worker on
    another machine is moved onto the app's clock through the wall clocks, which on a cluster
    are kept in step by NTP (Dask's own task stream trusts them the same way).
    """
    return _boot_id(), time.time() - time.perf_counter()


@functools.cache
def _boot_id() -> str:
    try:
        with open("/proc/sys/kernel/random/boot_id") as file:
            return file.read().strip()
    except OSError:
        import socket

        return socket.gethostname()


def run_chunk_on_worker(
    func: Callable[[Any], Any], first: int, items: Sequence[Any], run: str
) -> tuple[bytes, str, tuple[str, float]]:
    """Run one chunk on this worker: the pickled ``ChunkResult``, the worker's address and
    its clock frame; the chunk's start is published first so the app sees it running."""
    worker = get_worker()
    install_stdout_capture()
    frame = clock_frame()
    worker.log_event(
        RUNNING_TOPIC,
        {
            "run": run,
            "first": first,
            "pid": os.getpid(),
            "start": time.perf_counter(),
            "frame": frame,
            "thread": threading.current_thread().name,
        },
    )
    return run_chunk_pickled(func, first, items), worker.address, frame


class ParentWatch(WorkerPlugin):
    """Each worker of the lab's own cluster exits with the app, even when it is SIGKILLed.

    ``setup`` runs on every worker, those a later ``scale`` adds too, and starts the same
    parent-watch thread every pool worker has (its parent is the app, where the nannies run).
    """

    name = "concurrency-lab-parent-watch"

    def setup(self, worker: Any) -> None:
        from ..parent_watch import exit_with_parent

        exit_with_parent()
