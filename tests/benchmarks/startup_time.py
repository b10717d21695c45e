"""Time from launch to the main window shown: the frozen app against ``python -m desktop_app``.

Usage: python tests/benchmarks/startup_time.py [--runs 5] [--full]

Each launch runs ``--smoke-test --until-shown`` (``--full``: the whole smoke test), which prints
``window_shown_s=``: seconds from the process's own start time (psutil create_time) to the
window shown and the first events processed. The two commands alternate (A, B, A, B, …) so load
drift on the shared machine hits both alike. Results go to tests/benchmarks/results/startup.json.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _bench_util import alternate, write_results  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
FROZEN = ROOT / "dist" / "ConcurrencyLab" / "ConcurrencyLab"
SHOWN = re.compile(r"^window_shown_s=(\d+(?:\.\d+)?)$", re.M)


def launch(command: list[str], full: bool) -> float:
    """One launch; returns window_shown_s, or raises naming the failure."""
    args = [*command, "--smoke-test"] + ([] if full else ["--until-shown"])
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    result = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)
    found = SHOWN.search(result.stderr + result.stdout)
    if result.returncode != 0 or not found:
        raise SystemExit(f"{' '.join(args)} failed ({result.returncode}): {result.stderr[-500:]}")
    return float(found.group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--full", action="store_true", help="run the whole smoke test each time")
    options = parser.parse_args()
    if not os.access(FROZEN, os.X_OK):
        raise SystemExit(f"no frozen app at {FROZEN}: run `python build_spec.py` first")
    commands = {
        "frozen": [str(FROZEN)],
        "python -m desktop_app": [sys.executable, "-m", "desktop_app"],
    }
    launch(commands["frozen"], options.full)  # one unmeasured launch each: page cache warm
    launch(commands["python -m desktop_app"], options.full)
    began = time.perf_counter()
    times = alternate(
        {name: (lambda c=cmd: launch(c, options.full)) for name, cmd in commands.items()},
        options.runs,
    )
    print("| command | runs | median (s) | min (s) | max (s) |\n|---|---|---|---|---|")
    for name, values in times.items():
        print(
            f"| {name} | {len(values)} | {statistics.median(values):.3f} | "
            f"{min(values):.3f} | {max(values):.3f} |"
        )
    write_results(
        "startup",
        {
            "full_smoke_test": options.full,
            "window_shown_s": times,
            "wall_s": time.perf_counter() - began,
        },
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
