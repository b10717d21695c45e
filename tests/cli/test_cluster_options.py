"""``run --executor dask`` and ``--scheduler``: a map lesson on a Dask cluster from the CLI."""

from __future__ import annotations

import json

import pytest
from test_cli import cli, one_line_error


@pytest.mark.parametrize(
    "args, expected",
    [
        (["sharing-data", "--executor", "dask"], "sharing-data runs on this machine only"),
        (
            ["pool-timing", "--executor", "gpu"],
            "executor='gpu' is not valid: use one of pool, dask",
        ),
        (["pool-timing", "--scheduler", "tcp://h:1"], "--scheduler only matters with --executor"),
        (
            ["pool-timing", "--executor", "dask", "--scheduler", "a b"],
            "scheduler address 'a b' is not valid: use tcp://HOST:PORT",
        ),
    ],
)
def test_bad_cluster_options_are_one_line_and_exit_2(args, expected):
    assert expected in one_line_error(cli("run", *args, "--no-save"))


def test_process_pool_runs_on_the_lab_cluster_with_executor_dask():
    pytest.importorskip("distributed")
    result = cli("run", "process-pool", "--executor", "dask", "--set", "n=6", "--json", "-")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    doc = json.loads(result.stdout)
    assert doc["params"]["executor"] == "dask"
    assert [r["backend"] for r in doc["runs"]] == ["dask"]
    assert all(" 127.0.0.1:" in row[3] for row in doc["table"]["rows"])


@pytest.mark.parametrize(
    "args, expected",
    [
        (["--scheduler", "tcp://h:1"], "--scheduler only matters with dask among --executors"),
        (
            ["--executors", "dask", "--scheduler", "a b"],
            "scheduler address 'a b' is not valid: use tcp://HOST:PORT",
        ),
    ],
)
def test_bench_checks_its_scheduler_option_like_run(tmp_path, args, expected):
    (tmp_path / "work.py").write_text("def task(x):\n    return x\n\nINPUTS = [1, 2]\n")
    assert expected in one_line_error(cli("bench", str(tmp_path / "work.py"), *args, "--no-save"))


def test_a_users_function_benches_on_the_lab_cluster(tmp_path):
    pytest.importorskip("distributed")
    (tmp_path / "work.py").write_text("def task(x):\n    return x * x\n\nINPUTS = range(6)\n")
    result = cli(
        "bench", str(tmp_path / "work.py"), "--executors", "dask", "--pool-sizes", "2",
        "--repeat", "1", "--no-save", "--json", "-",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert {r["backend"] for r in doc["runs"]} == {"serial", "dask"}
    assert not doc["errors"], doc["errors"]
