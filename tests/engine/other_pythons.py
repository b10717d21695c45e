"""The other interpreters the tests run the engine under, where this machine has them.

pyenv's 3.12 and 3.13 (the development machines and CI have them); a free-threaded build where
one was built (docs/free-threading.md installs it under /opt/py31Nt) or listed in
CONCURRENCY_LAB_PYTHONS. A test that needs one that is absent is skipped, saying which.
"""

from __future__ import annotations

import glob
import os

import pytest

PYENV = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")


def pyenv_python(minor: int) -> str | None:
    found = sorted(glob.glob(os.path.join(PYENV, "versions", f"3.{minor}.*", "bin", "python3")))
    return found[-1] if found else None


def free_threaded_python() -> str | None:
    from desktop_app.engine.pythons import EXTRA_ENV, probe

    listed = [p for p in os.environ.get(EXTRA_ENV, "").split(os.pathsep) if p]
    for path in listed + sorted(glob.glob("/opt/py31*t/bin/python3.1*t")):
        info = probe(path)
        if info is not None and info.free_threaded and info.usable:
            return info.path
    return None


def needs(path: str | None, what: str) -> str:
    if path is None:
        pytest.skip(f"no {what} on this machine (see docs/free-threading.md)")
    return path


OTHER_PYTHONS = [
    pytest.param(lambda: needs(pyenv_python(12), "pyenv Python 3.12"), id="3.12"),
    pytest.param(lambda: needs(pyenv_python(13), "pyenv Python 3.13"), id="3.13"),
    pytest.param(lambda: needs(free_threaded_python(), "free-threaded Python"), id="3.13t"),
]
