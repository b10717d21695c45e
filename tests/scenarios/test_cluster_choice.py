"""The map lessons on the ``dask`` kind: the same lesson, its pool swapped for a Dask cluster."""

from __future__ import annotations

import pytest
from _scenario_helpers import runner

from desktop_app.engine.executors.dask_kind import set_scheduler
from desktop_app.scenarios import io_vs_cpu, pool_timing, process_pool

pytest.importorskip("distributed")


@pytest.fixture(autouse=True)
def _own_cluster():
    set_scheduler("")
    yield
    set_scheduler(None)


def test_pool_timing_sweeps_the_lab_cluster_with_a_serial_baseline(pools):
    run = runner(pool_timing.SCENARIO, pool_sizes=(1, 2), repeats=1)
    report = run(pools, n=10, executor="dask")
    assert report.state == "completed", report.errors
    doc = report.to_json()
    assert [(r["backend"], r["pool_size"]) for r in doc["runs"]] == [
        ("serial", 1),
        ("dask", 1),
        ("dask", 2),
    ]
    assert all(r["results"] == [n * n for n in range(1, 11)] for r in doc["runs"])
    assert all(r["startup_s"] > 0 for r in doc["runs"] if r["backend"] == "dask")  # scaling
    assert [row[:2] for row in doc["table"]["rows"]] == [["serial", 1], ["dask", 1], ["dask", 2]]
    assert "LocalCluster on 127.0.0.1" in " ".join(doc["notes"])


def test_process_pool_names_each_dask_worker_by_pid_and_address(pools):
    report = runner(process_pool.SCENARIO, pool_sizes=(2,))(pools, n=6, executor="dask")
    assert report.state == "completed", report.errors
    workers = {row[3] for row in report.table_rows}
    assert workers and all(w.startswith("pid ") and " 127.0.0.1:" in w for w in workers)


def test_io_vs_cpu_runs_its_process_series_on_dask(pools):
    run = runner(io_vs_cpu.SCENARIO, pool_sizes=(2,), repeats=1)
    report = run(pools, n=2, io_ms=5, cpu_ms=5, executor="dask")
    assert report.state == "completed", report.errors
    backends = [row[1] for row in report.table_rows]
    assert backends == ["serial", "threads", "dask", "asyncio"] * 2
    assert "processes" not in backends
