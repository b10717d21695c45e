"""Lesson 7: a thread pool computing factorials — results in input order, work in any order."""

from __future__ import annotations

import functools
import time
from collections import Counter
from typing import TYPE_CHECKING

from ..workloads import factorial
from .base import Param, Preset, Scenario
from .registry import register

if TYPE_CHECKING:
    from ..engine.context import RunContext

PRINT_LIMIT = 20  # past this, lines of 5,000-digit numbers teach nothing: the table summarises
LEADING_DIGITS = 12
# Each task waits this share of wait_ms first, by its number: neighbours wait different times
# (tasks 1-4 wait 0.2, 0.6, 0.4, 0.8), so tasks started together finish in another order.
# Steps of a fifth of the default 50 ms are 10 ms apart: far more than a loaded machine's
# sleep jitter, so the defaults show the lesson's point every run (pure factorials of 1..10
# finished in input order every time: each is done before the next thread starts).
WAIT_SHARES = (1.0, 0.2, 0.6, 0.4, 0.8)


def factorial_after_wait(number: int, wait_s: float) -> int:
    """n! after waiting ``wait_s`` seconds first, like a call that fetches its input."""
    if wait_s > 0:
        time.sleep(wait_s * WAIT_SHARES[number % len(WAIT_SHARES)])
    return factorial(number)


def thread_pool_factorials(ctx: RunContext) -> None:
    """``ThreadPoolExecutor(size).map(factorial, 1..n)``, then both orders side by side."""
    numbers = list(range(1, ctx.params["n"] + 1))
    size = ctx.pool_sizes[0]
    work = functools.partial(factorial_after_wait, wait_s=ctx.params["wait_ms"] / 1000)
    # One number per task, as ThreadPoolExecutor.map submits them.
    outcome = ctx.measure("factorial", "threads", size, work, numbers, chunksize=1)
    spans = {span.task: span for span in outcome.spans}
    finished = sorted(spans, key=lambda task: spans[task].end)
    rank = {task: place + 1 for place, task in enumerate(finished)}
    if len(numbers) <= PRINT_LIMIT:
        ctx.print("In input order (what executor.map returns):")
        for number, result in zip(numbers, outcome.results, strict=True):
            ctx.print(f"Factorial of {number} is {result}")
        ctx.print("In completion order (when each task finished):")
        for task in finished:
            ctx.print(
                f"Factorial of {numbers[task]} is {outcome.results[task]}  ({spans[task].thread})"
            )
    summaries = _digit_summaries(outcome.results)
    rows = []
    for task, number in enumerate(numbers):
        digits, text = summaries[task]
        span = spans.get(task)
        rows.append([number, text, digits, span.thread if span else "", rank.get(task)])
    ctx.set_table(["n", "n!", "digits", "worker", "finished #"], rows)
    if outcome.state == "completed":
        _notes(ctx, numbers, finished, spans, summaries, size)


def _notes(
    ctx: RunContext,
    numbers: list[int],
    finished: list[int],
    spans: dict,
    summaries: list[tuple[int, str]],
    size: int,
) -> None:
    """What this run showed about order and about the workers, from its spans."""
    out_of_order = sum(1 for place, task in enumerate(finished) if task != place)
    if out_of_order:
        ctx.note(
            f"{out_of_order} of {len(numbers)} tasks finished in a different place than "
            "their input position, yet map() still returned the results in input order: "
            "it waits for each result in turn."
        )
    else:
        ctx.note(
            f"All {len(numbers)} tasks happened to finish in input order this time (each "
            "took so little time that the next one had not started yet); map() would "
            "return them in input order either way. Raise the wait to see them overtake "
            "each other."
        )
    used = Counter(span.thread for span in spans.values())
    ctx.note(
        f"{len(used)} of the pool's {size} threads ran tasks: "
        + ", ".join(f"{name} ran {count}" for name, count in sorted(used.items()))
        + "."
    )
    digits, _ = summaries[-1]
    if digits > 15:
        ctx.note(
            f"{numbers[-1]}! has {digits:,} digits, so the table shows its first "
            f"{LEADING_DIGITS} digits and the count. Python ints never overflow; only "
            "printing one past 4,300 digits needs sys.set_int_max_str_digits()."
        )
    waited = (
        "The waits overlapped (a sleeping thread releases the GIL), which is why later tasks "
        "could overtake earlier ones. "
        if ctx.params["wait_ms"] > 0
        else ""
    )
    ctx.note(
        f"{waited}All threads share one GIL: factorials are computation, so the threads take "
        "turns computing rather than running at once. The pool keeps the order bookkeeping "
        "for you; for speed on CPU work a process pool is the tool."
    )


def _digit_summaries(values: list[int]) -> list[tuple[int, str]]:
    """(digit count, text) per value: the whole number when short, else its leading digits.

    Converting a 16,000-digit int to text is slow and, past 4,300 digits, refused by Python;
    a running power of ten (the values mostly grow) gives the count and the lead cheaply.
    """
    out = []
    digits, power = 1, 10  # power == 10 ** digits
    for value in values:
        if value is None:
            out.append((0, ""))
            continue
        magnitude = abs(value)
        if magnitude < 10**15:
            out.append((len(str(magnitude)), str(value)))
            continue
        while magnitude >= power:
            power *= 10
            digits += 1
        while magnitude < power // 10:
            power //= 10
            digits -= 1
        lead = magnitude // (power // 10**LEADING_DIGITS)
        out.append((digits, f"{'-' if value < 0 else ''}{lead}…"))
    return out


SCENARIO = register(
    Scenario(
        id="thread-pool-factorial",
        title="Thread pool: factorials with ThreadPoolExecutor",
        lesson="Thread pools",
        summary=(
            "A ThreadPoolExecutor computes n! for every n from 1 to a chosen limit. Tasks "
            "finish in whatever order the threads get to them, yet executor.map hands the "
            "results back in input order. Each task first waits a little, as a download "
            "would, so tasks started together finish in another order. The run shows both "
            "orders, which thread computed "
            "each factorial, and how the numbers grow to thousands of digits."
        ),
        when_to_use=(
            "A thread pool is the simple way to run many small independent calls and collect "
            "their results in order, and it shines when those calls wait on I/O. For pure "
            "computation like this one, the GIL lets one thread compute at a time: the pool "
            "organises the work but does not speed it up."
        ),
        params=(
            Param(
                "n",
                "Numbers (1..n)",
                "int",
                10,
                "Compute the factorial of every number from 1 to n (2000! has 5,736 digits).",
                1,
                5000,
            ),
            Param(
                "wait_ms",
                "Wait before computing",
                "int",
                50,
                "Each task first waits part of this time (a fifth to all of it, by its number), "
                "like a call that fetches its input; 0 computes only.",
                0,
                2000,
                unit="ms",
            ),
        ),
        run=thread_pool_factorials,
        code_objects=(factorial, factorial_after_wait, thread_pool_factorials),
        extra_code="""
# The lesson in plain Python:
import concurrent.futures

def factorial(n):
    result = 1
    for k in range(2, n + 1):
        result *= k
    return result

if __name__ == "__main__":
    numbers = range(1, 11)
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as executor:
        results = executor.map(factorial, numbers)      # results come back in input order
        for number, result in zip(numbers, results):
            print(f"Factorial of {number} is {result}")
""",
        pool_sizes=(4,),
        presets=(
            Preset(
                "Compute only: the order usually holds",
                "No wait: each tiny factorial is done before the next thread starts, so the "
                "tasks finish in input order, and map() returns that order either way.",
                (("n", 10), ("wait_ms", 0)),
            ),
            Preset(
                "Huge numbers",
                "Factorials up to 2000!: 5,736 digits, and Python's ints never overflow.",
                (("n", 2000), ("wait_ms", 0)),
            ),
        ),
        kinds=("threads",),
        order=7,
    )
)
