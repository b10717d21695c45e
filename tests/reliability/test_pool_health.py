"""Warm pools that lost workers between runs (issue 20, items 1 and 9), through the run host.

Item 1: SIGKILL an idle worker of the host's warm pool, then Run again: the pool is checked
before reuse, rebuilt quietly, the loss is a note on the run (not a record blamed on it) and
the run completes. Item 9: SIGKILL the host's forkserver: its workers' sentinels close although
the workers live on; the app must not report them as dead workers (exit code 255), must kill
them, report one accurate record and start a fresh forkserver. Each cell runs on every kind of
process worker that is kept warm (``futures`` is the process-pool lesson's own executor).
"""

from __future__ import annotations

import os
import signal
import time

import psutil
import pytest
from _process_roles import FORKSERVER, is_mp_helper
from _process_watch import alive, wait_for, workers
from fault_scenario import fault_scenario_registered

from desktop_app.engine.cancel import CancelToken
from desktop_app.engine.events import ErrorRaised
from desktop_app.engine.host.client import RunHost
from desktop_app.engine.host.protocol import RunRequest

WAIT_S = 60.0  # hang guard only: a loaded 2-core machine
WARM_BACKENDS = ("processes", "futures", "pool")


@pytest.fixture(scope="module")
def fault_scenario():
    with fault_scenario_registered() as scenario:
        yield scenario


@pytest.fixture
def host():
    host = RunHost()
    yield host
    host.shutdown()


def _run(host, scenario, backend):
    events: list = []
    request = RunRequest(scenario, scenario.resolve({"fault": "none", "backend": backend}), (2,), 1)
    began = time.perf_counter()
    report = host.submit(request, events.extend, CancelToken())
    records = [e.record for e in events if isinstance(e, ErrorRaised)]
    return report, records, time.perf_counter() - began


def _forkserver(host_pid: int) -> psutil.Process:
    (server,) = [
        p
        for p in psutil.Process(host_pid).children()
        if is_mp_helper(p) and FORKSERVER in " ".join(p.cmdline())
    ]
    return server


def _dead_or_zombie(process: psutil.Process) -> bool:
    try:
        return process.status() == psutil.STATUS_ZOMBIE
    except psutil.Error:
        return True


@pytest.mark.timeout(120)
@pytest.mark.parametrize("backend", WARM_BACKENDS)
def test_a_worker_killed_while_idle_is_replaced_quietly(host, fault_scenario, backend, figures):
    first, _, _ = _run(host, fault_scenario, backend)
    assert first.state == "completed", first.errors
    pool = workers(host.pid)
    assert len(pool) == 2, pool
    victim = pool[0]
    victim.kill()
    assert wait_for(lambda: not alive([victim]), WAIT_S)
    report, records, took = _run(host, fault_scenario, backend)
    assert (report.state, report.errors, records) == ("completed", [], []), [
        (r.type, r.message) for r in records
    ]
    assert report.runs[-1].results == [49]
    assert any(f"pid {victim.pid}" in note and "rebuilt" in note for note in report.notes), (
        report.notes
    )
    assert victim.pid not in [p.pid for p in workers(host.pid)]
    again, _, _ = _run(host, fault_scenario, backend)  # and the rebuilt pool stays warm
    assert again.state == "completed" and not any("rebuilt" in n for n in again.notes)
    figures[f"idle worker killed, {backend}"] = f"next run completed in {took * 1000:.0f} ms"


@pytest.mark.timeout(120)
@pytest.mark.parametrize("backend", WARM_BACKENDS)
def test_a_killed_forkserver_is_reported_once_and_its_workers_do_not_outlive_it(
    host, fault_scenario, backend, figures
):
    first, _, _ = _run(host, fault_scenario, backend)
    assert first.state == "completed", first.errors
    pool = workers(host.pid)
    server = _forkserver(host.pid)
    cut_off = [p for p in pool if p.pid != server.pid]
    assert len(cut_off) == 2, pool
    os.kill(server.pid, signal.SIGKILL)
    assert wait_for(lambda: _dead_or_zombie(server), 10)
    report, records, took = _run(host, fault_scenario, backend)
    assert report.state == "completed", report.errors
    assert report.runs[-1].results == [49]
    assert [r.type for r in records] == ["ForkserverDied"], [r.message for r in records]
    (record,) = records
    # the pid always; how it ended when the app reaped it (Pool may have got there first)
    assert f"forkserver died (pid {server.pid}" in record.message
    assert "WorkerDied" not in [r.type for r in report.errors]
    assert wait_for(lambda: not alive(cut_off), 5), "the cut-off workers outlived the app's pool"
    fresh = _forkserver(host.pid)
    assert fresh.pid != server.pid
    figures[f"forkserver killed, {backend}"] = (
        f"next run completed in {took * 1000:.0f} ms, one record, "
        f"{len(alive(cut_off))} of {len(cut_off)} cut-off workers left"
    )
