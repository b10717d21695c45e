"""Helpers the scenario tests share (imported by module name: tests/scenarios is on sys.path)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import psutil

from desktop_app.engine.context import run_scenario
from desktop_app.engine.outputs.report import RunReport
from desktop_app.scenarios.base import Scenario


def runner(scenario: Scenario, **fixed) -> Callable[..., RunReport]:
    """``run(pools, cancel=None, consumer=None, **params)`` for one scenario.

    ``fixed`` holds run_scenario's own keywords (pool_sizes, repeats) as defaults.
    """

    def run(pools, cancel=None, consumer=None, **params) -> RunReport:
        options = {k: params.pop(k) for k in ("pool_sizes", "repeats") if k in params}
        options = {**fixed, **options}
        return run_scenario(
            scenario,
            scenario.resolve(params),
            pools=pools,
            cancel=cancel,
            consumer=consumer,
            **options,
        )

    return run


def workers_of_ours() -> list[psutil.Process]:
    """Descendants that are real workers: everything but multiprocessing's direct helpers.

    Under forkserver a worker's command line is the forkserver's, so only a direct child
    whose command line names the forkserver or the resource tracker is a helper.
    """
    me = os.getpid()
    out = []
    for child in psutil.Process().children(recursive=True):
        try:
            helper = child.ppid() == me and any(
                marker in " ".join(child.cmdline()) for marker in ("forkserver", "resource_tracker")
            )
            if not helper:
                out.append(child)
        except (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
            pass
    return out


def wait_for(condition: Callable[[], object], timeout: float = 10.0) -> bool:
    """Poll ``condition`` until it holds or ``timeout`` passes; the last answer wins."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return bool(condition())
