"""A test-only scenario, ``fault-matrix``: one fault on one backend, run like any lesson.

Registered by the tests (never at import, so the CLI, the window and the smoke tests of the
other suites never see it) and run through ``run_scenario``, the path the CLI and the window
take. Every function a worker runs comes from ``desktop_app.workloads`` (Qt-free, importable
in a child); this module only runs in the test process.

Run as a script (``python fault_scenario.py FAULT BACKEND``) it runs one cell in a fresh
interpreter: the way to watch a fault that ends the whole process (``os._exit`` in a thread).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from desktop_app import workloads
from desktop_app.engine.future_runs import run_futures
from desktop_app.engine.lesson_runs import Job, run_processes
from desktop_app.scenarios import registry
from desktop_app.scenarios.base import Param, Scenario

SCENARIO_ID = "fault-matrix"
OUTPUT_LINES = 25_000  # about 2 MB of printed text from one task
EXIT_CODE = 1
FAULTS = (
    "exception",
    "unpicklable-exception",
    "unpicklable-argument",
    "unpicklable-result",
    "exit",
    "kill",
    "segfault",
    "hang",
    "output",
)
BACKENDS = ("threads", "processes", "futures", "pool", "process")


def fault_task(fault: str) -> tuple[Callable[..., Any], Any]:
    """The workload function and the one argument that make ``fault`` happen (``none``: none)."""
    tasks: dict[str, tuple[Callable[..., Any], Any]] = {
        "none": (workloads.square, 7),
        "exception": (workloads.raise_in_task, "deliberate fault"),
        "unpicklable-exception": (workloads.raise_unpicklable, 0),
        "unpicklable-argument": (workloads.describe_argument, threading.Lock()),
        "unpicklable-result": (workloads.return_unpicklable, 0),
        "exit": (workloads.exit_with, EXIT_CODE),
        "kill": (workloads.kill_worker, 0),
        "segfault": (workloads.segfault_worker, 0),
        "hang": (workloads.hang, 0),
        "output": (workloads.print_lines, OUTPUT_LINES),
    }
    return tasks[fault]


def run_fault(ctx: Any) -> None:
    """One task that carries the fault, on the chosen backend, under the run's timeout."""
    fault, backend = ctx.params["fault"], ctx.params["backend"]
    func, argument = fault_task(fault)
    size = ctx.pool_sizes[0]
    timeout = ctx.timeout if ctx.timeout is not None else ctx.params["timeout"]
    series = f"{fault} on {backend}"
    job = Job(f"{fault}-job", func, (argument,))
    if backend == "process":
        run_processes(ctx, series, [job], timeout=timeout)
    elif backend == "futures":
        run_futures(ctx, series, [job], pool_size=size, timeout=timeout)
    else:
        ctx.measure(series, backend, size, func, [argument], timeout=timeout)


def make_scenario() -> Scenario:
    return Scenario(
        id=SCENARIO_ID,
        title="Fault matrix (tests only)",
        lesson="Reliability",
        summary="One task that breaks its worker, on one kind of worker.",
        when_to_use="In the reliability tests.",
        params=(
            Param("fault", "Fault", "choice", "none", choices=("none", *FAULTS)),
            Param("backend", "Backend", "choice", "threads", choices=BACKENDS),
            Param("timeout", "Timeout", "float", 20.0, minimum=0.1, maximum=120, unit="s"),
        ),
        run=run_fault,
        code_objects=(run_fault,),
        pool_sizes=(2,),
        kinds=("threads", "processes", "pool"),  # "futures" and "process" run on processes
        order=99,
    )


@contextmanager
def fault_scenario_registered() -> Iterator[Scenario]:
    """Register ``fault-matrix`` for a block, then take it out of the registry again.

    The registry has no public ``unregister`` (the app never needs one), so its dict is
    cleaned directly; without that, tests collected later would list a tenth scenario.
    """
    scenario = registry.register(make_scenario())
    try:
        yield scenario
    finally:
        registry._REGISTRY.pop(SCENARIO_ID, None)


def main(argv: list[str]) -> int:
    """``FAULT BACKEND [TIMEOUT]``: run one cell here; prints the state if the process survives.

    Returning then lets the interpreter exit as the app would, so a worker thread still stuck
    in the fault shows up as an exit that never comes.
    """
    from desktop_app.engine.context import run_scenario
    from desktop_app.engine.pools import PoolManager

    fault, backend, *rest = argv
    pools = PoolManager()
    with fault_scenario_registered() as scenario:
        try:
            report = run_scenario(
                scenario,
                scenario.resolve({"fault": fault, "backend": backend}),
                pools=pools,
                timeout=float(rest[0]) if rest else 20.0,
            )
        finally:
            pools.shutdown()
    print(f"survived: {report.state}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
