"""One test body across every executor kind, as CPython's test_concurrent_futures does."""

from __future__ import annotations

import threading
import time

import pytest

from desktop_app import workloads
from desktop_app.engine.cancel import CancelToken
from desktop_app.engine.executors import (
    PoolSizeError,
    UnknownKindError,
    all_kinds,
    effective_size,
    error_origins,
    executor_class,
    kind_names,
    make_executor,
)
from desktop_app.engine.executors.base import ACCEPTS_PICKLABLE, MapHooks

# Every registered kind, and those whose workers are processes: from the registry, never a list.
ALL_KINDS = list(kind_names())
PROCESS_KINDS = [kind for kind in ALL_KINDS if executor_class(kind).workers == "processes"]


def unavailable(kind: str) -> str | None:
    """Why ``kind`` cannot run on this Python (a kind that can always run has no such check)."""
    check = getattr(executor_class(kind), "unavailable", None)
    return check() if check is not None else None


def skip_if_unavailable(kind: str) -> None:
    reason = unavailable(kind)
    if reason is not None:
        pytest.skip(f"{kind}: {reason}")


@pytest.fixture(params=ALL_KINDS)
def executor(request):
    skip_if_unavailable(request.param)
    ex = make_executor(request.param, 2)
    yield ex
    ex.shutdown()


@pytest.fixture(params=PROCESS_KINDS)
def process_executor(request):
    ex = make_executor(request.param, 2)
    yield ex
    ex.shutdown()


def test_results_come_back_in_input_order_with_a_span_per_task(executor):
    outcome = executor.map(workloads.square, list(range(1, 41)), chunksize=3)
    assert outcome.state == "completed"
    assert outcome.results == [x * x for x in range(1, 41)]
    assert sorted(span.task for span in outcome.spans) == list(range(40))
    assert all(span.ok and span.end >= span.start for span in outcome.spans)
    assert outcome.errors == []


def test_a_task_exception_becomes_a_record_with_the_workers_traceback(executor):
    outcome = executor.map(workloads.square_fails_at_five, list(range(10)))
    assert outcome.state == "completed"
    assert outcome.results[5] is None and outcome.results[6] == 36
    (record,) = outcome.errors
    assert record.origin == executor.origin
    assert (record.type, record.message, record.task) == ("ValueError", "Deliberate exception", 5)
    assert "in square_fails_at_five" in record.traceback
    assert 'raise ValueError("Deliberate exception")' in record.traceback
    assert [span.ok for span in sorted(outcome.spans, key=lambda s: s.task)][5] is False


def test_system_exit_in_a_task_is_an_error_not_a_dead_worker(executor):
    outcome = executor.map(sys_exit_task, [1, 2])
    assert outcome.state == "completed"
    assert {r.type for r in outcome.errors} == {"SystemExit"}


def sys_exit_task(x):
    raise SystemExit(x)


def test_an_unpicklable_exception_is_reported_not_hung(executor):
    outcome = executor.map(workloads.raise_unpicklable, [1, 2, 3])
    assert outcome.state == "completed"
    assert len(outcome.errors) == 3
    assert all("cannot be pickled" in r.message for r in outcome.errors)


def test_an_unpicklable_result_is_reported_per_task(process_executor):
    outcome = process_executor.map(workloads.return_unpicklable, [1, 2])
    assert outcome.state == "completed"
    assert sorted(r.task for r in outcome.errors) == [0, 1]
    assert all("cannot be pickled" in r.message for r in outcome.errors)


def test_an_unpicklable_argument_is_reported(process_executor):
    items = [1, threading.Lock(), 3]
    outcome = process_executor.map(workloads.noop, items, chunksize=1)
    assert outcome.results[0] == 1 and outcome.results[2] == 3
    (record,) = outcome.errors
    assert record.task == 1 and "could not be sent" in record.message


@pytest.mark.parametrize(
    "fault, exitcode",
    [(workloads.kill_worker, -9), (workloads.exit_worker, 3), (workloads.segfault_worker, -11)],
)
def test_a_dead_worker_fails_the_run_then_the_pool_is_rebuilt(process_executor, fault, exitcode):
    began = time.perf_counter()
    outcome = process_executor.map(fault, [1], chunksize=1)
    # A hang guard, not a speed claim: a plain pool would wait forever (1 s on an idle machine).
    assert time.perf_counter() - began < 60
    assert outcome.state == "failed"
    record = outcome.errors[0]
    assert record.type == "WorkerDied" and record.exitcode == exitcode
    assert record.pid and f"pid {record.pid}" in record.message and record.task == 0
    assert process_executor.broken
    assert process_executor.start() > 0  # rebuilt
    assert process_executor.map(workloads.square, [3]).results == [9]


def test_a_dead_worker_with_more_chunks_than_in_flight_fails_the_run_not_the_call(
    process_executor,
):
    """Chunks still to send when a worker dies: the pool is marked broken before its futures
    fail, so the next submit raises. That chunk fails like the others and the death is
    reported with its pid and exit code; it escaped ``map`` as a bare BrokenProcessPool
    when the next chunks went out before the failed ones were looked at."""
    outcome = process_executor.map(workloads.exit_worker, [1] * 60, chunksize=1)
    assert outcome.state == "failed"
    died = [record for record in outcome.errors if record.type == "WorkerDied"]
    assert died and died[0].exitcode == 3 and died[0].pid
    assert process_executor.broken
    assert process_executor.map(workloads.square, [3]).results == [9]


def test_cancel_stops_a_hung_map_and_kills_its_workers(process_executor):
    cancel = CancelToken()
    timer = threading.Timer(0.3, cancel.cancel)
    timer.start()
    began = time.perf_counter()
    outcome = process_executor.map(workloads.hang, [1, 2, 3], cancel=cancel)
    assert outcome.state == "cancelled"
    assert time.perf_counter() - began < 60  # a hang guard only: the tasks never return
    assert not any(p.is_alive() for p in process_executor._processes)


def test_a_timeout_names_the_running_tasks(process_executor):
    outcome = process_executor.map(workloads.hang, [1, 2], chunksize=1, timeout=0.5)
    assert outcome.state == "failed"
    (record,) = outcome.errors
    assert record.type == "TimeoutError" and "task 0" in record.message


def test_threads_cancel_drops_queued_work():
    ex = make_executor("threads", 1)
    cancel = CancelToken()
    threading.Timer(0.2, cancel.cancel).start()
    try:
        outcome = ex.map(workloads.io_wait, [0.1] * 50, chunksize=1, cancel=cancel)
    finally:
        ex.shutdown()
    assert outcome.state == "cancelled"
    assert len(outcome.spans) < 50


def test_pools_start_once_and_stay_warm(executor):
    executor.start()
    assert executor.warm
    assert executor.start() == 0.0
    executor.map(workloads.square, [1, 2])
    assert executor.start() == 0.0


def test_worker_output_is_captured_and_bounded(executor):
    lines = []
    hooks = MapHooks(on_output=lambda text, source: lines.append((text, source)))
    outcome = executor.map(workloads.print_lines, [3, 5000], chunksize=1, hooks=hooks)
    assert outcome.results == [3, 5000]
    text = "".join(t for t, _ in lines)
    assert "line 0 from pid" in text
    assert "more characters of output dropped" in text
    assert len(text) < 200_000


def test_running_tasks_are_visible_while_they_run(executor):
    seen = []
    hooks = MapHooks(on_progress=lambda done, total, running: seen.extend(running))
    executor.map(workloads.io_wait, [0.3, 0.3], chunksize=1, hooks=hooks)
    assert {task for _, task, _ in seen} & {0, 1}


@pytest.mark.parametrize("size", [0, 65, -1, 2.5, "4", True])
def test_pool_size_is_checked(size):
    with pytest.raises(PoolSizeError):
        make_executor("processes", size)


def test_unknown_executor_kind():
    with pytest.raises(ValueError, match="choose from"):
        make_executor("gpu", 2)


# --- the registry of kinds ---------------------------------------------------------------------


def test_every_kind_describes_itself_under_its_registered_name():
    for kind in ALL_KINDS:
        cls = executor_class(kind)
        assert cls.kind == kind
        assert cls.label and cls.origin and cls.workers
        assert cls.fixed_size is None or effective_size(kind, 8) == cls.fixed_size
    assert effective_size("serial", 8) == 1 and effective_size("threads", 8) == 8


def test_the_error_origins_are_every_kinds_origins_once():
    expected = [o for cls in all_kinds() for o in (cls.origin, *cls.other_origins)]
    assert list(error_origins()) == list(dict.fromkeys(expected))
    assert {"thread", "process", "future", "pool"} <= set(error_origins())


def test_an_unknown_kind_names_the_registered_ones():
    with pytest.raises(UnknownKindError, match="choose from serial, threads"):
        make_executor("process", 2)  # the old spelling of "processes"


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_a_lambda_runs_where_the_kind_accepts_it_and_is_one_clear_record_where_not(kind):
    skip_if_unavailable(kind)
    executor = make_executor(kind, 2)
    try:
        outcome = executor.map(lambda x: x + 1, [1, 2, 3])
    finally:
        executor.shutdown()
    if executor.accepts == ACCEPTS_PICKLABLE:
        assert outcome.state == "failed" and len(outcome.spans) == 0
        ((record,),) = [outcome.errors]
        assert record.type == "TypeError" and "cannot be pickled" in record.message
        assert kind in record.message and "<lambda>" in record.message
    else:
        assert outcome.state == "completed" and outcome.results == [2, 3, 4]
