"""The CLI through a real subprocess, as a user runs it: output, JSON, exit codes, Ctrl-C.

Every scenario in the registry is listed, shown and run here, so a new scenario is covered by
the CLI tests the moment it registers.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from desktop_app.scenarios.registry import all_scenarios

SCENARIOS = {scenario.id: scenario for scenario in all_scenarios()}
IDS = list(SCENARIOS)
ORIGINS = {"thread", "process", "future", "pool"}
RUN_TIMEOUT_S = 90  # a hang guard only: a loaded machine may be slow, never this slow


def cli(*args: str, timeout: float = RUN_TIMEOUT_S) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "desktop_app", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def one_line_error(result: subprocess.CompletedProcess) -> str:
    """The single line a bad input must produce, checked for shape."""
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("concurrency-lab: error: ")
    return lines[0]


# --- list, show, version ----------------------------------------------------------------------


def test_list_names_every_registered_scenario_with_its_parameters():
    result = cli("list")
    assert result.returncode == 0, result.stderr
    rows = {line.split()[0]: line for line in result.stdout.splitlines() if line.split()}
    for scenario in SCENARIOS.values():
        assert scenario.id in rows
        assert scenario.title in rows[scenario.id]
        for param in scenario.params:
            assert param.name in rows[scenario.id]


@pytest.mark.parametrize("scenario_id", IDS)
def test_show_gives_summary_parameters_with_ranges_and_the_source(scenario_id):
    scenario = SCENARIOS[scenario_id]
    result = cli("show", scenario_id)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    flat = " ".join(out.split())
    assert " ".join(scenario.summary.split()) in flat
    assert " ".join(scenario.when_to_use.split()) in flat
    for param in scenario.params:
        line = next(ln for ln in out.splitlines() if ln.split()[:1] == [param.name])
        assert param.allowed() in line and param.kind in line
    for source_line in scenario.code().splitlines():
        assert source_line.rstrip() in out


def test_version_prints_the_package_version():
    from desktop_app import __version__

    result = cli("--version")
    assert (result.returncode, result.stdout.strip()) == (0, f"concurrency-lab {__version__}")


def test_help_lists_the_commands_and_exit_codes():
    result = cli("--help")
    assert result.returncode == 0
    for word in ("list", "show", "run", "Exit codes"):
        assert word in result.stdout


# --- run: JSON, human output, CSV -------------------------------------------------------------


def check_schema(doc: dict, scenario_id: str) -> None:
    """The keys the issue promises; the window's export shares them."""
    assert doc["scenario"] == scenario_id
    assert set(doc["params"]) == {p.name for p in SCENARIOS[scenario_id].params}
    env = doc["environment"]
    assert {"python", "platform", "cpu_count", "start_method", "gil_enabled"} <= set(env)
    assert env["cpu_count"] == os.cpu_count()
    assert env["start_method"] in ("forkserver", "spawn")
    assert isinstance(env["gil_enabled"], bool)
    assert doc["runs"], "a run measures something"
    for run in doc["runs"]:
        assert {"backend", "pool_size", "repeat", "wall_s", "startup_s", "tasks", "results"} <= set(
            run
        )
        assert run["wall_s"] >= 0 and run["startup_s"] >= 0
        for task in run["tasks"]:
            assert {"id", "worker", "start_s", "end_s", "ok"} <= set(task)
            assert task["end_s"] >= task["start_s"]
    for row in doc["summary"]:
        assert {"backend", "pool_size", "median_s", "min_s", "max_s", "speedup"} <= set(row)
        assert row["min_s"] <= row["median_s"] <= row["max_s"]
    for error in doc["errors"]:
        assert {"origin", "type", "message", "traceback", "task"} <= set(error)
        assert error["origin"] in ORIGINS
    assert all(isinstance(line, str) for line in doc["output"])


@pytest.mark.parametrize("scenario_id", IDS)
def test_every_scenario_runs_at_its_defaults_with_the_json_schema(scenario_id):
    result = cli("run", scenario_id, "--json", "-")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    check_schema(doc, scenario_id)
    assert doc["state"] == "completed"
    assert f"{scenario_id}: " in result.stderr  # the human report moved to stderr


def test_process_pool_json_has_the_squares_a_span_per_task_and_a_summary():
    result = cli("run", "process-pool", "--json", "-", "--set", "n=7", "--pool-sizes", "3")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    check_schema(doc, "process-pool")
    (run,) = doc["runs"]
    assert run["results"] == [x * x for x in range(1, 8)]
    assert (run["backend"], run["pool_size"]) == ("pool", 3)
    assert sorted(task["id"] for task in run["tasks"]) == list(range(7))
    assert all(task["ok"] and task["worker"].startswith("pid ") for task in run["tasks"])
    assert [(row["backend"], row["pool_size"]) for row in doc["summary"]] == [("pool", 3)]
    assert doc["params"] == {"n": 7, "chunksize": 1, "executor": "pool"}


def test_human_report_has_summary_output_results_and_notes_and_no_progress_when_piped():
    result = cli("run", "process-pool", "--set", "n=6", "--pool-sizes", "2")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for section in ("Summary", "Output (", "Results", "Notes"):
        assert f"\n{section}" in out
    assert "[1, 4, 9, 16, 25, 36]" in out
    summary = out.split("\nSummary\n")[1].split("\n\n")[0]
    assert "median" in summary and "speedup" in summary and "efficiency" in summary
    assert "pool" in summary.splitlines()[2]
    assert "\r" not in result.stderr and "\x1b[" not in result.stderr


def test_pool_timing_sweeps_the_sizes_with_a_serial_baseline_and_speedups():
    result = cli("run", "pool-timing", "--pool-sizes", "1,2", "--repeat", "2", "--json", "-")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    keys = {(row["backend"], row["pool_size"]) for row in doc["summary"]}
    assert keys == {("serial", 1), ("pool", 1), ("pool", 2)}
    assert all(row["speedup"] is not None for row in doc["summary"])
    assert {run["repeat"] for run in doc["runs"]} == {0, 1}


def test_exceptions_lists_all_four_origins_with_the_workers_own_tracebacks():
    result = cli("run", "exceptions", "--json", "-", "-v")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert {error["origin"] for error in doc["errors"]} == ORIGINS
    for error in doc["errors"]:
        assert error["traceback"].startswith("Traceback (most recent call last)")
        assert f"{error['type']}: {error['message']}" in error["traceback"]
        assert 'File "' in error["traceback"]
    # -v prints each worker's traceback in the human report (on stderr with --json -)
    assert result.stderr.count("Traceback (most recent call last)") == len(doc["errors"])


def test_csv_writes_every_span_and_a_summary_next_to_it(tmp_path):
    spans_path = tmp_path / "spans.csv"
    json_path = tmp_path / "report.json"
    result = cli(
        "run",
        "pool-timing",
        "--pool-sizes",
        "2",
        "--repeat",
        "1",
        "--csv",
        str(spans_path),
        "--json",
        str(json_path),
    )
    assert result.returncode == 0, result.stderr
    doc = json.loads(json_path.read_text())
    with spans_path.open(newline="") as handle:
        spans = list(csv.DictReader(handle))
    assert len(spans) == sum(len(run["tasks"]) for run in doc["runs"])
    assert {row["backend"] for row in spans} == {"serial", "pool"}
    # the values too: every span's row says what the JSON says of that task
    from_json = [
        [run["backend"], str(run["pool_size"]), str(task["id"]), task["worker"]]
        + [task["start_s"], task["end_s"], str(int(task["ok"]))]
        for run in doc["runs"]
        for task in run["tasks"]
    ]
    from_csv = [
        [row[key] for key in ("backend", "pool_size", "task", "worker")]
        + [float(row["start_s"]), float(row["end_s"]), row["ok"]]
        for row in spans
    ]
    assert [row[:4] + [row[6]] for row in from_csv] == [row[:4] + [row[6]] for row in from_json]
    for csv_row, json_row in zip(from_csv, from_json, strict=True):
        assert csv_row[4:6] == json_row[4:6]  # full precision: the same floats as the JSON
    with (tmp_path / "spans-summary.csv").open(newline="") as handle:
        summary = list(csv.DictReader(handle))
    assert len(summary) == len(doc["summary"])
    for csv_row, json_row in zip(summary, doc["summary"], strict=True):
        assert (csv_row["backend"], int(csv_row["pool_size"])) == (
            json_row["backend"],
            json_row["pool_size"],
        )
        for key in ("median_s", "min_s", "max_s", "ideal_speedup"):
            assert float(csv_row[key]) == json_row[key]
        speedup = json_row["speedup"]
        assert csv_row["speedup"] == ("" if speedup is None else repr(speedup))
    assert "Summary" in result.stdout  # files do not replace the human report


# --- failures: exit 1 -------------------------------------------------------------------------


@pytest.mark.parametrize("fault", ["kill", "exit"])
def test_a_dead_worker_fails_the_run_with_exit_1_and_a_record(fault, tmp_path):
    out = tmp_path / "report.json"
    result = cli("run", "exceptions", "--set", f"fault={fault}", "--json", str(out))
    assert result.returncode == 1, result.stderr
    doc = json.loads(out.read_text())
    assert doc["state"] == "failed"
    assert any(error["exitcode"] not in (None, 0) for error in doc["errors"])
    assert "Traceback" not in result.stderr


def test_timeout_fails_a_run_that_takes_too_long_and_leaves_no_child(tmp_path):
    out = tmp_path / "report.json"
    result = cli(
        "run", "process-start-join", "--set", "hold_ms=10000", "--timeout", "1", "--json", str(out)
    )
    assert result.returncode == 1, result.stderr
    doc = json.loads(out.read_text())
    assert doc["state"] == "failed"
    assert any("--timeout" in note for note in doc["notes"])


def test_an_output_that_cannot_be_written_after_the_run_exits_1_in_one_line(tmp_path):
    """The folder was there when the run began (checked up front) and is a file when the report
    is written (a missing folder would be made again): one line naming the file, exit 1, no
    traceback, no child left."""
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / "report.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "desktop_app", "run", "process-start-join"]
        + ["--set", "hold_ms=1500", "--json", str(target)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    try:
        cli_process = psutil.Process(proc.pid)
        deadline = time.monotonic() + RUN_TIMEOUT_S
        while not _workers(cli_process):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the run never started a worker"
            time.sleep(0.05)
        descendants = cli_process.children(recursive=True)
        folder.rmdir()
        folder.write_text("now a file")
        stdout, stderr = proc.communicate(timeout=RUN_TIMEOUT_S)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 1, stderr
    assert "Traceback" not in stderr
    (line,) = stderr.splitlines()
    assert line.startswith("concurrency-lab: error: ") and "report.json" in line, line
    assert folder.read_text() == "now a file"
    deadline = time.monotonic() + 5
    while _running(descendants) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _running(descendants), f"left behind: {_running(descendants)}"


# --- bad input: one line, exit 2 --------------------------------------------------------------

BAD_INPUTS = [
    (["run", "no-such-lesson"], ["unknown scenario 'no-such-lesson'", "process-pool"]),
    (["show", "no-such-lesson"], ["unknown scenario", "pool-timing"]),
    (["run", "process-pool", "--pool-sizes", "0"], ["pool size 0", "1 to 64"]),
    (["run", "process-pool", "--pool-sizes", "65"], ["pool size 65", "1 to 64"]),
    (["run", "process-pool", "--pool-sizes", "two"], ["'two' is not a pool size", "1 to 64"]),
    (["run", "process-pool", "--set", "bogus=1"], ["no parameter 'bogus'", "n, chunksize"]),
    (["run", "process-pool", "--set", "n=0"], ["n=0", "from 1 to"]),
    (["run", "process-pool", "--set", "n=many"], ["n='many'", "whole number"]),
    (["run", "process-pool", "--set", "n"], ["NAME=VALUE"]),
    (["run", "pool-timing", "--set", "workload=huge"], ["workload='huge'", "square, cpu"]),
    (["run", "process-pool", "--repeat", "0"], ["--repeat", "1 to 50"]),
    (["run", "process-pool", "--repeat", "51"], ["--repeat", "1 to 50"]),
    (["run", "process-pool", "--timeout", "-1"], ["--timeout", "above 0"]),
    (["run", "process-pool", "--json", "/etc/hostname/out.json"], ["is not a folder"]),
    (["run", "process-pool", "--csv", "."], ["not a file path"]),
    (["frobnicate"], ["invalid choice", "list", "--help"]),
    (["run"], ["required", "ID"]),
    (["run", "process-pool", "--no-such-option"], ["unrecognized arguments"]),
]


@pytest.mark.parametrize(("args", "expected"), BAD_INPUTS, ids=[" ".join(a) for a, _ in BAD_INPUTS])
def test_bad_input_is_one_line_naming_the_problem_and_exit_2(args, expected):
    line = one_line_error(cli(*args))
    for text in expected:
        assert text in line


# --- Ctrl-C: exit 130, no child left ----------------------------------------------------------

LONG_RUNS = {
    "lesson processes": ["process-start-join", "--set", "hold_ms=10000"],
    "hanging pool task": ["exceptions", "--set", "fault=hang", "--set", "timeout=120"],
}
HELPERS = ("forkserver", "resource_tracker")


def _workers(cli_process: psutil.Process) -> list[psutil.Process]:
    """Descendants doing the run's work (not multiprocessing's forkserver or tracker).

    Under forkserver a worker's command line is the forkserver's own, so only the CLI's direct
    children are judged by command line; grandchildren are always workers.
    """
    found = []
    for child in cli_process.children(recursive=True):
        try:
            helper = child.ppid() == cli_process.pid and any(
                marker in " ".join(child.cmdline()) for marker in HELPERS
            )
        except psutil.Error:
            continue
        if not helper:
            found.append(child)
    return found


def _running(processes: list[psutil.Process]) -> list[psutil.Process]:
    alive = []
    for process in processes:
        try:
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                alive.append(process)
        except psutil.NoSuchProcess:
            pass
    return alive


SIGNAL_EXITS = [
    pytest.param(name, signal.SIGINT, 130, id=f"SIGINT-{name.replace(' ', '-')}")
    for name in LONG_RUNS
] + [pytest.param("lesson processes", signal.SIGTERM, 143, id="SIGTERM-lesson-processes")]


@pytest.mark.parametrize(("name", "signum", "code"), SIGNAL_EXITS)
def test_ctrl_c_exits_130_sigterm_143_and_leaves_no_child_process(name, signum, code):
    proc = subprocess.Popen(
        [sys.executable, "-m", "desktop_app", "run", *LONG_RUNS[name]],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    try:
        cli_process = psutil.Process(proc.pid)
        deadline = time.monotonic() + RUN_TIMEOUT_S
        while not _workers(cli_process):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the run never started a worker"
            time.sleep(0.05)
        descendants = cli_process.children(recursive=True)
        proc.send_signal(signum)
        stdout, stderr = proc.communicate(timeout=RUN_TIMEOUT_S)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == code, stderr
    assert "Traceback" not in stderr
    assert f"interrupted ({signal.Signals(signum).name})" in stderr
    deadline = time.monotonic() + 5
    while _running(descendants) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _running(descendants), f"left behind: {_running(descendants)}"


def test_the_last_defence_kill_spares_the_resource_tracker():
    """Killed while a semaphore lives, the tracker is relaunched by that semaphore's finalizer
    at exit and prints a KeyError traceback (the Ctrl-C test above saw one under load): the
    CLI's final kill of leftover children leaves multiprocessing's helpers to end with it."""
    code = textwrap.dedent(
        """
        from desktop_app.cli import run
        from desktop_app.engine.start_method import get_context
        lock = get_context().Lock()  # registered with the resource tracker
        run._kill_children(set())
        print("done")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0 and result.stdout == "done\n", result.stderr
    assert "Traceback" not in result.stderr and "relaunching" not in result.stderr, result.stderr


# --- the progress line on a terminal ----------------------------------------------------------


def test_progress_is_one_line_redrawn_on_a_terminal_and_erased_at_the_end():
    import pty
    import select

    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "desktop_app", "run", "process-start-join", "--set", "hold_ms=600"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=slave,
    )
    os.close(slave)
    seen = b""
    deadline = time.monotonic() + RUN_TIMEOUT_S
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
        stdout, _ = proc.communicate(timeout=30)
    finally:
        os.close(master)
    assert proc.returncode == 0
    text = seen.decode("utf-8", "replace")
    assert "\r\x1b[K" in text and "tasks" in text and "process-start-join [" in text
    assert "\n" not in text  # redrawn in place, never scrolled
    assert text.endswith("\r\x1b[K")  # erased before the report
    assert b"Summary" in stdout and b"\x1b[" not in stdout


# --- the entry's clean failure when the window cannot start ------------------------------------


def test_a_missing_window_module_is_one_line_and_exit_1(monkeypatch, capsys):
    from desktop_app import entry

    monkeypatch.setitem(sys.modules, "desktop_app.ui.app", None)  # import now raises ImportError
    ui = sys.modules.get("desktop_app.ui")
    if ui is not None:  # `from .ui import app` finds an attribute before it looks at sys.modules
        monkeypatch.delattr(ui, "app", raising=False)
    assert entry.main([]) == 1
    assert entry.main(["--smoke-test"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(line.startswith("concurrency-lab: cannot start") for line in err)
    assert "Traceback" not in "".join(err)


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            "libEGL.so.1: cannot open shared object file: No such file or directory",
            "sudo apt-get install libegl1",
        ),
        ("libxkbcommon.so.0: cannot open shared object file", "apt-get install libxkbcommon0"),
        ("libGL.so.1: cannot open shared object file", "apt-get install libgl1"),
        ("libfontconfig.so.1: cannot open shared object file", "apt-get install libfontconfig1"),
    ],
)
def test_a_missing_qt_system_library_is_named_with_its_debian_package(message, expected):
    from desktop_app.entry import explain_import_error

    text = explain_import_error(ImportError(message))
    assert message.split(":")[0] in text and expected in text and "Troubleshooting" in text
    assert "\n" not in text


def test_a_missing_pyside6_says_how_to_install_it():
    from desktop_app.entry import explain_import_error

    text = explain_import_error(ModuleNotFoundError("No module named 'PySide6'", name="PySide6"))
    assert "PySide6" in text and "pip install" in text


def test_the_main_module_calls_freeze_support_first():
    """A frozen app re-runs itself in every worker without it (measured: four windows)."""
    import ast

    import desktop_app

    source = (Path(desktop_app.__file__).parent / "__main__.py").read_text()
    guard = next(node for node in ast.parse(source).body if isinstance(node, ast.If))
    first = guard.body[0]
    assert "__name__" in ast.unparse(guard.test) and "__main__" in ast.unparse(guard.test)
    assert ast.unparse(first) == "multiprocessing.freeze_support()"
