"""Issue 20, item 2: a pool the system refuses (ulimit -u, ulimit -n) is released and named.

Each case runs the engine (or the CLI) in a child process whose limits were lowered in a
``preexec_fn``. ``RLIMIT_NPROC`` binds no process of root, so as root the child runs under a
fresh uid through ``setpriv``, keeping only the capabilities that let it read the interpreter
under /root (reading files, never resources). Two runs share one ``PoolManager``, as the
window's run host does: the second, smaller one must work after the first was refused.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import time

import pytest
from _process_watch import REPO

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="rlimits as Linux counts them")

# Two runs on one PoolManager; prints what each left: state, records, live pool threads.
ENGINE = r"""
import json, sys, threading
from desktop_app.engine.context import run_scenario
from desktop_app.engine.executors import _refusals
from desktop_app.engine.pools import PoolManager
from desktop_app.scenarios.registry import get_scenario

if sys.argv[1] == "raw":  # no check beforehand: the system itself refuses mid-start
    _refusals.TASK_SCAN_BELOW = 0
    _refusals.FILES_HEADROOM = -10**6
scenario, pools, runs = get_scenario(sys.argv[2]), PoolManager(), []
for size in map(int, sys.argv[3:]):
    report = run_scenario(scenario, scenario.defaults(), pool_sizes=(size,), pools=pools)
    runs.append({
        "state": report.state,
        "errors": [[e.type, e.message, e.traceback] for e in report.errors],
        "pool_threads": sum(t.name.startswith(f"lab-threads-{size}_") for t in threading.enumerate()),
    })
pools.shutdown()
print(json.dumps(runs))
"""


def _as_limited_user(nproc: int) -> list[str]:
    """The command prefix that makes RLIMIT_NPROC bind: a fresh uid when we are root."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("setpriv (util-linux) is needed to drop root for RLIMIT_NPROC")
    uid = 40000 + os.getpid() % 20000  # a uid no one else runs tasks under
    caps = "+dac_read_search,+dac_override"
    return [
        "setpriv",
        f"--reuid={uid}",
        f"--regid={uid}",
        "--clear-groups",
        f"--inh-caps={caps}",
        f"--ambient-caps={caps}",
        "--",
    ]


def _limited(command: list[str], limit: int, value: int) -> subprocess.CompletedProcess:
    def lower() -> None:
        resource.setrlimit(limit, (value, value))

    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", HOME="/tmp", PYTHONPATH=str(REPO))
    return subprocess.run(
        command,
        preexec_fn=lower,
        env=env,
        cwd="/tmp",
        capture_output=True,
        text=True,
        timeout=120,  # hang guard only
    )


def _engine(prefix: list[str], mode: str, scenario: str, sizes: list[int], limit, value):
    began = time.monotonic()
    done = _limited(
        [*prefix, sys.executable, "-c", ENGINE, mode, scenario, *map(str, sizes)], limit, value
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    return json.loads(done.stdout.splitlines()[-1]), time.monotonic() - began


@pytest.mark.parametrize("mode", ["checked", "raw"])
def test_a_refused_thread_pool_is_released_and_the_next_run_works(mode, figures):
    runs, took = _engine(
        _as_limited_user(60), mode, "thread-pool-factorial", [64, 4], resource.RLIMIT_NPROC, 60
    )
    refused, after = runs
    assert refused["state"] == "failed"
    ((kind, message, traceback),) = refused["errors"]  # one record, no traceback in it
    assert kind == "PoolStartError" and traceback == ""
    assert "refuse" in message and "RLIMIT_NPROC" in message and "60" in message
    assert refused["pool_threads"] == 0  # every thread the failed start made was stopped
    assert after["state"] == "completed" and after["errors"] == []
    figures[f"ulimit -u 60, size 64 then 4 ({mode})"] = f"{took:.2f} s for both runs"


def test_too_few_open_files_is_named_and_the_next_run_works(figures):
    runs, took = _engine([], "checked", "io-vs-cpu", [32, 4], resource.RLIMIT_NOFILE, 64)
    refused, after = runs
    assert refused["state"] == "failed"
    ((kind, message, _),) = refused["errors"]
    assert kind == "PoolStartError" and "RLIMIT_NOFILE" in message and "64" in message
    assert after["state"] == "completed", after["errors"]
    figures["ulimit -n 64, io-vs-cpu 32 then 4"] = f"{took:.2f} s for both runs"


def test_the_cli_names_the_open_file_limit_without_a_traceback():
    done = _limited(
        [sys.executable, "-m", "desktop_app", "run", "process-pool", "--pool-sizes", "32"],
        resource.RLIMIT_NOFILE,
        64,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout
    assert "PoolStartError" in done.stdout and "RLIMIT_NOFILE" in done.stdout
