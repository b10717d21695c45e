"""Issue 20, items 1, 3 and 9 and the lesson Process: time to report or recover, and leftovers.

Each case runs the test-only fault-matrix scenario (tests/reliability/fault_scenario.py) in a
``RunHost`` from this process (the window's side), breaks something, runs again, and records:
how long the affected run took to end (and how: state and record types), and before the fault
and after the recovery the run host's tree (processes), the host's threads and open file
descriptors, this process's threads and fds, and the /dev/shm entries the tree had mapped
(after: how many of those still exist).

- ``idle-kill-BACKEND``: SIGKILL one idle worker of the warm pool, run again (item 1).
- ``forkserver-BACKEND``: SIGKILL the host's forkserver, run again (item 9).
- ``frozen``: SIGSTOP the host during a run (item 3); capped at 20 s when nothing notices.
- ``lesson-death``: a lesson's Process killed while another runs 3 s: when the record arrives.

``--compare OLD_TREE`` runs each case in a fresh interpreter against an older checkout too,
alternating, ``--rounds`` times (default 3). Writes tests/benchmarks/results/fault_recovery.json.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve()
REPO = HERE.parents[2]
CASES = (
    "idle-kill-processes",
    "idle-kill-futures",
    "idle-kill-pool",
    "forkserver-processes",
    "forkserver-futures",
    "forkserver-pool",
    "frozen",
    "lesson-death",
)
FROZEN_CAP_S = 20.0


def _snapshot(host_pid: int | None) -> dict:
    import psutil

    me = psutil.Process()
    out = {"window_threads": me.num_threads(), "window_fds": me.num_fds()}
    if host_pid is None:
        return out
    try:
        host = psutil.Process(host_pid)
        tree = [host, *host.children(recursive=True)]
        out.update(host_threads=host.num_threads(), host_fds=host.num_fds())
    except psutil.Error:
        return out
    shm: set[str] = set()
    for process in tree:
        try:
            shm |= {m.path for m in process.memory_maps() if "/dev/shm/" in m.path}
        except psutil.Error:
            pass
    out.update(tree_processes=len(tree), shm=sorted(shm))
    return out


def _after(before: dict, host_pid: int | None, old_tree: list) -> dict:
    import psutil

    now = _snapshot(host_pid)
    shm = before.get("shm", [])
    now["shm_of_before_left"] = sum(1 for path in shm if os.path.exists(path))
    now["old_tree_alive"] = sum(1 for p in old_tree if psutil.pid_exists(p.pid) and _not_zombie(p))
    now.pop("shm", None)
    return now


def _not_zombie(process) -> bool:
    import psutil

    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def run_case(case: str) -> dict:
    sys.path.insert(0, str(REPO / "tests" / "reliability"))
    sys.path.insert(0, str(REPO / "tests"))
    import psutil
    from fault_scenario import fault_scenario_registered

    from desktop_app.engine.cancel import CancelToken
    from desktop_app.engine.events import ErrorRaised
    from desktop_app.engine.host.client import RunHost

    def run(host, scenario, backend, fault="none", timeout=20.0, events=None):
        params = scenario.resolve({"fault": fault, "backend": backend, "timeout": timeout})
        sink = events if events is not None else []
        began = time.perf_counter()
        report = host.run(
            scenario,
            params,
            pool_sizes=(2,),
            repeats=1,
            consumer=sink.extend,
            cancel=CancelToken(),
        )
        records = [e.record.type for e in sink if isinstance(e, ErrorRaised)]
        return report, records, time.perf_counter() - began

    if case == "lesson-death":
        return _lesson_death()
    host = RunHost()
    try:
        with fault_scenario_registered() as scenario:
            backend = "processes" if case == "frozen" else case.rsplit("-", 1)[1]
            first, _, _ = run(host, scenario, backend)
            assert first.state == "completed", first.errors
            before = _snapshot(host.pid)
            root = psutil.Process(host.pid)
            old_tree = root.children(recursive=True)
            if case.startswith("idle-kill"):
                # a worker: forked by the forkserver (whose own parent is the host)
                victim = next(p for p in old_tree if p.ppid() != root.pid)
                victim.kill()
                psutil.wait_procs([victim], timeout=5)
                report, records, took = run(host, scenario, backend)
            elif case.startswith("forkserver"):
                server = next(p for p in root.children() if "forkserver" in _helper(p))
                server.kill()
                time.sleep(0.2)
                report, records, took = run(host, scenario, backend)
            else:  # frozen
                return _frozen(host, scenario, run, before, old_tree, root)
            after = _after(before, host.pid, [p for p in old_tree if p.pid != root.pid])
            before.pop("shm", None)
            again, _, _ = run(host, scenario, backend)
            return {
                "ended_s": round(took, 3),
                "state": report.state,
                "records": records,
                "notes": [n for n in report.notes if "rebuilt" in n or "forkserver" in n],
                "next_run": again.state,
                "before": before,
                "after": after,
            }
    finally:
        host.shutdown()


def _helper(process) -> str:
    try:
        return " ".join(process.cmdline())
    except Exception:
        return ""


def _frozen(host, scenario, run, before, old_tree, root) -> dict:
    box: dict = {}
    events: list = []

    def target():
        box["result"] = run(host, scenario, "processes", "hang", 50.0, events)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    from desktop_app.engine.events import Progress

    deadline = time.monotonic() + 60
    while not any(isinstance(e, Progress) and e.running for e in list(events)):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    os.kill(root.pid, signal.SIGSTOP)
    stopped = time.perf_counter()
    thread.join(FROZEN_CAP_S)
    ended = None if thread.is_alive() else time.perf_counter() - stopped
    if thread.is_alive():  # the old code: nothing noticed; end it so the case can finish
        os.kill(root.pid, signal.SIGKILL)
        thread.join(30)
    report, records, _ = box["result"]
    after = _after(before, host.pid, [root, *old_tree])
    before.pop("shm", None)
    again, _, _ = run(host, scenario, "processes")
    return {
        "ended_s": None if ended is None else round(ended, 3),
        "capped_at_s": FROZEN_CAP_S if ended is None else None,
        "state": report.state,
        "records": records,
        "next_run": again.state,
        "before": before,
        "after": after,
    }


def _lesson_death() -> dict:
    from desktop_app import workloads
    from desktop_app.engine.context import run_scenario
    from desktop_app.engine.events import ErrorRaised
    from desktop_app.engine.lesson_runs import Job, run_processes
    from desktop_app.scenarios.base import Scenario

    def body(ctx):
        jobs = [
            Job("killed", workloads.kill_worker, (0,)),
            Job("survivor", workloads.io_wait, (3.0,)),
        ]
        run_processes(ctx, "start and join", jobs, timeout=60.0)

    scenario = Scenario(
        id="lesson-death",
        title="t",
        lesson="t",
        summary="t",
        when_to_use="t",
        params=(),
        run=body,
        code_objects=(body,),
        pool_sizes=(1,),
        order=99,
    )
    seen: list[float] = []
    began = time.perf_counter()

    def consumer(batch):
        if any(isinstance(e, ErrorRaised) for e in batch) and not seen:
            seen.append(time.perf_counter() - began)

    report = run_scenario(scenario, {}, consumer=consumer)
    return {
        "record_after_s": round(seen[0], 3) if seen else None,
        "run_s": round(report.duration_s, 3),
        "records": [e.type for e in report.errors],
    }


def _child(tree: Path, case: str) -> dict:
    env = dict(os.environ, PYTHONPATH=str(tree))
    done = subprocess.run(
        [sys.executable, str(tree / "tests" / "benchmarks" / HERE.name), "--case", case],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode:
        return {"error": done.stderr[-800:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--case", choices=CASES, help=argparse.SUPPRESS)
    parser.add_argument("--only", nargs="*", choices=CASES, default=list(CASES))
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case)))
        return 0
    sys.path.insert(0, str(HERE.parent))
    from _bench_util import write_results

    trees = {"after": REPO}
    if args.compare is not None:
        trees = {"before": args.compare.resolve(), "after": REPO}
    runs: dict = {name: {case: [] for case in args.only} for name in trees}
    for index in range(args.rounds):
        order = list(trees.items())
        if index % 2:
            order.reverse()
        for case in args.only:
            for name, tree in order:
                result = _child(tree, case)
                runs[name][case].append(result)
                print(name, case, json.dumps(result), file=sys.stderr, flush=True)
    write_results("fault_recovery", {"runs": runs})
    return 0


if __name__ == "__main__":
    sys.exit(main())
