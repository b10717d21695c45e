"""The process side of the sharing-data lesson: multiprocessing's tools and an IPC comparison.

Each tool runs in a real child ``Process`` (its side lives in ``lesson_workers``). The IPC
comparison sends ``count`` messages of ``size`` bytes to a child that copies each one out and
reports back; the clock runs from the first send (after the child said it is ready, so process
start-up is not counted) to the child's "done". The child is run by ``run_processes`` (output,
spans, errors, kill on cancel) while the parent sends from a thread.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing import shared_memory
from typing import TYPE_CHECKING, Any

from .. import lesson_workers
from ..engine.lesson_runs import Job, run_processes
from ..engine.records import SpanTable, TaskSpan
from ..engine.start_method import get_context

if TYPE_CHECKING:
    from ..engine.context import RunContext

QUEUE_SLOTS = 16  # bounded queues: memory stays under QUEUE_SLOTS messages per channel
RING_SLOTS = 8  # slots of the shared-memory ring
POLL_S = 0.05
CHILD_TIMEOUT_S = 60.0
WAIT_S = 5.0  # every wait in a demo gives up after this: a demo can fail, never hang


def max_overlap(intervals: list[tuple[float, float]]) -> int:
    """Most intervals open at one instant (an end at the same instant closes first)."""
    edges = sorted([(start, 1) for start, _ in intervals] + [(end, -1) for _, end in intervals])
    best = current = 0
    for _, step in edges:
        current += step
        best = max(best, current)
    return best


def record_holds(
    ctx: RunContext, series: str, backend: str, holds: list[tuple[str, int, Any]]
) -> int:
    """The hold intervals as spans (the timeline shows who held it when); the most at once."""
    spans = SpanTable()
    for task, (name, pid, (start, end)) in enumerate(holds):
        spans.append(TaskSpan(task, pid, name, start, end, True))
    wall = (
        max(end for *_, (_, end) in holds) - min(start for *_, (start, _) in holds)
        if holds
        else 0.0
    )
    ctx.record(series, backend, len(holds), 0, spans, [], wall)
    return max_overlap([interval for *_, interval in holds])


# --- the process tools ------------------------------------------------------------------------


def _run_child(ctx: RunContext, series: str, func: Any, *args: Any) -> bool:
    """One child ``Process`` running ``func(*args)``, started and joined; True if it succeeded."""
    outcomes = run_processes(ctx, series, [Job(series, func, args)], timeout=30.0)
    return bool(outcomes) and outcomes[0].ok


def demo_mp_queue(ctx: RunContext, resources: Resources) -> list[list[Any]]:
    channel = get_context().Queue()
    try:
        ok = _run_child(ctx, "multiprocessing.Queue", lesson_workers.put_message, channel)
        got = channel.get(timeout=WAIT_S) if ok else "(the child failed: see the errors)"
    except queue.Empty:
        got = "(nothing arrived)"
    finally:
        channel.close()
    ctx.print(f"Queue: {got}")
    return [["multiprocessing.Queue", "process", f"parent got {got!r}", None, None]]


def demo_mp_pipe(ctx: RunContext, resources: Resources) -> list[list[Any]]:
    parent_end, child_end = get_context().Pipe()
    try:
        ok = _run_child(ctx, "multiprocessing.Pipe", lesson_workers.send_message, child_end)
        child_end.close()
        got = parent_end.recv() if ok and parent_end.poll(WAIT_S) else "(nothing arrived)"
    finally:
        child_end.close()
        parent_end.close()
    ctx.print(f"Pipe: {got}")
    return [["multiprocessing.Pipe", "process", f"parent received {got!r}", None, None]]


def demo_mp_value_array(ctx: RunContext, resources: Resources) -> list[list[Any]]:
    mp = get_context()
    shared_value, shared_array = mp.Value("i", 0), mp.Array("i", range(10))
    _run_child(
        ctx, "multiprocessing.Value/Array", lesson_workers.set_shared, shared_value, shared_array
    )
    value, array = shared_value.value, shared_array[:]
    ctx.print(f"Value: {value}")
    ctx.print(f"Array: {array}")
    return [
        ["multiprocessing.Value", "process", f"child wrote it, parent reads {value}", None, None],
        ["multiprocessing.Array", "process", f"parent reads {array}", None, None],
    ]


def demo_mp_manager(ctx: RunContext, resources: Resources) -> list[list[Any]]:
    shared_list = resources.manager().list()
    _run_child(ctx, "Manager().list", lesson_workers.append_message, shared_list)
    got = list(shared_list)
    ctx.print(f"Manager list: {got}")
    return [["Manager().list", "process", f"after the child's append: {got}", None, None]]


def demo_mp_lock(ctx: RunContext, resources: Resources) -> list[list[Any]]:
    lock = get_context().Lock()
    jobs = [Job(f"locker-{i}", lesson_workers.locked_section, (lock, 0.05)) for i in range(2)]
    outcomes = run_processes(ctx, "multiprocessing.Lock", jobs, timeout=30.0)
    holds = [(o.name, o.pid, o.result) for o in outcomes if o.ok and o.result]
    most = record_holds(ctx, "multiprocessing.Lock: held", "process", holds)
    return [
        [
            "multiprocessing.Lock",
            "process",
            f"{len(holds)} processes, at most {most} inside the locked section at once",
            None,
            None,
        ]
    ]


def demo_ipc(ctx: RunContext, resources: Resources) -> list[list[Any]]:
    count, size_kb = ctx.params["messages"], ctx.params["msg_kb"]
    transfers = compare(ctx, resources.manager(), count, size_kb * 1024)
    rows: list[list[Any]] = []
    for t in transfers:
        if t.seconds is None or t.messages_per_s is None or t.mb_per_s is None:
            rows.append([f"IPC: {t.label}", "ipc", "did not finish", None, None])
            continue
        what = f"{count} × {size_kb} KB in {t.seconds * 1000:.1f} ms"
        rows.append(
            [f"IPC: {t.label}", "ipc", what, round(t.messages_per_s, 1), round(t.mb_per_s, 1)]
        )
    measured = [t for t in transfers if t.seconds]
    if measured:
        ctx.note(_ipc_note(measured, size_kb))
    return rows


def _ipc_note(measured: list[Transfer], size_kb: int) -> str:
    fastest = max(measured, key=lambda t: t.mb_per_s or 0.0)
    slowest = min(measured, key=lambda t: t.mb_per_s or 0.0)
    assert fastest.mb_per_s and slowest.mb_per_s  # measured: every one has seconds
    rates = ", ".join(f"{t.label} {t.mb_per_s:.0f} MB/s" for t in measured)
    return (
        f"IPC at {size_kb} KB per message (KB = 1024 bytes, MB = 10^6 bytes): {rates}. "
        f"{fastest.label} moved data {fastest.mb_per_s / slowest.mb_per_s:.1f}× faster than "
        f"{slowest.label}. A Queue pickles each message and a feeder thread writes it to a pipe; "
        "a Manager proxy makes every put and get a round trip through the manager's process; "
        "a Pipe writes the bytes as they are; shared memory copies into and out of a block "
        "both processes map, with no trip through the kernel. Small messages show the cost "
        "per message, large ones the cost per byte."
    )


class Resources:
    """Helpers several demos share, started on first use and always stopped at the end."""

    def __init__(self) -> None:
        self._manager: Any = None

    def manager(self) -> Any:
        if self._manager is None:
            from multiprocessing.managers import SyncManager

            self._manager = SyncManager(ctx=get_context())
            # The manager's server process exits with the app, like every child of ours.
            self._manager.start(initializer=lesson_workers.exit_with_parent)
        return self._manager

    def close(self) -> None:
        if self._manager is not None:
            self._manager.shutdown()
            self._manager = None


# --- the IPC comparison ----------------------------------------------------------------------


@dataclass
class Channel:
    """One transport under test: the child's job, the parent's send loop, what to clean up."""

    label: str
    job: Job
    send: Callable[[threading.Event], None]
    child_ends: list[Any] = field(default_factory=list)  # our copies of the child's ends
    cleanup: Callable[[], None] = lambda: None


@dataclass
class Transfer:
    label: str
    count: int
    size: int
    seconds: float | None = None
    received: int = 0

    @property
    def messages_per_s(self) -> float | None:
        return self.count / self.seconds if self.seconds else None

    @property
    def mb_per_s(self) -> float | None:
        return self.received / self.seconds / 1e6 if self.seconds else None


def _put_patiently(target: Any, payload: bytes, stop: threading.Event) -> None:
    """``put`` on a bounded queue that gives up when the measurement stops."""
    while not stop.is_set():
        try:
            target.put(payload, timeout=POLL_S)
            return
        except queue.Full:
            continue


def queue_channel(count: int, payload: bytes, control: Any) -> Channel:
    """multiprocessing.Queue: pickled, written to a pipe by a feeder thread."""
    channel = get_context().Queue(QUEUE_SLOTS)

    def send(stop: threading.Event) -> None:
        for _ in range(count):
            _put_patiently(channel, payload, stop)

    def cleanup() -> None:
        # The child is gone by now. Killed mid-transfer, it leaves our feeder thread blocked on
        # a full pipe, and maybe the queue's read lock held for good (so get() cannot help):
        # discard the pipe's bytes directly until the feeder has nothing left, then close.
        reader = channel._reader  # type: ignore[attr-defined]  # private: the only handle on the pipe's read end
        while reader.poll(POLL_S):
            os.read(reader.fileno(), 1 << 20)
        channel.cancel_join_thread()
        channel.close()

    job = Job("queue receiver", lesson_workers.receive_from_queue, (channel, control, count))
    return Channel("multiprocessing.Queue", job, send, cleanup=cleanup)


def pipe_channel(count: int, payload: bytes, control: Any) -> Channel:
    """multiprocessing.Pipe: raw bytes on an OS pipe, no feeder thread, no pickling."""
    reader, writer = get_context().Pipe(duplex=False)

    def send(stop: threading.Event) -> None:
        for _ in range(count):
            if stop.is_set():
                return
            writer.send_bytes(payload)  # raises BrokenPipeError if the child is gone

    job = Job("pipe receiver", lesson_workers.receive_from_pipe, (reader, control, count))
    return Channel("multiprocessing.Pipe", job, send, [reader], cleanup=writer.close)


def manager_channel(count: int, payload: bytes, control: Any, manager: Any) -> Channel:
    """A Manager's queue proxy: every put and get is a round trip to the manager process."""
    proxy = manager.Queue(QUEUE_SLOTS)

    def send(stop: threading.Event) -> None:
        for _ in range(count):
            _put_patiently(proxy, payload, stop)

    job = Job("manager receiver", lesson_workers.receive_from_queue, (proxy, control, count))
    return Channel("Manager().Queue proxy", job, send)


def shared_memory_channel(count: int, payload: bytes, control: Any) -> Channel:
    """shared_memory: a ring of slots both processes map; two semaphores pace it."""
    mp = get_context()
    size = len(payload)
    block = shared_memory.SharedMemory(create=True, size=RING_SLOTS * size)
    buf = block.buf
    assert buf is not None  # None only once the block is closed
    free, filled = mp.Semaphore(RING_SLOTS), mp.Semaphore(0)

    def send(stop: threading.Event) -> None:
        for index in range(count):
            while not free.acquire(timeout=POLL_S):
                if stop.is_set():
                    return
            offset = (index % RING_SLOTS) * size
            buf[offset : offset + size] = payload
            filled.release()

    def cleanup() -> None:
        block.close()
        block.unlink()  # always: the block would otherwise outlive the run in /dev/shm

    args = (block.name, RING_SLOTS, size, free, filled, control, count)
    job = Job("shared_memory receiver", lesson_workers.receive_from_shared_memory, args)
    return Channel("shared_memory", job, send, cleanup=cleanup)


def _reply(conn: Any, stop: threading.Event) -> Any:
    """The child's next control message, or None once it is gone or the measurement stopped."""
    while not stop.is_set():
        try:
            if conn.poll(POLL_S):
                return conn.recv()
        except (EOFError, OSError):
            return None
    return None


def measure(ctx: RunContext, make: Callable[[Any], Channel], count: int, size: int) -> Transfer:
    """Time one channel: the child receives while a thread of ours sends."""
    control_reader, control_writer = get_context().Pipe(duplex=False)
    channel = make(control_writer)
    transfer = Transfer(channel.label, count, size)
    stop = threading.Event()

    def sender() -> None:
        try:
            _send_and_time(channel, control_reader, control_writer, stop, transfer)
        except Exception as exc:  # a broken pipe after a kill is no news; anything else is
            if not (stop.is_set() or ctx.cancel.cancelled):
                ctx.report_exception(exc, "thread", worker="ipc-sender")

    thread = threading.Thread(target=sender, name="ipc-sender", daemon=True)
    thread.start()
    try:
        run_processes(ctx, f"IPC: {channel.label}", [channel.job], timeout=CHILD_TIMEOUT_S)
    finally:
        stop.set()
        thread.join(5.0)
        if not thread.is_alive():  # never close a connection the sender may still use
            for end in (control_reader, control_writer, *channel.child_ends):
                end.close()
        channel.cleanup()
    return transfer


def _send_and_time(
    channel: Channel,
    control_reader: Any,
    control_writer: Any,
    stop: threading.Event,
    transfer: Transfer,
) -> None:
    """Wait for the child's "ready", send everything, and time it until the child's "done"."""
    if _reply(control_reader, stop) != "ready":
        return
    for end in (control_writer, *channel.child_ends):
        end.close()  # the child holds its own copies: a dead child now means EOF here
    began = time.perf_counter()
    channel.send(stop)
    reply = _reply(control_reader, stop)
    if isinstance(reply, tuple):
        transfer.seconds = time.perf_counter() - began
        transfer.received = reply[1]


def compare(ctx: RunContext, manager: Any, count: int, size: int) -> list[Transfer]:
    """Measure every channel in turn at one message size."""
    payload = (bytes(range(256)) * (size // 256 + 1))[:size]
    makers: list[Callable[[Any], Channel]] = [
        lambda control: queue_channel(count, payload, control),
        lambda control: pipe_channel(count, payload, control),
        lambda control: manager_channel(count, payload, control, manager),
        lambda control: shared_memory_channel(count, payload, control),
    ]
    transfers = []
    for make in makers:
        ctx.check_cancel()
        transfers.append(measure(ctx, make, count, size))
    return transfers
