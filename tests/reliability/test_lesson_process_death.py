"""A lesson's own ``Process`` killed mid-run is reported when it dies (issue 20, "also").

process-start-join starts its processes, then joins them all: a killed one used to be
reported only after every other one had finished (8.5 s later in that lesson). The record
must reach the consumer while the other process is still running: asserted as an order (the
record arrives before the survivor's span ends), not as a time; the delay is a figure.
"""

from __future__ import annotations

import signal
import time

import pytest

from desktop_app import workloads
from desktop_app.engine.context import run_scenario
from desktop_app.engine.events import ErrorRaised
from desktop_app.engine.lesson_runs import Job, run_processes
from desktop_app.scenarios.base import Param, Scenario

SURVIVOR_S = 3.0  # long enough that "when it dies" and "when the other ends" differ clearly


def _run(ctx) -> None:
    jobs = [
        Job("killed", workloads.kill_worker, (0,)),
        Job("survivor", workloads.io_wait, (ctx.params["survivor_s"],)),
    ]
    run_processes(ctx, "start and join", jobs, timeout=60.0)


SCENARIO = Scenario(
    id="lesson-process-death",
    title="A lesson Process killed (tests only)",
    lesson="Reliability",
    summary="Two processes, one killed.",
    when_to_use="In the reliability tests.",
    params=(Param("survivor_s", "Survivor", "float", SURVIVOR_S, minimum=0.1, maximum=30),),
    run=_run,
    code_objects=(_run,),
    pool_sizes=(1,),
    order=99,
)


@pytest.mark.timeout(60)
def test_a_killed_lesson_process_is_reported_while_the_other_still_runs(figures):
    arrivals: list[tuple[float, object]] = []

    def consumer(batch) -> None:
        now = time.perf_counter()
        arrivals.extend((now, e.record) for e in batch if isinstance(e, ErrorRaised))

    began = time.perf_counter()
    report = run_scenario(SCENARIO, SCENARIO.resolve({}), consumer=consumer)
    assert report.state == "failed"
    [(arrived, record)] = arrivals
    assert (record.type, record.exitcode, record.task) == ("WorkerDied", -signal.SIGKILL, 0)
    assert "killed" in record.message and "SIGKILL" in record.message
    assert report.errors == [record]  # once, not again when the others are joined
    spans = {span.task: span for span in report.runs[-1].spans}
    assert list(spans) == [1], "only the survivor reports a span"
    survivor = spans[1]
    assert arrived < survivor.end, "the death was reported only after the survivor ended"
    figures["lesson Process killed"] = (
        f"reported {(arrived - began) * 1000:.0f} ms after the run began, "
        f"{(survivor.end - arrived):.2f} s before the survivor ended"
    )
