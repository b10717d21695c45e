"""Lesson 4: a producer and a consumer thread sharing one list, with and without a lock.

Two phases run the same two functions. The paced phase is the lesson: a timestamped log of
every append and removal. The flat-out phase runs them with no delay, so they really collide,
and counts the updates lost on a shared counter when nothing guards the read-modify-write.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..engine.cancel import CancelToken, RunCancelled
from ..engine.lesson_runs import Job, run_threads
from ..engine.lock_events import LockRecorder, TrackedValue
from .base import Param, Preset, Scenario
from .registry import register

if TYPE_CHECKING:
    from ..engine.context import RunContext

# Log lines per phase; the counts in the table always cover every operation.
LOG_LIMIT = 200


class SharedList:
    """What both threads touch: the list, the lock that guards it, and an operation counter.

    In the no-lock mode ``lock`` is a context manager that guards nothing, so the code the
    threads run is the same in both modes.
    """

    def __init__(self, use_lock: bool) -> None:
        self.items: list[int] = []
        self.lock: Any = threading.Lock() if use_lock else contextlib.nullcontext()
        self.operations = 0  # every append and removal adds one, by read-modify-write
        self.producer_done = threading.Event()


class TracedShared(SharedList):
    """The lab's SharedList: its lock traced and its counter's reads and writes noted, so the
    timeline can show who waited and held, and mark each lost update where it happened."""

    operations = TrackedValue()

    def __init__(self, use_lock: bool, recorder: LockRecorder) -> None:
        self.update_recorder = recorder
        super().__init__(use_lock)
        if use_lock:
            self.lock = recorder.lock(self.lock, "Lock")


def count_operation(shared: SharedList) -> None:
    """``shared.operations += 1`` written out as its three steps.

    ``time.sleep(0)`` between the read and the write lets the other thread run there, as any
    I/O call or the interpreter's own thread switch could. Without the lock, a write then
    overwrites the other thread's update: a lost update.
    """
    value = shared.operations  # read
    time.sleep(0)  # a switch point
    shared.operations = value + 1  # write back what was read, plus one


def _pause(cancel: CancelToken, delay_s: float) -> None:
    if delay_s > 0 and cancel.wait(delay_s):
        raise RunCancelled("run cancelled")
    cancel.check()


def producer(
    shared: SharedList, n: int, delay_s: float, log: Callable[[str], None], cancel: CancelToken
) -> int:
    """Append 1..n to the shared list, one at a time, under the lock."""
    try:
        for number in range(1, n + 1):
            with shared.lock:
                shared.items.append(number)
                count_operation(shared)
                log(f"Added {number} to the list")
            _pause(cancel, delay_s)
    finally:
        shared.producer_done.set()
    return n


def consumer(
    shared: SharedList, n: int, delay_s: float, log: Callable[[str], None], cancel: CancelToken
) -> int:
    """Remove items from the front of the list until n are gone (or the producer stopped)."""
    removed = 0
    while removed < n:
        with shared.lock:
            if shared.items:
                item = shared.items.pop(0)
                count_operation(shared)
                removed += 1
                log(f"Removed {item} from the list")
            elif shared.producer_done.is_set():
                break  # nothing left and nothing coming
            else:
                log("List is empty, nothing to remove yet")
        _pause(cancel, delay_s)
    return removed


def _logger(ctx: RunContext, began: float, enabled: bool) -> Callable[[str], None]:
    """A log through ``ctx.print``: '+12.3 ms  Added 1 to the list', at most LOG_LIMIT lines."""
    lines = [0]

    def log(text: str) -> None:
        if not enabled:
            return
        lines[0] += 1
        if lines[0] <= LOG_LIMIT:
            stamp = (time.perf_counter() - began) * 1000
            ctx.print(f"+{stamp:.1f} ms  {text}", threading.current_thread().name)
        elif lines[0] == LOG_LIMIT + 1:
            ctx.print(f"… further operations are not logged (limit {LOG_LIMIT})")

    return log


def run_phase(
    ctx: RunContext, phase: str, n: int, delays_ms: tuple[float, float], logged: bool
) -> list[Any]:
    """Run producer and consumer in two real threads; one table row of what happened."""
    recorder = LockRecorder()
    shared = TracedShared(ctx.params["lock"], recorder)
    began = time.perf_counter()
    log = _logger(ctx, began, logged)
    jobs = [
        Job("producer", producer, (shared, n, delays_ms[0] / 1000, log, ctx.cancel)),
        Job("consumer", consumer, (shared, n, delays_ms[1] / 1000, log, ctx.cancel)),
    ]
    outcomes = run_threads(ctx, phase, jobs, recorder=recorder)
    wall_ms = (time.perf_counter() - began) * 1000
    done = {o.name: o.result or 0 for o in outcomes}
    added, removed = done.get("producer", 0), done.get("consumer", 0)
    expected = added + removed
    lost = expected - shared.operations
    ctx.print(f"Final list ({phase}): {_short(shared.items)}")
    lock = "threading.Lock" if ctx.params["lock"] else "none"
    return [
        phase,
        lock,
        added,
        removed,
        len(shared.items),
        expected,
        shared.operations,
        lost,
        round(wall_ms, 1),
    ]


def producer_consumer(ctx: RunContext) -> None:
    """The paced lesson with its log, then the same threads flat out to expose the race."""
    params = ctx.params
    rows = [
        run_phase(ctx, "paced", params["n"], (params["producer_ms"], params["consumer_ms"]), True)
    ]
    if params["race_n"]:
        rows.append(run_phase(ctx, "flat out", params["race_n"], (0.0, 0.0), False))
    ctx.set_table(
        [
            "phase",
            "lock",
            "added",
            "removed",
            "left in list",
            "counter expected",
            "counter actual",
            "lost updates",
            "wall (ms)",
        ],
        rows,
    )
    _conclude(ctx, rows)


def _conclude(ctx: RunContext, rows: list[list[Any]]) -> None:
    for row in rows:
        phase, lock, expected, actual, lost = row[0], row[1], row[5], row[6], row[7]
        ctx.note(
            f"{phase} ({'with' if lock != 'none' else 'without'} a lock): the counter "
            f"should read {expected} and reads {actual}: {lost} lost update(s)."
        )
    if not ctx.params["lock"]:
        ctx.note(
            "Without the lock both threads read the counter, one writes, and the other then "
            "writes its stale value over it. The paced phase usually hides this (the threads "
            "rarely meet); flat out they meet constantly. A race that passes slow tests is "
            "still a race."
        )
    else:
        ctx.note(
            "With the lock held around the whole read-modify-write, only one thread is ever "
            "between the read and the write, so no update can be lost."
        )


def _short(values: list[int]) -> str:
    return (
        str(values)
        if len(values) <= 20
        else f"[{', '.join(map(str, values[:20]))}, … ({len(values)} items)]"
    )


SCENARIO = register(
    Scenario(
        id="producer-consumer",
        title="Producer and consumer threads with a Lock",
        lesson="Threads sharing a list: threading.Lock",
        summary=(
            "One thread appends numbers to a list while another removes them from the front. "
            "Both touch the same list and the same counter, so each change is made while "
            "holding a threading.Lock. The log shows the two threads taking turns. Switch the "
            "lock off and the flat-out phase shows what it was preventing: both threads read "
            "the counter, both write it back, and one update silently disappears."
        ),
        when_to_use=(
            "Whenever more than one thread changes the same data and a change takes more than "
            "one step (read, compute, write). Keep the locked section short, and prefer a "
            "queue.Queue, which does the locking for you, when threads simply hand work over."
        ),
        params=(
            Param(
                "n",
                "Numbers (1..n)",
                "int",
                10,
                "How many numbers the producer adds in the paced phase.",
                1,
                100_000,
            ),
            Param(
                "lock",
                "Use a lock",
                "bool",
                True,
                "Guard each change with threading.Lock; off shows the race.",
            ),
            Param(
                "producer_ms",
                "Producer delay",
                "float",
                20.0,
                "Pause after each append in the paced phase (the lesson used 100 ms).",
                0,
                1000,
                unit="ms",
            ),
            Param(
                "consumer_ms",
                "Consumer delay",
                "float",
                40.0,
                "Pause after each removal attempt in the paced phase (the lesson used 200 ms).",
                0,
                1000,
                unit="ms",
            ),
            Param(
                "race_n",
                "Flat-out numbers",
                "int",
                2000,
                "Numbers for the flat-out phase without delays (0 skips it).",
                0,
                100_000,
            ),
        ),
        run=producer_consumer,
        code_objects=(SharedList, count_operation, producer, consumer, run_phase),
        extra_code="""
# The lesson in plain Python:
import threading
import time

shared_list = []
list_lock = threading.Lock()

def add_numbers():
    for i in range(1, 11):
        with list_lock:
            shared_list.append(i)
            print(f"Added {i} to the list")
        time.sleep(0.1)

def remove_numbers():
    for _ in range(10):
        with list_lock:
            if shared_list:
                print(f"Removed {shared_list.pop(0)} from the list")
            else:
                print("List is empty, nothing to remove")
        time.sleep(0.2)

threads = [threading.Thread(target=add_numbers), threading.Thread(target=remove_numbers)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("Final list:", shared_list)   # []
""",
        pool_sizes=(2,),
        fixed_pool="This lesson always runs two threads: one producer and one consumer.",
        views=("timeline", "cpu"),
        presets=(
            Preset(
                "No lock: lost updates",
                "The lock off and 20,000 numbers flat out: the two threads' read-modify-write "
                "steps interleave and the final count comes out wrong.",
                (("lock", False), ("race_n", 20_000)),
            ),
            Preset(
                "With the lock: every update kept",
                "The same 20,000 numbers with the lock: the count is always right.",
                (("lock", True), ("race_n", 20_000)),
            ),
        ),
        kinds=("threads",),
        order=4,
    )
)
