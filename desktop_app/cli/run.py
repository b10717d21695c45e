"""``concurrency-lab run``: one scenario run with Ctrl-C, a deadline, a progress line and files.

The run goes on a helper thread so that the main thread stays free for signals: Ctrl-C only
sets the cancel token (the engine stops within one poll and kills busy workers), and whatever
happens, the ``finally`` shuts every pool, stops multiprocessing's helpers and kills any child
left over, so the CLI never leaves a process behind.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from ..engine.cancel import CancelToken
from ..engine.context import run_scenario
from ..engine.outputs.report import RunReport
from ..engine.pools import PoolManager, stop_process_helpers
from ..engine.process_tree import kill_tree
from .format import render_report
from .progress import ProgressLine

EXIT_OK, EXIT_FAILED, EXIT_INTERRUPTED = 0, 1, 130
GRACE_S = 0.5  # after a cancel, how long the run may take to wind down before we force it
THREADS_GRACE_S = 0.3  # then how long the pools' own threads may take to end
TICK_S = 0.05


@dataclass(frozen=True)
class RunRequest:
    """What the user asked for, already validated."""

    scenario: Any
    params: dict[str, Any]
    pool_sizes: tuple[int, ...]
    repeats: int
    timeout: float | None = None
    json_path: Path | str | None = None  # "-" is stdout
    csv_paths: tuple[Path, Path] | None = None  # spans, summary
    verbose: bool = False


@dataclass
class _Outcome:
    report: RunReport | None = None
    signum: int | None = None
    timed_out: bool = False
    stuck: bool = False  # the run thread did not stop: exit without waiting for it


def execute(request: RunRequest) -> int:
    """Run, write the files, print the report; return the exit code."""
    human: TextIO = sys.stderr if request.json_path == "-" else sys.stdout
    progress = ProgressLine(sys.stderr, request.scenario.id) if sys.stderr.isatty() else None
    outcome = _run(request, progress)
    if outcome.signum is not None:
        name = signal.Signals(outcome.signum).name
        print(f"concurrency-lab: {request.scenario.id} interrupted ({name})", file=sys.stderr)
        return _leave(128 + outcome.signum, outcome.stuck)
    report = outcome.report
    if report is None:  # the deadline passed and the run would not stop
        print(
            f"concurrency-lab: error: {request.scenario.id} did not finish within "
            f"{request.timeout:g} s and did not stop",
            file=sys.stderr,
        )
        return _leave(EXIT_FAILED, outcome.stuck)
    if outcome.timed_out:
        report.state = "failed"
        report.notes.append(
            f"Stopped: the run did not finish within {request.timeout:g} s (--timeout)."
        )
    try:
        _write_outputs(report, request)
    except OSError as exc:
        print(f"concurrency-lab: error: could not write the output: {exc}", file=sys.stderr)
        return _leave(EXIT_FAILED, outcome.stuck)
    print(render_report(report, request.scenario, verbose=request.verbose), file=human)
    return _leave(EXIT_OK if report.state == "completed" else EXIT_FAILED, outcome.stuck)


def _run(request: RunRequest, progress: ProgressLine | None) -> _Outcome:
    outcome = _Outcome()
    cancel = CancelToken()
    pools = PoolManager()

    def target() -> None:
        outcome.report = run_scenario(
            request.scenario,
            request.params,
            pool_sizes=request.pool_sizes,
            repeats=request.repeats,
            pools=pools,
            consumer=progress,
            cancel=cancel,
            timeout=request.timeout,
        )

    def on_signal(signum: int, _frame: Any) -> None:
        outcome.signum = signum
        cancel.cancel()

    runner = threading.Thread(target=target, name="cli-run", daemon=True)
    children_before = _child_pids()
    previous = _install_handlers(on_signal)
    try:
        runner.start()
        outcome.timed_out = _wait(runner, cancel, request.timeout, progress)
        if cancel.cancelled:
            runner.join(GRACE_S)
    finally:
        if progress is not None:
            progress.close()
        pools.shutdown()
        _stop_helpers()
        _kill_children(children_before)
        _restore_handlers(previous)
    if outcome.timed_out and runner.is_alive():
        runner.join(GRACE_S)  # the pools are gone now: the run returns at once
    outcome.stuck = runner.is_alive()
    return outcome


def _wait(
    runner: threading.Thread,
    cancel: CancelToken,
    timeout: float | None,
    progress: ProgressLine | None,
) -> bool:
    """Wait for the run, redrawing the progress line; True when the deadline passed."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while runner.is_alive() and not cancel.cancelled:
        runner.join(TICK_S)
        if progress is not None:
            progress.draw()
        if deadline is not None and time.monotonic() > deadline:
            cancel.cancel()
            return True
    return False


def _stop_helpers() -> None:
    """Let the pools' own threads end (they may hold semaphores), then stop the helpers."""
    deadline = time.monotonic() + THREADS_GRACE_S
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and not thread.daemon:
            thread.join(max(0.0, deadline - time.monotonic()))
    stop_process_helpers()


def _install_handlers(handler: Any) -> dict[int, Any]:
    if threading.current_thread() is not threading.main_thread():
        return {}  # only the main thread may set handlers (e.g. when called from a test)
    return {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}


def _restore_handlers(previous: dict[int, Any]) -> None:
    for sig, handler in previous.items():
        signal.signal(sig, handler)


def _child_pids() -> set[int]:
    import psutil

    try:
        return {child.pid for child in psutil.Process().children(recursive=True)}
    except psutil.Error:
        return set()


def _kill_children(keep: set[int]) -> None:
    """Last line of defence: kill any child process the run started that is still alive.

    The pools and the lesson helpers already stop their own; this catches what a scenario
    started and could not stop (a ``Process`` stuck when a cancel arrived). Children that
    existed before the run (``keep``) are not ours to end, nor are multiprocessing's forkserver
    and resource tracker: they end with this process, after its exit finalizers. Killed while a
    semaphore is alive, the tracker is relaunched by that semaphore's finalizer, which then
    prints a KeyError traceback (seen under load when the run thread outlived the cancel).
    """
    kill_tree(keep=keep | _helper_pids())


def _helper_pids() -> set[int]:
    from multiprocessing import forkserver, resource_tracker

    pids = (
        getattr(getattr(forkserver, "_forkserver", None), "_forkserver_pid", None),
        getattr(getattr(resource_tracker, "_resource_tracker", None), "_pid", None),
    )
    return {pid for pid in pids if pid}


def _write_outputs(report: RunReport, request: RunRequest) -> None:
    if request.json_path == "-":
        sys.stdout.write(report.dumps() + "\n")
        sys.stdout.flush()
    elif request.json_path is not None:
        Path(request.json_path).write_text(report.dumps() + "\n", encoding="utf-8")
    if request.csv_paths is not None:
        spans, summary = request.csv_paths
        spans.write_text(report.spans_csv(), encoding="utf-8", newline="")
        summary.write_text(report.summary_csv(), encoding="utf-8", newline="")


def _leave(code: int, stuck: bool) -> int:
    """Return ``code``; if the run thread would not stop, exit now rather than wait for it."""
    if stuck:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code
