"""Start-up: launch to the window's first frame, to its plots ready, and to the CLI's ``list``.

Usage: python tests/benchmarks/startup_time.py [--runs 7] [--quick] [--no-frozen] [--xvfb]

Every figure is timed by this script, from just before it starts the process to the moment a
line arrives on the child's stdout (a pipe: microseconds), so the child's own clock is never
trusted (psutil's create_time is only as exact as the kernel's boot time, whole seconds).

- ``window``: ``python -m desktop_app`` with ``CONCURRENCY_LAB_STARTUP_PROBE=1``: the real
  ``run_gui`` path, which prints ``startup-probe: window_shown`` when the window's first frame
  has been painted, ``startup-probe: views_ready`` when the plot views are built (they are built
  after the first frame), then closes the window. Target (issue 6): under 0.8 s to the window.
- ``list``: ``python -m desktop_app list``, to its first line and to its exit.
- ``frozen window`` / ``frozen list``: the same with dist/ConcurrencyLab/ConcurrencyLab when it
  exists (``python build_spec.py``). A build that predates the probe does not answer it within
  ``PROBE_GRACE_S``; it is then timed with ``--smoke-test --until-shown`` (its
  ``window_shown_s=`` line) and the result says so.

The commands alternate (A, B, C, A, B, C, …) so load drift hits all alike; one unmeasured launch
each first warms the page cache. Each launch records the 1-minute load average. Qt runs
offscreen unless ``--xvfb`` (a real X11 window under xvfb-run). The settings live in a
temporary XDG_CONFIG_HOME, so the user's own are never touched (the first launch writes them,
the rest restore them like a second start).

Python may cache compiled bytecode, as an installed app has it (pip compiles on install, a
frozen app ships it): ``PYTHONDONTWRITEBYTECODE`` is removed from the children's environment,
so the unmeasured first launch writes ``__pycache__`` (git-ignored). ``--no-bytecode-cache``
keeps the variable: every launch then compiles the app's own modules again (~30 ms more here).
Results: tests/benchmarks/results/startup.json.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _bench_util import alternate, write_results

ROOT = Path(__file__).resolve().parents[2]
FROZEN = ROOT / "dist" / "ConcurrencyLab" / "ConcurrencyLab"
PROBE_ENV = "CONCURRENCY_LAB_STARTUP_PROBE"  # desktop_app/ui/app.py: STARTUP_PROBE_ENV
PROBE_GRACE_S = 20.0
LAUNCH_TIMEOUT_S = 120.0
TARGET_WINDOW_S = 0.8


class LaunchFailed(Exception):
    pass


def timed_launch(
    command: list[str],
    env: dict[str, str],
    marks: dict[str, str],
    timeout: float = LAUNCH_TIMEOUT_S,
) -> dict[str, float]:
    """Start ``command`` and time each line prefix in ``marks`` (name -> prefix) and the exit.

    stderr is merged into stdout, so a marker on either counts. Raises LaunchFailed naming
    the command when it fails, times out, or never prints a marker.
    """
    began = time.perf_counter()
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    )
    seen: dict[str, float] = {}
    tail: list[str] = []
    watchdog = threading.Timer(timeout, process.kill)  # a silent, stuck child ends too
    watchdog.start()
    try:
        for line in process.stdout:  # type: ignore[union-attr]
            stamp = time.perf_counter() - began
            tail = (tail + [line.rstrip()])[-8:]
            for name, prefix in marks.items():
                if name not in seen and line.startswith(prefix):
                    seen[name] = stamp
        code = process.wait()
    finally:
        watchdog.cancel()
        if process.poll() is None:
            process.kill()
            process.wait()
    seen["exit"] = time.perf_counter() - began
    if time.perf_counter() - began >= timeout:
        raise LaunchFailed(f"{' '.join(command)}: killed after {timeout:.0f} s")
    missing = [name for name in marks if name not in seen]
    if code != 0 or missing:
        raise LaunchFailed(
            f"{' '.join(command)}: exit code {code}, missing {missing}; last lines: {tail}"
        )
    seen["load_avg_1m"] = os.getloadavg()[0]
    return seen


def window_candidate(command: list[str], env: dict[str, str], timeout: float = LAUNCH_TIMEOUT_S):
    probe_env = dict(env, **{PROBE_ENV: "1"})
    marks = {
        "window_shown": "startup-probe: window_shown",
        "views_ready": "startup-probe: views_ready",
    }
    return lambda: timed_launch(command, probe_env, marks, timeout)


def frozen_window_candidate(env: dict[str, str]):
    """The probe if this build knows it, else the smoke test's ``--until-shown`` (older builds)."""
    try:
        window_candidate([str(FROZEN)], env, PROBE_GRACE_S)()
    except LaunchFailed:
        pass
    else:
        return "frozen window", window_candidate([str(FROZEN)], env)
    try:
        timed_launch(
            [str(FROZEN), "--smoke-test", "--until-shown"], env, {"window_shown": "window_shown_s="}
        )
    except LaunchFailed as exc:
        raise SystemExit(
            f"the frozen app answers neither the probe nor the smoke test: {exc}"
        ) from None
    command = [str(FROZEN), "--smoke-test", "--until-shown"]
    return (
        "frozen window (smoke-test --until-shown: the build predates the probe)",
        lambda: timed_launch(command, env, {"window_shown": "window_shown_s="}),
    )


def list_candidate(command: list[str], env: dict[str, str]):
    # `list` prints a table; its first line is the first output a user sees
    return lambda: timed_launch([*command, "list"], env, {"first_line": ""})


def summarize(samples: list[dict[str, float]]) -> dict[str, dict[str, float]]:
    keys = [k for k in samples[0] if k != "load_avg_1m"]
    out = {}
    for key in keys:
        values = [s[key] for s in samples]
        out[key] = {
            "median_s": round(statistics.median(values), 3),
            "min_s": round(min(values), 3),
            "max_s": round(max(values), 3),
        }
    out["load_avg_1m"] = {"values": [round(s["load_avg_1m"], 2) for s in samples]}
    return out


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="measured launches per command")
    parser.add_argument("--quick", action="store_true", help="3 launches per command")
    parser.add_argument(
        "--no-frozen",
        dest="frozen",
        action="store_false",
        help="skip the frozen app even when dist/ has one",
    )
    parser.add_argument("--xvfb", action="store_true", help="a real X11 window under xvfb-run")
    parser.add_argument(
        "--no-bytecode-cache",
        dest="bytecode",
        action="store_false",
        help="keep PYTHONDONTWRITEBYTECODE as it is in this environment",
    )
    parser.add_argument("--out", default="startup", help="results name (results/<out>.json)")
    options = parser.parse_args(argv)
    if options.xvfb and os.environ.get("QT_QPA_PLATFORM") != "xcb":
        if not shutil.which("xvfb-run"):
            raise SystemExit("--xvfb: xvfb-run is not installed (apt-get install xvfb xauth)")
        env = dict(os.environ, QT_QPA_PLATFORM="xcb")
        return subprocess.call(
            ["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24", sys.executable, __file__, *argv],
            env=env,
        )
    runs = 3 if options.quick and "--runs" not in argv else options.runs
    config = tempfile.mkdtemp(prefix="startup-bench-")
    env = dict(os.environ, XDG_CONFIG_HOME=config)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    if options.bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    source = [sys.executable, "-m", "desktop_app"]
    candidates = {
        "window": window_candidate(source, env),
        "list": list_candidate(source, env),
    }
    frozen = options.frozen and os.access(FROZEN, os.X_OK)
    if frozen:
        name, candidate = frozen_window_candidate(env)
        candidates[name] = candidate
        candidates["frozen list"] = list_candidate([str(FROZEN)], env)
    began = time.perf_counter()
    try:
        for run in candidates.values():  # unmeasured: page cache warm, settings written
            run()
        samples = alternate(candidates, runs)
    finally:
        shutil.rmtree(config, ignore_errors=True)
    results = {name: summarize(values) for name, values in samples.items()}
    print("| command | figure | runs | median (s) | min (s) | max (s) |")
    print("|---|---|---|---|---|---|")
    for name, figures in results.items():
        for key, value in figures.items():
            if key != "load_avg_1m":
                print(
                    f"| {name} | {key} | {runs} | {value['median_s']:.3f} | "
                    f"{value['min_s']:.3f} | {value['max_s']:.3f} |"
                )
    loads = [v for f in results.values() for v in f["load_avg_1m"]["values"]]
    print(f"load average (1 min) during the launches: {min(loads):.2f}..{max(loads):.2f}")
    shown = results["window"]["window_shown"]["median_s"]
    verdict = "met" if shown < TARGET_WINDOW_S else "MISSED"
    print(f"window shown (source): {shown:.3f} s, target < {TARGET_WINDOW_S} s: {verdict}")
    write_results(
        options.out,
        {
            "platform": env["QT_QPA_PLATFORM"],
            "runs": runs,
            "bytecode_cache": options.bytecode,
            "target_window_s": TARGET_WINDOW_S,
            "frozen_measured": bool(frozen),
            "results": results,
            "samples": samples,
            "wall_s": round(time.perf_counter() - began, 1),
        },
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
