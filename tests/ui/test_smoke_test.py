"""The --smoke-test mode from the source tree: passes end to end, and names what fails.

The frozen app runs the same function (tests/packaging/test_frozen_app.py).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_app.ui import smoke_test as smoke

ROOT = Path(__file__).resolve().parents[2]
RUN_TIMEOUT_S = 300


def _run_module(*args: str, tmp_path: Path) -> tuple[int, str]:
    log = tmp_path / "smoke.log"
    result = subprocess.run(
        [sys.executable, "-m", "desktop_app", "--smoke-test", *args, "--log", str(log)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
    )
    return result.returncode, log.read_text() if log.exists() else result.stderr


@pytest.mark.slow
@pytest.mark.timeout(RUN_TIMEOUT_S + 30)
def test_smoke_test_passes_from_source(tmp_path: Path) -> None:
    code, text = _run_module("--output", str(tmp_path), tmp_path=tmp_path)
    assert code == 0, text[-3000:]
    assert text.rstrip().endswith("smoke-test: PASS")
    assert re.search(r"^windows=1$", text, re.M)
    shown = re.search(r"^window_shown_s=(\d+\.\d+)$", text, re.M)
    assert shown and float(shown.group(1)) > 0
    assert (tmp_path / "timing.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.timeout(RUN_TIMEOUT_S + 30)
def test_smoke_test_names_a_timeout(tmp_path: Path) -> None:
    code, text = _run_module("--timeout", "0.001", "--output", str(tmp_path), tmp_path=tmp_path)
    assert code == 1
    last = text.strip().splitlines()[-1]
    assert last.startswith("smoke-test: FAIL timeout"), text[-2000:]


def test_bad_argument_is_one_line_and_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert smoke.smoke_test(["--bogus", "1"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("smoke-test: FAIL bad argument '--bogus'")
    assert smoke.smoke_test(["--timeout", "soon"]) == 1
    assert "--timeout needs seconds" in capsys.readouterr().err


def test_without_stderr_lines_go_to_a_temp_log(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A windowed frozen app has sys.stderr None: the verdict must land in a file instead."""
    monkeypatch.setattr(sys, "stderr", None)
    monkeypatch.setattr(smoke.tempfile, "gettempdir", lambda: str(tmp_path))
    assert smoke.smoke_test(["--bogus", "1"]) == 1
    log = tmp_path / smoke.LOG_NAME
    assert "smoke-test: FAIL bad argument" in log.read_text()


def test_process_watch_flags_a_child_that_is_not_a_worker(tmp_path: Path) -> None:
    """A child with a command line of its own (not multiprocessing's) counts as an app re-run."""
    child = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE
    )
    try:
        watch = smoke._ProcessWatch()
        watch.sample()
        with pytest.raises(smoke.SmokeFailure, match="re-ran the app"):
            watch.check()
    finally:
        child.communicate(b"", timeout=30)
