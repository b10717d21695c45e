"""Per-task thread CPU time: how it is shared out, and what it shows about the GIL.

The run-level tests assert bounds that load on the machine cannot break in the wrong direction:
threads holding the GIL can never add up to more than about one core however idle the machine
is, and another program on the cores only lowers a share.
"""

from __future__ import annotations

import os
import statistics
from array import array

import pytest

from desktop_app import workloads
from desktop_app.engine._worker import CPU_STEP, ChunkResult, run_chunk, task_shares
from desktop_app.engine.executors import make_executor
from desktop_app.engine.records import NO_CPU, shown_share


def test_readings_of_its_own_give_a_task_exactly_its_own_share():
    marks = array("d", [0.0, 1.0, 3.0, 4.0])
    shares = task_shares(marks, array("q", [0, 1, 2, 3]), array("d", [10.0, 10.5, 12.5, 12.5]))
    assert list(shares) == [0.5, 1.0, 0.0]


def test_a_run_of_short_tasks_shares_the_share_measured_over_the_run():
    marks = array("d", [0.0, 1.0, 2.0, 4.0, 5.0])  # four tasks; one reading over the first three
    shares = task_shares(marks, array("q", [0, 3, 4]), array("d", [0.0, 2.0, 3.0]))
    assert list(shares) == pytest.approx([0.5, 0.5, 0.5, 1.0])
    walls = [b - a for a, b in zip(marks, marks[1:], strict=False)]
    assert sum(s * w for s, w in zip(shares, walls, strict=True)) == pytest.approx(3.0)


def test_a_chunk_measures_every_task_and_a_failed_task_keeps_its_cpu_time():
    chunk = run_chunk(workloads.square_fails_at_five, 0, list(range(300)))
    starts, ends, ok = chunk.span_columns()
    shares = chunk.span_on_cpu()
    assert shares is not None and len(shares) == len(starts) == 300
    assert all(0 <= value for value in shares)
    assert not ok[5] and shares[5] > 0  # formatting its traceback was work on a CPU
    cpu = sum(s * (e - b) for s, b, e in zip(shares, starts, ends, strict=True))
    assert cpu <= (chunk.marks[-1] - chunk.marks[0]) * 1.05 + 1e-4


def test_busy_tasks_read_on_cpu_and_sleeping_tasks_read_waiting():
    burn = workloads.burn_iterations(5.0)
    busy = run_chunk(workloads.cpu_burn, 0, [burn] * 4).span_on_cpu()
    idle = run_chunk(workloads.io_wait, 0, [0.005] * 4).span_on_cpu()
    assert busy is not None and idle is not None
    busy_share, idle_share = statistics.mean(busy), statistics.mean(idle)
    assert idle_share < 0.3, idle_share  # asleep: off the CPU, whatever the load
    assert busy_share > idle_share + 0.2, (busy_share, idle_share, os.getloadavg())


def test_a_chunk_without_cpu_readings_gives_no_cpu_column():
    chunk = ChunkResult(0, 1, "MainThread")  # as asyncio's loop builds them
    chunk.results = [1, 2]
    chunk.marks = array("d", [0.0, 1.0, 2.0])
    assert len(chunk.span_columns()) == 3 and chunk.span_on_cpu() is None
    assert CPU_STEP < 50e-6  # the overhead benchmark's 50 µs tasks each get their own reading


def test_a_shown_share_is_clipped_and_unknown_is_nan():
    assert shown_share(1.00001) == 1.0
    assert shown_share(0.25) == 0.25
    assert shown_share(NO_CPU) != shown_share(NO_CPU)


def _shares(kind: str, tasks: int, milliseconds: float) -> tuple[list[float], float, float]:
    """(per-task on-CPU shares, total CPU seconds, wall seconds from first start to last end)."""
    executor = make_executor(kind, 2)
    try:
        burn = workloads.burn_iterations(milliseconds)
        outcome = executor.map(workloads.cpu_burn, [burn] * tasks, chunksize=1)
    finally:
        executor.shutdown()
    assert outcome.state == "completed"
    spans = list(outcome.spans)
    wall = max(s.end for s in spans) - min(s.start for s in spans)
    return [shown_share(s.on_cpu) for s in spans], sum(s.cpu for s in spans), wall


def test_cpu_bound_threads_take_turns_so_their_shares_add_up_to_one_core():
    shares, cpu, wall = _shares("threads", 8, 20.0)
    assert cpu <= wall * 1.1, (cpu, wall)  # the GIL: one core's worth at most, on any machine
    assert statistics.mean(shares) < 0.75, shares  # each thread waited about half its time
    assert cpu > 0.0


def test_cpu_bound_processes_do_not_wait_for_each_other():
    """Near 1 each: no GIL between processes. Only other programs on the two cores can lower
    it, and nothing in a test can stop them, so a machine with its cores taken is skipped,
    named with its load (the threads test above holds on any machine)."""
    load = os.getloadavg()[0]
    if load >= 1.5:
        pytest.skip(f"other programs hold the cores (load average {load:.1f} on 2 cores)")
    shares, _, _ = _shares("processes", 6, 20.0)
    assert all(0.0 < share <= 1.0 for share in shares), shares
    assert statistics.median(shares) > 0.6, (shares, os.getloadavg())
