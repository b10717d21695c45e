"""What tracing a lock costs: per acquire/release, and what a big lock log costs the window.

Run: python tests/benchmarks/lock_trace_overhead.py
A (a plain threading.Lock) and B (the same lock traced by engine/lock_events.py) alternate in
one run, 7 rounds of 100,000 ``with lock:`` each, one thread; the median per acquire is
printed. Then producer-consumer's flat-out phase with 20,000 numbers and the lock (its preset)
is run once: how many holds it records, the pickled size of its lock log (what crosses from
the run host), the time to unpickle it, and the timeline's full redraw of it. Record the load
average beside the figures: the machine is shared.
"""

from __future__ import annotations

import os
import pickle
import statistics
import threading
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

N = 100_000
ROUNDS = 7


def per_acquire(lock) -> float:
    began = time.perf_counter()
    for _ in range(N):
        with lock:
            pass
    return (time.perf_counter() - began) / N


def main() -> None:
    from desktop_app.engine.lock_events import LockRecorder

    plain, traced = [], []
    for _ in range(ROUNDS):
        plain.append(per_acquire(threading.Lock()))
        traced.append(per_acquire(LockRecorder(limit=N).lock(threading.Lock(), "Lock")))
    a, b = statistics.median(plain), statistics.median(traced)
    print(f"load average {os.getloadavg()}")
    print(f"plain Lock: {a * 1e9:.0f} ns per acquire+release (median of {ROUNDS})")
    print(f"traced Lock: {b * 1e9:.0f} ns per acquire+release (+{(b - a) * 1e9:.0f} ns)")
    big_log()


def big_log() -> None:
    from desktop_app.engine.context import run_scenario
    from desktop_app.scenarios.registry import get_scenario
    from desktop_app.ui.app import make_application
    from desktop_app.ui.plots.task_timeline import TaskTimeline

    scenario = get_scenario("producer-consumer")
    report = run_scenario(scenario, scenario.resolve({"lock": True, "race_n": 20_000}))
    entry = report.runs[-1]
    log = entry.locks
    blob = pickle.dumps(log)
    began = time.perf_counter()
    pickle.loads(blob)
    unpickle = time.perf_counter() - began
    print(
        f"flat out, 20,000 numbers with the lock: {len(log.holds):,} holds kept, "
        f"{log.dropped:,} dropped; pickled {len(blob) / 1e6:.1f} MB, unpickled in "
        f"{unpickle * 1e3:.0f} ms"
    )
    app = make_application([])
    timeline = TaskTimeline()
    timeline.resize(1000, 360)
    timeline.show()
    timeline.reset(report.origin)
    timeline.begin_measurement("flat out")
    timeline.add_spans(entry.spans)
    timeline.add_locks(log)
    timeline.settle()
    costs = []
    for _ in range(5):
        timeline._dirty = True
        began = time.perf_counter()
        timeline.refresh()
        app.processEvents()
        costs.append(time.perf_counter() - began)
    print(
        f"timeline full redraw with the lanes: {statistics.median(costs) * 1e3:.0f} ms (median of 5)"
    )
    print(f"load average {os.getloadavg()}")


if __name__ == "__main__":
    main()
