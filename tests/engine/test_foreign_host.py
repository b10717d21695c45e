"""The run host under other interpreters, for real: pyenv's 3.12 and 3.13 and a free-threaded
build where there is one. The host runs there on the standard library alone (no psutil, no
NumPy: none is installed in those interpreters), from a copy of the Qt-free packages."""

from __future__ import annotations

import os
import subprocess
import time

import pytest
from other_pythons import OTHER_PYTHONS

from desktop_app.engine.cancel import CancelToken
from desktop_app.engine.events import MeasurementStarted
from desktop_app.engine.host.client import RunHost
from desktop_app.engine.host.foreign import QT_FREE, engine_source
from desktop_app.engine.pythons import probe
from desktop_app.scenarios.registry import get_scenario

WAIT_S = 60.0


@pytest.fixture(params=OTHER_PYTHONS)
def other_python(request):
    return request.param()


def _run(host, scenario_id, params, cancel=None, consumer=None):
    scenario = get_scenario(scenario_id)
    return host.run(
        scenario,
        scenario.resolve(params),
        pool_sizes=(2,),
        repeats=1,
        consumer=consumer or (lambda _batch: None),
        cancel=cancel or CancelToken(),
    )


def test_the_host_runs_under_the_other_interpreter_and_says_so(other_python):
    info = probe(other_python)
    assert info is not None
    # that interpreter has no psutil (nor NumPy): the host below runs on its stdlib alone
    bare = subprocess.run([other_python, "-I", "-c", "import psutil"], capture_output=True)
    assert bare.returncode != 0
    host = RunHost(python=other_python)
    try:
        report = _run(host, "io-vs-cpu", {"n": 2, "io_ms": 5, "cpu_ms": 5})
        again = _run(host, "pool-timing", {"n": 8, "workload": "square"})  # the same host, warm
    finally:
        host.shutdown()
    assert report.state == "completed", report.errors[:1]
    assert again.state == "completed", again.errors[:1]
    env = report.environment
    assert env["python"] == ".".join(map(str, info.version))
    assert env["executable"] == info.path
    assert env["pid"] != os.getpid()
    assert env["timing_loop"] == "python"  # the compiled loop is built for this interpreter only
    gil = env["gil"]
    assert gil["free_threaded_build"] is info.free_threaded
    assert gil["workers_checked"] >= 4  # serial, 2 threads, 2 processes, the asyncio loop
    assert gil["off_during_tasks"] is info.free_threaded  # nothing here re-enables it
    assert {e.measurement.backend for e in report.runs} == {
        "serial",
        "threads",
        "processes",
        "asyncio",
    }
    worker_pids = {span.pid for entry in report.runs for span in entry.spans}
    assert len(worker_pids) >= 3  # the host and its two process workers


def test_a_cancel_reaches_the_other_interpreters_host_and_leaves_nothing(other_python):
    host = RunHost(python=other_python)
    cancel = CancelToken()
    started = []

    def consumer(batch):
        if any(isinstance(event, MeasurementStarted) for event in batch):
            started.append(time.monotonic())
            cancel.cancel()

    try:
        began = time.monotonic()
        report = _run(host, "io-vs-cpu", {"n": 64, "io_ms": 300, "cpu_ms": 300}, cancel, consumer)
    finally:
        host.shutdown()
    assert started and report.state == "cancelled"
    assert time.monotonic() - began < WAIT_S
    # the suite's fixture fails the test if the host or a worker of it is still alive


def test_the_engine_copy_holds_the_qt_free_packages_only(tmp_path):
    root = engine_source(cache=tmp_path)
    package = root / "desktop_app"
    assert sorted(p.name for p in package.iterdir()) == sorted(QT_FREE)
    assert not list(root.rglob("*ui*/*.py"))  # no ui/, so no Qt import can even be attempted
    assert engine_source(cache=tmp_path) == root  # the same content: the same copy, reused
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("making-")]


def test_an_interpreter_that_cannot_start_the_host_is_a_failed_run_with_a_record(tmp_path):
    fake = tmp_path / "python3"
    fake.write_text("#!/bin/sh\nexit 3\n")
    fake.chmod(0o755)
    host = RunHost(python=str(fake))
    try:
        report = _run(host, "pool-timing", {"n": 4, "workload": "square"})
    finally:
        host.shutdown()
    assert report.state == "failed"
    assert report.errors[0].type == "RunHostDied"
    assert "ended while starting (exit code 3)" in report.errors[0].message
