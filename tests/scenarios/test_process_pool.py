"""process-pool: Pool.map's squares in input order, the notes worded from who ran what, and the
long-list shortening of the printed line."""

from __future__ import annotations

import os
from collections import Counter

from _scenario_helpers import runner

from desktop_app.scenarios import process_pool

SCENARIO = process_pool.SCENARIO
run = runner(SCENARIO)


def test_defaults_square_one_to_five_on_a_pool_of_four(pools):
    report = run(pools)
    assert report.state == "completed", report.errors
    (entry,) = report.to_json()["runs"]
    assert (entry["series"], entry["backend"], entry["pool_size"]) == ("square", "pool", 4)
    assert entry["results"] == [1, 4, 9, 16, 25]
    assert "Pool(4).map(square, [1, 2, 3, 4, 5]) -> [1, 4, 9, 16, 25]" in report.output
    rows = report.table_rows
    assert [list(row[:3]) for row in rows] == [[k, k, k * k] for k in range(1, 6)]
    workers = Counter(row[3] for row in rows)
    assert 1 <= len(workers) <= 4
    pids = {span.pid for span in report.runs[-1].spans}
    assert len(pids) == len(workers) and os.getpid() not in pids, "worker processes ran them"
    counts = ", ".join(f"{w} ran {c}" for w, c in sorted(workers.items()))
    assert report.notes[0] == (
        f"5 tasks ran on {len(workers)} worker process(es) of a pool of 4: {counts}"
    )
    assert report.notes[1].startswith("With more tasks (5) than workers (4), tasks queue")
    assert len(report.notes) == 2


def test_fewer_tasks_than_workers_says_some_got_none(pools):
    report = run(pools, n=2, pool_sizes=(4,))
    assert report.state == "completed", report.errors
    assert report.runs[-1].results == [1, 4]
    assert report.notes[0].startswith("2 tasks ran on ")
    assert report.notes[1].startswith("Some workers got no task")


def test_a_long_list_is_shortened_in_the_printed_line(pools):
    report = run(pools, n=30, chunksize=5, pool_sizes=(2,))
    assert report.state == "completed", report.errors
    assert report.runs[-1].results == [k * k for k in range(1, 31)]
    assert (
        "Pool(2).map(square, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, … (30 items)]) -> "
        "[1, 4, 9, 16, 25, 36, 49, 64, 81, 100, … (30 items)]"
    ) in report.output
    assert len(report.table_rows) == 30, "the table keeps every task"


def test_twelve_items_are_printed_whole_thirteen_are_shortened():
    assert process_pool._short(list(range(12))) == str(list(range(12)))
    assert process_pool._short(list(range(13))) == "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, … (13 items)]"
