"""``concurrency-lab history`` and the ``run`` command's saving, through a real subprocess."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import psutil
import pytest
from _history_builders import make_report
from _process_roles import is_mp_helper

from desktop_app.history.paths import DATA_DIR_ENV
from desktop_app.history.store import Store

TIMEOUT_S = 90  # a hang guard only


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "desktop_app", *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        stdin=subprocess.DEVNULL,
        env=env,
    )


def history(data_dir, *args: str) -> subprocess.CompletedProcess:
    return cli("history", "--data-dir", str(data_dir), *args)


def as_json(result: subprocess.CompletedProcess):
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


QUICK_RUN = ("run", "process-pool", "--set", "n=4", "--pool-sizes", "2", "--repeat", "1")


def test_run_saves_by_default_and_prints_the_id(tmp_path):
    result = cli(*QUICK_RUN, "--data-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "saved as run 1 (concurrency-lab history show 1)" in result.stdout
    (run,) = as_json(history(tmp_path, "list", "--json"))["runs"]
    assert run["scenario"] == "process-pool" and run["state"] == "completed"
    assert run["params"]["n"] == 4 and run["span_count"] == 4


def test_run_with_json_on_stdout_says_the_id_on_stderr(tmp_path):
    result = cli(*QUICK_RUN, "--json", "-", "--data-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert "saved as run 1" in result.stderr
    exported = as_json(history(tmp_path, "export", "1", "-"))
    exported.pop("origin")
    assert exported["runs"] == document["runs"]
    assert exported["summary"] == document["summary"]


def test_no_save_saves_nothing(tmp_path):
    result = cli(*QUICK_RUN, "--no-save", "--data-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "saved as run" not in result.stdout
    assert as_json(history(tmp_path, "list", "--json"))["runs"] == []


def test_the_environment_variable_chooses_the_folder(tmp_path):
    env = {**os.environ, DATA_DIR_ENV: str(tmp_path / "from-env")}
    assert cli(*QUICK_RUN, env=env).returncode == 0
    assert [run.scenario for run in Store(tmp_path / "from-env" / "history.sqlite3").list_runs()]


def test_a_failed_save_is_one_warning_and_the_exit_code_is_unchanged(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = cli(*QUICK_RUN, "--data-dir", str(blocker))
    assert result.returncode == 0
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("concurrency-lab: warning: the run was not saved to the history")
    assert "Summary" in result.stdout  # the run's report is all there


def test_a_failed_run_is_saved_with_its_state_and_exit_1(tmp_path):
    result = cli("run", "exceptions", "--set", "fault=exit", "--data-dir", str(tmp_path))
    assert result.returncode == 1, result.stderr
    (run,) = as_json(history(tmp_path, "list", "--json"))["runs"]
    assert run["state"] == "failed"
    shown = as_json(history(tmp_path, "show", str(run["id"]), "--json"))
    assert shown["document"]["errors"]


@pytest.fixture
def filled(tmp_path):
    """Three saved runs: 1 and 3 the same scenario, 3 clearly faster in its pool series."""
    store = Store(tmp_path / "history.sqlite3")
    slow = {
        ("cpu", "serial", 1): [1.0, 1.02, 1.01, 1.03],
        ("cpu", "pool", 2): [0.6, 0.61, 0.62, 0.63],
    }
    fast = {
        ("cpu", "serial", 1): [1.01, 1.0, 1.03, 1.02],
        ("cpu", "pool", 2): [0.3, 0.31, 0.32, 0.33],
    }
    store.save_report(make_report("pool-timing", walls=slow))
    store.save_report(make_report("io-vs-cpu"))
    store.save_report(make_report("pool-timing", walls=fast))
    return tmp_path


def test_list_prints_the_runs_newest_first(filled):
    result = history(filled, "list")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["ID", "SAVED", "SCENARIO"]
    assert [line.split()[0] for line in lines[2:]] == ["3", "2", "1"]
    runs = as_json(
        cli("history", "list", "--scenario", "io-vs-cpu", "--json", "--data-dir", str(filled))
    )["runs"]
    assert [run["id"] for run in runs] == [2]
    assert [
        r["id"] for r in as_json(history(filled, "list", "--limit", "1", "--json"))["runs"]
    ] == [3]


def test_show_describes_the_run_and_its_environment(filled):
    result = history(filled, "show", "2")
    assert result.returncode == 0, result.stderr
    for text in ("run 2: io-vs-cpu", "parameters: label=", "GIL on", "start method", "SERIES"):
        assert text in result.stdout
    assert "ValueError: bad input" in result.stdout
    # every number with its spread and repeat count; the speedup as a factor, not a raw float
    header = next(line for line in result.stdout.splitlines() if line.startswith("SERIES"))
    assert header.split() == [
        "SERIES", "BACKEND", "POOL", "REPEATS", "MEDIAN", "MAD", "MIN", "MAX", "SPEEDUP", "NOISY",
    ]  # fmt: skip
    assert "×" in result.stdout


def test_compare_gives_ratio_interval_and_verdict_per_series(filled):
    result = history(filled, "compare", "1", "3")
    assert result.returncode == 0, result.stderr
    assert "Mann-Whitney U" in result.stdout
    rows = {line.split()[2]: line for line in result.stdout.splitlines() if line[:3].strip() == "3"}
    assert rows["pool"].endswith("faster")
    assert rows["serial"].endswith("no significant difference")
    doc = as_json(history(filled, "compare", "1", "3", "--json"))
    assert doc["baseline"] == 1 and doc["runs"] == [1, 3]
    verdicts = {row["backend"]: row["verdict"] for row in doc["rows"]}
    assert verdicts == {"serial": "no significant difference", "pool": "faster"}
    pool = next(row for row in doc["rows"] if row["backend"] == "pool")
    assert pool["ci_low"] <= pool["ratio"] <= pool["ci_high"] < 1


def test_compare_previous_takes_the_run_before_of_the_same_scenario(filled):
    doc = as_json(history(filled, "compare", "3", "--previous", "--json"))
    assert doc["runs"] == [1, 3]


def test_export_writes_the_run_json(filled, tmp_path):
    target = tmp_path / "out.json"
    result = history(filled, "export", "3", str(target))
    assert result.returncode == 0, result.stderr
    document = json.loads(target.read_text())
    assert document["scenario"] == "pool-timing" and document["runs"][0]["tasks"]


def test_delete_and_prune_and_budget(filled):
    assert as_json(history(filled, "delete", "2", "--json")) == {"deleted": 2}
    assert [r["id"] for r in as_json(history(filled, "list", "--json"))["runs"]] == [3, 1]
    pruned = as_json(history(filled, "prune", "--max-size", "1", "--json"))
    assert pruned["pruned"] == [1] and pruned["budget"] == 1
    assert as_json(history(filled, "budget", "2MB", "--json"))["budget"] == 2 * 2**20
    assert "size budget 2.0 MB" in history(filled, "budget").stdout
    assert "pruned the spans of 0 run(s)" in history(filled, "prune").stdout


@pytest.mark.parametrize(
    "args, expected",
    [
        (("show", "99"), "no saved run has id 99"),
        (("show", "x"), "'x' is not a run id"),
        (("compare", "1"), "give two or more run ids"),
        (("compare", "2", "--previous"), "no earlier run of the same scenario"),
        (("budget", "lots"), "'lots' is not a size"),
        (("list", "--limit", "0"), "'0' is not allowed"),
        (("export", "1", "{a_file}/x.json"), "is not a folder"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(filled, args, expected):
    a_file = filled / "a-file"
    a_file.write_text("")
    result = history(filled, *(arg.format(a_file=a_file) for arg in args))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("concurrency-lab: error: ") and expected in line


def test_a_damaged_database_is_moved_aside_with_a_note(tmp_path):
    (tmp_path / "history.sqlite3").write_bytes(b"garbage" * 100)
    result = history(tmp_path, "list")
    assert result.returncode == 0, result.stderr
    assert "no saved runs" in result.stdout
    assert "concurrency-lab: note: the history database" in result.stderr
    assert "moved to" in result.stderr


def pool_workers(pid: int) -> list[psutil.Process]:
    """The run's worker processes (not multiprocessing's forkserver or resource tracker)."""
    try:
        children = psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    return [child for child in children if not _is_helper(child)]


def _is_helper(process: psutil.Process) -> bool:
    try:
        return is_mp_helper(process)
    except psutil.Error:
        return True


def test_a_run_stopped_with_ctrl_c_is_saved_as_cancelled(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "desktop_app", "run", "pool-timing", "--pool-sizes", "2"]
        + ["--repeat", "1", "--set", "workload=cpu", "--set", "n=12", "--set", "cpu_ms=150"]
        + ["--data-dir", str(tmp_path)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + TIMEOUT_S
        # the serial baseline runs in-process first: pool workers mean the run is under way
        while proc.poll() is None and time.monotonic() < deadline:
            if len(pool_workers(proc.pid)) >= 2:
                break
            time.sleep(0.02)
        assert proc.poll() is None, proc.communicate()
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=TIMEOUT_S)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, stderr
    assert stderr.strip().splitlines() == ["concurrency-lab: pool-timing interrupted (SIGINT)"]
    assert "saved as run 1" in stdout
    (run,) = as_json(history(tmp_path, "list", "--json"))["runs"]
    assert run["state"] == "cancelled"
