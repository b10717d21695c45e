"""Start-up (issue 13): no display is one line and exit 1, never a core dump; Qt's options reach
the window; start.sh skips the package checks once set up; the smoke test cleans up."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_app.entry import is_qt_option
from desktop_app.ui.display_check import display_problem

ROOT = Path(__file__).resolve().parents[2]


def _no_display_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM", None)
    return env | extra


@pytest.mark.parametrize("extra", [{}, {"DISPLAY": ":97"}], ids=["unset", "unreachable"])
def test_no_display_is_one_line_and_exit_1(extra):
    result = subprocess.run(
        [sys.executable, "-m", "desktop_app", "-style", "fusion"],
        env=_no_display_env(**extra),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr[-2000:]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "display" in lines[0] and "xvfb-run" in lines[0], lines
    assert "xcb-cursor" not in result.stderr


def test_display_check_passes_platforms_that_need_no_display():
    assert display_problem(["-platform", "offscreen"], {}) == ""
    assert display_problem([], {"QT_QPA_PLATFORM": "offscreen"}) == ""
    assert "WAYLAND" in display_problem([], {"QT_QPA_PLATFORM": "wayland"})


def test_qt_options_open_the_window_not_the_cli():
    assert is_qt_option("-style") and is_qt_option("-style=fusion") and is_qt_option("-reverse")
    assert not is_qt_option("--help") and not is_qt_option("list") and not is_qt_option("-h")


def test_qt_options_reach_the_application(monkeypatch, qapp):
    from desktop_app import entry
    from desktop_app.ui import app as ui_app

    seen = []
    monkeypatch.setattr(ui_app, "run_gui", lambda argv: seen.append(argv) or 0)
    assert entry.main(["-style", "fusion"]) == 0
    assert seen == [["-style", "fusion"]]


def _fake_checkout(tmp_path: Path) -> tuple[Path, Path]:
    """start.sh beside a set-up .venv whose app prints its arguments; dpkg logs its calls."""
    shutil.copy(ROOT / "start.sh", tmp_path / "start.sh")
    (tmp_path / "pyproject.toml").write_text("")
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "python").symlink_to(sys.executable)
    app = bin_dir / "concurrency-lab"
    app.write_text('#!/bin/sh\necho "args: $*"\n')
    app.chmod(0o755)
    (tmp_path / ".venv" / ".concurrency-lab-installed").touch()
    fake_bin = tmp_path / "fakebin"
    fake_bin.mkdir()
    log = tmp_path / "dpkg.log"
    dpkg = fake_bin / "dpkg"
    dpkg.write_text(f'#!/bin/sh\necho "$*" >> {log}\nexit 0\n')
    dpkg.chmod(0o755)
    return fake_bin, log


def test_start_sh_checks_packages_once_and_passes_qt_options(tmp_path):
    fake_bin, log = _fake_checkout(tmp_path)
    env = dict(os.environ, PATH=f"{fake_bin}{os.pathsep}{os.environ['PATH']}")
    first = subprocess.run(
        ["bash", "start.sh", "-style", "fusion"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "args: -style fusion"
    assert log.read_text().count("-s") >= 1  # the first start checked the packages
    log.write_text("")
    second = subprocess.run(
        ["bash", "start.sh", "list"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert second.stdout.strip() == "args: list"
    assert log.read_text() == ""  # set up: no package check at all


@pytest.mark.slow
@pytest.mark.timeout(330)
def test_smoke_test_leaves_no_temporary_folder(tmp_path):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = dict(os.environ, TMPDIR=str(scratch), QT_QPA_PLATFORM="offscreen")
    result = subprocess.run(
        [sys.executable, "-m", "desktop_app", "--smoke-test"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert not list(scratch.glob("concurrency-lab-smoke-*"))
