"""The run host under another Python interpreter: launched, and its side of the pipes.

multiprocessing's spawn cannot start the host under another interpreter safely: it hands the
child this process's ``sys.path`` (whose site-packages hold extension modules built for this
Python: psutil, NumPy, PySide6) and its resource tracker (whose protocol is not promised across
versions). So the host is started as a plain subprocess, ``python -I -c ...``: isolated (no
user site, no ``PYTHON*`` variables), with only a copy of the Qt-free packages on its path
(``engine_source``), so it runs on that interpreter's standard library alone. The two pipes are
``multiprocessing.connection.Connection`` ends on inherited descriptors: the same messages as a
spawned host (protocol.py), pickled the same way, readable by every Python 3.11+.

The frozen app ships the ``.py`` files of these packages (build_spec.py collects
``desktop_app`` as source, ``module_collection_mode``), which is what is copied from.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from ..pythons import child_environment
from ..start_method import terminal_signals_blocked

# What a run host imports (and all its children): the Qt-free packages of the app, nothing else.
# (experiments: a user's file is loaded by path there, so ``bench --python`` works too.)
QT_FREE = (
    "__init__.py",
    "engine",
    "scenarios",
    "experiments",
    "workloads.py",
    "lesson_workers.py",
)
PACKAGE = Path(__file__).resolve().parents[2]  # .../desktop_app
_BOOT = (
    "import sys; sys.path.insert(0, {root!r}); "
    "from desktop_app.engine.host.foreign import child_main; child_main()"
)


class ForeignProcess:
    """A subprocess with the few ``multiprocessing.Process`` calls the run host client makes."""

    def __init__(self, popen: subprocess.Popen) -> None:
        self._popen = popen

    @property
    def pid(self) -> int:
        return self._popen.pid

    @property
    def exitcode(self) -> int | None:
        return self._popen.poll()  # negative: killed by that signal, as multiprocessing says

    def is_alive(self) -> bool:
        return self._popen.poll() is None

    def join(self, timeout: float | None = None) -> None:
        try:
            self._popen.wait(timeout)
        except subprocess.TimeoutExpired:
            pass


def _source_files(package: Path) -> list[Path]:
    files: list[Path] = []
    for name in QT_FREE:
        path = package / name
        files.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    missing = [path for path in files if not path.is_file()]
    if missing or not files:
        raise FileNotFoundError(
            f"the engine's source files are missing ({missing[0] if missing else package}): "
            "another interpreter needs the .py files of the Qt-free packages"
        )
    return files


def engine_source(package: Path = PACKAGE, cache: Path | None = None) -> Path:
    """A folder holding ``desktop_app/`` with the Qt-free packages' ``.py`` files only.

    Kept under the temporary folder, one per content (path, size, mtime of every file), so a
    second host reuses it and an edited source tree gets a fresh copy; made under another name
    and renamed into place, so two processes never see a half-made copy.
    """
    files = _source_files(package)
    digest = hashlib.sha256()
    for path in files:
        stat = path.stat()
        digest.update(f"{path.relative_to(package)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    base = cache or Path(tempfile.gettempdir()) / f"concurrency-lab-engine-{_user()}"
    root = base / digest.hexdigest()[:16]
    if (root / "desktop_app" / "__init__.py").is_file():
        return root
    base.mkdir(parents=True, exist_ok=True)
    making = Path(tempfile.mkdtemp(prefix="making-", dir=base))
    for path in files:
        target = making / "desktop_app" / path.relative_to(package)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    try:
        os.rename(making, root)
    except OSError:  # another process made it first
        shutil.rmtree(making, ignore_errors=True)
    return root


def _user() -> str:
    getuid = getattr(os, "getuid", None)
    return str(getuid()) if getuid is not None else os.environ.get("USERNAME", "user")


def launch(python: str, nice: int = 0) -> tuple[ForeignProcess, Any, Any]:
    """Start a run host under ``python``: (process, requests end, events end)."""
    root = engine_source()
    host_reads, we_write = os.pipe()
    we_read, host_writes = os.pipe()
    args = [python, "-I", "-c", _BOOT.format(root=str(root)), str(host_reads), str(host_writes)]
    try:
        with terminal_signals_blocked():  # the host ignores the terminal's Ctrl-C, as spawned
            popen = subprocess.Popen(
                [*args, str(nice)],
                pass_fds=(host_reads, host_writes),
                stdin=subprocess.DEVNULL,
                env=child_environment(),  # a frozen app's library path is not for it
            )
    except BaseException:
        for fd in (we_write, we_read):
            os.close(fd)
        raise
    finally:
        os.close(host_reads)
        os.close(host_writes)
    requests = Connection(we_write, readable=False)
    events = Connection(we_read, writable=False)
    return ForeignProcess(popen), requests, events


def child_main() -> None:
    """The host's entry under the other interpreter: argv holds the two descriptors and nice."""
    from .server import serve

    reads, writes, nice = (int(arg) for arg in sys.argv[1:4])
    serve(Connection(reads, writable=False), Connection(writes, readable=False), nice)
