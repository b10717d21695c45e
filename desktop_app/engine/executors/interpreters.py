"""The ``interpreters`` kind: ``concurrent.futures.InterpreterPoolExecutor`` (Python 3.14+).

Each worker is a subinterpreter of this process with its own GIL, so pure-Python work runs on
several cores without starting processes. What crosses into a subinterpreter is pickled, so
its limits are those of processes and one more: lambdas and unpicklable arguments cannot be
sent, and an extension module that does not support subinterpreters (NumPy) fails to import
there. Each becomes an error record of its task, never a crash.

On an older Python the kind stays registered but reports itself unavailable, with the reason,
as one :class:`PoolStartError` record when a run asks for it.
"""

from __future__ import annotations

import concurrent.futures
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from types import ModuleType
from typing import Any

from .._worker import run_chunk_pickled
from ..records import ErrorRecord
from ._refusals import PoolStartError
from .base import ACCEPTS_PICKLABLE, Executor

NEEDED = (3, 14)


def unavailable_reason(
    version: Sequence[int] | None = None, futures: ModuleType | None = None
) -> str | None:
    """Why this Python cannot run the kind, in one line, or None when it can.

    ``version`` and ``futures`` default to this interpreter's ``sys.version_info`` and
    ``concurrent.futures``; they are parameters so the decision is testable on any Python.
    """
    version = tuple(sys.version_info[:3] if version is None else version[:3])
    futures = concurrent.futures if futures is None else futures
    this = ".".join(str(part) for part in version)
    if tuple(version[:2]) < NEEDED:
        return f"needs Python {NEEDED[0]}.{NEEDED[1]} or newer; this is {this}"
    if not hasattr(futures, "InterpreterPoolExecutor"):
        return f"this Python {this} has no concurrent.futures.InterpreterPoolExecutor"
    return None


class InterpreterExecutor(Executor):
    """A pool of subinterpreters; a cancel drops queued chunks (a running task cannot be killed)."""

    kind = "interpreters"
    label = "subinterpreters, one GIL each (InterpreterPoolExecutor, Python 3.14+)"
    origin = "interpreter"
    workers, accepts = "interpreters", ACCEPTS_PICKLABLE

    def __init__(self, pool_size: int, nice: int = 0) -> None:
        super().__init__(pool_size, nice)
        self._pool: Any = None

    @classmethod
    def unavailable(cls) -> str | None:
        """Why this kind cannot run on this Python (None when it can)."""
        return unavailable_reason()

    def _start(self) -> None:
        reason = self.unavailable()
        if reason is not None:
            message = f"the {self.kind} executor is unavailable: {reason}"
            record = ErrorRecord(self.origin, "PoolStartError", message, "", context=self.context)
            raise PoolStartError(record)
        pool_class = concurrent.futures.InterpreterPoolExecutor  # type: ignore[attr-defined]
        self._pool = pool_class(max_workers=self.pool_size)
        # Start every interpreter now: start-up is measured apart from the work.
        for future in [self._pool.submit(int, 0) for _ in range(self.pool_size)]:
            future.result()

    def _submit(self, func: Callable[[Any], Any], first: int, items: Sequence[Any]) -> Future:
        assert self._pool is not None
        return self._pool.submit(run_chunk_pickled, func, first, items)

    def _abort(self) -> None:
        self.broken = True
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)

    def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=not self.broken, cancel_futures=True)
            self._pool = None
