"""``concurrency-lab bench PATH[:FUNCTION]``: the user's own function, measured like a lesson.

The experiment becomes a scenario (desktop_app/experiments) and runs through the same
``execute`` as ``run``: the same report, files, history save and exit codes. The file is loaded
here first, so a file that cannot run (syntax, import, no task, bad inputs) is one line naming
the file and line with exit code 2, as any other bad input; what happens during the run
(a task that raises, wrong results, a crash) is the run's report, exit code 1.
"""

from __future__ import annotations

import argparse
from typing import Any

from ..engine.executors import kind_names
from ..engine.limits import MAX_POOL_SIZE, MAX_REPEATS, MIN_POOL_SIZE, MIN_REPEATS

DEFAULT_EXECUTORS = ("threads", "processes")


def _executors(text: str) -> tuple[str, ...]:
    kinds: list[str] = []
    for part in text.split(","):
        kind = part.strip()
        if kind not in kind_names():
            raise argparse.ArgumentTypeError(
                f"unknown executor {kind!r}: use one or more of {', '.join(kind_names())}, "
                "comma-separated"
            )
        if kind != "serial" and kind not in kinds:
            kinds.append(kind)
    return tuple(kinds)


def _count(text: str) -> int:
    from .commands import whole_number

    return whole_number(text, 1, 1_000_000)


def add_parser(commands: Any) -> None:
    """Register ``bench`` on the CLI's subparsers (its checks are ``run``'s)."""
    from . import commands as cli
    from . import history, pythons
    from .outputs import add_output_options

    bench = commands.add_parser(
        "bench",
        help="measure your own function (a task(x) in a .py file) on every executor",
        description="Run task(x) from PATH (or FUNCTION, or module:function) over its inputs "
        "(inputs() or INPUTS in the file) serially and on each executor and pool size, check "
        "that every executor returns serial's results, and report as 'run' does.",
    )
    bench.add_argument("target", metavar="PATH[:FUNCTION]")
    source = bench.add_mutually_exclusive_group()
    source.add_argument("--inputs", metavar="EXPR", help="inputs as a Python expression")
    source.add_argument("--n", type=_count, metavar="N", help="inputs(N), or range(N)")
    bench.add_argument(
        "--executors",
        type=_executors,
        default=DEFAULT_EXECUTORS,
        metavar="KIND[,KIND...]",
        help=f"executors besides serial (default threads,processes; of {', '.join(kind_names())})",
    )
    bench.add_argument(
        "--pool-sizes",
        type=cli._pool_sizes,
        default=(1, 2),
        metavar="N[,N...]",
        help=f"pool sizes ({MIN_POOL_SIZE}..{MAX_POOL_SIZE}); default 1,2",
    )
    bench.add_argument(
        "--repeat",
        type=cli._repeat,
        default=3,
        metavar="N",
        help=f"repeats per measurement ({MIN_REPEATS}..{MAX_REPEATS}); default 3",
    )
    bench.add_argument("--chunksize", type=_count, metavar="N", help="tasks sent at a time")
    bench.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="with dask among --executors: a running Dask scheduler (tcp://HOST:PORT) instead "
        "of the lab's own local cluster",
    )
    add_output_options(bench)
    bench.add_argument("--timeout", type=cli._timeout, metavar="S", help="fail after S seconds")
    pythons.add_options(bench)
    bench.add_argument("-v", "--verbose", action="store_true", help="print every traceback")
    bench.add_argument("--no-save", action="store_true", help="do not save the run to the history")
    history.add_data_dir(bench)


def main(args: argparse.Namespace) -> int:
    """Load and check the experiment, then run it as ``run`` runs a scenario."""
    from ..experiments.inputs import load_inputs
    from ..experiments.loader import (
        ExperimentError,
        load_module,
        parse_target,
        resolve_function,
    )
    from ..experiments.scenario import describe, experiment_scenario
    from .commands import UsageError, execute_as_asked

    try:
        target = parse_target(args.target)
        info = describe(target)
        module = load_module(target)  # the CLI's own process: the user's code may run here
        resolve_function(target, module)
        items = load_inputs(target, module, args.inputs, args.n or 0)
    except ExperimentError as exc:
        raise UsageError(str(exc)) from None
    scheduler = None
    if args.scheduler is not None:
        if "dask" not in args.executors:
            raise UsageError("--scheduler only matters with dask among --executors")
        from ..engine.executors._dask_cluster import check_address

        try:
            scheduler = check_address(args.scheduler)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    scenario = experiment_scenario(info, args.inputs, args.pool_sizes, items)  # made once
    chosen = {kind: kind in args.executors for kind in kind_names() if kind != "serial"}
    params = scenario.resolve({**chosen, "n": args.n or 0, "chunksize": args.chunksize or 0})
    return execute_as_asked(args, scenario, params, tuple(args.pool_sizes), args.repeat, scheduler)
