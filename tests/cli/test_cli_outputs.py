"""The CLI's output files and stdout: every format, safe writes, pipes that close, show-run.

Through a real subprocess, as a user runs it, except the full-disk case, which swaps the
writer's ``open`` in-process for a disk with room for 100 characters.
"""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import stat
import subprocess
import sys

import jsonschema
import pytest

from desktop_app.cli import main
from desktop_app.engine.outputs import writers
from desktop_app.engine.outputs.formats import run_formats
from desktop_app.engine.outputs.report import schema_path

RUN_TIMEOUT_S = 90  # a hang guard only
QUICK = ("run", "process-pool", "--set", "n=6", "--pool-sizes", "2")
CLI = [sys.executable, "-m", "desktop_app"]


def cli(*args: str, **kwargs) -> subprocess.CompletedProcess:
    kwargs.setdefault("capture_output", True)
    return subprocess.run(
        [*CLI, *args], text=True, timeout=RUN_TIMEOUT_S, stdin=subprocess.DEVNULL, **kwargs
    )


def no_traceback_one_line(stderr: str) -> str:
    assert "Traceback" not in stderr and "Exception ignored" not in stderr, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


def test_every_registered_format_is_an_option_and_writes_its_files(tmp_path):
    args = []
    for fmt in run_formats():
        args += [f"--{fmt.key}", str(tmp_path / f"out{fmt.suffix}")]
    result = cli(*QUICK, *args)
    assert result.returncode == 0, result.stderr
    for fmt in run_formats():
        for path in fmt.paths(tmp_path / f"out{fmt.suffix}"):
            assert path.stat().st_size > 0, path
    doc = json.loads((tmp_path / "out.json").read_text())
    jsonschema.validate(doc, json.loads(schema_path().read_text()))
    trace = json.loads((tmp_path / "out.trace.json").read_text())
    assert sum(e["ph"] == "X" for e in trace["traceEvents"]) == 6
    help_text = cli("run", "--help").stdout
    assert all(f"--{fmt.key}" in help_text for fmt in run_formats())


def test_a_name_without_extension_gets_it_and_missing_folders_are_made(tmp_path):
    result = cli(
        *QUICK, "--csv", str(tmp_path / "results" / "spans"), "--trace", str(tmp_path / "t")
    )
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "results").iterdir()) == [
        "spans-summary.csv",
        "spans.csv",
    ]
    assert (tmp_path / "t.trace.json").exists() and not (tmp_path / "t").exists()
    with (tmp_path / "results" / "spans-summary.csv").open(newline="") as handle:
        row = next(csv.DictReader(handle))
    assert "ideal_speedup" in row


def test_an_added_extension_never_replaces_an_existing_file(tmp_path):
    existing = tmp_path / "spans.csv"
    existing.write_text("mine")
    result = cli(*QUICK, "--csv", str(tmp_path / "spans"))
    assert result.returncode == 2
    assert "spans.csv" in no_traceback_one_line(result.stderr)
    assert existing.read_text() == "mine"


def test_files_get_the_users_permissions_and_an_overwrite_keeps_the_mode(tmp_path):
    fresh, kept = tmp_path / "fresh.json", tmp_path / "kept.json"
    kept.write_text("{}")
    kept.chmod(0o640)
    result = cli(*QUICK, "--json", str(fresh), preexec_fn=lambda: os.umask(0o022))
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o644
    assert cli(*QUICK, "--json", str(kept)).returncode == 0
    assert stat.S_IMODE(kept.stat().st_mode) == 0o640 and json.loads(kept.read_text())["runs"]


def test_a_full_disk_leaves_the_old_json_intact(tmp_path, monkeypatch, capsys):
    """Issue 20, item 6: a failed write must not replace a good file with half of one."""
    target = tmp_path / "report.json"
    target.write_text('{"old": "valid"}')
    real_open = open

    class FillsUp(io.TextIOWrapper):
        def write(self, data):
            if self.tell() + len(data) > 100:
                raise OSError(errno.ENOSPC, "No space left on device")
            return super().write(data)

    def tiny_disk(fd, *args, **kwargs):
        return FillsUp(real_open(fd, *args, **kwargs).detach(), encoding="utf-8", newline="")

    monkeypatch.setattr(writers, "open", tiny_disk, raising=False)
    code = main([*QUICK, "--set", "chunksize=1", "--json", str(target)])
    err = capsys.readouterr().err
    assert code == 1
    assert "No space left on device" in no_traceback_one_line(err)
    assert json.loads(target.read_text()) == {"old": "valid"}
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"], "no temporary file left"


def test_a_reader_that_goes_away_is_exit_141_and_one_line(tmp_path):
    """``run ... | head -3``: the pipe is closed before the report is written."""
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the CLI writes a byte
    try:
        result = subprocess.run(
            [*CLI, *QUICK], stdout=write, stderr=subprocess.PIPE, text=True, timeout=RUN_TIMEOUT_S
        )
    finally:
        os.close(write)
    assert result.returncode == 141
    assert "pipe" in no_traceback_one_line(result.stderr)


def test_json_cut_short_by_head_is_not_exit_0():
    """``--json - | head -c 100`` must not report success when its output was cut."""
    process = subprocess.Popen(
        [*CLI, "run", "process-pool", "--set", "n=5000", "--json", "-"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    first = process.stdout.read(100)
    process.stdout.close()
    err = process.stderr.read().decode()
    assert process.wait(RUN_TIMEOUT_S) == 141
    assert len(first) == 100
    assert "Traceback" not in err and "Exception ignored" not in err
    assert err.strip().splitlines()[-1].startswith("concurrency-lab: error: output cut short")


def test_json_to_a_closed_stdout_is_one_line_and_non_zero():
    result = subprocess.run(
        ["sh", "-c", 'exec "$@" >&-', "sh", *CLI, *QUICK, "--json", "-"],
        capture_output=False,
        stderr=subprocess.PIPE,
        text=True,
        timeout=RUN_TIMEOUT_S,
    )
    assert result.returncode != 0
    assert "closed" in no_traceback_one_line(result.stderr)


def test_output_into_dev_full_is_one_line_and_non_zero():
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [*CLI, *QUICK], stdout=full, stderr=subprocess.PIPE, text=True, timeout=RUN_TIMEOUT_S
        )
    assert result.returncode == 1
    assert "No space left" in no_traceback_one_line(result.stderr)


def test_show_run_prints_the_same_report_as_the_run(tmp_path):
    saved = tmp_path / "run.json"
    run = cli("run", "exceptions", "--json", str(saved))
    assert run.returncode == 0, run.stderr
    report, saved_line = run.stdout.rstrip("\n").rsplit("\n", 1)
    assert saved_line.startswith("saved as run ")  # the history's line, after the report
    shown = cli("show-run", str(saved))
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout == report + "\n"
    verbose = cli("show-run", "-v", str(saved))
    assert verbose.stdout != run.stdout and "Traceback" in verbose.stdout


@pytest.mark.parametrize(
    "content, expected",
    [(None, "no such file"), ("{", "is not JSON"), ("[]", "not a Concurrency Lab run report")],
)
def test_show_run_of_a_bad_file_is_one_line_and_exit_2(tmp_path, content, expected):
    path = tmp_path / "bad.json"
    if content is not None:
        path.write_text(content)
    result = cli("show-run", str(path))
    assert result.returncode == 2
    assert expected in no_traceback_one_line(result.stderr)
