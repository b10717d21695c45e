"""A/B one benchmark script between two checkouts, alternating, in one run.

Usage: python tests/benchmarks/ab_compare.py --old /path/to/old --new /path/to/new
           --script tests/benchmarks/bench_engine.py --result engine_overhead_throughput
           [--rounds 5] [--figure 'overhead_1ms.medians_s.*'] [--out NAME] -- ARGS...

Why: a benchmark run of one tree and a later run of the other compares two moments of a shared,
loaded machine as much as two versions of the code. Here each round runs the script of both
trees back to back, in mirrored order (old, new, new, old, old, new, ...), so load drift hits
both alike; the medians over the rounds are compared.

Each run is the tree's own copy of the script, started with the tree as its working directory
and as ``PYTHONPATH`` (so ``desktop_app`` and every spawned worker import from that tree; this
is checked before the first round), with one interpreter (``--python``, default: this one).
The script writes ``results/<--result>.json`` under its own tree; it is copied out after every
run, before the next run of that tree overwrites it. Every number in it (lists and the
``machine`` block aside) is a figure; ``--figure`` (fnmatch patterns on dotted paths) picks
which ones are printed, all are kept. The 1-minute load average is recorded around every run.
Results: results/ab_<--out>.json in the tree this script lives in.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _bench_util import write_results

TREES = ("old", "new")


def child_env(tree: Path) -> dict[str, str]:
    """The environment of a run: the tree first on the import path, Qt offscreen."""
    env = dict(os.environ, PYTHONPATH=str(tree))
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    return env


def check_imports(python: str, trees: dict[str, Path]) -> dict[str, str]:
    """Which desktop_app each tree's runs import; refuse to go on if it is not the tree's own."""
    found = {}
    for name, tree in trees.items():
        out = subprocess.run(
            [python, "-c", "import desktop_app; print(desktop_app.__file__)"],
            cwd=tree,
            env=child_env(tree),
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        if not Path(out).resolve().is_relative_to(tree.resolve()):
            raise SystemExit(f"{name}: desktop_app imports from {out}, not from {tree}")
        found[name] = out
    return found


def flatten(payload: object, prefix: str = "") -> dict[str, float]:
    """Dotted path -> number for every scalar number in a results JSON."""
    out: dict[str, float] = {}
    if isinstance(payload, dict):
        for key, value in payload.items():
            if prefix == "" and key == "machine":
                continue
            out.update(flatten(value, f"{prefix}{key}."))
    elif isinstance(payload, (int, float)) and not isinstance(payload, bool):
        out[prefix.rstrip(".")] = float(payload)
    return out


def run_once(python: str, tree: Path, script: str, args: list[str], result: str) -> dict:
    """One run of the tree's own script; its results JSON, wall time and load around it."""
    path = tree / "tests" / "benchmarks" / "results" / f"{result}.json"
    if path.exists():
        path.unlink()  # a stale file must never pass for this run's result
    load_before = os.getloadavg()[0]
    began = time.perf_counter()
    proc = subprocess.run(
        [python, str(tree / script), *args],
        cwd=tree,
        env=child_env(tree),
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - began
    if proc.returncode != 0 or not path.exists():
        sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-3000:])
        raise SystemExit(f"{tree / script} failed (exit {proc.returncode}) or wrote no {path}")
    return {
        "wall_s": round(wall, 2),
        "load_avg_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "result": json.loads(path.read_text()),
    }


def order(round_index: int) -> tuple[str, str]:
    """Mirrored rounds: old-new, new-old, old-new, ..."""
    return TREES if round_index % 2 == 0 else TREES[::-1]


def summarize(runs: dict[str, list[dict]], patterns: list[str]) -> dict[str, dict]:
    """Per figure: the values of each tree, their medians and the ratio new/old."""
    flat = {name: [flatten(run["result"]) for run in runs[name]] for name in TREES}
    keys = [k for k in flat["old"][0] if all(k in f for f in flat["old"] + flat["new"])]
    figures = {}
    for key in keys:
        values = {name: [f[key] for f in flat[name]] for name in TREES}
        old, new = (statistics.median(values[name]) for name in TREES)
        figures[key] = {
            "old_median": old,
            "new_median": new,
            "ratio_new_old": (new / old) if old else None,
            "old_values": values["old"],
            "new_values": values["new"],
            "shown": any(fnmatch.fnmatchcase(key, p) for p in patterns),
        }
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", type=Path, required=True, help="checkout A (the baseline)")
    parser.add_argument("--new", type=Path, required=True, help="checkout B")
    parser.add_argument("--script", required=True, help="benchmark path inside each tree")
    parser.add_argument("--result", required=True, help="results/<name>.json the script writes")
    parser.add_argument("--rounds", type=int, default=5, help="rounds (each runs both trees)")
    parser.add_argument("--python", default=sys.executable, help="interpreter for every run")
    parser.add_argument("--figure", action="append", default=[], help="fnmatch pattern to show")
    parser.add_argument("--out", default="", help="results name: results/ab_<out>.json")
    parser.add_argument("args", nargs=argparse.REMAINDER, help="-- then the script's arguments")
    options = parser.parse_args(argv)
    args = options.args[1:] if options.args[:1] == ["--"] else options.args
    trees = {"old": options.old.resolve(), "new": options.new.resolve()}
    imports = check_imports(options.python, trees)
    for name, where in imports.items():
        print(f"{name}: desktop_app from {where}", file=sys.stderr)
    runs: dict[str, list[dict]] = {name: [] for name in TREES}
    began = time.perf_counter()
    for index in range(options.rounds):
        for name in order(index):
            run = run_once(options.python, trees[name], options.script, args, options.result)
            runs[name].append(run)
            print(
                f"round {index + 1}/{options.rounds} {name}: {run['wall_s']:.1f} s, "
                f"load {run['load_avg_1m'][0]:.2f}->{run['load_avg_1m'][1]:.2f}",
                file=sys.stderr,
                flush=True,
            )
    figures = summarize(runs, options.figure or ["*"])
    print("| figure | old median | new median | new/old |")
    print("|---|---|---|---|")
    for key, fig in figures.items():
        if fig["shown"]:
            ratio = "n/a" if fig["ratio_new_old"] is None else f"{fig['ratio_new_old']:.3f}"
            print(f"| {key} | {fig['old_median']:.4g} | {fig['new_median']:.4g} | {ratio} |")
    loads = [v for name in TREES for run in runs[name] for v in run["load_avg_1m"]]
    print(f"rounds: {options.rounds}; load average (1 min): {min(loads):.2f}..{max(loads):.2f}")
    write_results(
        "ab_" + (options.out or options.result),
        {
            "script": options.script,
            "args": args,
            "rounds": options.rounds,
            "order": "mirrored: old,new / new,old / ...",
            "python": options.python,
            "trees": {name: str(path) for name, path in trees.items()},
            "imports": imports,
            "load_avg_1m": {"min": min(loads), "max": max(loads)},
            "wall_s": round(time.perf_counter() - began, 1),
            "figures": figures,
            "runs": {
                name: [{k: r[k] for k in ("wall_s", "load_avg_1m")} for r in runs[name]]
                for name in TREES
            },
            "raw_results": {name: [r["result"] for r in runs[name]] for name in TREES},
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
