"""What a lesson's own child processes run: the sharing-data demos and the IPC receivers.

Standard library only and free of Qt, because every child process imports this module. Each
function is the child's side of one lesson example; the parent's side is in the scenario.
"""

from __future__ import annotations

import time
from typing import Any

from .engine.parent_watch import exit_with_parent  # noqa: F401 (a Manager's initializer)

# -- the lesson's examples, one tool each -----------------------------------------------------


def put_message(queue: Any) -> None:
    """multiprocessing.Queue: the child puts, the parent gets."""
    queue.put("Data from process")


def send_message(conn: Any) -> None:
    """multiprocessing.Pipe: the child sends on its end and closes it."""
    conn.send("Message from process")
    conn.close()


def set_shared(value: Any, array: Any) -> None:
    """Value and Array live in shared memory: the parent sees the child's writes."""
    value.value = 42
    array[0] = 99


def append_message(shared_list: Any) -> None:
    """A Manager list is a proxy: the append runs in the manager's process."""
    shared_list.append("Data from process")


def locked_section(lock: Any, hold_s: float) -> tuple[float, float]:
    """Hold a multiprocessing.Lock for ``hold_s``; return when it was held (perf_counter)."""
    with lock:
        start = time.perf_counter()
        print("Locked section of code")
        time.sleep(hold_s)
        end = time.perf_counter()
    return start, end


# -- IPC receivers: count messages, then report (count, bytes) on the control pipe -----------

RECEIVE_TIMEOUT_S = 30.0


def receive_from_queue(queue: Any, control: Any, count: int) -> int:
    """Take ``count`` messages from a Queue (a multiprocessing one or a Manager's proxy)."""
    control.send("ready")
    received = 0
    for _ in range(count):
        received += len(queue.get(timeout=RECEIVE_TIMEOUT_S))
    control.send((count, received))
    return received


def receive_from_pipe(conn: Any, control: Any, count: int) -> int:
    """Take ``count`` messages from the reading end of a Pipe."""
    control.send("ready")
    received = 0
    for _ in range(count):
        if not conn.poll(RECEIVE_TIMEOUT_S):
            raise TimeoutError(f"no message within {RECEIVE_TIMEOUT_S:g} s")
        received += len(conn.recv_bytes())
    control.send((count, received))
    return received


def receive_from_shared_memory(
    name: str, slots: int, size: int, free: Any, filled: Any, control: Any, count: int
) -> int:
    """Copy ``count`` messages out of a ring of slots in a SharedMemory block.

    ``filled`` counts slots written and not yet read; ``free`` the slots the writer may reuse.
    """
    from multiprocessing import shared_memory

    block = shared_memory.SharedMemory(name=name)
    buf = block.buf
    assert buf is not None  # None only once the block is closed
    try:
        control.send("ready")
        received = 0
        for index in range(count):
            if not filled.acquire(timeout=RECEIVE_TIMEOUT_S):
                raise TimeoutError(f"no message within {RECEIVE_TIMEOUT_S:g} s")
            offset = (index % slots) * size
            received += len(bytes(buf[offset : offset + size]))
            free.release()
        control.send((count, received))
        return received
    finally:
        block.close()
