"""The GIL verdict when a task's import turns the GIL back on, for real, on a free-threaded
build: a single-phase C extension (which declares no free-threading support) is compiled and
imported by the tasks of one measurement. Needs a free-threaded interpreter and a C compiler;
skipped with the reason where either is missing."""

from __future__ import annotations

import json
import shutil
import subprocess
import textwrap

import pytest
from other_pythons import free_threaded_python, needs

from desktop_app.engine.host.foreign import engine_source

EXTENSION = """
#include <Python.h>
static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "gil_holder", NULL, -1, NULL};
PyMODINIT_FUNC PyInit_gil_holder(void) { return PyModule_Create(&def); }
"""

TASKS = """
def plain(x):
    return x


def load_holder(x):
    import gil_holder  # single-phase init, no Py_mod_gil: the GIL comes back on here

    return x
"""

SCRIPT = """
import json, sys, warnings
sys.path[:0] = [{engine!r}, {folder!r}]
warnings.simplefilter("ignore", RuntimeWarning)  # "The global interpreter lock has been enabled"
import gil_tasks
from desktop_app.engine.context import run_scenario
from desktop_app.scenarios.base import Scenario

def run(ctx):
    ctx.measure("plain", "processes", 2, gil_tasks.plain, list(range(4)), chunksize=1)
    if {holder!r}:
        ctx.measure("holder", "processes", 2, gil_tasks.load_holder, list(range(4)), chunksize=1)

if __name__ == "__main__":
    scenario = Scenario("gil-probe", "t", "l", "s", "w", (), run, pool_sizes=(2,))
    report = run_scenario(scenario, {{}})
    print(json.dumps([report.state, report.environment["gil"]]))
"""


def _build(python: str, folder) -> None:
    compiler = shutil.which("gcc") or shutil.which("cc")
    if compiler is None:
        pytest.skip("no C compiler to build an extension that re-enables the GIL")
    ask = "import sysconfig; print(sysconfig.get_paths()['include']); "
    ask += "print(sysconfig.get_config_var('EXT_SUFFIX'))"
    include, suffix = subprocess.run(
        [python, "-I", "-c", ask], capture_output=True, text=True, check=True
    ).stdout.split()
    (folder / "gil_holder.c").write_text(EXTENSION)
    (folder / "gil_tasks.py").write_text(textwrap.dedent(TASKS))
    subprocess.run(
        [compiler, "-shared", "-fPIC", f"-I{include}", "-o", str(folder / f"gil_holder{suffix}"),
         str(folder / "gil_holder.c")],
        check=True,
        capture_output=True,
    )  # fmt: skip


def _verdict(python: str, folder, holder: bool) -> dict:
    script = folder / f"probe_{holder}.py"
    script.write_text(SCRIPT.format(engine=str(engine_source()), folder=str(folder), holder=holder))
    done = subprocess.run(
        [python, "-I", str(script)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    state, gil = json.loads(done.stdout.strip().splitlines()[-1])
    assert state == "completed"
    return gil


def test_an_import_that_reenables_the_gil_in_the_workers_makes_the_run_not_gil_free(tmp_path):
    python = needs(free_threaded_python(), "free-threaded Python")
    _build(python, tmp_path)
    clean = _verdict(python, tmp_path, holder=False)
    assert clean["free_threaded_build"] is True
    assert clean["off_during_tasks"] is True and clean["workers_with_gil"] == 0
    held = _verdict(python, tmp_path, holder=True)
    assert held["free_threaded_build"] is True
    assert held["enabled_in_host"] is False  # only the workers imported it
    assert held["off_during_tasks"] is False
    assert held["workers_with_gil"] >= 1 and held["pids_with_gil"]
    assert "re-enabled" in held["summary"]
