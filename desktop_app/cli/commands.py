"""The headless face of the lab: ``list``, ``show ID`` and ``run ID``, with JSON and CSV out.

Qt-free by rule (a test enforces it): this runs on servers and in CI, and worker processes must
never pay for a Qt import. Bad input is one line on stderr and exit code 2, never a traceback,
because the user can fix it and a traceback would only hide what to fix.

Exit codes: 0 the run completed (worker exceptions it captured are part of its output), 1 the
run failed (a crash, a timeout), 2 bad input, 130 Ctrl-C.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from .. import __version__

PROG = "concurrency-lab"
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
MIN_POOL, MAX_POOL = 1, 64  # the engine's bounds (engine.executors.base), without importing it
MIN_REPEAT, MAX_REPEAT = 1, 50


class UsageError(Exception):
    """Bad input the user can fix: printed as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, but an error is one line plus where to look, and exit code 2."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")


def _pool_sizes(text: str) -> tuple[int, ...]:
    allowed = f"use whole numbers from {MIN_POOL} to {MAX_POOL}, comma-separated, e.g. 2,4,8"
    sizes: list[int] = []
    for part in text.split(","):
        try:
            size = int(part.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{part.strip()!r} is not a pool size: {allowed}"
            ) from None
        if not MIN_POOL <= size <= MAX_POOL:
            raise argparse.ArgumentTypeError(f"pool size {size} is out of range: {allowed}")
        if size not in sizes:
            sizes.append(size)
    return tuple(sizes)


def _repeat(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not MIN_REPEAT <= value <= MAX_REPEAT:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not allowed: use a whole number from {MIN_REPEAT} to {MAX_REPEAT}"
        )
    return value


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
        epilog="Exit codes: 0 completed, 1 run failed, 2 bad input, 130 interrupted.",
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
        help=f"pool sizes to run at ({MIN_POOL}..{MAX_POOL}); default: the scenario's",
    )
    run.add_argument(
        "--repeat",
        type=_repeat,
        metavar="N",
        help=f"repeats per measurement ({MIN_REPEAT}..{MAX_REPEAT}); default: the scenario's",
    )
    run.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set a parameter (see 'show ID'); may be given several times",
    )
    run.add_argument("--json", metavar="PATH", help="write the report as JSON ('-': stdout)")
    run.add_argument(
        "--csv",
        metavar="PATH",
        help="write every task span as CSV, and the summary to <stem>-summary.csv",
    )
    run.add_argument(
        "--timeout",
        type=_timeout,
        metavar="S",
        help="fail the run if it takes longer than S seconds",
    )
    run.add_argument(
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
        return cmd_run(args)
    except UsageError as exc:
        _fail(str(exc))
        return EXIT_USAGE
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

    print(render_list(_registry().all_scenarios()))
    return EXIT_OK


def cmd_show(scenario_id: str) -> int:
    from .format import render_show

    print(render_show(_scenario(scenario_id)))
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    from ..scenarios.base import ParamError

    scenario = _scenario(args.scenario)
    try:
        params = scenario.resolve(scenario.parse_settings(args.set))
    except ParamError as exc:
        raise UsageError(str(exc)) from None
    pool_sizes = args.pool_sizes or scenario.pool_sizes
    if len(pool_sizes) > 1 and not scenario.sweeps:
        print(f"note: {scenario.id} runs at one pool size; using {pool_sizes[0]}", file=sys.stderr)
        pool_sizes = pool_sizes[:1]
    outputs = _output_paths(args.json, args.csv)
    from .run import CliRunRequest, execute

    request = CliRunRequest(
        scenario=scenario,
        params=params,
        pool_sizes=tuple(pool_sizes),
        repeats=args.repeat or scenario.repeats,
        timeout=args.timeout,
        json_path=outputs[0],
        csv_paths=outputs[1],
        verbose=args.verbose,
    )
    return execute(request)


def _output_paths(
    json_arg: str | None, csv_arg: str | None
) -> tuple[Path | str | None, tuple[Path, Path] | None]:
    """Check every output path is writable before spending time on the run."""
    json_path: Path | str | None = None
    if json_arg == "-":
        json_path = "-"
    elif json_arg is not None:
        json_path = _writable(Path(json_arg), "--json")
    csv_paths = None
    if csv_arg is not None:
        spans = _writable(Path(csv_arg), "--csv")
        summary = spans.with_name(f"{spans.stem}-summary{spans.suffix or '.csv'}")
        csv_paths = (spans, _writable(summary, "--csv"))
    return json_path, csv_paths


def _writable(path: Path, option: str) -> Path:
    folder = path.parent if str(path.parent) else Path(".")
    if str(path) in ("", "-") or path.is_dir():
        raise UsageError(f"{option} {str(path)!r} is not a file path: give a file to write")
    if not folder.is_dir():
        raise UsageError(f"{option} {str(path)!r}: folder {str(folder)!r} does not exist")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise UsageError(f"{option} {str(path)!r} is not writable: choose a writable path")
    return path
