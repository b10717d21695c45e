"""The frozen app, built for real: smoke test, one window, no re-run of the app, no leftovers.

Marked ``packaging`` (they share one ``python build_spec.py`` per session, conftest.py);
``.ci/run`` runs them.
Every process the frozen app starts is sampled while it runs: a descendant that is not one of
multiprocessing's workers or helpers is a worker that re-ran the app (what a frozen app does
when ``freeze_support()`` does not come first), and every descendant must be gone after exit.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import psutil
import pytest

from desktop_app.scenarios.registry import all_scenarios

pytestmark = [pytest.mark.packaging, pytest.mark.timeout(1200)]

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "dist"
EXE = (
    DIST
    / "ConcurrencyLab"
    / ("ConcurrencyLab.exe" if sys.platform == "win32" else "ConcurrencyLab")
)
RUN_TIMEOUT_S = 300
WORKER_MARKERS = (
    "multiprocessing.forkserver",
    "multiprocessing.resource_tracker",
    "multiprocessing.spawn",
    "--multiprocessing-fork",
)


class FrozenRun:
    """One run of the frozen executable with its descendants watched until they are gone."""

    def __init__(self, args: list[str], tmp_path: Path, close_stdio: bool = False) -> None:
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
        self.log = tmp_path / "smoke.log"
        self.seen: dict[int, str] = {}
        out = open(tmp_path / "stdout.txt", "w+b")  # read back below
        popen_stdio = {"stdin": subprocess.DEVNULL, "stdout": out, "stderr": subprocess.STDOUT}
        if close_stdio:  # as a windowed app started from a desktop: no stdin/stdout/stderr at all
            popen_stdio = {"preexec_fn": _close_stdio}
        argv = [str(EXE), *args, "--log", str(self.log)]
        self.own_cmdline = " ".join(argv)
        proc = subprocess.Popen(argv, env=env, **popen_stdio)
        self.returncode = self._watch(proc)
        out.seek(0)
        self.output = out.read().decode(errors="replace")
        out.close()
        self.text = self.output + (self.log.read_text() if self.log.exists() else "")
        self.left = self._wait_gone()

    def _watch(self, proc: subprocess.Popen) -> int:
        parent = psutil.Process(proc.pid)
        deadline = time.monotonic() + RUN_TIMEOUT_S
        while proc.poll() is None:
            if time.monotonic() > deadline:
                for child in parent.children(recursive=True):
                    child.kill()
                proc.kill()
                proc.wait()
                pytest.fail(f"the frozen app ran longer than {RUN_TIMEOUT_S} s")
            try:
                for child in parent.children(recursive=True):
                    self.seen.setdefault(child.pid, " ".join(child.cmdline()))
            except psutil.Error:  # a child ended while we looked: the next sample sees the rest
                pass
            time.sleep(0.02)
        return proc.returncode

    def _wait_gone(self, timeout: float = 15.0) -> list[str]:
        deadline = time.monotonic() + timeout
        while True:
            left = []
            for pid, cmdline in self.seen.items():
                try:
                    if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                        left.append(f"{pid}: {cmdline[:100]}")
                except psutil.NoSuchProcess:
                    pass
            if not left or time.monotonic() > deadline:
                return left
            time.sleep(0.1)

    def strays(self) -> list[str]:
        """Descendants running the app's executable that were not multiprocessing workers or
        helpers: app re-runs. Other programs are not the app (``platform.platform()``, which
        the run report calls, starts ``uname -p``), and a fork sampled before it exec'd its
        program still shows the app's own command line."""
        return [
            f"{pid}: {cmd[:120]}"
            for pid, cmd in self.seen.items()
            if cmd.startswith(str(EXE))
            and cmd != self.own_cmdline
            and not any(marker in cmd for marker in WORKER_MARKERS)
        ]


def _close_stdio() -> None:
    for fd in (0, 1, 2):
        os.close(fd)


def test_build_reports_time_and_size_and_packs_an_archive(build_output: str) -> None:
    assert re.search(r"build_time_s=\d+\.\d", build_output)
    assert re.search(r"bundle_mb=\d+\.\d", build_output)
    archives = list(DIST.glob("ConcurrencyLab-*-linux-*.tar.gz"))
    assert archives, "no dist/ConcurrencyLab-<version>-linux-<arch>.tar.gz"
    newest = max(archives, key=lambda p: p.stat().st_mtime)
    with tarfile.open(newest) as archive:
        names = set(archive.getnames())
    assert "ConcurrencyLab/ConcurrencyLab" in names
    assert "ConcurrencyLab/_internal/resources/icon.svg" in names


def test_bundle_leaves_out_unused_qt(build_output: str) -> None:
    internal = EXE.parent / "_internal" / "PySide6"
    present = {p.name for p in internal.rglob("*") if p.is_file()}
    for unused in ("QtNetwork.abi3.so", "QtQml.abi3.so", "libQt6Network.so.6", "libQt6Qml.so.6"):
        assert unused not in present
    for needed in (
        "QtWidgets.abi3.so",
        "QtSvg.abi3.so",
        "libqoffscreen.so",
        "libqxcb.so",
        "libqsvg.so",
    ):
        assert needed in present
    assert not list(internal.rglob("*.qm")), "Qt translations are shipped but never loaded"


@pytest.mark.skipif(sys.platform != "linux", reason="the bundle is built and run on Linux here")
def test_frozen_smoke_test_passes_with_one_window_and_no_leftovers(
    build_output: str, tmp_path: Path
) -> None:
    run = FrozenRun(["--smoke-test", "--output", str(tmp_path)], tmp_path)
    assert run.returncode == 0, run.text[-3000:]
    assert "smoke-test: PASS" in run.text
    assert re.search(r"^windows=1$", run.text, re.M), run.text[-2000:]
    assert (tmp_path / "timing.png").read_bytes()[:4] == b"\x89PNG"
    assert run.seen, "the smoke test started no process: the pools did not run"
    assert not run.strays(), f"a child re-ran the app: {run.strays()}"
    assert not run.left, f"processes outlived the app: {run.left}"


@pytest.mark.skipif(sys.platform != "linux", reason="closing fds 0-2 before exec is POSIX")
def test_frozen_app_without_stdout_or_stderr_survives_worker_prints(
    build_output: str, tmp_path: Path
) -> None:
    """What a windowed app launched from a desktop gets: sys.stdout and sys.stderr are None.

    The smoke test's process-start-join step has child processes print; the lines must come
    back and nothing may crash. The verdict goes to the --log file since there is no stderr.
    """
    run = FrozenRun(["--smoke-test"], tmp_path, close_stdio=True)
    log = run.log.read_text() if run.log.exists() else ""
    assert run.returncode == 0, log[-3000:]
    assert "smoke-test: PASS" in log
    assert not run.left, f"processes outlived the app: {run.left}"


@pytest.mark.skipif(sys.platform != "linux", reason="the bundle is built and run on Linux here")
@pytest.mark.parametrize("scenario", [s.id for s in all_scenarios()])
def test_frozen_cli_runs_every_scenario(build_output: str, scenario: str, tmp_path: Path) -> None:
    """Every scenario, process pools included, on the frozen app's start method."""
    report = tmp_path / "report.json"
    args = ["run", scenario, "--repeat", "1", "--pool-sizes", "2", "--json", str(report)]
    result = subprocess.run(
        [str(EXE), *args],
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
    )
    assert report.exists(), f"exit {result.returncode}: {result.stderr[-2000:]}"
    data = json.loads(report.read_text())
    assert data["scenario"] == scenario
    assert data["state"] == "completed", result.stderr[-2000:]


@pytest.mark.skipif(sys.platform != "linux", reason="the bundle is built and run on Linux here")
def test_frozen_cli_benches_a_user_file_on_threads_and_processes(
    build_output: str, tmp_path: Path
) -> None:
    """A user's experiment loaded by path in the frozen run and its forkserver workers, with a
    neighbour module of its own folder (issue 15; docs/packaging.md)."""
    (tmp_path / "helper.py").write_text("def cube(x):\n    return x ** 3\n")
    (tmp_path / "cubes.py").write_text(
        '"""Cubes."""\nimport helper\n\ndef task(x):\n    return helper.cube(x)\n\n'
        "INPUTS = list(range(20))\n"
    )
    report = tmp_path / "report.json"
    args = ["bench", str(tmp_path / "cubes.py"), "--repeat", "1", "--pool-sizes", "2"]
    result = subprocess.run(
        [str(EXE), *args, "--no-save", "--json", str(report)],
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
    )
    assert report.exists(), f"exit {result.returncode}: {result.stderr[-2000:]}"
    data = json.loads(report.read_text())
    assert data["state"] == "completed", result.stderr[-2000:]
    assert {run["backend"] for run in data["runs"]} == {"serial", "threads", "processes"}
    assert all(run["results"] == [x**3 for x in range(20)] for run in data["runs"])
    # the bundle carries the compiled hot loop (engine/_hotloop.c), not only the Python one
    assert data["environment"]["timing_loop"] == "compiled"


def _qt_mapped(pid: int) -> bool:
    try:
        maps = Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False
    return "libQt6" in maps or "libshiboken6" in maps


@pytest.mark.skipif(sys.platform != "linux", reason="/proc/<pid>/maps is Linux's")
@pytest.mark.parametrize(
    "args", [["--smoke-test"], ["run", "pool-timing", "--repeat", "1"]], ids=["window", "cli"]
)
def test_no_child_of_the_frozen_app_loads_qt(build_output: str, args: list[str]) -> None:
    """The run host, the forkserver, the tracker and every worker stay Qt-free, frozen too
    (PyInstaller's own PySide6 runtime hook imported QtCore in all of them)."""
    proc = subprocess.Popen(
        [str(EXE), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
    )
    seen: set[int] = set()
    with_qt: dict[int, str] = {}
    parent_argv = psutil.Process(proc.pid).cmdline()
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while proc.poll() is None and time.monotonic() < deadline:
        for child in (
            psutil.Process(proc.pid).children(recursive=True) if proc.poll() is None else []
        ):
            try:
                argv = child.cmdline()
                if argv == parent_argv:  # forked, not yet exec'd (uname -p): the app's own maps
                    continue
                if _qt_mapped(child.pid):
                    with_qt[child.pid] = " ".join(argv)[:120]
                seen.add(child.pid)
            except psutil.Error:
                pass
        time.sleep(0.02)
    if proc.poll() is None:
        proc.kill()
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 0, stderr.decode(errors="replace")[-2000:]
    assert len(seen) >= 3, f"too few child processes sampled to judge: {seen}"
    assert not with_qt, f"children with Qt loaded: {with_qt}"


def test_our_modules_ship_with_their_bytecode(build_output: str) -> None:
    """Each of our .py files has its .pyc, compiled at build time: a frozen app writes no
    bytecode, so without it every launch compiled the whole package again."""
    package = EXE.parent / "_internal" / "desktop_app"
    sources = sorted(package.rglob("*.py"))
    assert sources, f"no sources under {package}"
    missing = [
        str(source.relative_to(package))
        for source in sources
        if not (
            source.parent / "__pycache__" / f"{source.stem}.cpython-{sys.version_info.major}"
            f"{sys.version_info.minor}.pyc"
        ).is_file()
    ]
    assert not missing, f"no bytecode for {missing}"
