"""What ./start.sh adds over launching the app directly, once set up (issue 13: at most 0.1 s).

Usage: python tests/benchmarks/start_overhead.py [--rounds 11]

Times ``./start.sh --version`` against ``.venv/bin/concurrency-lab --version`` (the same
Python start, so the difference is the script), alternating A, B, B, A… so drift hits both
alike; reports the medians and their difference. Needs a set-up checkout (run ./start.sh once).
Results: results/start_overhead.json.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _bench_util import alternate, median, write_results

ROOT = Path(__file__).resolve().parents[2]


def _timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=11)
    rounds = parser.parse_args().rounds
    _timed(["./start.sh", "--version"])  # sets up if needed; warms the caches
    times = alternate(
        {
            "start.sh": lambda: _timed(["./start.sh", "--version"]),
            "direct": lambda: _timed([".venv/bin/concurrency-lab", "--version"]),
        },
        rounds,
        mirrored=True,
    )
    medians = {name: median(values) for name, values in times.items()}
    overhead = medians["start.sh"] - medians["direct"]
    print(
        f"start.sh {medians['start.sh'] * 1000:.0f} ms, direct {medians['direct'] * 1000:.0f} ms,"
        f" overhead {overhead * 1000:.0f} ms (median of {rounds})"
    )
    write_results(
        "start_overhead",
        {"rounds": rounds, "times_s": times, "medians_s": medians, "overhead_s": overhead},
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
