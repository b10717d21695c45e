"""Run history store: save and reopen a real 1,000,000-span run, bytes per span (issue 16).

Usage: python tests/benchmarks/store_bench.py [--rounds 7] [--n 100000] [--repeat 5]
                                             [--name store]

First makes a real run in this process: ``pool-timing`` squaring 1..n at pool size 2 with
``repeat`` repeats and the serial baseline, which at the defaults records exactly 1,000,000
task spans (and 1,000,000 results in its document). Then, alternating in every round so drift
and load hit all alike, it times:

- ``save_rle`` / ``save_deflate``: ``Store.save_report(report)`` into a fresh database, with
  the span codec's zlib (level 1) using run-length coding (the shipped setting) and zlib's
  default strategy (the A/B for that choice);
  everything a save does is inside: span encoding, the document's JSON and zlib, the SQLite
  insert and commit (WAL, synchronous=NORMAL);
- ``reopen``: a new ``Store`` on that file (its schema check included) and ``load(id)``,
  which decodes every span into the SpanTables the window replays;
- ``reopen_with_tasks``: the same plus ``SavedRun.to_json()``, which rebuilds one dict per
  span for code that wants the ``run --json`` document (informative: the window need not).

It also records the database's bytes per span (file plus WAL, and the span blob alone), a
breakdown of one save, and the longest gap a main-thread ticker saw while a worker thread
saved (a proxy for the GUI event loop: the save must leave the GIL free). Medians of
``rounds``; results: tests/benchmarks/results/store.json.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _bench_util import alternate, write_results

from desktop_app.history import span_codec
from desktop_app.history.store import Store

TICK_S = 0.001


def real_run(n: int, repeat: int):
    from desktop_app.engine.context import run_scenario
    from desktop_app.engine.pools import PoolManager, stop_process_helpers
    from desktop_app.scenarios.registry import get_scenario

    scenario = get_scenario("pool-timing")
    pools = PoolManager()
    try:
        began = time.perf_counter()
        report = run_scenario(
            scenario, scenario.resolve({"n": n}), pool_sizes=(2,), repeats=repeat, pools=pools
        )
        print(f"real run: {time.perf_counter() - began:.1f} s", file=sys.stderr)
    finally:
        pools.shutdown()
        stop_process_helpers()
    return report


def database_bytes(path: Path) -> int:
    wal = path.with_name(path.name + "-wal")
    return path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--name", default="store", help="results file name (without .json)")
    args = parser.parse_args()
    report = real_run(args.n, args.repeat)
    spans = sum(len(entry.spans) for entry in report.runs)
    print(f"{spans} spans in {len(report.runs)} maps", file=sys.stderr)
    folder = Path(tempfile.mkdtemp(prefix="store-bench-"))
    last: dict[str, tuple[Path, int]] = {}
    counter = iter(range(10**6))
    cpu_times: dict[str, list[float]] = {
        name: [] for name in ("save_rle", "reopen", "save_deflate", "reopen_with_tasks")
    }
    loads = [os.getloadavg()[0]]

    def save_with(name: str, strategy: int):
        def run() -> float:
            span_codec._ZLIB_STRATEGY = strategy  # the shipped value is restored below
            path = folder / f"round-{next(counter)}-{name}.sqlite3"
            store = Store(path)
            store.list_runs()  # create the database outside the timing, as the app has it
            began, cpu = time.perf_counter(), time.process_time()
            run_id = store.save_report(report)
            elapsed = time.perf_counter() - began
            cpu_times[f"save_{name}"].append(time.process_time() - cpu)
            last[name] = (path, run_id)
            return elapsed

        return run

    def reopen(with_tasks: bool):
        def run() -> float:
            path, run_id = last["rle"]
            began, cpu = time.perf_counter(), time.process_time()
            saved = Store(path).load(run_id)
            if with_tasks:
                saved.to_json()
            elapsed = time.perf_counter() - began
            cpu_times["reopen_with_tasks" if with_tasks else "reopen"].append(
                time.process_time() - cpu
            )
            assert sum(len(t) for t in saved.spans) == spans
            return elapsed

        return run

    shipped = span_codec._ZLIB_STRATEGY
    try:
        times = alternate(
            {
                "save_rle": save_with("rle", zlib.Z_RLE),
                "reopen": reopen(False),
                "save_deflate": save_with("deflate", zlib.Z_DEFAULT_STRATEGY),
                "reopen_with_tasks": reopen(True),
            },
            args.rounds,
            mirrored=True,
        )
    finally:
        span_codec._ZLIB_STRATEGY = shipped
    sizes = {}
    for name, (path, _) in last.items():
        store = Store(path)
        blob = store.stored_bytes()
        sizes[name] = {
            "database_bytes": database_bytes(path),
            "database_bytes_per_span": database_bytes(path) / spans,
            "stored_bytes_per_span": blob / spans,
        }
    blob = span_codec.encode_spans([entry.spans for entry in report.runs])
    sizes["span_blob_bytes_per_span"] = len(blob) / spans
    payload = {
        "spans": spans,
        "maps": len(report.runs),
        "results": sum(len(entry.results) for entry in report.runs),
        "rounds": args.rounds,
        "medians_s": {name: statistics.median(values) for name, values in times.items()},
        "cpu_medians_s": {name: statistics.median(v) for name, v in cpu_times.items()},
        "times_s": times,
        "load_avg_1m_before_after": loads + [os.getloadavg()[0]],
        "sizes": sizes,
        "breakdown_s": breakdown(report),
        "worker_thread_save": worker_thread_gap(report, folder / "thread.sqlite3"),
    }
    for key, value in payload["medians_s"].items():
        cpu = payload["cpu_medians_s"][key]
        print(f"{key:>18}: median {value:.3f} s (cpu {cpu:.3f} s)", file=sys.stderr)
    print(f"load average: {payload['load_avg_1m_before_after']}", file=sys.stderr)
    print(f"sizes: {sizes}", file=sys.stderr)
    print(f"breakdown: {payload['breakdown_s']}", file=sys.stderr)
    print(f"worker-thread save: {payload['worker_thread_save']}", file=sys.stderr)
    write_results(args.name, payload)
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()
    return 0


def breakdown(report) -> dict[str, float]:
    """One save and one load taken apart: where the time goes (median of 3 each)."""
    from desktop_app.history import document_codec, documents

    tables = [entry.spans for entry in report.runs]
    document = report.to_json()
    for run in document["runs"]:
        run["tasks"] = []
    stored = documents.stored_document(document, report.origin)
    packed = document_codec.pack_document(stored)
    blob = span_codec.encode_spans(tables)
    steps = {
        "int_results_to_arrays": lambda: [
            document_codec.int_column(entry.results) for entry in report.runs
        ],
        "document_pack": lambda: document_codec.pack_document(stored),
        "span_encode": lambda: span_codec.encode_spans(tables),
        "document_unpack": lambda: document_codec.unpack_document(packed),
        "span_decode": lambda: span_codec.decode_spans(blob),
    }
    out = {}
    for name, step in steps.items():
        samples = []
        for _ in range(3):
            began = time.perf_counter()
            step()
            samples.append(time.perf_counter() - began)
        out[name] = statistics.median(samples)
    return out


def worker_thread_gap(report, path: Path) -> dict[str, float]:
    """Save on a worker thread while the main thread ticks every 1 ms; the longest gap.

    A control follows: the same ticking for as long with nothing saving, so the load of the
    machine (other programs taking the cores) is told apart from the GIL held by the save.
    """
    store = Store(path)
    store.list_runs()
    done = threading.Event()
    saver = threading.Thread(target=lambda: (store.save_report(report), done.set()))
    began = time.perf_counter()
    saver.start()
    gaps = _tick_until(done.is_set)
    saver.join()
    save_s = time.perf_counter() - began
    control_end = time.perf_counter() + save_s
    control = _tick_until(lambda: time.perf_counter() > control_end)
    return {
        "save_s": save_s,
        "max_gap_ms": max(gaps) * 1e3,
        "p99_gap_ms": _p99(gaps) * 1e3,
        "ticks": len(gaps),
        "control_max_gap_ms": max(control) * 1e3,
        "control_p99_gap_ms": _p99(control) * 1e3,
    }


def _tick_until(stop) -> list[float]:
    gaps = []
    last = time.perf_counter()
    while not stop():
        time.sleep(TICK_S)
        now = time.perf_counter()
        gaps.append(now - last)
        last = now
    return gaps


def _p99(values: list[float]) -> float:
    return sorted(values)[int(len(values) * 0.99)]


if __name__ == "__main__":
    raise SystemExit(main())
