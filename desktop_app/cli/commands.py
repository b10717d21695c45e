"""The headless face of the lab: ``list``, ``show ID``, ``run ID`` and ``history``, JSON and CSV out.

Qt-free by rule (a test enforces it): this runs on servers and in CI, and worker processes must
never pay for a Qt import. Bad input is one line on stderr and exit code 2, never a traceback,
because the user can fix it and a traceback would only hide what to fix.

Exit codes: 0 the run completed (worker exceptions it captured are part of its output), 1 the
run failed (a crash, a timeout) or an output could not be written, 2 bad input, 130 Ctrl-C,
141 standard output's reader went away (``| head``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from .. import __version__
from ..engine.limits import MAX_POOL_SIZE, MAX_REPEATS, MIN_POOL_SIZE, MIN_REPEATS
from . import bench, history, pythons
from .cluster_options import add_cluster_options, apply_cluster_options
from .outputs import OutputPathError, StdoutFailed, add_output_options, plan_outputs, print_out

PROG = "concurrency-lab"
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class UsageError(Exception):
    """Bad input the user can fix: printed as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, but an error is one line plus where to look, and exit code 2."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")


def _pool_sizes(text: str) -> tuple[int, ...]:
    allowed = (
        f"use whole numbers from {MIN_POOL_SIZE} to {MAX_POOL_SIZE}, comma-separated, e.g. 2,4,8"
    )
    sizes: list[int] = []
    for part in text.split(","):
        try:
            size = int(part.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{part.strip()!r} is not a pool size: {allowed}"
            ) from None
        if not MIN_POOL_SIZE <= size <= MAX_POOL_SIZE:
            raise argparse.ArgumentTypeError(f"pool size {size} is out of range: {allowed}")
        if size not in sizes:
            sizes.append(size)
    return tuple(sizes)


def whole_number(text: str, low: int = 1, high: int | None = None) -> int:
    """An option's whole number in ``low..high`` (no upper bound: None), or argparse's error
    naming the allowed range: one check for the CLI's counts (repeats, --n, --limit)."""
    try:
        value = int(text)
    except ValueError:
        value = low - 1
    if value < low or (high is not None and value > high):
        allowed = f"from {low} to {high}" if high is not None else f"from {low} up"
        raise argparse.ArgumentTypeError(f"{text!r} is not allowed: use a whole number {allowed}")
    return value


def _repeat(text: str) -> int:
    return whole_number(text, MIN_REPEATS, MAX_REPEATS)


def _timeout(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= 86_400:  # also rejects NaN
        raise argparse.ArgumentTypeError(
            f"{text!r} is not allowed: use a number of seconds above 0 (at most 86400)"
        )
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Classic Python concurrency lessons as measured experiments. Without "
        "arguments, concurrency-lab opens the window.",
        epilog="Exit codes: 0 completed, 1 run failed or output not written, 2 bad input, "
        "130 interrupted, 141 output pipe closed early.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("list", help="list the scenarios")
    show = commands.add_parser("show", help="describe a scenario: parameters and source")
    show.add_argument("scenario", metavar="ID")
    run = commands.add_parser("run", help="run a scenario and print its measurements")
    run.add_argument("scenario", metavar="ID")
    run.add_argument(
        "--pool-sizes",
        type=_pool_sizes,
        metavar="N[,N...]",
        help=f"pool sizes to run at ({MIN_POOL_SIZE}..{MAX_POOL_SIZE}); default: the scenario's",
    )
    run.add_argument(
        "--repeat",
        type=_repeat,
        metavar="N",
        help=f"repeats per measurement ({MIN_REPEATS}..{MAX_REPEATS}); default: the scenario's",
    )
    run.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set a parameter (see 'show ID'); may be given several times",
    )
    add_output_options(run)
    run.add_argument(
        "--timeout",
        type=_timeout,
        metavar="S",
        help="fail the run if it takes longer than S seconds",
    )
    run.add_argument(
        "-v", "--verbose", action="store_true", help="print the workers' tracebacks for every error"
    )
    run.add_argument("--no-save", action="store_true", help="do not save the run to the history")
    add_cluster_options(run)
    pythons.add_options(run)
    history.add_data_dir(run)
    history.add_parser(commands)
    bench.add_parser(commands)
    pythons.add_parser(commands)
    show_run = commands.add_parser(
        "show-run", help="print the report of a run saved with --json (or File > Save run)"
    )
    show_run.add_argument("path", metavar="PATH")
    show_run.add_argument(
        "-v", "--verbose", action="store_true", help="print the workers' tracebacks for every error"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` and run the command; returns the exit code."""
    try:
        args = build_parser().parse_args(argv)
        if args.command == "list":
            return cmd_list()
        if args.command == "show":
            return cmd_show(args.scenario)
        if args.command == "history":
            return history.main(args)
        if args.command == "bench":
            return bench.main(args)
        if args.command == "show-run":
            return cmd_show_run(args.path, args.verbose)
        if args.command == "pythons":
            return pythons.cmd_pythons()
        return cmd_run(args)
    except UsageError as exc:
        _fail(str(exc))
        return EXIT_USAGE
    except StdoutFailed as exc:
        _fail(str(exc))
        return exc.status
    except KeyboardInterrupt:  # Ctrl-C outside a run (a run handles its own)
        return EXIT_INTERRUPTED


MESSAGE_LIMIT = 300  # characters: an error echoes what was typed, which may be huge


def _fail(message: str) -> None:
    print(f"{PROG}: error: {one_line(message)}", file=sys.stderr)


def one_line(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """``text`` as one short line: control characters escaped, an overlong middle elided.

    Errors quote the user's input, and input can hold newlines (argparse's "unrecognized
    arguments" joins them raw) or run to megabytes; the tail says what to do, so it is kept.
    """
    flat = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    if len(flat) <= limit:
        return flat
    tail = limit // 3
    return f"{flat[: limit - tail - 5]} […] {flat[-tail:]}"


def _registry() -> Any:
    """The scenario registry, every module loaded; a broken install is one line, exit 1."""
    from ..scenarios import registry

    try:
        registry.all_scenarios()
    except ImportError as exc:
        _fail(f"could not load the scenarios ({exc}); reinstall with: pip install -e .")
        raise SystemExit(EXIT_FAILED) from None
    return registry


def _scenario(scenario_id: str) -> Any:
    registry = _registry()
    try:
        return registry.get_scenario(scenario_id)
    except registry.UnknownScenarioError as exc:
        raise UsageError(str(exc.args[0])) from None


def cmd_list() -> int:
    from .format import render_list

    print_out(render_list(_registry().all_scenarios()))
    return EXIT_OK


def cmd_show(scenario_id: str) -> int:
    from .format import render_show

    print_out(render_show(_scenario(scenario_id)))
    return EXIT_OK


def cmd_show_run(path: str, verbose: bool) -> int:
    """The report of a saved run, as ``run`` printed it."""
    from ..engine.outputs.saved_runs import SavedRunError, read_report
    from .format import render_report

    try:
        report = read_report(path)
    except FileNotFoundError:
        raise UsageError(f"show-run {path!r}: no such file") from None
    except SavedRunError as exc:
        raise UsageError(f"show-run {path!r}: {exc}") from None
    except OSError as exc:
        raise UsageError(f"show-run {path!r}: {exc.strerror or exc}") from None
    registry = _registry()
    try:
        scenario = registry.get_scenario(report.scenario)
    except registry.UnknownScenarioError:
        scenario = _UnknownScenario(report.scenario, "(a scenario this version does not have)")
    print_out(render_report(report, scenario, verbose=verbose))
    return EXIT_OK if report.state == "completed" else EXIT_FAILED


@dataclass(frozen=True)
class _UnknownScenario:
    id: str
    title: str


def cmd_run(args: argparse.Namespace) -> int:
    from ..scenarios.base import ParamError

    scenario = _scenario(args.scenario)
    try:
        params = scenario.resolve(scenario.parse_settings(args.set))
        params, scheduler = apply_cluster_options(args, scenario, params)
    except (ParamError, ValueError) as exc:
        raise UsageError(str(exc)) from None
    pool_sizes = args.pool_sizes or scenario.pool_sizes
    if len(pool_sizes) > 1 and not scenario.sweeps:
        print(f"note: {scenario.id} runs at one pool size; using {pool_sizes[0]}", file=sys.stderr)
        pool_sizes = pool_sizes[:1]
    return execute_as_asked(
        args, scenario, params, tuple(pool_sizes), args.repeat or scenario.repeats, scheduler
    )


def execute_as_asked(
    args: argparse.Namespace,
    scenario: Any,
    params: dict[str, Any],
    pool_sizes: tuple[int, ...],
    repeats: int,
    scheduler: str | None,
) -> int:
    """Run ``scenario`` with the options ``run`` and ``bench`` share (output files, --timeout,
    -v, --no-save, --data-dir, --python), each checked into one line and exit 2."""
    try:
        outputs = plan_outputs(args)
    except OutputPathError as exc:
        raise UsageError(str(exc)) from None
    try:
        python = pythons.chosen(args.python)
    except pythons.PythonNotFound as exc:
        raise UsageError(str(exc)) from None
    from .run import CliRunRequest, execute

    request = CliRunRequest(
        scenario=scenario,
        params=params,
        pool_sizes=pool_sizes,
        repeats=repeats,
        timeout=args.timeout,
        outputs=outputs,
        verbose=args.verbose,
        save=not args.no_save,
        data_dir=args.data_dir,
        scheduler=scheduler,
        python=python,
    )
    return execute(request)
