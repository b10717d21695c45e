"""Types of the compiled hot loop (_hotloop.c); the loop itself is documented there."""

from array import array
from collections.abc import Callable, Iterator
from typing import Any

VERSION: int
TICKS: int  # 1 where the loop can read the time-stamp counter (x86 Linux)

def run_tasks(
    func: Callable[[Any], Any],
    items: Iterator[Any],
    results: list[Any],
    marks: array,
    read_at: Callable[[int], None],
    read: Callable[[float], None],
    board: memoryview | array | None,
    index: int,
    task: float,
    stopped: Callable[[], bool],
    cpu_clock: Callable[[], float],
    step: float,
    ticks: bool,
    /,
) -> None: ...
