"""Loading a user's experiment in any process, and saying exactly what is wrong with it.

Every failure is an :class:`ExperimentError` whose message names the file and, where there is
one, the line: a syntax error, an import that raises, a missing task function, inputs that are
not iterable, a file that is gone or unreadable. The window never calls :func:`load_module`
(user code runs only in the run host and its workers); it reads the file with :func:`describe`,
which parses and never executes.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import os
import re
import sys
import threading
import traceback
import types
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

DEFAULT_FUNCTION = "task"
MAX_INPUTS = 1_000_000
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_DOTTED = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


class ExperimentError(Exception):
    """What is wrong with an experiment, in one line naming the file and line."""

    def __init__(self, message: str, *, detail: str = "", line: int | None = None) -> None:
        super().__init__(message)
        self.detail = detail  # the user's traceback, when their code raised
        self.line = line


@dataclass(frozen=True)
class Target:
    """Where the task lives: a file (``kind="path"``, absolute) or an importable module."""

    kind: str  # "path" | "module"
    location: str
    function: str = DEFAULT_FUNCTION
    folder: str = ""  # put on sys.path in every process that loads it

    @property
    def name(self) -> str:
        """Short, for ids and titles: ``bench.py:task`` or ``package.module:task``."""
        base = os.path.basename(self.location) if self.kind == "path" else self.location
        return f"{base}:{self.function}"

    @property
    def file_label(self) -> str:
        return self.location if self.kind == "path" else f"module {self.location}"


def parse_target(text: str, cwd: str | None = None) -> Target:
    """``PATH[:FUNCTION]`` or ``module:function`` into a :class:`Target` (not yet loaded)."""
    cwd = cwd or os.getcwd()
    spec, function = text.strip(), DEFAULT_FUNCTION
    head, sep, tail = spec.rpartition(":")
    if sep and head and _IDENTIFIER.match(tail) and not (len(head) == 1 and head.isalpha()):
        spec, function = head, tail  # not "C:" of a Windows path
    if not spec:
        raise ExperimentError("no experiment given: use PATH[:FUNCTION] or module:function")
    looks_like_path = spec.endswith(".py") or os.sep in spec or "/" in spec
    path = os.path.abspath(os.path.join(cwd, os.path.expanduser(spec)))
    if looks_like_path or os.path.exists(path):
        return Target("path", path, function, os.path.dirname(path))
    if _DOTTED.match(spec):
        return Target("module", spec, function, cwd)
    raise ExperimentError(f"{spec!r} is neither a .py file nor an importable module name")


# --- loading (run host and workers only) -----------------------------------------------------

# A version of a file: (inode, mtime, ctime, size). The inode changes when an editor saves by
# renaming a new file over the old, even within one tick of the file system's coarse clock.
Stamp = tuple[int, int, int, int]
_LOADED: dict[str, tuple[Stamp, types.ModuleType]] = {}
_SET_UP_FLAG = "__lab_setup_done__"
_lock = threading.RLock()


def module_name(path: str) -> str:
    """The private name a file is imported under: the same in every process (so objects of
    its classes pickle between them), never a name the standard library or the user's own
    imports could mean."""
    stem = re.sub(r"\W", "_", os.path.splitext(os.path.basename(path))[0])
    # crc32, not hashlib: the frozen app ships no OpenSSL, and zlib it always has
    digest = zlib.crc32(path.encode("utf-8", "surrogatepass"))
    return f"_lab_experiment_{stem}_{digest:08x}"


def _on_path(folder: str) -> None:
    if folder and folder not in sys.path:
        sys.path.insert(0, folder)


def load_module(target: Target) -> types.ModuleType:
    """The target's module, imported once per version of the file (see ``Stamp``)."""
    with _lock:
        _on_path(target.folder)
        if target.kind == "module":
            return _import_module(target)
        cached = _LOADED.get(target.location)
        if cached is not None and cached[0] == _stamp(target.location):
            return cached[1]  # every chunk a worker unpickles asks: a stat, not a read
        stamp, source = _read(target.location)
        module = _execute(target.location, source)
        _LOADED[target.location] = (stamp, module)
        return module


def _version(info: os.stat_result) -> Stamp:
    return info.st_ino, info.st_mtime_ns, info.st_ctime_ns, info.st_size


def _stamp(path: str) -> Stamp | None:
    try:
        return _version(os.stat(path))
    except OSError:
        return None  # gone or unreadable: _read says which


def _read(path: str) -> tuple[Stamp, bytes]:
    try:
        with open(path, "rb") as handle:
            return _version(os.fstat(handle.fileno())), handle.read()
    except FileNotFoundError:
        raise ExperimentError(f"{path}: the file is gone (deleted, moved or renamed)") from None
    except IsADirectoryError:
        raise ExperimentError(f"{path}: is a folder, not a .py file") from None
    except OSError as exc:
        raise ExperimentError(f"{path}: cannot be read: {exc.strerror or exc}") from None


def _execute(path: str, source: bytes) -> types.ModuleType:
    try:
        code = compile(source, path, "exec", dont_inherit=True)
    except SyntaxError as exc:  # the detail shows the line and where in it, as Python does
        raise ExperimentError(
            f"{path}, line {exc.lineno}: syntax error: {exc.msg}",
            detail="".join(traceback.format_exception_only(exc)),
            line=exc.lineno,
        ) from None
    except ValueError as exc:  # null bytes
        raise ExperimentError(f"{path}: is not Python source: {exc}") from None
    name = module_name(path)
    module = types.ModuleType(name)
    module.__file__ = path
    module.__spec__ = importlib.util.spec_from_file_location(name, path)
    previous = sys.modules.get(name)
    sys.modules[name] = module  # a dataclass or a pickled class looks itself up there
    try:
        exec(code, module.__dict__)
    except BaseException as exc:
        if previous is not None:
            sys.modules[name] = previous
        else:
            sys.modules.pop(name, None)
        raise user_error(exc, path, "importing it raised") from None
    return module


def _import_module(target: Target) -> types.ModuleType:
    try:
        return importlib.import_module(target.location)
    except ModuleNotFoundError as exc:
        if exc.name and target.location.startswith(exc.name):
            raise ExperimentError(
                f"module {target.location}: not found (not a file here and not importable "
                f"from {target.folder})"
            ) from None
        raise user_error(exc, "", f"module {target.location}: importing it raised") from None
    except SyntaxError as exc:
        raise ExperimentError(
            f"{exc.filename}, line {exc.lineno}: syntax error: {exc.msg}", line=exc.lineno
        ) from None
    except BaseException as exc:
        raise user_error(exc, "", f"module {target.location}: importing it raised") from None


def user_error(exc: BaseException, path: str, doing: str) -> ExperimentError:
    """An exception the user's code raised, as one line naming the deepest line of ``path``
    it passed through (or of any file, for a module), with the traceback kept as detail."""
    frames = traceback.extract_tb(exc.__traceback__)
    mine = [frame for frame in frames if not path or frame.filename == path]
    where = mine[-1] if mine else None
    place = f"{where.filename}, line {where.lineno}" if where else (path or "the experiment")
    text = "".join(traceback.format_exception(type(exc), exc, _from_user_code(exc.__traceback__)))
    return ExperimentError(
        f"{place}: {doing} {type(exc).__name__}: {exc}",
        detail=text,
        line=where.lineno if where else None,
    )


_LAB = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _from_user_code(tb: types.TracebackType | None) -> types.TracebackType | None:
    """The traceback from its first frame outside the lab and importlib: what the user wrote."""
    first = tb
    while first is not None:
        name = first.tb_frame.f_code.co_filename
        if not (name.startswith(_LAB + os.sep) or name.startswith("<frozen importlib")):
            return first
        first = first.tb_next
    return tb


def resolve_function(target: Target, module: types.ModuleType) -> Callable[[Any], Any]:
    """The task function, or an error listing the functions the file does have."""
    func = getattr(module, target.function, None)
    if func is None:
        found = sorted(
            name
            for name, value in vars(module).items()
            if inspect.isfunction(value) and getattr(value, "__module__", "") == module.__name__
        )
        have = ", ".join(found) if found else "none"
        raise ExperimentError(
            f"{target.file_label}: no function named {target.function!r} (define "
            f"'def {target.function}(x):' or name one with :FUNCTION; functions it has: {have})"
        )
    if not callable(func):
        line = _line_of(module, target.function)
        raise ExperimentError(
            f"{target.file_label}{_at(line)}: {target.function} is a "
            f"{type(func).__name__}, not a function",
            line=line,
        )
    return func


def _at(line: int | None) -> str:
    return f", line {line}" if line else ""


def _line_of(module: types.ModuleType, name: str) -> int | None:
    """The line where ``name`` is first bound at the top of the module's file."""
    path = getattr(module, "__file__", None)
    try:
        with open(path or "", encoding="utf-8") as handle:
            tree = ast.parse(handle.read())
    except (OSError, SyntaxError, ValueError):
        return None
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            if node.name == name:
                return node.lineno
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                return node.lineno
    return None


def run_setup(module: types.ModuleType) -> None:
    """The file's ``setup()``, once per process and version of the file (threads share it)."""
    setup = getattr(module, "setup", None)
    if not callable(setup) or vars(module).get(_SET_UP_FLAG):
        return
    with _lock:
        if vars(module).get(_SET_UP_FLAG):
            return
        setup()
        setattr(module, _SET_UP_FLAG, True)


def load_task(target: Target) -> Callable[[Any], Any]:
    """Module loaded, ``setup()`` run, the task function: what a worker calls."""
    module = load_module(target)
    func = resolve_function(target, module)
    run_setup(module)
    return func
