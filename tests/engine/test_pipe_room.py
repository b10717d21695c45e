"""Process pools get 1 MB pipes (Linux), so a worker hands over a chunk's result and goes on.

A chunk of 12,500 trivial tasks returns about 150 KB (values and task starts); with a pipe's
default 64 KB the worker waited for the parent to read it all before starting its next chunk.
"""

from __future__ import annotations

import os

import pytest

from desktop_app import workloads
from desktop_app.engine.executors import make_executor
from desktop_app.engine.executors.pipe_room import widen

fcntl = pytest.importorskip("fcntl")

pytestmark = pytest.mark.skipif(
    not hasattr(fcntl, "F_GETPIPE_SZ"), reason="pipe sizes are set on Linux only"
)


def _room(connection) -> int:
    return fcntl.fcntl(connection.fileno(), fcntl.F_GETPIPE_SZ)


@pytest.mark.parametrize("kind", ["processes", "pool"])
def test_a_pools_pipes_have_room_for_a_chunks_result(kind):
    executor = make_executor(kind, 1)
    executor.start()
    try:
        pool = executor._pool
        if kind == "processes":
            pipes = (pool._call_queue._reader, pool._result_queue._reader)
        else:
            pipes = (pool._inqueue._reader, pool._outqueue._reader)
        assert all(_room(pipe) >= 1 << 20 for pipe in pipes)
        outcome = executor.map(workloads.noop, list(range(30_000)))  # ~400 KB of results
        assert outcome.state == "completed" and outcome.results == list(range(30_000))
    finally:
        executor.shutdown()


def test_a_pipe_that_cannot_grow_keeps_its_size():
    class Gone:
        def fileno(self) -> int:
            raise ValueError("closed")

    read, write = os.pipe()
    try:
        assert widen(Gone()) == 0

        class Pipe:
            def fileno(self) -> int:
                return read

        assert widen(Pipe()) >= 1 << 20
    finally:
        os.close(read)
        os.close(write)


def test_a_process_pools_call_queue_holds_every_chunk_in_flight():
    """The manager thread puts every submitted chunk in the call queue at once (a bare
    ``Pool.map`` writes them all to its pipe), and the module's constant is left as it was."""
    from concurrent.futures import process as cf_process

    from desktop_app.engine.executors.base import IN_FLIGHT_PER_WORKER

    before = cf_process.EXTRA_QUEUED_CALLS
    executor = make_executor("processes", 2)
    executor.start()
    try:
        assert executor._pool._call_queue._maxsize == IN_FLIGHT_PER_WORKER * 2
        assert cf_process.EXTRA_QUEUED_CALLS == before
    finally:
        executor.shutdown()
