"""What runs inside a lesson's own workers: a future's job and a ``Process``'s target.

Split from ``_worker.py`` (the pool workers' chunk runner), which these share the stdout
capture, the worker board and the exception-as-strings rule with. Child processes import it:
no Qt, cheap to import.
"""

from __future__ import annotations

import os
import pickle
import time
from collections.abc import Callable
from typing import Any

from ._worker import (
    SLOT_STRIDE,
    _begin_capture,
    _end_capture,
    _local,
    describe_exception,
    install_stdout_capture,
    name_of,
)
from .parent_watch import exit_with_parent

# --- a lesson's own futures ----------------------------------------------------------------


class TaskFailed(Exception):
    """A job's exception as it leaves a worker: strings only, so it always pickles and unpickles.

    ``future.result()`` raises it in the parent as the lesson expects; ``args`` carry the
    original type name, message and traceback, and the job's pid, start, end and output.
    """

    def __str__(self) -> str:
        return f"{self.args[0]}: {self.args[1]}"


def future_entry(task: int, func: Callable[..., Any], args: tuple) -> tuple:
    """What a lesson's ``executor.submit(func, *args)`` really runs in a process worker.

    Returns (pid, start, end, output, result); raises :class:`TaskFailed` for an exception
    or a result that cannot be pickled. Marks the worker board, so a death names the task.
    """
    board, base = _local.board, SLOT_STRIDE * _local.slot
    _begin_capture()
    start = time.perf_counter()
    board[base + 2], board[base + 1] = start, task
    error: tuple[str, str, str] | None = None
    result: Any = None
    try:
        result = func(*args)
    except BaseException as exc:
        error = describe_exception(exc)
    finally:
        board[base + 1] = -1
    end = time.perf_counter()
    output = _end_capture()
    if error is None:
        try:
            pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:
            name, message, text = describe_exception(exc)
            error = (name, f"result of {name_of(func)} cannot be pickled: {message}", text)
    if error is not None:
        raise TaskFailed(*error, os.getpid(), start, end, output)
    return os.getpid(), start, end, output, result


# --- a lesson's own Process ----------------------------------------------------------------


def process_entry(conn: Any, func: Callable[..., Any], args: tuple) -> None:
    """Target of a lesson's ``Process``: runs ``func(*args)`` and reports back on ``conn``.

    What comes back: pid, start, end, ok, captured output, the error as strings, the result.
    The parent-death watch runs here too, so a lesson's children never outlive the app.
    """
    exit_with_parent()
    install_stdout_capture()
    _begin_capture()
    error: tuple[str, str, str] | None = None
    result: Any = None
    start = time.perf_counter()
    try:
        result = func(*args)
    except BaseException as exc:
        error = describe_exception(exc)
    end = time.perf_counter()
    output = _end_capture()
    try:
        pickle.dumps(result)
    except Exception:
        result = repr(result)
    conn.send((os.getpid(), start, end, error is None, output, error, result))
    conn.close()


def run_captured(
    func: Callable[..., Any], args: tuple
) -> tuple[float, float, str, Any, BaseException | None]:
    """Run ``func(*args)`` in this thread, capturing its prints: start, end, output, result, error."""
    install_stdout_capture()
    _begin_capture()
    result: Any = None
    error: BaseException | None = None
    start = time.perf_counter()
    try:
        result = func(*args)
    except BaseException as exc:  # reported by the caller with its own traceback
        error = exc
    end = time.perf_counter()
    return start, end, _end_capture(), result, error
