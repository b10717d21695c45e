"""The user's task as the executors see it: a callable that pickles as a path and a name.

A process worker never receives the user's function itself (a lambda, a closure or a function
of a ``__main__`` would not pickle, and pickling by reference would look for a module the worker
does not have). It receives a :class:`UserTask`, which unpickles by loading the file by path
(cached per version of the file); its first call runs ``setup()`` once in that process. The load
happens while the chunk is unpickled, before its inputs: so inputs that are instances of the
file's own classes find their module. A failure there is kept quiet and raised again by the
first call, where the engine turns it into the task's error record with its traceback
(an exception escaping the unpickling would break the whole pool instead).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from .loader import Target, load_module, load_task


class UserTask:
    """``task(x)`` of a :class:`Target`, loaded in whichever process calls it."""

    __slots__ = ("target", "_func")

    def __init__(self, target: Target, func: Callable[[Any], Any] | None = None) -> None:
        self.target = target
        self._func = func

    def __repr__(self) -> str:
        return f"{self.target.function} of {self.target.file_label}"

    def __reduce__(self) -> tuple[Callable[..., UserTask], tuple[Target]]:
        return (_unpickled, (self.target,))

    def __call__(self, item: Any) -> Any:
        func = self._func
        if func is None:
            func = self._func = load_task(self.target)
        value = func(item)
        if inspect.iscoroutine(value):  # an ``async def task``: run it to its end here
            import asyncio  # only then: it costs a worker 20 ms to import

            value = asyncio.run(value)
        return value


def _unpickled(target: Target) -> UserTask:
    """Load the module now (the chunk's inputs may need its classes); ``setup()`` and the
    function wait for the first call, where the engine captures their output and errors."""
    try:
        load_module(target)
    except BaseException:  # the first call raises it again, as this task's own error
        pass
    return UserTask(target)


async def _await_task(target: Target, item: Any) -> Any:
    return await load_task(target)(item)


def task_for(target: Target, kind: str, is_async: bool) -> Callable[[Any], Any]:
    """What ``kind`` maps: an ``async def task`` is awaited on the asyncio kind's loop (a
    coroutine function, as that kind expects), and run to its end by every other kind."""
    if is_async and kind == "asyncio":
        return functools.partial(_await_task, target)
    return UserTask(target)
