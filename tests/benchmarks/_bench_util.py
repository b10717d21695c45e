"""Small helpers the benchmark scripts share: alternating runs, medians, JSON output."""

from __future__ import annotations

import json
import os
import platform
import select
import signal
import statistics
import subprocess
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


class CleanProcessPool:
    """A bare ``Pool(size).map(workloads.noop, range(count))`` in a Python process of its own,
    timed there, one map per :meth:`run`.

    Why not in the benchmark's own process: building a lab process pool sets that process's
    allocator (``engine/worker_heap.py``: glibc's top pad, which also turns its sliding mmap
    threshold off), and a bare pool sharing that process measured 5-12 % slower in two A/Bs
    than one in a process of its own, which flattered the lab. A user's bare ``Pool.map`` runs in a plain process;
    so does this one. Rounds still alternate with the lab's: each :meth:`run` is one map.
    """

    def __init__(self, count: int, size: int, timeout: float = 300.0) -> None:
        self._timeout = timeout
        self._child = subprocess.Popen(
            [sys.executable, "-c", _CLEAN_POOL_CHILD, str(count), str(size)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,  # its pool's workers and forkserver go with it on a kill
        )
        ready = self._line()
        if ready != "ready":
            self.close()
            raise RuntimeError(f"the bare pool's process did not start ({ready!r})")

    def run(self) -> float:
        """Seconds one bare map took, timed in the child."""
        try:
            self._child.stdin.write("run\n")  # type: ignore[union-attr]
            self._child.stdin.flush()  # type: ignore[union-attr]
        except BrokenPipeError:
            raise RuntimeError("the bare pool's process has ended") from None
        line = self._line()
        try:
            return float(line)
        except ValueError:
            raise RuntimeError(f"the bare pool's process answered {line!r}") from None

    def _line(self) -> str:
        """The child's next line; '' when it ended, RuntimeError when it hangs."""
        stdout = self._child.stdout
        assert stdout is not None
        ready, _, _ = select.select([stdout], [], [], self._timeout)
        if not ready:
            self.close()
            raise RuntimeError(f"the bare pool's process said nothing for {self._timeout:g} s")
        return stdout.readline().strip()

    def close(self) -> None:
        """End the child and everything it started (its pool's workers, its forkserver)."""
        try:
            if self._child.stdin is not None:
                self._child.stdin.close()
            self._child.wait(30)
        except (BrokenPipeError, subprocess.TimeoutExpired):
            pass
        finally:
            try:  # whatever is left of its session: a crashed child's workers too
                os.killpg(self._child.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            self._child.wait()
            if self._child.stdout is not None:
                self._child.stdout.close()


# The child: builds its pool on the lab's start method (never fork), warms it, then times one
# map for every "run" line it reads; a plain module run by -c, so its workers never re-run it.
_CLEAN_POOL_CHILD = """
import sys, time
from desktop_app import workloads
from desktop_app.engine.start_method import get_context
count, size = int(sys.argv[1]), int(sys.argv[2])
items = list(range(count))
pool = get_context().Pool(size)
pool.map(workloads.noop, items[:1000])
print("ready", flush=True)
for line in sys.stdin:
    began = time.perf_counter()
    pool.map(workloads.noop, items)
    print(time.perf_counter() - began, flush=True)
pool.terminate()
pool.join()
"""
