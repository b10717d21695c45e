"""Issue 20, items 7 and 8: the terminal's signals, sent as a terminal sends them.

A terminal delivers Ctrl-C (SIGINT) and its closing (SIGHUP) to the whole foreground process
group: the CLI or the window, and every worker, forkserver, resource tracker and run host with
them. So each test starts the app as the leader of a new session and signals the group with
``os.killpg``, at a varying moment of a pool run. What must hold: one line and the conventional
exit code, no traceback from any process, no descendant left, and none of the semaphores the
app's processes had open left in /dev/shm.

Which /dev/shm entries are the app's is read from the memory maps of its processes just before
the signal (``sem_open`` maps the file), so other programs' entries cannot confuse the count.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from _process_watch import DRIVER, alive, descendants, gui_env, wait_for, workers

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="process groups, /dev/shm")

SHM = Path("/dev/shm")
BUSY_TIMEOUT_S = 60.0  # pool start-up on a loaded machine
EXIT_BOUND_S = 15.0  # hang guard only: the lifecycle tests measure the exit time itself
ORPHAN_BOUND_S = 5.0
ROUNDS = 10
# A pool run long enough to be interrupted: multiprocessing.Pool (whose queue lock a worker
# killed by SIGINT used to take with it) and ProcessPoolExecutor, alternately.
CLI_RUNS = (
    ("process-pool", "--set", "n=100000", "--set", "chunksize=1"),
    ("pool-timing", "--pool-sizes", "2,3", "--set", "workload=cpu", "--set", "n=40"),
)


def shm_entries_of(processes: list[psutil.Process]) -> set[str]:
    """The /dev/shm files these processes have mapped (their semaphores and shared memory)."""
    names = set()
    for process in processes:
        try:
            maps = Path(f"/proc/{process.pid}/maps").read_text()
        except OSError:
            continue
        for line in maps.splitlines():
            path = line.split(maxsplit=5)[-1] if line.count(" ") >= 5 else ""
            if path.startswith("/dev/shm/"):
                names.add(path.removeprefix("/dev/shm/").removesuffix(" (deleted)"))
    return names


def _still_in_shm(names: set[str]) -> set[str]:
    return {name for name in names if (SHM / name).exists()}


def _interrupt(proc: subprocess.Popen, signum: int, needed: int) -> tuple[list, set[str], str]:
    """Wait until ``needed`` workers run, signal the group; (family, shm names, stderr)."""
    assert wait_for(
        lambda: proc.poll() is not None or len(workers(proc.pid)) >= needed, BUSY_TIMEOUT_S, 0.02
    ), "the run never started its workers"
    assert proc.poll() is None, proc.communicate()
    # a different moment of the run each round, once the pool has started (a Ctrl-C during the
    # start itself can still race the pool's teardown: issue 20 item 4, another change)
    time.sleep(random.uniform(0.3, 0.8))
    family = [psutil.Process(proc.pid), *descendants(proc.pid)]
    names = shm_entries_of(family)
    os.killpg(proc.pid, signum)
    try:
        _, stderr = proc.communicate(timeout=EXIT_BOUND_S)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    return family[1:], names, stderr


def _cli(tmp_path: Path, run: tuple[str, ...]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "desktop_app", "run", *run],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env=gui_env(tmp_path / "config"),
        start_new_session=True,  # its own process group, as a shell job has
    )


def _check_clean(family, names, stderr) -> None:
    assert "Traceback" not in stderr, stderr
    assert "leaked" not in stderr, stderr
    assert wait_for(lambda: not alive(family), ORPHAN_BOUND_S), f"left: {alive(family)}"
    assert wait_for(lambda: not _still_in_shm(names), ORPHAN_BOUND_S), _still_in_shm(names)


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_ctrl_c_to_the_cli_process_group_ends_it_with_130_and_no_traceback(round_, tmp_path):
    run = CLI_RUNS[round_ % len(CLI_RUNS)]
    proc = _cli(tmp_path, run)
    family, names, stderr = _interrupt(proc, signal.SIGINT, 2)
    assert proc.returncode == 130, stderr
    assert stderr.strip().splitlines() == [f"concurrency-lab: {run[0]} interrupted (SIGINT)"]
    _check_clean(family, names, stderr)


@pytest.mark.parametrize("run", CLI_RUNS, ids=[run[0] for run in CLI_RUNS])
def test_closing_the_terminal_of_the_cli_leaves_nothing_in_dev_shm(run, tmp_path, figures):
    proc = _cli(tmp_path, run)
    family, names, stderr = _interrupt(proc, signal.SIGHUP, 2)
    assert names, "the run had no semaphore open: the check would prove nothing"
    assert proc.returncode == 128 + signal.SIGHUP, stderr
    assert stderr.strip().splitlines() == [f"concurrency-lab: {run[0]} interrupted (SIGHUP)"]
    _check_clean(family, names, stderr)
    figures[f"SIGHUP to the CLI group ({run[0]})"] = (
        f"{len(names)} /dev/shm entries open before, 0 after; {len(family)} descendants gone"
    )


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGHUP], ids=["SIGINT", "SIGHUP"])
def test_the_windows_process_group_signalled_leaves_nothing(signum, tmp_path, figures):
    proc = subprocess.Popen(
        [
            sys.executable,
            str(DRIVER),
            "process-pool",
            "n=100000",
            "chunksize=1",
            "--pool-size",
            "2",
        ],
        stdin=subprocess.PIPE,  # kept open: EOF would ask the driver to quit
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env=gui_env(tmp_path / "config"),
        start_new_session=True,
    )
    try:
        # the run host plus the pool's two workers: the run is under way
        family, names, stderr = _interrupt(proc, signum, 2)
    finally:
        proc.stdin.close()
    assert names, "the run had no semaphore open: the check would prove nothing"
    assert proc.returncode == 0, stderr
    _check_clean(family, names, stderr)
    figures[f"{signal.Signals(signum).name} to the window's group"] = (
        f"{len(names)} /dev/shm entries open before, 0 after; {len(family)} descendants gone"
    )


@pytest.mark.parametrize("delay", [0.3, 0.6, 0.9])
def test_ctrl_c_while_the_window_starts_ends_it_quietly(delay, tmp_path):
    """Qt and the engine import for a second or more: a Ctrl-C then printed a traceback."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "desktop_app"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env=gui_env(tmp_path / "config"),
        start_new_session=True,
    )
    time.sleep(delay)
    family = descendants(proc.pid)
    os.killpg(proc.pid, signal.SIGINT)
    try:
        _, stderr = proc.communicate(timeout=EXIT_BOUND_S)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    # 130 while it started; 0 once the window's own handler closed it as a user would
    assert proc.returncode in (0, 130), stderr
    assert "Traceback" not in stderr, stderr
    assert wait_for(lambda: not alive(family + descendants(proc.pid)), ORPHAN_BOUND_S)
