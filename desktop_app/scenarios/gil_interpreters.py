"""Lesson: GIL on and off, interpreters and processes — the same tasks on every Python found.

The same CPU-bound and I/O-bound tasks run on serial, threads, processes, subinterpreters and
asyncio, first on the interpreter running the lesson, then on each interpreter the user ticks,
each in a run host of its own started under that interpreter (engine/host/foreign.py). Every
part reports its interpreter's GIL verdict, so the table says side by side what each build did
with threads: on a GIL build, CPU-bound threads take turns; on a free-threaded build with the
GIL really off they run at once. What this machine could not show is said as plainly.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from ..engine.cancel import RunCancelled
from ..engine.events import OutputLine, Progress
from ..engine.executors.interpreters import unavailable_reason
from ..engine.gil import run_verdict
from ..engine.pythons import PythonInfo, discover, newest_by_family, this_python
from ..engine.stats import cpu_count, summarize
from ..workloads import burn_iterations, cpu_burn, io_wait, io_wait_async
from ._summary_cells import SCALING_COLUMNS, SPREAD_COLUMNS, fixed, scaling_cells, spread_cells
from .base import Param, Preset, Scenario
from .registry import register

if TYPE_CHECKING:
    from ..engine.context import RunContext

SERIES = ("cpu", "io")
BACKENDS = ("serial", "threads", "processes", "interpreters", "asyncio")
# The tick boxes: (parameter, label, the families it takes in)
FAMILIES = (
    ("py311", "Python 3.11", ("3.11",)),
    ("py312", "Python 3.12", ("3.12",)),
    ("py313", "Python 3.13", ("3.13",)),
    ("py314", "Python 3.14", ("3.14",)),
    ("free_threaded", "Free-threaded builds (3.13t, 3.14t)", ("3.13t", "3.14t", "3.15t")),
)
HOW_TO_GET_ONE = (
    "To get one: build CPython with ./configure --disable-gil (docs/free-threading.md has the "
    "commands), or install a 3.13t/3.14t with pyenv or uv; then give its path with "
    "--python, Run ▸ Python interpreter ▸ Other…, or CONCURRENCY_LAB_PYTHONS."
)


def measure_here(ctx: RunContext) -> None:
    """One interpreter's part (what a run host under another Python runs)."""
    measure_on(ctx, ctx.params["label"])


def measure_on(ctx: RunContext, label: str) -> None:
    """The same tasks on every backend this interpreter has, as series "cpu · 3.12" etc."""
    n, size = ctx.params["n"], ctx.pool_sizes[0]
    work = {
        "cpu": (cpu_burn, [burn_iterations(ctx.params["cpu_ms"])] * n),
        "io": (io_wait, [ctx.params["io_ms"] / 1000.0] * n),
    }
    missing = unavailable_reason()
    for repeat in range(ctx.repeats):
        for series, (func, items) in work.items():
            for backend in BACKENDS:
                if backend == "interpreters" and missing:
                    continue
                task = io_wait_async if backend == "asyncio" and series == "io" else func
                outcome = ctx.measure(
                    f"{series} · {label}",
                    backend,
                    size,
                    task,
                    items,
                    repeat=repeat,
                    chunksize=1,
                    bound=series,
                )
                ctx.print(f"{label} {series}: {backend} took {outcome.wall_s:.3f} s")
    if missing and ctx.repeats:
        ctx.note(f"{label}: no subinterpreters ({missing}).")


def compare_interpreters(ctx: RunContext) -> None:
    """This interpreter, then every ticked one found, each in a run host of its own."""
    here = this_python()
    others, unticked_missing = _chosen(ctx.params, here)
    names = ", ".join(info.short for info in others) or "no other"
    ctx.print(f"Running on {here.short} (this run host) and {names} interpreter(s)")
    measure_on(ctx, here.short)
    verdicts = {here.short: str(run_verdict()["summary"])}  # from this part's workers
    for info in others:
        ctx.check_cancel()
        verdicts[info.short] = _measure_elsewhere(ctx, info)
    _table(ctx, [here, *others], verdicts)
    for text in unticked_missing + _notes(ctx, [here, *others], verdicts):
        ctx.note(text)


def _chosen(params: dict[str, Any], here: PythonInfo) -> tuple[list[PythonInfo], list[str]]:
    """The newest interpreter of every ticked family but this one's; notes on ticked families
    with no interpreter on this machine."""
    newest = newest_by_family(discover())
    out, missing = [], []
    for name, label, families in FAMILIES:
        if not params.get(name):
            continue
        found = [newest[f] for f in families if f in newest and f != here.short]
        out.extend(found)
        if not found and not any(f == here.short for f in families):
            missing.append(f"{label}: ticked, but none was found on this machine.")
    return out, missing


def _measure_elsewhere(ctx: RunContext, info: PythonInfo) -> str:
    """Run ``measure_here`` in a run host under ``info``; copy its measurements in."""
    from ..engine.host.client import RunHost
    from ..engine.host.protocol import RunRequest

    ctx.print(f"Starting a run host under {info.label}")
    host = RunHost(python=info.path)
    request = RunRequest(
        ONE_INTERPRETER,
        dict(ctx.params, label=info.short),
        ctx.pool_sizes,
        ctx.repeats,
        ctx.timeout,
    )
    try:
        report = host.submit(request, lambda batch: _relay(ctx, batch, info.short), ctx.cancel)
    finally:
        host.shutdown()
    if report.state == "cancelled" or ctx.cancel.cancelled:
        raise RunCancelled("run cancelled")
    for entry in report.runs:
        m = entry.measurement
        ctx.record(
            m.series,
            m.backend,
            m.pool_size,
            m.repeat,
            entry.spans,
            entry.results,
            m.wall_s,
            m.startup_s,
            m.state,
            bound=m.bound,
        )
    for record in report.errors:
        ctx.report_error(record)
    for text in report.notes:
        ctx.note(text)
    return str((report.environment.get("gil") or {}).get("summary", "no verdict (run failed)"))


def _relay(ctx: RunContext, batch: Any, label: str) -> None:
    """The other host's output and progress, live (its measurements follow with its report)."""
    for event in batch:
        if isinstance(event, OutputLine):
            ctx.print(event.text, source=label)
        elif isinstance(event, Progress):
            ctx.progress(event.done, event.total)


def _speedups(ctx: RunContext) -> dict[tuple[str, str], float | None]:
    rows = summarize(entry.measurement for entry in ctx.report.runs)
    return {(row.series, row.backend): row.speedup for row in rows}


def _table(ctx: RunContext, pythons: list[PythonInfo], verdicts: dict[str, str]) -> None:
    """A row per interpreter, series and backend: median, repeats and spread, speedup against
    that interpreter's serial run, and the noise flag (a number never without its trust)."""
    rows = {(r.series, r.backend): r for r in summarize(e.measurement for e in ctx.report.runs)}
    table = []
    for info in pythons:
        for series in SERIES:
            for backend in BACKENDS:
                row = rows.get((f"{series} · {info.short}", backend))
                if row is None:
                    continue
                table.append(
                    [info.short, verdicts.get(info.short, "?"), series, backend,
                     fixed(row.median_s, 4), *spread_cells(row), *scaling_cells(row)]
                )  # fmt: skip
    columns = ["python", "GIL verdict", "series", "backend", "median (s)"]
    ctx.set_table([*columns, *SPREAD_COLUMNS, *SCALING_COLUMNS], table)


def _notes(ctx: RunContext, pythons: list[PythonInfo], verdicts: dict[str, str]) -> list[str]:
    """What this machine showed, and what it could not, in words."""
    speed = _speedups(ctx)
    size = ctx.pool_sizes[0]
    notes = []
    for info in pythons:
        threads = speed.get((f"cpu · {info.short}", "threads"))
        if threads is not None:
            notes.append(
                f"{info.short}: {size} threads ran the CPU-bound tasks {threads:.2f}× as fast as "
                f"serial ({verdicts.get(info.short, '?')})."
            )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    notes.append(
        f"Each figure is the median of {ctx.repeats} repeat(s)"
        + (
            f", taken at a 1-minute load average of {load:.1f} on {cpu_count()} cores"
            if load is not None
            else ""
        )
        + ": a busy machine (load above the cores) cannot show a speedup, whatever the GIL "
        "does. Use Repeats 5 or more for figures to trust."
    )
    if not any(info.free_threaded for info in pythons):
        notes.append(
            "No free-threaded interpreter ran here, so this run cannot show threads scaling "
            "CPU-bound work: every interpreter measured had the GIL on. " + HOW_TO_GET_ONE
        )
    if not any(info.version[:2] >= (3, 14) for info in pythons):
        notes.append(
            "Subinterpreters (InterpreterPoolExecutor) need Python 3.14; none measured here had "
            "it, so their column is empty."
        )
    return notes


def _params() -> tuple[Param, ...]:
    common = (
        Param("n", "Tasks", "int", 4, "tasks per backend", minimum=1, maximum=64),
        Param("cpu_ms", "CPU task", "int", 50, "computing per task", 1, 2000, unit="ms"),
        Param("io_ms", "I/O task", "int", 20, "waiting per task", 1, 2000, unit="ms"),
    )
    ticks = tuple(
        Param(name, label, "bool", True, f"also run on the newest {label} found")
        for name, label, _ in FAMILIES
    )
    return common + ticks


PLAIN = """
# The same comparison in plain Python: run this file with each interpreter you want to compare,
# e.g. python3.12 gil.py, then python3.14t gil.py.
import concurrent.futures
import sys
import sysconfig
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor


def burn(n):
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


def timed(label, run):
    began = time.perf_counter()
    run()
    print(f"{label}: {time.perf_counter() - began:.3f} s")


if __name__ == "__main__":
    free = sysconfig.get_config_var("Py_GIL_DISABLED") == 1
    print(sys.version, "free-threaded build" if free else "standard build")
    work = [2_000_000] * 4
    timed("serial", lambda: [burn(n) for n in work])
    pools = {"threads": ThreadPoolExecutor, "processes": ProcessPoolExecutor}
    interpreters = getattr(concurrent.futures, "InterpreterPoolExecutor", None)  # 3.14+
    if interpreters is not None:
        pools["subinterpreters"] = interpreters
    for name, pool_class in pools.items():
        with pool_class(2) as pool:
            list(pool.map(burn, [1] * 2))  # start the workers first: time the work alone
            timed(name, lambda: list(pool.map(burn, work)))
    gil_on = getattr(sys, "_is_gil_enabled", lambda: True)()
    print("GIL on after the imports" if gil_on else "GIL off after the imports")
"""

ONE_INTERPRETER = Scenario(  # not registered: what a run host under another Python runs
    id="gil-interpreters-part",
    title="GIL on and off: one interpreter's part",
    lesson="",
    summary="",
    when_to_use="",
    params=(),
    run=measure_here,
)

SCENARIO = register(
    Scenario(
        id="gil-interpreters",
        title="GIL on and off, interpreters and processes",
        lesson="Python's new concurrency: free threading and subinterpreters",
        summary=(
            "The same CPU-bound and I/O-bound tasks on threads, processes, subinterpreters and "
            "asyncio, on every Python interpreter you tick. On a standard build the GIL lets "
            "one thread run Python at a time, so CPU-bound threads do not scale and processes "
            "do; a free-threaded build (3.13t, 3.14t) with the GIL really off lets threads run "
            "at once; subinterpreters (3.14+) have a GIL each. Each interpreter's GIL verdict is "
            "checked inside its workers after their imports, since an extension module that "
            "does not declare free-threading support turns the GIL back on."
        ),
        when_to_use=(
            "Deciding between threads, processes and subinterpreters on the Python you deploy: "
            "measure them here, on that interpreter, instead of guessing."
        ),
        params=_params(),
        run=compare_interpreters,
        code_objects=(compare_interpreters, measure_on, cpu_burn, io_wait, io_wait_async),
        extra_code=PLAIN,
        pool_sizes=(2,),
        repeats=1,
        kinds=("serial", "threads", "processes", "interpreters", "asyncio"),
        order=90,
        views=("timing", "timeline"),
        presets=(
            Preset(
                "Longer CPU tasks: clearer speedups",
                "200 ms tasks on every interpreter found: on a GIL build two threads stay "
                "near 1x while processes near 2x; a free-threaded build's threads join them.",
                (("n", 4), ("cpu_ms", 200), ("io_ms", 20)),
                pool_size=2,
            ),
            Preset(
                "Only this interpreter",
                "No other interpreter: the lesson on the Python the run host runs under.",
                tuple((name, False) for name, _, _ in FAMILIES),
            ),
        ),
    )
)
