"""The Python interpreters on this machine that can run the engine: 3.11 or newer, CPython.

Where they are looked for, in order: this interpreter; ``PATH`` (``python3``, ``python3.N``,
``python3.Nt``); pyenv's versions (``$PYENV_ROOT`` or ``~/.pyenv``); uv's managed Pythons
(``$UV_PYTHON_INSTALL_DIR`` or ``~/.local/share/uv/python``); and the paths listed in
``CONCURRENCY_LAB_PYTHONS`` (separated by ``os.pathsep``), where a path the user gave is
remembered. Each candidate is asked about itself by running it (``-I``: no user site, no
environment), so what is reported is what that interpreter says, not what its name suggests;
one that does not answer within ``PROBE_TIMEOUT_S`` is left out.

The run host can then be started under any of them (engine/host/foreign.py). Probing runs
processes: call :func:`discover` off the GUI thread.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MINIMUM = (3, 11)
PROBE_TIMEOUT_S = 10.0  # a cold start of a fresh build on a loaded machine
EXTRA_ENV = "CONCURRENCY_LAB_PYTHONS"
_MINORS = range(11, 20)
_PROBE = (
    "import json, sys, sysconfig; print(json.dumps([list(sys.version_info[:3]), "
    "sys.implementation.name, sysconfig.get_config_var('Py_GIL_DISABLED'), sys.executable]))"
)


class PythonNotFound(ValueError):
    """A ``--python`` value that names no usable interpreter (one line, for humans)."""


@dataclass(frozen=True)
class PythonInfo:
    """One interpreter, as it described itself."""

    path: str  # what to run: its sys.executable
    version: tuple[int, int, int]
    implementation: str  # sys.implementation.name: "cpython", "pypy"
    free_threaded: bool  # Py_GIL_DISABLED == 1 (see engine/gil.py)
    source: str  # where it was found: this, PATH, pyenv, uv, given

    @property
    def short(self) -> str:
        """ "3.13t" for a free-threaded 3.13, "3.12" otherwise."""
        return f"{self.version[0]}.{self.version[1]}{'t' if self.free_threaded else ''}"

    @property
    def label(self) -> str:
        """What a user reads: "Python 3.13.0 (pyenv) /root/.pyenv/.../python3.13"."""
        version = ".".join(map(str, self.version))
        build = ", free-threaded" if self.free_threaded else ""
        return f"Python {version}{build} ({self.source}) {self.path}"

    @property
    def usable(self) -> bool:
        return self.implementation == "cpython" and self.version[:2] >= MINIMUM


def this_python() -> PythonInfo:
    """The interpreter this process runs on."""
    from .gil import free_threaded_build

    major, minor, micro = sys.version_info[:3]
    return PythonInfo(
        sys.executable,
        (major, minor, micro),
        sys.implementation.name,
        free_threaded_build(),
        "this",
    )


def child_environment(environ: dict[str, str] | None = None) -> dict[str, str] | None:
    """The environment to start another interpreter with (None: this process's own).

    A frozen app's bootloader points ``LD_LIBRARY_PATH`` at the bundle's libraries and keeps
    the user's value in ``LD_LIBRARY_PATH_ORIG`` (PyInstaller); another interpreter must load
    its own libraries, so it gets the user's value back.
    """
    if not getattr(sys, "frozen", False):
        return None
    env = dict(os.environ if environ is None else environ)
    original = env.pop("LD_LIBRARY_PATH_ORIG", None)
    if original is None:
        env.pop("LD_LIBRARY_PATH", None)
    else:
        env["LD_LIBRARY_PATH"] = original
    return env


def probe(path: str, source: str = "given") -> PythonInfo | None:
    """Ask the interpreter at ``path`` what it is; None when it does not run or answer."""
    try:
        done = subprocess.run(
            [path, "-I", "-c", _PROBE],
            capture_output=True,
            text=True,
            timeout=PROBE_TIMEOUT_S,
            check=False,
            env=child_environment(),
        )
        version, implementation, gil_disabled, executable = json.loads(done.stdout)
    except (OSError, ValueError, subprocess.SubprocessError):
        return None
    from .gil import free_threaded_build

    return PythonInfo(
        executable or path,
        (int(version[0]), int(version[1]), int(version[2])),
        str(implementation),
        free_threaded_build(gil_disabled),
        source,
    )


def candidates(environ: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """(path, source) of every executable that may be a Python, in the order looked at."""
    env = os.environ if environ is None else environ
    found: list[tuple[str, str]] = []
    names = ["python3"] + [f"python3.{m}{t}" for m in _MINORS for t in ("", "t")]
    for name in names:
        path = shutil.which(name, path=env.get("PATH"))
        if path and os.sep + "shims" + os.sep not in path:  # pyenv's: its versions come next
            found.append((path, "PATH"))
    home = os.path.expanduser("~")
    pyenv = env.get("PYENV_ROOT") or os.path.join(home, ".pyenv")
    for path in sorted(glob.glob(os.path.join(pyenv, "versions", "*", "bin", "python3*"))):
        if _looks_like_python(path):
            found.append((path, "pyenv"))
    uv = env.get("UV_PYTHON_INSTALL_DIR") or os.path.join(home, ".local", "share", "uv", "python")
    for path in sorted(glob.glob(os.path.join(uv, "*", "bin", "python3*"))):
        if _looks_like_python(path):
            found.append((path, "uv"))
    for path in filter(None, env.get(EXTRA_ENV, "").split(os.pathsep)):
        found.append((path, "given"))
    return found


def _looks_like_python(path: str) -> bool:
    """python3, python3.12, python3.13t; not python3-config or python3.12-gdb.py."""
    name = os.path.basename(path)
    tail = name[len("python3") :]
    return os.access(path, os.X_OK) and (tail == "" or tail.lstrip(".").rstrip("t").isdigit())


def discover(environ: dict[str, str] | None = None) -> list[PythonInfo]:
    """Every usable interpreter found, this one first, each once (by its real path)."""
    here = this_python()
    out, seen = [here], {os.path.realpath(here.path)}
    for path, source in candidates(environ):
        real = os.path.realpath(path)
        if real in seen:
            continue
        seen.add(real)
        info = probe(path, source)
        if info is None or not info.usable:
            continue
        if os.path.realpath(info.path) in seen and info.path != path:
            continue
        seen.add(os.path.realpath(info.path))
        out.append(info)
    return out


def resolve(spec: str, found: Sequence[PythonInfo] | None = None) -> PythonInfo:
    """The interpreter ``spec`` names: a path, or a version such as ``3.12`` or ``3.13t``
    (the newest found of it). Raises :class:`PythonNotFound` saying what is wrong."""
    text = spec.strip()
    if not text:
        raise PythonNotFound("--python needs a path or a version such as 3.12")
    if os.sep in text or os.path.exists(text):
        info = probe(text)
        if info is None:
            raise PythonNotFound(f"--python {text!r}: not a Python interpreter that runs")
        _check_usable(info, text)
        return info
    _check_version_text(text)
    pool = discover() if found is None else found
    matches = [info for info in pool if _matches(info, text)]
    if not matches:
        have = ", ".join(sorted({info.short for info in pool})) or "none"
        raise PythonNotFound(
            f"--python {text!r}: no such Python found (looked on PATH, in pyenv, in uv and in "
            f"${EXTRA_ENV}; found: {have}); give a version such as 3.12 or a path"
        )
    return max(matches, key=lambda info: info.version)


def _check_version_text(text: str) -> None:
    """A version that is no version, or one older than the lab supports, said as such."""
    parts = text.rstrip("t").split(".")
    if not all(part.isdigit() for part in parts) or len(parts) not in (2, 3):
        raise PythonNotFound(
            f"--python {text!r}: give a path to an interpreter or a version such as 3.12, "
            "3.13.0 or 3.13t"
        )
    if tuple(int(part) for part in parts[:2]) < MINIMUM:
        need = ".".join(map(str, MINIMUM))
        raise PythonNotFound(f"--python {text!r}: the lab needs Python {need} or newer")


def _matches(info: PythonInfo, text: str) -> bool:
    wanted_free = text.endswith("t")
    version = text.rstrip("t")
    full = ".".join(map(str, info.version))
    same = version in (info.short.rstrip("t"), full)
    return same and info.free_threaded == wanted_free


def _check_usable(info: PythonInfo, text: str) -> None:
    if info.implementation != "cpython":
        raise PythonNotFound(f"--python {text!r}: {info.implementation} is not supported (CPython)")
    if info.version[:2] < MINIMUM:
        need = ".".join(map(str, MINIMUM))
        raise PythonNotFound(
            f"--python {text!r} is Python {'.'.join(map(str, info.version))}; the lab needs "
            f"{need} or newer"
        )


def newest_by_family(found: Iterable[PythonInfo]) -> dict[str, PythonInfo]:
    """The newest interpreter of each "3.12" / "3.13t" family."""
    out: dict[str, PythonInfo] = {}
    for info in found:
        best = out.get(info.short)
        if best is None or info.version > best.version:
            out[info.short] = info
    return out
