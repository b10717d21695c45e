"""Small helpers the benchmark scripts share: alternating runs, medians, JSON output."""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

RESULTS_DIR = Path(__file__).with_name("results")


def machine() -> dict:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "load_avg_1m": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
    }


def alternate(
    candidates: dict[str, Callable[[], float]], rounds: int, mirrored: bool = False
) -> dict[str, list[float]]:
    """Run each candidate once per round, in turn (A, B, C, A, B, C, …): drift hits all alike.

    ``mirrored`` runs every other round backwards (A, B, C, C, B, A, …), so a candidate's place
    in the round (what ran just before it) does not favour it either.
    """
    times: dict[str, list[float]] = {name: [] for name in candidates}
    for index in range(rounds):
        order = list(candidates.items())
        if mirrored and index % 2:
            order.reverse()
        for name, run in order:
            times[name].append(run())
    return times


def timed(func: Callable[[], object]) -> float:
    began = time.perf_counter()
    func()
    return time.perf_counter() - began


def median(values: list[float]) -> float:
    return statistics.median(values)


def write_results(name: str, payload: dict) -> Path:
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    payload = {"benchmark": name, "machine": machine(), **payload}
    path.write_text(json.dumps(payload, indent=2))
    print(f"wrote {path}", file=sys.stderr)
    return path
