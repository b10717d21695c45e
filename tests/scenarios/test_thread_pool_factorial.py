"""thread-pool-factorial: the source's lines, both orders, and huge factorials summarised."""

from __future__ import annotations

import decimal
import math
import threading
import time

import pytest
from _scenario_helpers import runner

from desktop_app.engine.cancel import CancelToken
from desktop_app.scenarios import thread_pool_factorial
from desktop_app.scenarios.base import ParamError

SCENARIO = thread_pool_factorial.SCENARIO
run = runner(SCENARIO)


def test_factorials_of_one_to_ten_in_both_orders(pools):
    report = run(pools)
    assert report.state == "completed", report.errors
    expected = [f"Factorial of {k} is {math.factorial(k)}" for k in range(1, 11)]
    output = report.output
    first = output.index("In input order (what executor.map returns):")
    second = output.index("In completion order (when each task finished):")
    assert output[first + 1 : second] == expected
    completion = [line.split("  (")[0] for line in output[second + 1 :]]
    assert sorted(completion) == sorted(expected)
    assert "Factorial of 10 is 3628800" in output
    doc = report.to_json()
    (entry,) = doc["runs"]
    assert (entry["series"], entry["backend"], entry["pool_size"]) == ("factorial", "threads", 4)
    assert entry["results"] == [math.factorial(k) for k in range(1, 11)]
    assert len(entry["tasks"]) == 10
    rows = doc["table"]["rows"]
    assert doc["table"]["columns"] == ["n", "n!", "digits", "worker", "finished #"]
    assert [row[1] for row in rows] == [str(math.factorial(k)) for k in range(1, 11)]
    assert sorted(row[4] for row in rows) == list(range(1, 11))
    ends = {task["id"]: task["end_s"] for task in entry["tasks"]}
    by_end = sorted(range(10), key=lambda i: ends[i])
    assert [rows[i][4] for i in by_end] == list(range(1, 11))
    assert all(row[3].startswith("lab-threads") for row in rows)
    assert len(doc["notes"]) >= 2


def test_two_thousand_factorials_show_digit_counts(pools):
    report = run(pools, n=2000)
    assert report.state == "completed", report.errors
    assert not any(line.startswith("Factorial of") for line in report.output)
    results = report.runs[0].results
    assert results[1999] == math.factorial(2000)
    last = report.table_rows[-1]
    assert last[0] == 2000 and last[2] == 5736
    assert last[1] == str(decimal.Decimal(math.factorial(2000)))[:12] + "…"
    assert any("5,736 digits" in note for note in report.notes)


def test_report_json_holds_huge_factorials(pools):
    report = run(pools, n=1600)
    doc = report.to_json()
    assert doc["runs"][0]["results"][-1] == str(decimal.Decimal(math.factorial(1600)))


def test_digit_summaries_match_exact_decimal_text():
    values = [math.factorial(k) for k in (1, 17, 18, 25, 100, 1000, 3000)] + [10**15, -(10**20)]
    for value, (digits, text) in zip(
        values, thread_pool_factorial._digit_summaries(values), strict=True
    ):
        exact = str(decimal.Decimal(abs(value)))
        assert digits == len(exact)
        if digits <= 15:
            assert text == str(value)
        else:
            assert text == ("-" if value < 0 else "") + exact[:12] + "…"


def test_cancel_mid_run_stops_quickly(pools):
    token = CancelToken()
    timer = threading.Timer(0.3, token.cancel)
    timer.daemon = True
    began = time.perf_counter()
    timer.start()
    try:
        report = run(pools, cancel=token, n=5000)
    finally:
        timer.cancel()
    assert report.state == "cancelled"
    assert "Factorial of 5000" not in " ".join(report.output), "stopped before the last one"
    assert time.perf_counter() - began < 60  # a hang guard only, not a speed claim


@pytest.mark.parametrize("setting", ["n=0", "n=5001", "n=ten"])
def test_bad_values_are_refused(setting):
    with pytest.raises(ParamError):
        SCENARIO.parse_settings([setting])


def test_metadata_and_code():
    assert SCENARIO.id == "thread-pool-factorial" and SCENARIO.order == 7
    assert SCENARIO.param("n").maximum >= 2000
    code = SCENARIO.code()
    assert "def factorial" in code and "ThreadPoolExecutor" in code
