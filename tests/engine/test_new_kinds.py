"""What the asyncio and interpreters kinds add beyond the shared body in test_executors.py."""

from __future__ import annotations

import asyncio
import threading
import time
import types

import pytest

from desktop_app import workloads
from desktop_app.engine.cancel import CancelToken
from desktop_app.engine.executors import PoolStartError, error_origins, make_executor
from desktop_app.engine.executors.interpreters import InterpreterExecutor, unavailable_reason


def loop_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("lab-asyncio-loop")]


async def hang_async(x: int) -> None:
    await asyncio.sleep(3600)


async def fails_at_two(x: int) -> int:
    await asyncio.sleep(0)
    if x == 2:
        raise KeyError("two")
    return x


@pytest.fixture
def loop_executor():
    ex = make_executor("asyncio", 4)
    yield ex
    ex.shutdown()
    assert not loop_threads()


def _overlap(spans) -> bool:
    ordered = sorted(spans, key=lambda s: s.start)
    return any(b.start < a.end for a, b in zip(ordered, ordered[1:], strict=False))


def test_asyncio_awaits_coroutines_side_by_side(loop_executor):
    outcome = loop_executor.map(workloads.io_wait_async, [0.2] * 4, chunksize=1)
    assert outcome.state == "completed" and outcome.results == [0.2] * 4
    assert len(outcome.spans) == 4 and _overlap(outcome.spans)
    assert {span.worker for span in outcome.spans} == {outcome.spans[0].worker}
    assert "lab-asyncio-loop" in outcome.spans[0].worker  # the loop thread is the worker


def test_asyncio_runs_a_plain_function_on_the_loop_one_after_another(loop_executor):
    outcome = loop_executor.map(workloads.io_wait, [0.05] * 4, chunksize=1)
    assert outcome.state == "completed" and not _overlap(outcome.spans)


def test_asyncio_coroutine_errors_carry_their_origin_and_traceback(loop_executor):
    outcome = loop_executor.map(fails_at_two, [1, 2, 3], chunksize=1)
    assert outcome.results == [1, None, 3]
    (record,) = outcome.errors
    assert (record.origin, record.type, record.task) == ("asyncio", "KeyError", 1)
    assert "in fails_at_two" in record.traceback and 'raise KeyError("two")' in record.traceback


def test_asyncio_cancel_stops_awaiting_tasks_and_joins_the_loop(loop_executor):
    cancel = CancelToken()
    threading.Timer(0.3, cancel.cancel).start()
    began = time.perf_counter()
    outcome = loop_executor.map(hang_async, list(range(8)), chunksize=1, cancel=cancel)
    assert outcome.state == "cancelled"
    assert time.perf_counter() - began < 60  # a hang guard: the tasks never return
    assert not loop_threads()  # the loop's tasks were cancelled and its thread joined
    assert loop_executor.map(workloads.square, [3]).results == [9]  # rebuilt


def test_asyncio_timeout_names_the_running_task(loop_executor):
    outcome = loop_executor.map(hang_async, [1], chunksize=1, timeout=0.3)
    assert outcome.state == "failed"
    (record,) = outcome.errors
    assert record.origin == "asyncio" and record.type == "TimeoutError"
    assert "task 0" in record.message


def test_the_new_kinds_have_origins_of_their_own():
    assert {"asyncio", "interpreter"} <= set(error_origins())


# --- interpreters: available on 3.14+, a clear refusal before --------------------------------


@pytest.mark.parametrize(
    "version, has_pool, expected",
    [
        ((3, 11, 7), False, "needs Python 3.14 or newer; this is 3.11.7"),
        ((3, 13, 1), False, "needs Python 3.14 or newer; this is 3.13.1"),
        ((3, 14, 0), False, "this Python 3.14.0 has no concurrent.futures.InterpreterPoolExecutor"),
        ((3, 14, 0), True, None),
        ((3, 15, 2), True, None),
    ],
)
def test_interpreters_availability_is_decided_from_version_and_module(version, has_pool, expected):
    futures = types.ModuleType("concurrent.futures")
    if has_pool:
        futures.InterpreterPoolExecutor = object  # type: ignore[attr-defined]
    assert unavailable_reason(version, futures) == expected


def test_interpreters_on_an_older_python_is_one_clear_start_error():
    if InterpreterExecutor.unavailable() is None:
        pytest.skip("this Python has InterpreterPoolExecutor")
    ex = make_executor("interpreters", 2)
    try:
        with pytest.raises(PoolStartError) as caught:
            ex.map(workloads.square, [1, 2])
    finally:
        ex.shutdown()
    record = caught.value.record
    assert record.origin == "interpreter" and record.type == "PoolStartError"
    assert "needs Python 3.14 or newer; this is 3." in record.message
    assert not ex.warm


# --- through a run: the report's JSON carries each kind's own origin ---------------------------


def _run_on(kind: str, func, items):
    from desktop_app.engine.context import run_scenario
    from desktop_app.scenarios.base import Scenario

    def body(ctx) -> None:
        ctx.measure("s", kind, 2, func, items, chunksize=1)

    scenario = Scenario("kinds-probe", "probe", "probe", "", "", (), body, kinds=(kind,))
    return run_scenario(scenario, {}).to_json()


def test_an_asyncio_error_reaches_the_json_with_its_origin_and_traceback():
    doc = _run_on("asyncio", fails_at_two, [1, 2, 3])
    (error,) = doc["errors"]
    assert error["origin"] == "asyncio" and error["type"] == "KeyError"
    assert "in fails_at_two" in error["traceback"]


def test_interpreters_unavailable_is_one_record_in_a_failed_run_not_a_crash():
    if InterpreterExecutor.unavailable() is None:
        pytest.skip("this Python has InterpreterPoolExecutor")
    doc = _run_on("interpreters", workloads.square, [1, 2])
    assert doc["state"] == "failed"
    (error,) = doc["errors"]
    assert error["origin"] == "interpreter" and "needs Python 3.14 or newer" in error["message"]
