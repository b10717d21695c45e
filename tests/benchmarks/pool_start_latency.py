"""Cancel, close and SIGTERM of the real app while a 64-worker pool starts, and once it runs.

Issue 20, item 4: with 64 workers starting, cancel took 1.26-2.35 s, close 1.54-1.85 s and
SIGTERM 1.39-2.33 s, because waiting for the workers' readiness never looked at the cancel.
Targets: cancel < 0.5 s, close and SIGTERM < 2 s (aim < 1 s), in every phase.

Each cell starts the app (tests/reliability/_gui_driver.py: the real window, which starts
process-pool with n = 100,000, chunksize 1, at pool size 64 by itself), waits for the phase
("starting": the run began and at least 4 of the 64 workers exist; "running": all 64 exist and
2 s more passed), then acts, and times the action to its end: ``run_finished cancelled`` on the
app's stdout for a cancel (then the app is quit), the app's exit for close and SIGTERM. After
the end it counts what is left: descendants still alive and /dev/shm entries the app's tree
had mapped that still exist.

``--compare OLD_TREE`` alternates with an older checkout (run from there, with its own
desktop_app), median of ``--rounds``. Writes tests/benchmarks/results/pool_start_latency.json.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve()
REPO = HERE.parents[2]
BIG = 64
ACTIONS = ("cancel", "close", "SIGTERM")
PHASES = ("starting", "running")
RUN = ("process-pool", "n=100000", "chunksize=1")


def _shm(pids: list[int]) -> set[str]:
    import psutil

    found: set[str] = set()
    for pid in pids:
        try:
            found |= {m.path for m in psutil.Process(pid).memory_maps() if "/dev/shm/" in m.path}
        except psutil.Error:
            pass
    return found


def measure_cell(action: str, phase: str) -> dict:
    """One cell in this interpreter's tree (its tests/reliability helpers and desktop_app)."""
    sys.path.insert(0, str(REPO / "tests" / "reliability"))
    sys.path.insert(0, str(REPO / "tests"))
    from _process_watch import alive, descendants, wait_for, workers
    from test_lifecycle import GuiApp

    with tempfile.TemporaryDirectory() as tmp:
        app = GuiApp(Path(tmp), *RUN, pool_size=BIG)
        try:
            if phase == "starting":
                app.wait_busy(4)
            else:
                app.wait_busy(BIG)
                time.sleep(2.0)
            family = descendants(app.pid)
            shm = _shm([app.pid] + [p.pid for p in family])
            began = time.perf_counter()
            if action == "cancel":
                app.command("cancel")
                ended = wait_for(lambda: "run_finished cancelled" in app._lines, 30, poll=0.005)
                took = time.perf_counter() - began if ended else None
                left_workers = len(workers(app.pid))
                app.command("quit")
                app.wait_exit(30)
            else:
                if action == "close":
                    app.command("close")
                else:
                    app.proc.send_signal(signal.SIGTERM)
                took = app.wait_exit(30)
                left_workers = None
            wait_for(lambda: not alive(family), 5)
            return {
                "seconds": took,
                "workers_left_after_cancel": left_workers,
                "processes_left": len(alive(family)),
                "shm_before": len(shm),
                "shm_left": len({p for p in shm if os.path.exists(p)}),
                "exit_code": app.proc.returncode,
            }
        finally:
            app.close()


def _child(tree: Path, action: str, phase: str) -> dict:
    env = dict(os.environ, PYTHONPATH=str(tree), QT_QPA_PLATFORM="offscreen")
    done = subprocess.run(
        [sys.executable, str(tree / "tests" / "benchmarks" / HERE.name), "--cell", action, phase],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode:
        return {"error": done.stderr[-500:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare", type=Path, help="an older checkout to measure against")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--cell", nargs=2, metavar=("ACTION", "PHASE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.cell:
        print(json.dumps(measure_cell(*args.cell)))
        return 0
    sys.path.insert(0, str(HERE.parent))
    from _bench_util import median, write_results

    trees = {"after": REPO}
    if args.compare is not None:
        trees = {"before": args.compare.resolve(), "after": REPO}
    runs: dict = {name: {f"{a} {p}": [] for a in ACTIONS for p in PHASES} for name in trees}
    for index in range(args.rounds):
        order = list(trees.items())
        if index % 2:
            order.reverse()
        for action in ACTIONS:
            for phase in PHASES:
                for name, tree in order:
                    result = _child(tree, action, phase)
                    runs[name][f"{action} {phase}"].append(result)
                    print(name, action, phase, json.dumps(result), file=sys.stderr, flush=True)
    summary = {
        name: {
            cell: {
                "median_ms": round(median(s) * 1000)
                if (s := [r["seconds"] for r in rs if r.get("seconds")])
                else None,
                "max_ms": round(max(s) * 1000) if s else None,
                "processes_left_max": max((r.get("processes_left", -1) for r in rs), default=None),
                "shm_left_max": max((r.get("shm_left", -1) for r in rs), default=None),
            }
            for cell, rs in cells.items()
        }
        for name, cells in runs.items()
    }
    print(json.dumps(summary, indent=2))
    write_results("pool_start_latency", {"median": summary, "runs": runs})
    return 0


if __name__ == "__main__":
    sys.exit(main())
