"""``run --python`` and ``pythons``: the run host under another interpreter, from the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from engine.other_pythons import needs, pyenv_python

RUN_TIMEOUT_S = 90


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "desktop_app", *args],
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        stdin=subprocess.DEVNULL,
    )


def test_pythons_lists_this_interpreter_and_the_pyenv_ones():
    result = cli("pythons")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[-2:] == ["this", sys.executable]
    if pyenv_python(12):
        assert any(line.startswith("3.12 ") and " pyenv " in line for line in lines)


def test_run_with_python_runs_in_a_host_under_that_interpreter():
    python = needs(pyenv_python(12), "pyenv Python 3.12")
    result = cli(
        "run", "pool-timing", "--python", "3.12", "--set", "n=6", "--set", "workload=square",
        "--json", "-", "--no-save",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    env = doc["environment"]
    assert env["python"].startswith("3.12.")
    assert Path(env["executable"]).resolve() == Path(python).resolve()
    assert env["gil"]["summary"] == "GIL on (standard build)"
    assert env["gil"]["off_during_tasks"] is False
    assert "interpreter: " in result.stderr and "GIL on (standard build)" in result.stderr
    assert doc["state"] == "completed"


@pytest.mark.parametrize(
    ("spec", "message"),
    [("3.9", "the lab needs Python 3.11 or newer"), ("/nonexistent/python3", "not a Python")],
)
def test_a_bad_python_is_one_line_and_exit_code_2(spec, message):
    result = cli("run", "pool-timing", "--python", spec, "--no-save")
    assert result.returncode == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_the_gil_lesson_from_the_cli_names_what_it_could_not_show():
    result = cli(
        "run", "gil-interpreters", "--set", "n=1", "--set", "cpu_ms=5", "--set", "io_ms=5",
        "--set", "py311=false", "--set", "py312=false", "--set", "py313=false",
        "--set", "py314=false", "--set", "free_threaded=false", "--json", "-", "--no-save",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["table"]["columns"][:2] == ["python", "GIL verdict"]
    assert len({row[0] for row in doc["table"]["rows"]}) == 1
    if not doc["environment"]["gil"]["free_threaded_build"]:
        assert any("No free-threaded interpreter ran here" in n for n in doc["notes"])


def test_the_cli_itself_runs_under_a_bare_python_and_only_the_history_is_skipped():
    """The headless CLI on another interpreter's standard library alone (no psutil, no NumPy):
    the run completes; saving to the history, which needs NumPy, is one warning line."""
    python = needs(pyenv_python(12), "pyenv Python 3.12")
    import desktop_app

    root = str(Path(desktop_app.__file__).resolve().parents[1])
    code = (
        f"import sys; sys.path.insert(0, {root!r}); from desktop_app.cli.commands import main; "
        "sys.exit(main(['run', 'pool-timing', '--set', 'n=4', '--pool-sizes', '2']))"
    )
    done = subprocess.run(
        [python, "-I", "-c", code], capture_output=True, text=True, timeout=RUN_TIMEOUT_S
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "warning: the run was not saved to the history: it needs numpy" in done.stderr
    assert "Python 3.12." in done.stdout


def test_bench_runs_a_users_file_in_a_host_under_another_interpreter(tmp_path):
    """A user's experiment on 3.12: the foreign host's copy of the engine holds the
    experiments package, and the file is imported by path there and in its workers."""
    python = needs(pyenv_python(12), "pyenv Python 3.12")
    work = tmp_path / "work.py"
    work.write_text("import sys\n\ndef task(x):\n    return x * x\n\nINPUTS = range(6)\n")
    result = cli(
        "bench", str(work), "--python", "3.12", "--pool-sizes", "2", "--repeat", "1",
        "--json", "-", "--no-save",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["environment"]["executable"] == python
    assert doc["environment"]["python"].startswith("3.12")
    assert {r["backend"] for r in doc["runs"]} == {"serial", "threads", "processes"}
    assert not doc["errors"], doc["errors"]
