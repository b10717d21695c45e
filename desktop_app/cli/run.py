"""``concurrency-lab run``: one scenario run with Ctrl-C, a deadline, a progress line and files
(written by outputs.py: atomically, and stdout failures as one line).

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
from typing import Any

from ..engine.cancel import CancelToken
from ..engine.context import WHY_UNWORKED, run_scenario
from ..engine.host.protocol import RunRequest
from ..engine.outputs.report import RunReport
from ..engine.pools import PoolManager, stop_process_helpers
from ..engine.process_tree import kill_tree
from .format import render_report
from .outputs import Output, StdoutFailed, print_out, write_outputs
from .progress import ProgressLine

EXIT_OK, EXIT_FAILED, EXIT_INTERRUPTED = 0, 1, 130
GRACE_S = 0.5  # after a cancel, how long the run may take to wind down before we force it
THREADS_GRACE_S = 0.3  # then how long the pools' own threads may take to end
TICK_S = 0.05


@dataclass(frozen=True)
class CliRunRequest(RunRequest):
    """The shared :class:`RunRequest` (what to run) plus where the CLI writes the report,
    the paths already checked to be writable."""

    outputs: tuple[Output, ...] = ()  # files (or stdout) to write, checked by commands.py
    verbose: bool = False
    save: bool = True  # to the run history (cli/history.py)
    data_dir: str | None = None  # the history's folder (--data-dir)
    python: str | None = None  # run in a run host under this interpreter (--python)


@dataclass
class _Outcome:
    report: RunReport | None = None
    signum: int | None = None
    timed_out: bool = False
    stuck: bool = False  # the run thread did not stop: exit without waiting for it


def execute(request: RunRequest) -> int:
    """Run, write the files, print the report; return the exit code."""
    if not isinstance(request, CliRunRequest):  # the shared request: no files to write
        request = CliRunRequest(**vars(request))
    to_stdout = any(output.target is None for output in request.outputs)
    progress = ProgressLine(sys.stderr, request.scenario.id) if sys.stderr.isatty() else None
    outcome = _run(request, progress)
    if outcome.signum is not None:
        name = signal.Signals(outcome.signum).name
        print(f"concurrency-lab: {request.scenario.id} interrupted ({name})", file=sys.stderr)
        if outcome.report is not None and not outcome.stuck:
            _save(outcome.report, request, to_stdout)  # a cancelled run is history too
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
        write_outputs(report, request.outputs)
    except OSError as exc:
        print(f"concurrency-lab: error: could not write the output: {exc}", file=sys.stderr)
        return _leave(EXIT_FAILED, outcome.stuck)
    except StdoutFailed as exc:
        print(f"concurrency-lab: error: {exc}", file=sys.stderr)
        return _leave(exc.status, outcome.stuck)
    text = render_report(report, request.scenario, verbose=request.verbose)
    if to_stdout:  # the JSON went there: the human report goes beside it, on stderr
        print(text, file=sys.stderr)
    else:
        try:
            print_out(text)
        except StdoutFailed as exc:
            print(f"concurrency-lab: error: {exc}", file=sys.stderr)
            return _leave(exc.status, outcome.stuck)
    _save(report, request, to_stdout)
    return _leave(EXIT_OK if report.state == "completed" else EXIT_FAILED, outcome.stuck)


def _save(report: RunReport, request: CliRunRequest, json_on_stdout: bool) -> None:
    """Save to the history unless told not to; a failure is a warning, never the exit code.
    The saved run's id goes where the human report went (stderr when stdout carries JSON)."""
    if not request.save:
        return
    from .history import save_run

    def announce(line: str) -> None:
        if json_on_stdout:
            print(line, file=sys.stderr)
        else:
            try:
                print_out(line)
            except StdoutFailed:
                pass  # the report itself reached stdout or already said why not

    save_run(report, request.data_dir, announce)


def _run(request: RunRequest, progress: ProgressLine | None) -> _Outcome:
    outcome = _Outcome()
    cancel = CancelToken()
    pools = PoolManager()
    pools.watch(cancel)  # a pool that is starting gives up on Ctrl-C / SIGTERM too

    def target() -> None:
        if getattr(request, "python", None):
            outcome.report = _run_in_host(request, progress, cancel)
            return
        outcome.report = run_scenario(
            request.scenario,
            request.params,
            pool_sizes=request.pool_sizes,
            repeats=request.repeats,
            pools=pools,
            consumer=progress,
            cancel=cancel,
            timeout=request.timeout,
            scheduler=request.scheduler,
        )

    def on_signal(signum: int, _frame: Any) -> None:
        outcome.signum = signum
        cancel.cancel()

    runner = threading.Thread(target=target, name="cli-run", daemon=True)
    children_before = _child_pids()
    previous = _install_handlers(on_signal)
    early = _early_signal()
    if early is not None:  # arrived while the CLI was starting: end as for it now
        on_signal(early, None)
    try:
        runner.start()
        outcome.timed_out = _wait(runner, cancel, request.timeout, progress)
        if cancel.cancelled:
            runner.join(GRACE_S)
    finally:
        if progress is not None:
            progress.close()
        still_running = runner.is_alive()
        pools.shutdown(abort=still_running)  # a run still going must not be waited on
        if still_running:
            runner.join(GRACE_S)  # the abort frees a run waiting on its pool: let it return
        _stop_helpers()
        _kill_children(children_before)
        _restore_handlers(previous)
    if outcome.timed_out and runner.is_alive():
        runner.join(GRACE_S)  # the pools are gone now: the run returns at once
    outcome.stuck = runner.is_alive()
    return outcome


def _run_in_host(request: Any, progress: ProgressLine | None, cancel: CancelToken) -> RunReport:
    """The run in a run host under ``request.python`` (another interpreter): the CLI's own
    process only relays, as the window does; the host is stopped whatever happens."""
    from ..engine.host.client import RunHost

    host = RunHost(python=request.python)
    plain = RunRequest(
        request.scenario,
        dict(request.params),
        request.pool_sizes,
        request.repeats,
        request.timeout,
        scheduler=request.scheduler,
    )
    try:
        report = host.submit(plain, progress or (lambda _batch: None), cancel)
    finally:
        host.shutdown()
    if report.why and report.why[0].startswith(WHY_UNWORKED):  # that Python has no numpy
        from ..engine.why_not import why_lines

        report.why = why_lines(report)
    return report


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


# Ctrl-C, kill, and the terminal closing (SIGHUP, handled like SIGTERM): each cancels the run and
# cleans up. Children never see SIGINT or SIGHUP (engine/start_method.py): this handler decides.
ENDING_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


def _early_signal() -> int | None:
    from ..early_signals import pending_signal

    return pending_signal()


def _install_handlers(handler: Any) -> dict[int, Any]:
    if threading.current_thread() is not threading.main_thread():
        return {}  # only the main thread may set handlers (e.g. when called from a test)
    return {sig: signal.signal(sig, handler) for sig in ENDING_SIGNALS}


def _restore_handlers(previous: dict[int, Any]) -> None:
    for sig, handler in previous.items():
        signal.signal(sig, handler)


def _child_pids() -> set[int]:
    from ..engine.process_info import psutil

    try:
        return {child.pid for child in psutil.Process().children(recursive=True)}
    except psutil.Error:
        return set()


def _kill_children(keep: set[int], spare_forkserver: bool = True) -> None:
    """Last line of defence: kill any child process the run started that is still alive.

    The pools and the lesson helpers already stop their own; this catches what a scenario
    started and could not stop (a ``Process`` stuck when a cancel arrived). Children that
    existed before the run (``keep``) are not ours to end.

    Nor are multiprocessing's helpers, when they could not be stopped (semaphores still alive);
    both end by themselves as soon as this process exits, the tracker after unlinking what is
    left. Killed, the tracker was relaunched by the next semaphore's finalizer and the new one
    printed a KeyError traceback for every name it had never seen, leaving the files in
    /dev/shm; and a Pool's worker-handler thread, still replacing workers, asked the reaped
    forkserver for one and died in a ChildProcessError traceback.
    """
    from multiprocessing import forkserver, resource_tracker

    helpers = {getattr(getattr(resource_tracker, "_resource_tracker", None), "_pid", None)}
    if spare_forkserver:
        helpers.add(getattr(getattr(forkserver, "_forkserver", None), "_forkserver_pid", None))
    kill_tree(keep={*keep, *(pid for pid in helpers if pid)})


def _leave(code: int, stuck: bool) -> int:
    """Return ``code``; if the run thread would not stop, exit now rather than wait for it."""
    if stuck:
        _end_stuck_run()
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError, AttributeError):
                pass
        os._exit(code)
    return code


def _end_stuck_run() -> None:
    """Before ``os._exit`` with a run that would not stop: nothing may start, print or leak.

    Seen after a Ctrl-C while a ``Pool`` was starting: its worker-handler thread went on
    replacing the workers being killed, and the replacements died in tracebacks; and since
    ``os._exit`` skips the finalizers that unlink semaphores, the resource tracker unlinked
    them itself with a "leaked semaphore objects" warning. So: threads dying now stay quiet
    (we are leaving), every child but the tracker is killed (the forkserver first of them, so
    no replacement can start), then the semaphores are unlinked and handed back.
    """
    from multiprocessing import forkserver

    threading.excepthook = lambda _args: None
    server = getattr(getattr(forkserver, "_forkserver", None), "_forkserver_pid", None)
    if server and hasattr(signal, "SIGSTOP"):
        try:  # frozen, it forks nothing between the look at our children and their kill
            os.kill(server, signal.SIGSTOP)
        except OSError:
            pass
    _kill_children(keep=set(), spare_forkserver=False)
    _release_semaphores()


def _release_semaphores() -> None:
    """Run only the semaphores' own finalizers (unlink, tell the tracker), never a pool's,
    which may be what is stuck."""
    from multiprocessing import synchronize, util

    cleanup = getattr(synchronize.SemLock, "_cleanup", None)
    for finalizer in list(getattr(util, "_finalizer_registry", {}).values()):
        if cleanup is not None and getattr(finalizer, "_callback", None) is cleanup:
            try:
                finalizer()
            except Exception:  # already unlinked: nothing left to release
                pass
