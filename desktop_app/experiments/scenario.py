"""A user's experiment as a :class:`Scenario`: the same run path, statistics, views and exports
as a lesson.

:func:`experiment_scenario` builds the scenario from what :func:`describe` read (parsed, never
executed: the window calls it); its ``run`` is an :class:`ExperimentRun`, a frozen record of the
target that pickles by value to the run host, where :func:`run_experiment` loads the file,
measures serial first (the reference) and then every chosen executor at every pool size, and
checks that each returned serial's results in input order.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..engine.executors import ACCEPTS_PICKLABLE, executor_class, kind_names
from ..engine.records import ErrorRecord
from ..scenarios.base import Param, Scenario
from .inputs import first_unpicklable, load_inputs
from .loader import ExperimentError, Target, load_module, resolve_function
from .task import UserTask, task_for

if TYPE_CHECKING:
    from ..engine.context import RunContext

LESSON = "My experiments"
DEFAULT_KINDS = ("threads", "processes")
TABLE_ROWS = 1000  # inputs and serial results shown in the results table
SHOWN = 60  # characters of a value quoted in a message


@dataclass(frozen=True)
class ExperimentInfo:
    """What the file says without running it: its summary, source and functions."""

    target: Target
    source: str
    summary: str = ""
    functions: tuple[str, ...] = ()
    problem: str = ""  # a syntax error or a missing task, found by parsing


def describe(target: Target) -> ExperimentInfo:
    """Read and parse the file (no execution). Raises ExperimentError if it cannot be read."""
    path = target.location if target.kind == "path" else _module_file(target)
    try:
        with open(path, encoding="utf-8") as handle:
            source = handle.read()
    except FileNotFoundError:
        raise ExperimentError(f"{path}: the file is gone (deleted, moved or renamed)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ExperimentError(f"{path}: cannot be read: {exc}") from None
    try:
        tree = ast.parse(source, path)
    except SyntaxError as exc:
        problem = f"{path}, line {exc.lineno}: syntax error: {exc.msg}"
        return ExperimentInfo(target, source, problem=problem)
    functions = tuple(
        node.name for node in tree.body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    )
    problem = ""
    if target.function not in functions and not _binds(tree, target.function):
        problem = f"{path}: no function named {target.function!r}"
    return ExperimentInfo(target, source, ast.get_docstring(tree) or "", functions, problem)


def _binds(tree: ast.Module, name: str) -> bool:
    return any(
        isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
        for node in tree.body
    )


def _module_file(target: Target) -> str:
    import importlib.util
    import sys

    if target.folder not in sys.path:
        sys.path.insert(0, target.folder)
    try:
        spec = importlib.util.find_spec(target.location)
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.origin or not os.path.isfile(spec.origin):
        raise ExperimentError(f"module {target.location}: not found")
    return spec.origin


def experiment_params() -> tuple[Param, ...]:
    """A check box per executor kind (serial always runs: it is the reference), the inputs'
    count and the chunk size. Derived from the registry, so a new kind appears by itself."""
    kinds = tuple(
        Param(
            kind,
            f"Run on {kind}",
            "bool",
            kind in DEFAULT_KINDS,
            f"Measure the task on the {kind} executor too (serial always runs: its results "
            "are the reference the others must equal)",
        )
        for kind in kind_names()
        if kind != "serial"
    )
    return (
        *kinds,
        Param("n", "Inputs (0 = the file's)", "int", 0, "Use inputs(n), or range(n)", 0, 1_000_000),
        Param("chunksize", "Chunk size (0 = auto)", "int", 0, "Tasks sent at a time", 0, 100_000),
    )


@dataclass(frozen=True)
class ExperimentRun:
    """The scenario's ``run``: pickles by value (a target and an expression) to the host."""

    target: Target
    inputs_expr: str | None = None
    # The inputs the CLI already made while checking the file, in its own process (so
    # ``inputs()`` runs once); the window leaves it empty: the host makes them.
    inputs: tuple[Any, ...] | None = field(default=None, compare=False, repr=False)

    def __call__(self, ctx: RunContext) -> None:
        run_experiment(ctx, self)


def experiment_scenario(
    info: ExperimentInfo,
    inputs_expr: str | None = None,
    pool_sizes: Sequence[int] = (1, 2),
    inputs: Sequence[Any] | None = None,
) -> Scenario:
    """The scenario of one experiment file; its id is stable across edits of the file."""
    target = info.target
    summary = info.summary or f"Your function {target.function}() from {target.file_label}."
    if info.problem:  # seen by parsing: say it before the user presses Run
        summary = f"This file cannot run as it is: {info.problem}.\n\n{summary}"
    return Scenario(
        id=f"experiment:{target.location}:{target.function}",
        title=target.name,
        lesson=LESSON,
        summary=summary,
        when_to_use=(
            "Your own function on every executor and pool size: serial runs first and its "
            "results are the reference every other executor must return, in input order."
        ),
        params=experiment_params(),
        run=ExperimentRun(target, inputs_expr, None if inputs is None else tuple(inputs)),
        extra_code=info.source,
        pool_sizes=tuple(pool_sizes),
        repeats=3,
        sweeps=True,
        order=10_000,
    )


def run_experiment(ctx: RunContext, spec: ExperimentRun) -> None:
    """Load, measure serial, measure every chosen kind and size, compare the results."""
    target = spec.target
    try:
        module = load_module(target)
        is_async = inspect.iscoroutinefunction(resolve_function(target, module))
        bound = declared_bound(module)
        items = (
            list(spec.inputs)
            if spec.inputs is not None
            else load_inputs(target, module, spec.inputs_expr, int(ctx.params.get("n", 0)))
        )
    except ExperimentError as exc:
        _report(ctx, exc)
        return
    kinds = _runnable_kinds(ctx, items)
    chunksize = int(ctx.params.get("chunksize", 0)) or None
    series = target.function
    ctx.print(f"{target.name}: {len(items)} inputs; serial, then {', '.join(kinds) or 'nothing'}")
    reference: list[Any] | None = None
    for repeat in range(ctx.repeats):
        serial = ctx.measure(
            series,
            "serial",
            1,
            UserTask(target),
            items,
            repeat=repeat,
            chunksize=chunksize,
            bound=bound or "cpu",
        )
        if reference is None:
            reference = serial.results if serial.state == "completed" else []
            kinds = _check_results(ctx, kinds, reference)
            if bound is None:
                bound = measured_bound(ctx, target.name, serial.spans)
                _rebound(ctx, series, bound)
        for kind in kinds:
            for size in ctx.pool_sizes:
                task = task_for(target, kind, is_async)  # its first call runs setup()
                outcome = ctx.measure(
                    series,
                    kind,
                    size,
                    task,
                    items,
                    repeat=repeat,
                    chunksize=chunksize,
                    bound=bound or "cpu",
                )
                if reference and outcome.state == "completed":
                    _compare(ctx, kind, size, repeat, outcome.results, reference, items)
    _finish(ctx, items, reference or [])


IO_SHARE = 0.5  # serial tasks on a CPU less than this share of their time mostly wait


def declared_bound(module: Any) -> str | None:
    """``BOUND = "io"`` or ``"cpu"`` in the file: what its tasks are bound by, as declared
    (None: measure it). Anything else is an error naming the value."""
    value = getattr(module, "BOUND", None)
    if value is None:
        return None
    if value not in ("io", "cpu"):
        raise ExperimentError(f"BOUND = {value!r}: use 'io' (tasks mostly wait) or 'cpu'")
    return str(value)


def measured_bound(ctx: RunContext, name: str, spans: Any) -> str:
    """What the serial run says the tasks are bound by: "io" when they were on a CPU less than
    half their time (waiting needs no core, so the ideal for p workers is serial ÷ p, not
    capped at the cores), else "cpu". Said in the output, with how to declare it instead."""
    wall = cpu = 0.0
    for start, end, share in zip(spans.start, spans.end, spans.on_cpu, strict=True):
        if share >= 0:
            wall += end - start
            cpu += share * (end - start)
    if wall <= 0:
        return "cpu"
    share = cpu / wall
    bound = "io" if share < IO_SHARE else "cpu"
    words = "mostly wait: I/O-bound" if bound == "io" else "mostly compute: CPU-bound"
    ctx.print(
        f"{name}: serially its tasks were on a CPU {share:.0%} of their time, so they {words} "
        f"(ideal speedup {'p' if bound == 'io' else 'min(p, cores)'}); "
        "set BOUND = 'io' or 'cpu' in the file to say so yourself"
    )
    return bound


def _rebound(ctx: RunContext, series: str, bound: str) -> None:
    """The serial run measured before the bound was known takes it too: the report's summary
    and its "why" read it (a sleeping serial task counted as CPU-bound work read as "waited
    for a core: other programs slowed both")."""
    for entry in ctx.report.runs:
        m = entry.measurement
        if m.series == series and m.bound != bound:
            entry.measurement = dataclasses.replace(m, bound=bound)


def _report(ctx: RunContext, exc: ExperimentError) -> None:
    ctx.report_error(
        ErrorRecord(
            origin="thread",
            type="ExperimentError",
            message=str(exc),
            traceback=exc.detail,
            worker="experiment loader",
            pid=os.getpid(),
            context=ctx.scenario,
        )
    )
    ctx.fail()


def _runnable_kinds(ctx: RunContext, items: list[Any]) -> list[str]:
    """The chosen kinds that can run here; inputs that do not pickle rule out the process
    kinds, said once with the kinds that can still run the experiment."""
    chosen = [kind for kind in kind_names() if kind != "serial" and ctx.params.get(kind)]
    runnable = []
    for kind in chosen:
        reason = getattr(executor_class(kind), "unavailable", lambda: None)()
        if reason:
            ctx.note(f"{kind} skipped: {reason}")
        else:
            runnable.append(kind)
    bad = [k for k in runnable if executor_class(k).accepts == ACCEPTS_PICKLABLE]
    if bad and (found := first_unpicklable(items)) is not None:
        index, why = found
        _unpicklable(ctx, bad, runnable, f"input #{index} ({_short(items[index])})", why)
        runnable = [kind for kind in runnable if kind not in bad]
    return runnable


def _check_results(ctx: RunContext, kinds: list[str], results: list[Any]) -> list[str]:
    bad = [k for k in kinds if executor_class(k).accepts == ACCEPTS_PICKLABLE]
    if bad and (found := first_unpicklable(results)) is not None:
        index, why = found
        _unpicklable(
            ctx, bad, kinds, f"the result of input #{index} ({_short(results[index])})", why
        )
        return [kind for kind in kinds if kind not in bad]
    return kinds


def _unpicklable(ctx: RunContext, bad: list[str], kinds: list[str], what: str, why: str) -> None:
    others = ["serial", *(k for k in kinds if k not in bad)]
    ctx.report_error(
        ErrorRecord(
            origin="thread",
            type="PicklingError",
            message=(
                f"{what} cannot be pickled ({why}), so it cannot cross to a worker process: "
                f"{', '.join(bad)} cannot run this experiment; {', '.join(others)} can "
                "(their workers share this process)"
            ),
            traceback="",
            worker="experiment loader",
            pid=os.getpid(),
            context=ctx.scenario,
        )
    )
    ctx.fail()


def same(a: Any, b: Any) -> bool:
    """Equal as a user means it: NaN equals NaN, arrays compare element-wise, and values
    whose ``==`` raises compare by ``repr``."""
    if a is b:
        return True
    try:
        equal = a == b
        if not isinstance(equal, bool):
            equal = bool(equal.all()) if hasattr(equal, "all") else bool(equal)
    except Exception:
        return repr(a) == repr(b)
    if not equal and isinstance(a, float) and isinstance(b, float):
        return a != a and b != b  # both NaN
    return equal


def _compare(
    ctx: RunContext,
    kind: str,
    size: int,
    repeat: int,
    results: list[Any],
    reference: list[Any],
    items: list[Any],
) -> None:
    wrong = [
        i
        for i, (got, want) in enumerate(zip(results, reference, strict=True))
        if not same(got, want)
    ]
    if not wrong:
        return
    first = wrong[0]
    ctx.report_error(
        ErrorRecord(
            origin=executor_class(kind).origin,
            type="WrongResult",
            message=(
                f"{kind} with {size} worker(s), repeat {repeat + 1}: {len(wrong)} of "
                f"{len(results)} results differ from serial's; first at input #{first} "
                f"({_short(items[first])}): got {_short(results[first])}, serial returned "
                f"{_short(reference[first])}. Shared state changed without a lock?"
            ),
            traceback="",
            task=first,
            context=ctx.scenario,
        )
    )
    ctx.fail()


def _finish(ctx: RunContext, items: list[Any], reference: list[Any]) -> None:
    rows = [
        (index + 1, _short(item), _short(result))
        for index, (item, result) in enumerate(zip(items[:TABLE_ROWS], reference, strict=False))
    ]
    ctx.set_table(["#", "input", "serial result"], rows)
    if reference and not ctx.failed:
        ctx.note(f"Every executor returned serial's {len(reference)} results, in input order.")
    if len(items) > TABLE_ROWS:
        ctx.note(f"The table shows the first {TABLE_ROWS} of {len(items)} inputs.")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= SHOWN else text[: SHOWN - 1] + "…"
