"""A user's experiment file, good and broken in each way, run through the engine on serial,
threads and processes (real files written here; pools shared by the module's tests)."""

from __future__ import annotations

import os
import textwrap

import pytest

from desktop_app.engine.context import run_scenario
from desktop_app.engine.pools import PoolManager
from desktop_app.experiments.loader import (
    ExperimentError,
    load_module,
    module_name,
    parse_target,
)
from desktop_app.experiments.scenario import describe, experiment_scenario, same
from desktop_app.experiments.template import TEMPLATE, write_template

GOOD = '''
"""Squares with a table built by setup()."""
import dataclasses

TABLE = {}

@dataclasses.dataclass(frozen=True)
class Point:
    x: int

def setup():
    TABLE.update({i: i * i for i in range(100)})
    print("setup in", __name__)

def task(p):
    print("task", p.x)
    return Point(TABLE[p.x])

def inputs():
    return [Point(i) for i in range(12)]
'''


@pytest.fixture
def pools():
    manager = PoolManager()
    yield manager
    manager.shutdown()


def write(folder, name: str, text: str) -> str:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return str(path)


def run(path: str, pools, kinds=("threads", "processes"), sizes=(2,), repeats=1, **params):
    scenario = experiment_scenario(describe(parse_target(path)), params.pop("expr", None))
    chosen = {k: k in kinds for k in ("threads", "processes", "pool", "asyncio", "interpreters")}
    values = scenario.resolve({**chosen, **params})
    return run_scenario(scenario, values, pool_sizes=sizes, repeats=repeats, pools=pools)


def messages(report) -> list[str]:
    return [f"{record.type}: {record.message}" for record in report.errors]


def test_a_good_file_runs_on_threads_and_processes_with_its_own_classes(tmp_path, pools):
    path = write(tmp_path, "points.py", GOOD)
    report = run(path, pools)
    assert report.state == "completed", messages(report)
    assert [entry.measurement.backend for entry in report.runs] == [
        "serial",
        "threads",
        "processes",
    ]
    for entry in report.runs:
        assert [p.x for p in entry.results] == [i * i for i in range(12)]
    assert any("Every executor returned serial's 12 results" in note for note in report.notes)
    # setup ran once per process, before its first task, its output captured per worker
    setups = [line for line in report.output if "setup in" in line]
    pids = {line.split()[1] for line in setups}
    assert len(setups) == len(pids) >= 2
    assert any(line.startswith("[pid") and "task 11" in line for line in report.output)


def test_each_broken_file_says_what_and_where(tmp_path, pools):
    cases = {
        "syntax.py": ("def task(x):\n    return x +\n", "syntax.py, line 2: syntax error"),
        "imports.py": (
            "import os\nimport no_such_module_here\n",
            "imports.py, line 2: importing it raised ModuleNotFoundError",
        ),
        "notask.py": ("INPUTS = [1]\ndef work(x):\n    return x\n", "no function named 'task'"),
        "notcallable.py": ("INPUTS = [1]\ntask = 3\n", "notcallable.py, line 2: task is a int"),
        "noinputs.py": ("def task(x):\n    return x\n", "no inputs: define 'def inputs():'"),
        "notiterable.py": (
            "def task(x):\n    return x\n\nINPUTS = 5\n",
            "notiterable.py, line 4: INPUTS is not iterable",
        ),
        "inputsraise.py": (
            "def task(x):\n    return x\ndef inputs():\n    return 1 / 0\n",
            "inputsraise.py, line 4: inputs() raised ZeroDivisionError",
        ),
    }
    for name, (text, expected) in cases.items():
        report = run(write(tmp_path, name, text), pools, kinds=())
        assert report.state == "failed", name
        assert len(report.errors) == 1, (name, messages(report))
        assert expected in report.errors[0].message, (name, messages(report))
        assert str(tmp_path) in report.errors[0].message
    syntax = run(str(tmp_path / "syntax.py"), pools, kinds=()).errors[0].traceback
    assert "return x +" in syntax and "^" in syntax  # the line, and where in it
    detail = run(str(tmp_path / "imports.py"), pools, kinds=()).errors[0].traceback
    assert "no_such_module_here" in detail and "imports.py" in detail


def test_a_file_that_disappears_or_cannot_be_read(tmp_path, pools):
    path = write(tmp_path, "gone.py", "INPUTS = [1]\ndef task(x):\n    return x\n")
    scenario = experiment_scenario(describe(parse_target(path)))
    os.remove(path)
    report = run_scenario(scenario, scenario.resolve({}), pool_sizes=(1,), repeats=1, pools=pools)
    assert report.state == "failed"
    assert "gone.py: the file is gone" in report.errors[0].message
    with pytest.raises(ExperimentError, match="gone.py: the file is gone"):
        describe(parse_target(path))
    folder = tmp_path / "folder.py"
    folder.mkdir()
    with pytest.raises(ExperimentError, match="is a folder"):
        load_module(parse_target(str(folder)))


def test_a_task_that_raises_reaches_the_console_with_its_traceback(tmp_path, pools):
    path = write(
        tmp_path,
        "raises.py",
        """
        INPUTS = range(6)
        def task(x):
            if x == 3:
                raise ValueError(f"bad {x}")
            return x
        """,
    )
    report = run(path, pools)
    assert {(r.origin, r.type, r.task) for r in report.errors} == {
        ("thread", "ValueError", 3),
        ("process", "ValueError", 3),
    }
    for record in report.errors:
        assert f'File "{path}", line 5, in task' in record.traceback


def test_inputs_that_do_not_pickle_keep_the_processes_out_and_say_who_can(tmp_path, pools):
    path = write(
        tmp_path,
        "locks.py",
        """
        import threading
        def task(lock):
            with lock:
                return 1
        def inputs():
            return [threading.Lock() for _ in range(4)]
        """,
    )
    report = run(path, pools)
    assert report.state == "failed"
    assert [e.measurement.backend for e in report.runs] == ["serial", "threads"]
    (record,) = report.errors
    assert "input #0" in record.message and "cannot be pickled" in record.message
    assert "processes cannot run this experiment; serial, threads can" in record.message


def test_results_that_differ_from_serial_are_a_correctness_error(tmp_path, pools):
    path = write(
        tmp_path,
        "counter.py",
        """
        COUNT = [0]
        INPUTS = range(8)
        def task(x):
            COUNT[0] += 1
            return COUNT[0]
        """,
    )
    report = run(path, pools, kinds=("threads",))
    assert report.state == "failed"
    (record,) = report.errors
    assert record.type == "WrongResult"
    assert "threads with 2 worker(s), repeat 1: 8 of 8 results differ" in record.message


def test_inputs_expression_n_and_function_name(tmp_path, pools):
    path = write(
        tmp_path,
        "two.py",
        """
        BASE = 10
        def inputs(n):
            return [BASE] * n
        def task(x):
            return x + 1
        def double(x):
            return 2 * x
        """,
    )
    report = run(path + ":double", pools, kinds=("threads",), expr="[BASE, 2]")
    assert report.runs[0].results == [20, 4]
    report = run(path, pools, kinds=(), n=3)
    assert report.runs[0].results == [11, 11, 11]


def test_a_file_edited_on_disk_is_read_again(tmp_path, pools):
    path = write(tmp_path, "edit.py", "INPUTS = [1, 2]\ndef task(x):\n    return x\n")
    assert run(path, pools).runs[-1].results == [1, 2]
    write(tmp_path, "edit.py", "INPUTS = [1, 2]\ndef task(x):\n    return -x\n")
    os.utime(path, ns=(1, os.stat(path).st_mtime_ns + 10_000_000))  # a coarse clock
    report = run(path, pools)
    assert report.state == "completed", messages(report)
    assert [entry.results for entry in report.runs] == [[-1, -2]] * 3
    assert "return -x" in describe(parse_target(path)).source


def test_the_template_runs_as_written(tmp_path, pools):
    path = write_template(tmp_path)
    assert path.read_text(encoding="utf-8") == TEMPLATE
    assert write_template(tmp_path).name == "my_experiment_2.py"
    info = describe(parse_target(str(path)))
    assert info.summary.startswith("Sum of squares") and not info.problem
    report = run(str(path), pools)
    assert report.state == "completed", messages(report)
    assert len(report.runs) == 3 and not report.errors


def test_targets_and_module_names():
    assert parse_target("work.py", "/x").location == "/x/work.py"
    assert parse_target("work.py:job", "/x").function == "job"
    target = parse_target("json:dumps", "/x")
    assert (target.kind, target.location, target.function) == ("module", "json", "dumps")
    assert parse_target("json", "/x").function == "task"
    with pytest.raises(ExperimentError, match="neither a .py file"):
        parse_target("no such thing", "/x")
    assert module_name("/a/random.py") != "random"
    assert module_name("/a/b.py") == module_name("/a/b.py") != module_name("/c/b.py")


def test_results_compare_as_users_mean():
    assert same(float("nan"), float("nan"))
    assert same([1, 2], [1, 2]) and not same(1, 2)

    class Odd:
        def __eq__(self, other):
            raise RuntimeError("no")

        def __repr__(self):
            return "odd"

    assert same(Odd(), Odd())


def test_an_async_task_is_awaited_on_asyncio_and_run_by_the_others(tmp_path, pools):
    path = write(
        tmp_path,
        "waits.py",
        """
        import asyncio
        INPUTS = range(8)
        async def task(x):
            await asyncio.sleep(0.01)
            return -x
        """,
    )
    report = run(path, pools, kinds=("asyncio", "threads", "processes"), sizes=(4,))
    assert report.state == "completed", messages(report)
    assert [e.measurement.backend for e in report.runs] == [
        "serial",
        "threads",
        "processes",
        "asyncio",
    ]
    assert all(entry.results == [-x for x in range(8)] for entry in report.runs)
    on_loop = next(e.spans for e in report.runs if e.measurement.backend == "asyncio")
    spans = sorted(zip(on_loop.start, on_loop.end, strict=True))
    # awaited, not run one after another: some task starts before the one before it ended
    assert any(later[0] < earlier[1] for earlier, later in zip(spans, spans[1:], strict=False))


def test_a_problem_seen_by_parsing_is_in_the_summary(tmp_path):
    path = write(tmp_path, "typo.py", '"""Doc."""\ndef task(x)\n    return x\n')
    scenario = experiment_scenario(describe(parse_target(path)))
    assert scenario.summary.startswith(f"This file cannot run as it is: {path}, line 2:")
    assert scenario.code().startswith('"""Doc."""')  # the code view shows the file as it is


def test_results_that_do_not_pickle_keep_the_processes_out(tmp_path, pools):
    path = write(
        tmp_path,
        "handles.py",
        """
        class Handle:
            def __init__(self, x):
                self.x = x
            def __eq__(self, other):
                return self.x == other.x
            def __reduce__(self):
                raise TypeError("a handle stays in its process")
        INPUTS = [1, 2]
        def task(x):
            return Handle(x)
        """,
    )
    report = run(path, pools)
    assert [e.measurement.backend for e in report.runs] == ["serial", "threads"]
    (record,) = report.errors
    assert record.type == "PicklingError"
    assert "the result of input #0" in record.message
    assert "a handle stays in its process" in record.message
    assert "processes cannot run this experiment; serial, threads can" in record.message


def test_a_file_that_is_not_text_cannot_be_read(tmp_path):
    path = tmp_path / "binary.py"
    path.write_bytes(b"\xff\xfe\x00def task(x): pass")
    with pytest.raises(ExperimentError, match="binary.py: cannot be read"):
        describe(parse_target(str(path)))


def test_a_task_that_mostly_waits_is_measured_as_io_bound_and_says_so(tmp_path, pools):
    """The lab cannot know what a user's task does; its serial run can: tasks on a CPU a few
    per cent of their time wait, so their ideal is serial ÷ p, not capped at the cores."""
    path = write(
        tmp_path,
        "waits.py",
        "import time\ndef task(x):\n    time.sleep(0.01)\n    return x\nINPUTS = list(range(6))\n",
    )
    report = run(path, pools, kinds=("threads",), sizes=(1, 4), repeats=2)
    assert report.state == "completed", messages(report)
    # the serial run measured before the bound was known takes it too: no "waited for a core"
    assert {e.measurement.bound for e in report.runs} == {"io"}
    assert not any("for a core" in line for line in report.why), report.why
    bounds = {
        (e.measurement.backend, e.measurement.pool_size): e.measurement.bound for e in report.runs
    }
    assert bounds[("threads", 1)] == bounds[("threads", 4)] == "io"
    (line,) = [line for line in report.output if "of their time" in line]
    assert "mostly wait: I/O-bound (ideal speedup p)" in line and "BOUND = 'io'" in line
    ideal = {(r.backend, r.pool_size): r.ideal_speedup for r in report.summary}
    assert ideal[("threads", 4)] == 4.0  # whatever the cores


def test_a_computing_task_is_cpu_bound_and_a_declared_bound_wins(tmp_path, pools):
    path = write(
        tmp_path, "sums.py", "def task(x):\n    return sum(range(x))\nINPUTS = [200_000] * 4\n"
    )
    report = run(path, pools, kinds=("threads",), sizes=(2,))
    assert {e.measurement.bound for e in report.runs} == {"cpu"}
    assert any("mostly compute: CPU-bound" in line for line in report.output)
    declared = write(
        tmp_path,
        "declared.py",
        "BOUND = 'io'\ndef task(x):\n    return sum(range(x))\nINPUTS = [1000] * 4\n",
    )
    report = run(declared, pools, kinds=("threads",), sizes=(2,))
    assert {e.measurement.bound for e in report.runs} == {"io"}
    assert not any("of their time" in line for line in report.output)
    wrong = write(tmp_path, "wrong.py", "BOUND = 'gpu'\ndef task(x):\n    return x\nINPUTS = [1]\n")
    report = run(wrong, pools, kinds=("threads",), sizes=(2,))
    assert report.state == "failed"
    assert any(
        "BOUND = 'gpu': use 'io' (tasks mostly wait) or 'cpu'" in m for m in messages(report)
    )
