"""The task functions workers run.

Top-level and picklable, with no import heavier than the standard library, because every worker
process imports this module (a job defined next to Qt code made each child import Qt).
"""

from __future__ import annotations

import ctypes
import os
import signal
import threading
import time

# -- the lessons' own functions ------------------------------------------------------------


def square(x: int) -> int:
    """The lessons' classic task: almost no work, so pool overhead dominates its timing."""
    return x * x


def cube(x: int) -> int:
    return x * x * x


def factorial(n: int) -> int:
    """n! with a loop: the recursive version in many tutorials fails past ~1000 (recursion limit)."""
    if n < 0:
        raise ValueError(f"factorial is not defined for negative numbers ({n})")
    result = 1
    for k in range(2, n + 1):
        result *= k
    return result


def cpu_burn(iterations: int) -> int:
    """Pure-Python arithmetic that holds the GIL the whole time: the CPU-bound task."""
    total = 0
    for i in range(iterations):
        total += i * i % 7
    return total


def io_wait(seconds: float) -> float:
    """Real waiting with the GIL released, as a network or disk call would: the I/O-bound task."""
    time.sleep(seconds)
    return seconds


async def io_wait_async(seconds: float) -> float:
    """:func:`io_wait` as a coroutine: it awaits, so the event loop runs other tasks meanwhile."""
    import asyncio  # here, not at the top: every worker imports this module (+20 ms)

    await asyncio.sleep(seconds)
    return seconds


def noop(x: int) -> int:
    """A task that does nothing: measures the machinery's own cost per task."""
    return x


def square_fails_at_five(x: int) -> int:
    """The exceptions lesson's pool job: squares, except that 5 raises."""
    if x == 5:
        raise ValueError("Deliberate exception")
    return x * x


def raise_in_task(message: str) -> None:
    raise ValueError(message)


# -- faults, for the exceptions lesson and the reliability tests ------------------------------


class UnpicklableError(Exception):
    """An exception that cannot cross a process boundary (it carries a lock)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.lock = threading.Lock()


def raise_unpicklable(x: int) -> None:
    raise UnpicklableError(f"task {x} raised an exception that cannot be pickled")


def return_unpicklable(x: int) -> object:
    return threading.Lock()


def exit_worker(x: int) -> None:
    """Ends the worker process at once, as a C extension calling exit() would."""
    os._exit(3)


def exit_with(code: int) -> None:
    """``os._exit(code)``: the process ends at once, no exception, no clean-up, no traceback."""
    os._exit(code)


def kill_worker(x: int) -> None:
    """The worker SIGKILLs itself, as the kernel's out-of-memory killer would."""
    os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))
    time.sleep(10)


def segfault_worker(x: int) -> None:
    """A segmentation fault, as a buggy C extension would cause."""
    ctypes.string_at(0)


# Set only by release_hung_threads(): a child process never sees it, so there it hangs for good.
_RELEASE_HANGS = threading.Event()
_hanging = [0]  # hang() calls running in this process
_hanging_lock = threading.Lock()


def hang(x: int) -> None:
    """A task that never returns by itself; only a timeout or a cancel stops it.

    A process worker running it is killed. A thread cannot be killed, so in a thread it runs on
    after its run has timed out, until :func:`release_hung_threads` lets it go.
    """
    with _hanging_lock:
        _hanging[0] += 1
    try:
        while not _RELEASE_HANGS.wait(0.05):
            pass
    finally:
        with _hanging_lock:
            _hanging[0] -= 1


def hanging() -> int:
    """How many :func:`hang` calls are running in this process (threads only, in practice)."""
    return _hanging[0]


def release_hung_threads(timeout: float = 5.0) -> bool:
    """End every :func:`hang` running in a thread of this process; True once all have returned."""
    _RELEASE_HANGS.set()
    try:
        deadline = time.monotonic() + timeout
        while _hanging[0] and time.monotonic() < deadline:
            time.sleep(0.01)
        return _hanging[0] == 0
    finally:
        _RELEASE_HANGS.clear()


def describe_argument(value: object) -> str:
    """Names its argument's type: runs only where the argument arrived (threads share objects)."""
    return type(value).__name__


def print_lines(count: int) -> int:
    """A task that prints ``count`` lines (megabytes of output at large counts)."""
    for line in range(count):
        print(f"line {line} from pid {os.getpid()}: " + "x" * 60)
    return count


# -- helpers for the start/join, io-vs-cpu and pool-timing lessons ------------------------


def print_square(number: int, hold_s: float = 0.0) -> int:
    """The start/join lesson's first child: prints the square (after an optional wait)."""
    if hold_s > 0:
        time.sleep(hold_s)  # long enough and the two children visibly overlap
    print(f"Square: {number * number}")
    return number * number


def print_cube(number: int, hold_s: float = 0.0) -> int:
    """The start/join lesson's second child: prints the cube (after an optional wait)."""
    if hold_s > 0:
        time.sleep(hold_s)
    print(f"Cube: {number * number * number}")
    return number * number * number


def heavy_square(x: int, iterations: int = 0) -> int:
    """``square`` made CPU-heavy: burns ``iterations`` first, so the results stay the lesson's."""
    cpu_burn(iterations)
    return x * x


_BURN_RATE: list[float] = []  # cpu_burn iterations per second in this process, once measured


def burn_iterations(milliseconds: float) -> int:
    """How many ``cpu_burn`` iterations take about ``milliseconds`` on this machine.

    Measured once per process (best of three short bursts, so a busy moment does not skew
    it) and cached: tasks then cost a chosen time rather than a machine-dependent count.
    """
    if not _BURN_RATE:
        probe = 50_000
        best = float("inf")
        for _ in range(3):
            began = time.perf_counter()
            cpu_burn(probe)
            best = min(best, time.perf_counter() - began)
        _BURN_RATE.append(probe / max(best, 1e-6))
    return max(1, round(_BURN_RATE[0] * milliseconds / 1000.0))
