"""``concurrency-lab bench`` through a real subprocess: a user's file on threads and processes,
its report, files, history and exit codes, and a broken file as one line (exit 2)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

RUN_TIMEOUT_S = 90  # a hang guard only


def cli(*args: str, cwd=None, env=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "desktop_app", *args],
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        stdin=subprocess.DEVNULL,
        cwd=cwd,
        env=env,
    )


WORK = '''
"""Cubes of small numbers."""
import helper  # a neighbour of this file: its folder is on the path in every worker

def task(x):
    print("cubing", x)
    return helper.cube(x)

def inputs():
    print("making the inputs")
    return list(range(10))
'''


def write(folder, name: str, text: str) -> str:
    (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return str(folder / name)


def test_bench_runs_a_file_on_threads_and_processes_and_saves_it(tmp_path):
    write(tmp_path, "helper.py", "def cube(x):\n    return x ** 3\n")
    path = write(tmp_path, "cubes.py", WORK)
    out = tmp_path / "run.json"
    data = tmp_path / "data"
    result = cli(
        "bench", path, "--pool-sizes", "1,2", "--repeat", "2", "--json", str(out),
        "--data-dir", str(data),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "cubes.py:task — completed" in result.stdout
    assert "Every executor returned serial's 10 results" in result.stdout
    assert "saved as run 1" in result.stdout
    document = json.loads(out.read_text())
    backends = {(run["backend"], run["pool_size"]) for run in document["runs"]}
    assert backends == {("serial", 1), ("threads", 1), ("threads", 2), ("processes", 1),
                        ("processes", 2)}  # fmt: skip
    assert all(run["results"] == [x**3 for x in range(10)] for run in document["runs"])
    assert any(line.startswith("[pid") and "cubing 9" in line for line in document["output"])
    assert result.stdout.count("making the inputs") == 1  # the check and the run share them
    listed = json.loads(cli("history", "list", "--json", "--data-dir", str(data)).stdout)
    assert [run["scenario"] for run in listed["runs"]] == [f"experiment:{path}:task"]


def test_bench_module_function_and_inputs_expression(tmp_path):
    write(tmp_path, "mathy.py", "def half(x):\n    return x / 2\n")
    result = cli(
        "bench", "mathy:half", "--inputs", "[2, 4, 8]", "--executors", "processes",
        "--pool-sizes", "2", "--repeat", "1", "--no-save", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "mathy:half — completed" in result.stdout
    assert "processes" in result.stdout and "threads  " not in result.stdout


def test_a_broken_file_is_one_line_naming_file_and_line(tmp_path):
    path = write(tmp_path, "broken.py", "def task(x):\n    return (x\n")
    result = cli("bench", path, "--no-save")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        f"concurrency-lab: error: {path}, line 2: syntax error: '(' was never closed"
    )
    missing = cli("bench", str(tmp_path / "nope.py"), "--no-save")
    assert missing.returncode == 2 and "nope.py: the file is gone" in missing.stderr
    unknown = cli("bench", path, "--executors", "gpu")
    assert unknown.returncode == 2 and "unknown executor 'gpu'" in unknown.stderr


def test_wrong_results_fail_the_run_with_exit_1(tmp_path):
    path = write(
        tmp_path,
        "racy.py",
        """
        SEEN = []
        INPUTS = range(6)
        def task(x):
            SEEN.append(x)
            return len(SEEN)
        """,
    )
    result = cli("bench", path, "--executors", "threads", "--repeat", "1", "--no-save")
    assert result.returncode == 1, result.stderr
    assert "WrongResult" in result.stdout and "differ from serial's" in result.stdout


@pytest.mark.parametrize("method", ["spawn", "forkserver"])
def test_bench_loads_the_file_by_path_under_each_start_method(tmp_path, method):
    """Workers import the file by its path, not through ``__main__`` (which here is the CLI)."""
    path = write(
        tmp_path,
        "where.py",
        """
        import os, sys
        INPUTS = [1, 2, 3]
        def task(x):
            return (x, __name__.startswith("_lab_experiment_where_"), "__main__" != __name__)
        """,
    )
    out = tmp_path / "run.json"
    env = dict(os.environ, CONCURRENCY_LAB_START_METHOD=method)
    result = cli(
        "bench", path, "--executors", "processes", "--pool-sizes", "2", "--repeat", "1",
        "--no-save", "--json", str(out), env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    document = json.loads(out.read_text())
    assert f"start method {method}" in result.stdout
    expected = [[x, True, True] for x in (1, 2, 3)]
    assert [run["results"] for run in document["runs"]] == [expected, expected]
