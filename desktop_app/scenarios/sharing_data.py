"""Lesson 5: the tools for sharing data safely, each run for real with a visible effect.

Thread tools run in real ``threading.Thread`` objects, process tools in real ``Process``
objects on the app's start method (the child's side lives in ``lesson_workers``), and the IPC
comparison measures what each channel between processes costs.
"""

from __future__ import annotations

import contextlib
import threading
import time
from typing import TYPE_CHECKING, Any

from .. import lesson_workers
from ..engine.cancel import CancelToken
from ..engine.lesson_runs import Job, run_threads
from ..engine.lock_events import LockRecorder
from . import _sharing_processes as processes
from ._sharing_processes import WAIT_S, record_holds
from .base import Param, ParamUse, Preset, Scenario
from .registry import register

if TYPE_CHECKING:
    from ..engine.context import RunContext

COLUMNS = ["tool", "runs in", "what happened", "messages/s", "MB/s"]

# --- the thread tools --------------------------------------------------------------------------


def add_many(lock: Any, counter: list[int], times: int, cancel: CancelToken) -> None:
    """``counter[0] += 1`` as read, switch, write; ``lock`` guards it (or does not)."""
    for _ in range(times):
        cancel.check()
        with lock:
            value = counter[0]
            time.sleep(0)  # let another thread in between the read and the write
            counter[0] = value + 1


def reenter(rlock: Any, depth: int) -> int:
    """Take ``rlock`` again from inside itself: fine for an RLock's owner."""
    with rlock:
        return 1 if depth <= 1 else 1 + reenter(rlock, depth - 1)


def plain_lock_twice(lock: Any, wait_s: float) -> bool:
    """A plain Lock taken twice by one thread: without a timeout this would wait forever."""
    with lock:
        again = lock.acquire(timeout=wait_s)
        if again:
            lock.release()
        return again


def hold_permit(semaphore: Any, hold_s: float, cancel: CancelToken) -> tuple[float, float]:
    """Hold one of the semaphore's permits for ``hold_s``; return when (perf_counter)."""
    with semaphore:
        start = time.perf_counter()
        cancel.wait(hold_s)
        end = time.perf_counter()
    return start, end


def wait_for_data(condition: Any, box: list[str], timeout_s: float) -> str | None:
    """Sleep on the condition until the box holds something (``wait_for`` re-checks)."""
    with condition:
        if condition.wait_for(lambda: box, timeout_s):
            return box[0]
    return None


def publish_data(condition: Any, box: list[str], delay_s: float) -> None:
    time.sleep(delay_s)
    with condition:
        box.append("data ready")
        condition.notify_all()


def wait_for_event(event: Any, timeout_s: float) -> float | None:
    """Block until the event is set; return the time it woke."""
    return time.perf_counter() if event.wait(timeout_s) else None


def set_event_later(event: Any, delay_s: float) -> float:
    time.sleep(delay_s)
    began = time.perf_counter()
    event.set()
    return began


def put_numbers(items: Any, count: int) -> None:
    for number in range(1, count + 1):
        items.put(number)
    items.put(None)  # "no more": the consumer stops here


def take_until_none(items: Any, timeout_s: float) -> list[int]:
    taken = []
    while (item := items.get(timeout=timeout_s)) is not None:
        taken.append(item)
    return taken


def _results(outcomes: list[Any]) -> dict[str, Any]:
    return {outcome.name: outcome.result for outcome in outcomes}


def _row(tool: str, text: str) -> list[Any]:
    """A table row for a thread tool (no message rates)."""
    return [tool, "threads", text, None, None]


def demo_lock(ctx: RunContext) -> list[list[Any]]:
    threads, times = 4, 200
    rows = []
    for guarded in (False, True):
        recorder = LockRecorder()  # the lab's: who waited, who held, which updates were lost
        counter = recorder.counter()  # [0]
        lock = recorder.lock(threading.Lock(), "Lock") if guarded else contextlib.nullcontext()
        jobs = [
            Job(f"adder-{i}", add_many, (lock, counter, times, ctx.cancel)) for i in range(threads)
        ]
        series = f"threading.Lock ({'with' if guarded else 'without'})"
        run_threads(ctx, series, jobs, recorder=recorder)
        how = "with the Lock" if guarded else "without a lock"
        text = f"{threads} threads × {times} increments {how}: counter = {counter[0]}"
        rows.append(_row("threading.Lock", f"{text} (expected {threads * times})"))
    return rows


def demo_rlock(ctx: RunContext) -> list[list[Any]]:
    recorder = LockRecorder()
    jobs = [
        Job("rlock-owner", reenter, (recorder.lock(threading.RLock(), "RLock"), 3)),
        Job("lock-owner", plain_lock_twice, (recorder.lock(threading.Lock(), "Lock"), 0.1)),
    ]
    results = _results(run_threads(ctx, "threading.RLock", jobs, recorder=recorder))
    depth, again = results.get("rlock-owner"), results.get("lock-owner")
    text = (
        f"RLock taken {depth} times by the same thread; a plain Lock's second acquire "
        f"{'succeeded?!' if again else 'timed out after 100 ms (no timeout: a deadlock)'}"
    )
    return [_row("threading.RLock", text)]


def demo_semaphore(ctx: RunContext) -> list[list[Any]]:
    recorder = LockRecorder()
    semaphore = recorder.lock(threading.Semaphore(2), "Semaphore(2)")
    jobs = [Job(f"permit-{i}", hold_permit, (semaphore, 0.03, ctx.cancel)) for i in range(6)]
    outcomes = run_threads(ctx, "threading.Semaphore(2)", jobs, recorder=recorder)
    holds = [(o.name, o.pid, o.result) for o in outcomes if o.result]
    most = record_holds(ctx, "Semaphore(2): permit held", "threads", holds)
    ctx.note(
        f"Semaphore(2): {len(holds)} threads wanted a permit; at most {most} held one at once."
    )
    return [_row("threading.Semaphore(2)", f"{len(holds)} threads, at most {most} holders at once")]


def demo_condition(ctx: RunContext) -> list[list[Any]]:
    recorder = LockRecorder()
    condition, box = recorder.condition("Condition"), list[Any]()
    jobs = [
        Job("waiter", wait_for_data, (condition, box, WAIT_S)),
        Job("publisher", publish_data, (condition, box, 0.03)),
    ]
    outcomes = run_threads(ctx, "threading.Condition", jobs, recorder=recorder)
    got = _results(outcomes).get("waiter")
    return [_row("threading.Condition", f"waiter slept until notified and got {got!r}")]


def demo_event(ctx: RunContext) -> list[list[Any]]:
    recorder = LockRecorder()
    event = recorder.event("Event")
    jobs = [Job(f"waiter-{i}", wait_for_event, (event, WAIT_S)) for i in range(3)]
    jobs.append(Job("setter", set_event_later, (event, 0.03)))
    results = _results(run_threads(ctx, "threading.Event", jobs, recorder=recorder))
    set_at = results.pop("setter", None)
    woke = [t for t in results.values() if t is not None]
    late = max((t - set_at) * 1000 for t in woke) if woke and set_at else float("nan")
    return [
        _row(
            "threading.Event",
            f"{len(woke)} waiters released by one set(), the last {late:.2f} ms after it",
        )
    ]


def demo_queue(ctx: RunContext) -> list[list[Any]]:
    recorder = LockRecorder()
    items = recorder.queue("Queue")
    jobs = [Job("putter", put_numbers, (items, 5)), Job("taker", take_until_none, (items, WAIT_S))]
    taken = _results(run_threads(ctx, "queue.Queue", jobs, recorder=recorder)).get("taker")
    return [_row("queue.Queue", f"taker got {taken} in FIFO order")]


THREAD_DEMOS = {
    "lock": demo_lock,
    "rlock": demo_rlock,
    "semaphore": demo_semaphore,
    "condition": demo_condition,
    "event": demo_event,
    "queue": demo_queue,
}
PROCESS_DEMOS = {
    "mp-queue": processes.demo_mp_queue,
    "mp-pipe": processes.demo_mp_pipe,
    "mp-value-array": processes.demo_mp_value_array,
    "mp-manager": processes.demo_mp_manager,
    "mp-lock": processes.demo_mp_lock,
    "ipc": processes.demo_ipc,
}
TOOLS = (*THREAD_DEMOS, *PROCESS_DEMOS)


def sharing_data(ctx: RunContext) -> None:
    """Run the chosen tool (or all of them, thread tools first) and tabulate what each did."""
    tool = ctx.params["tool"]
    chosen = TOOLS if tool == "all" else (tool,)
    rows: list[list[Any]] = []
    resources = processes.Resources()
    try:
        for name in chosen:
            ctx.check_cancel()
            if name in THREAD_DEMOS:
                rows.extend(THREAD_DEMOS[name](ctx))
            else:
                rows.extend(PROCESS_DEMOS[name](ctx, resources))
    finally:
        resources.close()
        ctx.set_table(COLUMNS, rows)


SCENARIO = register(
    Scenario(
        id="sharing-data",
        title="Sharing data: locks, queues, pipes, shared memory",
        lesson="Sharing data safely between threads and between processes",
        summary=(
            "Threads share one memory, so the danger is two of them changing the same thing at "
            "once: Lock and RLock allow one holder at a time, Semaphore(k) allows k, Condition "
            "and Event let a thread sleep until another says go, and queue.Queue hands items "
            "over with the locking built in. Processes share nothing by default, so data must "
            "be sent (Queue, Pipe) or placed in memory both can see (Value, Array, "
            "shared_memory), or kept in a Manager's server and reached through proxies. Each "
            "tool runs here for real, and the IPC comparison measures what each channel costs."
        ),
        when_to_use=(
            "Threads: a Lock around any read-modify-write of shared state; a queue.Queue when "
            "threads hand work to each other (the usual best choice); an Event for a one-off "
            "'go' signal. Processes: a Queue or a Pipe for messages (a Pipe between exactly two "
            "ends is leaner), Value/Array or shared_memory for large or numeric data you would "
            "otherwise copy, a Manager when convenience matters more than speed."
        ),
        params=(
            Param(
                "tool",
                "Tool",
                "choice",
                "all",
                "Run one tool, or every one in turn.",
                choices=("all", *TOOLS),
            ),
            Param(
                "msg_kb",
                "IPC message size",
                "int",
                64,
                "Size of each message in the IPC comparison.",
                1,
                4096,
                unit="KB",
            ),
            Param(
                "messages",
                "IPC messages",
                "int",
                200,
                "Messages sent through each channel in the IPC comparison (each channel "
                "gets at most 60 s).",
                1,
                100_000,
            ),
        ),
        run=sharing_data,
        code_objects=(
            add_many,
            reenter,
            plain_lock_twice,
            hold_permit,
            wait_for_data,
            publish_data,
            wait_for_event,
            set_event_later,
            put_numbers,
            take_until_none,
            lesson_workers.put_message,
            lesson_workers.send_message,
            lesson_workers.set_shared,
            lesson_workers.append_message,
            lesson_workers.locked_section,
            lesson_workers.receive_from_queue,
            lesson_workers.receive_from_pipe,
            lesson_workers.receive_from_shared_memory,
        ),
        extra_code="""
# The lesson in plain Python (one example per tool):
import threading, queue
from multiprocessing import Process, Queue, Pipe, Value, Array, Manager, Lock

lock = threading.Lock()            # one holder at a time
with lock:
    counter += 1

sem = threading.Semaphore(2)       # at most two holders at a time
event = threading.Event()          # event.set() wakes every event.wait()
q = queue.Queue(); q.put(1); q.get()

def worker(val, arr):
    val.value = 42                 # shared memory: the parent sees it
    arr[0] = 99

if __name__ == "__main__":
    val, arr = Value("i", 0), Array("i", range(10))
    p = Process(target=worker, args=(val, arr)); p.start(); p.join()
    print(val.value, arr[:])       # 42 [99, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    with Manager() as manager:
        shared = manager.list()    # a proxy to a list in the manager's process
""",
        pool_sizes=(2,),
        fixed_pool="Each tool's demonstration sets its own number of threads or processes.",
        views=("timeline", "cpu"),
        param_uses=tuple(
            ParamUse(
                name,
                "tool",
                ("all", "ipc"),
                "Only the IPC comparison (tool=ipc or all) sends sized messages.",
            )
            for name in ("msg_kb", "messages")
        ),
        presets=(
            Preset(
                "Threads and a lock",
                "Threads share memory: a lock keeps their updates whole.",
                (("tool", "lock"),),
            ),
            Preset(
                "Which channel between processes is fastest?",
                "Queue, Pipe and shared memory carry the same messages: the times differ by "
                "an order of magnitude.",
                (("tool", "ipc"), ("msg_kb", 64), ("messages", 200)),
            ),
        ),
        kinds=("threads", "processes"),
        order=5,
    )
)
