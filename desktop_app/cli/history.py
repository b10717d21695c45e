"""``concurrency-lab history``: list, show, compare, export, delete and prune saved runs.

Also the ``run`` command's saving: :func:`save_run` saves a finished run and says its id, and
a failed save is one warning line on stderr, never a changed exit code, because the run the
user waited for has succeeded whether or not the history could take it.

Every command takes ``--json`` for scripts: the output is then one JSON document on stdout.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Callable
from typing import Any

from .format import format_table, seconds

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
PROG = "concurrency-lab"
_SIZE = re.compile(r"\s*(\d+(?:\.\d*)?)\s*([kmgt]?)(?:i?b)?\s*\Z", re.I)
_UNITS = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}


class HistoryUsageError(Exception):
    """Bad input to a history command (an unknown id): one line and exit code 2."""


def size(text: str) -> int:
    """A size such as ``300MB``, ``1.5G`` or ``500000`` (bytes); MB means 2**20 bytes."""
    match = _SIZE.match(text)
    value = 0 if match is None else int(float(match.group(1)) * _UNITS[match.group(2).lower()])
    if value <= 0:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a size: use a number of bytes above 0 with an optional unit, "
            "e.g. 300MB or 2GB"
        )
    return value


def _run_id(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a run id: use a number from 'list'")
    return value


def _count(text: str) -> int:
    from .commands import whole_number

    return whole_number(text, 1)


def add_data_dir(parser: argparse.ArgumentParser, inner: bool = False) -> None:
    """``--data-dir``; ``inner`` for an action's own copy, which must not reset the outer one
    (argparse lets a subparser's default overwrite the parent's value)."""
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        default=argparse.SUPPRESS if inner else None,
        help="folder of the run history (default: $CONCURRENCY_LAB_DATA_DIR, else the "
        "per-user data folder)",
    )


def add_parser(commands: Any) -> None:
    """Register ``history`` and its subcommands on the CLI's subparsers."""
    history = commands.add_parser("history", help="list, show, compare and manage saved runs")
    add_data_dir(history)
    sub = history.add_subparsers(dest="history_command", required=True, metavar="ACTION")
    listing = sub.add_parser("list", help="saved runs, newest first")
    listing.add_argument("--scenario", metavar="ID", help="only runs of this scenario")
    listing.add_argument("--search", default="", metavar="TEXT", help="filter by text")
    listing.add_argument("--limit", type=_count, metavar="N", help="show at most N runs")
    show = sub.add_parser("show", help="a saved run: environment, parameters, summary")
    show.add_argument("id", type=_run_id, metavar="ID")
    compare = sub.add_parser("compare", help="compare runs with the first: ratio and verdict")
    compare.add_argument("ids", type=_run_id, nargs="+", metavar="ID")
    compare.add_argument(
        "--previous", action="store_true", help="with one ID: compare with the run before it"
    )
    export = sub.add_parser(
        "export", help="write a saved run as JSON (as 'run --json'), or HTML for a .html PATH"
    )
    export.add_argument("id", type=_run_id, metavar="ID")
    export.add_argument("path", metavar="PATH", help="file to write ('-': stdout)")
    delete = sub.add_parser("delete", help="delete a saved run")
    delete.add_argument("id", type=_run_id, metavar="ID")
    prune = sub.add_parser("prune", help="drop the oldest runs' spans to fit the size budget")
    prune.add_argument("--max-size", type=size, metavar="SIZE", help="budget for this prune")
    budget = sub.add_parser("budget", help="show or set the size budget (default 300MB)")
    budget.add_argument("size", type=size, nargs="?", metavar="SIZE")
    from .history_report import add_report_parser

    report = add_report_parser(sub, _run_id)
    for parser in (listing, show, compare, export, delete, prune, budget, report):
        parser.add_argument("--json", action="store_true", help="print JSON for scripts")
        add_data_dir(parser, inner=True)


def main(args: argparse.Namespace) -> int:
    """Run one history action; returns the exit code."""
    from ..history.paths import database_path
    from ..history.store import HistoryError, RunNotFound, Store

    store = Store(database_path(args.data_dir))
    try:
        return _ACTIONS[args.history_command](store, args)
    except RunNotFound as exc:
        _say("error", str(exc))
        return EXIT_USAGE
    except HistoryUsageError as exc:
        _say("error", str(exc))
        return EXIT_USAGE
    except (HistoryError, OSError) as exc:
        _say("error", str(exc))
        return EXIT_FAILED
    finally:
        for notice in store.notices:
            _say("note", notice)


def save_run(report: Any, data_dir: str | None, announce: Callable[[str], None]) -> int | None:
    """Save a finished run; hands the line naming its id to ``announce``, or prints one
    warning line on stderr."""
    try:
        from ..history.paths import database_path
        from ..history.store import HistoryError, Store
    except ImportError as exc:  # the CLI run by a Python without NumPy (or platformdirs)
        _say("warning", f"the run was not saved to the history: it needs {exc.name} ({exc})")
        return None
    store = Store(database_path(data_dir))
    try:
        run_id = store.save_report(report)
    except HistoryError as exc:
        _say("warning", str(exc))
        return None
    except Exception as exc:
        _say("warning", f"the run was not saved to the history: {type(exc).__name__}: {exc}")
        return None
    finally:
        for notice in store.notices:
            _say("note", notice)
    announce(f"saved as run {run_id} ({PROG} history show {run_id})")
    return run_id


def _say(kind: str, message: str) -> None:
    from .commands import one_line

    print(f"{PROG}: {kind}: {one_line(message, 600)}", file=sys.stderr)


def _print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2) + "\n")


def _list(store: Any, args: argparse.Namespace) -> int:
    runs = store.list_runs(args.scenario, args.search, args.limit)
    if args.json:
        _print_json({"database": str(store.path), "runs": [run.to_json() for run in runs]})
        return EXIT_OK
    if not runs:
        print(f"no saved runs in {store.path}")
        return EXIT_OK
    columns = ["ID", "SAVED", "SCENARIO", "STATE", "DURATION", "PYTHON", "SPANS", "PARAMETERS"]
    rows = [
        [
            run.id,
            _date(run.created),
            run.scenario + (f" ({run.label})" if run.label else ""),
            run.state,
            seconds(run.duration_s),
            run.python,
            run.span_count if run.spans_kept else "pruned",
            _params(run.params),
        ]
        for run in runs
    ]
    print("\n".join(format_table(columns, rows, max_cell=60)))
    return EXIT_OK


def _show(store: Any, args: argparse.Namespace) -> int:
    saved = store.load(args.id)
    if args.json:
        _print_json({"summary": saved.summary.to_json(), "document": saved.document})
        return EXIT_OK
    print("\n".join(render_saved(saved)))
    return EXIT_OK


def render_saved(saved: Any) -> list[str]:
    run, doc = saved.summary, saved.document
    env = doc.get("environment", {})
    lines = [
        f"run {run.id}: {run.scenario} — {run.state}, {seconds(run.duration_s)}, "
        f"saved {_date(run.created)}" + (f" — {run.label}" if run.label else ""),
        f"  parameters: {_params(run.params) or '(none)'}; pool sizes "
        f"{', '.join(map(str, doc.get('pool_sizes', [])))}; repeats {doc.get('repeats', '?')}",
        f"  python: {run.python} ({env.get('python_build', '?')}), GIL "
        f"{'on' if env.get('gil_enabled', True) else 'off'}, start method "
        f"{env.get('start_method', '?')}",
        f"  machine: {env.get('machine', '?')}, {env.get('cpu_count', '?')} cores, "
        f"{env.get('platform', '?')}; app {env.get('app_version', '?')}",
        f"  spans: {run.span_count}" + ("" if run.spans_kept else " (pruned; summary kept)"),
    ]
    if run.note:
        lines.append(f"  note: {run.note}")
    summary = doc.get("summary", [])
    if summary:
        columns = ["SERIES", "BACKEND", "POOL", "REPEATS", "MEDIAN", "MAD", "MIN", "MAX"]
        columns += ["SPEEDUP", "NOISY"]
        rows = [
            [
                row["series"],
                row["backend"],
                row["pool_size"],
                row["repeats"],
                seconds(row["median_s"]),
                seconds(row["mad_s"]) if row.get("mad_s") is not None else "—",
                seconds(row["min_s"]),
                seconds(row["max_s"]),
                f"{row['speedup']:.2f}×" if row.get("speedup") is not None else "—",
                "noisy" if row.get("noisy") else "",
            ]
            for row in summary
        ]
        lines += ["", *format_table(columns, rows)]
        if any(row.get("noisy") for row in summary):
            lines.append(
                "⚠ noisy: the repeats disagree widely; rerun with more --repeat or on a quieter "
                "machine before trusting the difference"
            )
    errors = doc.get("errors", [])
    if errors:
        lines += ["", f"errors ({len(errors)}):"]
        lines += [f"  [{e.get('origin')}] {e.get('type')}: {e.get('message')}" for e in errors]
    lines += ["", *(f"note: {note}" for note in doc.get("notes", []))]
    return [line for line in lines if line is not None]


def _compare(store: Any, args: argparse.Namespace) -> int:
    from ..history.compare import compare_many, describe_test
    from .history_report import report_ids

    ids = report_ids(store, args.ids, args.previous)  # the baseline first, as a report has it
    if len(ids) < 2:
        raise HistoryUsageError("give two or more run ids to compare (or one with --previous)")
    loaded = [(run_id, store.load(run_id)) for run_id in ids]
    rows = compare_many([(run_id, saved.document) for run_id, saved in loaded])
    if args.json:
        _print_json(
            {
                "baseline": ids[0],
                "runs": ids,
                "test": describe_test(),
                "rows": [r.to_json() for r in rows],
            }
        )
        return EXIT_OK
    print(f"baseline: run {ids[0]} ({loaded[0][1].summary.scenario})")
    columns = [
        "RUN",
        "SERIES",
        "BACKEND",
        "POOL",
        "N",
        "BASELINE",
        "MEDIAN",
        "RATIO",
        "95% CI",
        "P",
        "VERDICT",
    ]
    table = [
        [
            row.run_id,
            row.series,
            row.backend,
            row.pool_size,
            f"{row.baseline_repeats}/{row.repeats}",
            seconds(row.baseline_median_s),
            seconds(row.median_s),
            None if row.ratio is None else round(row.ratio, 3),
            "-" if row.ci_low is None else f"{row.ci_low:.3f}–{row.ci_high:.3f}",
            None if row.p_value is None else float(f"{row.p_value:.2g}"),
            row.verdict,
        ]
        for row in rows
    ]
    print("\n".join(format_table(columns, table)))
    print(
        f"\nratio = median time of the run / the baseline's (below 1: faster).\ntest: {describe_test()}"
    )
    return EXIT_OK


def _export(store: Any, args: argparse.Namespace) -> int:
    from .history_report import is_html, write_report

    if is_html(args.path):
        return write_report(store, [args.id], args.path, args.json)
    if args.path == "-":
        sys.stdout.write(json.dumps(store.load(args.id).to_json(), indent=2) + "\n")
        return EXIT_OK
    from pathlib import Path

    from .commands import UsageError
    from .outputs import OutputPathError, check_writable

    try:
        check_writable(Path(args.path), "export PATH")
    except OutputPathError as exc:
        raise UsageError(str(exc)) from exc
    path = store.export_json(args.id, args.path)
    if args.json:
        _print_json({"exported": args.id, "path": str(path)})
    else:
        print(f"wrote run {args.id} to {path}")
    return EXIT_OK


def _delete(store: Any, args: argparse.Namespace) -> int:
    store.delete(args.id)
    if args.json:
        _print_json({"deleted": args.id})
    else:
        print(f"deleted run {args.id}")
    return EXIT_OK


def _prune(store: Any, args: argparse.Namespace) -> int:
    budget = args.max_size or store.size_budget
    result = store.prune(budget)
    if args.json:
        _print_json({"budget": budget, **result.__dict__})
        return EXIT_OK
    print(
        f"pruned the spans of {len(result.pruned)} run(s) (summaries kept): "
        f"{_mb(result.bytes_before)} -> {_mb(result.bytes_after)} (budget {_mb(budget)})"
    )
    return EXIT_OK


def _budget(store: Any, args: argparse.Namespace) -> int:
    if args.size is not None:
        store.size_budget = args.size
    budget, used = store.size_budget, store.stored_bytes()
    if args.json:
        _print_json({"budget": budget, "stored_bytes": used})
    else:
        print(f"size budget {_mb(budget)}; {_mb(used)} stored in {store.path}")
    return EXIT_OK


def _mb(value: int) -> str:
    return f"{value / 2**20:.1f} MB"


def _date(timestamp: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(timestamp))


def _params(params: dict[str, Any]) -> str:
    return " ".join(f"{key}={value}" for key, value in params.items())


_ACTIONS = {
    "list": _list,
    "show": _show,
    "compare": _compare,
    "export": _export,
    "delete": _delete,
    "prune": _prune,
    "budget": _budget,
    "report": lambda store, args: _report(store, args),
}


def _report(store: Any, args: argparse.Namespace) -> int:
    from .history_report import report_action

    return report_action(store, args)
