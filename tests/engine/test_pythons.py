"""Finding interpreters, naming one with --python, and the /proc stand-in for psutil."""

from __future__ import annotations

import os
import subprocess
import sys

import psutil
import pytest
from other_pythons import pyenv_python

from desktop_app.engine import procfs
from desktop_app.engine.pythons import (
    PythonInfo,
    PythonNotFound,
    candidates,
    child_environment,
    discover,
    newest_by_family,
    probe,
    resolve,
    this_python,
)


def _info(version, free=False, source="pyenv", path=None):
    return PythonInfo(path or f"/x/{version}", version, "cpython", free, source)


FOUND = [
    _info((3, 11, 7), source="this"),
    _info((3, 12, 1)),
    _info((3, 13, 0)),
    _info((3, 13, 5), path="/y/3.13.5"),
    _info((3, 13, 15), free=True, source="given"),
]


def test_probe_asks_the_interpreter_itself():
    info = probe(sys.executable)
    assert info is not None and info.version == tuple(sys.version_info[:3])
    assert info.usable and info.implementation == "cpython"
    assert probe("/nonexistent/python3") is None


def test_candidates_look_in_pyenv_uv_and_the_given_paths(tmp_path):
    for root in ("pyenv/versions/3.12.1/bin", "uv/cpython-3.14.0-linux/bin"):
        folder = tmp_path / root
        folder.mkdir(parents=True)
        for name in ("python3", "python3.12", "python3-config", "python3.12-gdb.py"):
            (folder / name).write_text("")
            (folder / name).chmod(0o755)
    env = {
        "PATH": "",
        "PYENV_ROOT": str(tmp_path / "pyenv"),
        "UV_PYTHON_INSTALL_DIR": str(tmp_path / "uv"),
        "CONCURRENCY_LAB_PYTHONS": os.pathsep.join(["/opt/a/python3.13t", ""]),
    }
    found = candidates(env)
    names = [(os.path.basename(path), source) for path, source in found]
    assert ("python3-config", "pyenv") not in names and ("python3.12-gdb.py", "uv") not in names
    assert names.count(("python3", "pyenv")) == 1 and names.count(("python3.12", "uv")) == 1
    assert found[-1] == ("/opt/a/python3.13t", "given")


def test_discover_lists_this_python_first_and_each_once():
    found = discover()
    assert found[0] == this_python()
    reals = [os.path.realpath(info.path) for info in found]
    assert len(reals) == len(set(reals))
    assert all(info.usable for info in found)
    if pyenv_python(12):
        assert any(info.version[:2] == (3, 12) for info in found)


def test_a_version_picks_the_newest_of_its_family_and_t_means_free_threaded():
    assert resolve("3.13", FOUND).version == (3, 13, 5)
    assert resolve("3.13.0", FOUND).version == (3, 13, 0)
    assert resolve("3.13t", FOUND).free_threaded
    assert newest_by_family(FOUND)["3.13"].version == (3, 13, 5)
    assert newest_by_family(FOUND)["3.13t"].short == "3.13t"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("3.14", "no such Python found"),
        ("3.14t", "found: 3.11, 3.12, 3.13, 3.13t"),
        ("3.9", "needs Python 3.11 or newer"),
        ("three", "give a path to an interpreter or a version"),
        ("", "needs a path or a version"),
        ("/nonexistent/python3", "not a Python interpreter that runs"),
    ],
)
def test_a_python_that_is_not_there_says_what_is_wrong(spec, message):
    with pytest.raises(PythonNotFound, match=message):
        resolve(spec, FOUND)


def test_an_old_interpreter_given_by_path_is_refused_with_its_version():
    old = pyenv_python(10)
    if old is None:
        pytest.skip("no pyenv Python 3.10 on this machine")
    with pytest.raises(PythonNotFound, match=r"is Python 3\.10\.\d+; the lab needs 3\.11"):
        resolve(old, FOUND)


def test_procfs_answers_as_psutil_does():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        me = procfs.Process()
        assert me.pid == os.getpid() and me.ppid() == os.getppid()
        assert child.pid in {p.pid for p in me.children(recursive=True)}
        assert child.pid in {p.pid for p in psutil.Process().children(recursive=True)}
        assert child.pid in {p.pid for p in me.children()}  # a direct child too
        assert procfs.Process(child.pid).status() == psutil.Process(child.pid).status()
        assert me.uids().real == os.getuid() and me.num_threads() >= 1
        assert any(m.path.endswith(".so") or "python" in m.path for m in me.memory_maps())
        procfs.Process(child.pid).kill()
        gone, alive = procfs.wait_procs([procfs.Process(child.pid)], timeout=10)
        assert [p.pid for p in gone] == [child.pid] and not alive
    finally:
        if child.poll() is None:
            child.kill()
        child.wait()
    with pytest.raises(procfs.NoSuchProcess):
        procfs.Process(child.pid)
    mine = [p for p in procfs.process_iter(["uids", "num_threads"]) if p.pid == os.getpid()]
    assert mine[0].info["uids"].real == os.getuid()


def test_another_interpreter_gets_the_users_library_path_back_from_a_frozen_app(monkeypatch):
    assert child_environment({"LD_LIBRARY_PATH": "/bundle"}) is None  # from source: as it is
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    frozen = {"LD_LIBRARY_PATH": "/bundle", "LD_LIBRARY_PATH_ORIG": "/usr/local/lib", "A": "1"}
    assert child_environment(frozen) == {"LD_LIBRARY_PATH": "/usr/local/lib", "A": "1"}
    assert child_environment({"LD_LIBRARY_PATH": "/bundle", "A": "1"}) == {"A": "1"}
