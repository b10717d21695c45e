"""The registry of executor kinds: one line per kind, each kind one module.

As in CPython's ``concurrent/futures/__init__.py``, a kind's module is imported only when the
kind is first used, so a kind that needs a heavy library (Dask) costs nothing until chosen.
Everything about a kind (its error origin, fixed size, what it accepts, what it costs in files
and tasks) is declared on its :class:`Executor` subclass; the CLI's choices, the error console's
origins, the smoke test and the tests' kind lists all derive from here.

Adding a kind (asyncio, interpreters, dask) is ``<name>.py`` with one ``Executor`` subclass and
its line in ``_KINDS`` below. The subclass sets the class attributes (``kind``, ``label``,
``origin``, ``workers``, and where they differ from the defaults ``fixed_size``, ``accepts``,
``files_per_worker``, ``tasks_per_worker``) and provides ``_start`` (start every worker, raise
if it cannot: the base class releases what was started and names a refused limit),
``_submit(func, first, items) -> Future`` of a ``ChunkResult`` (``_worker.run_chunk`` or its
pickled form does the per-task timing and error capture), ``_abort`` and ``shutdown``; and, to
be watched like the others, ``_running`` and ``_dead_workers``. The dispatch loop, cancel,
timeout, spans and error records then come from ``base.py`` unchanged. A kind whose library is
heavy (dask) imports it inside ``_start``, so listing the kinds stays cheap.
"""

from __future__ import annotations

import importlib

from .base import (
    ACCEPTS_ANY,
    ACCEPTS_PICKLABLE,
    Executor,
    MapHooks,
    MapOutcome,
    PoolSizeError,
    PoolStartError,
    check_pool_size,
    default_chunksize,
)

# name -> "module:Class", in the order the lessons introduce them.
_KINDS: dict[str, str] = {
    "serial": "inline:SerialExecutor",
    "threads": "inline:ThreadExecutor",
    "processes": "processes:ProcessExecutor",
    "pool": "mp_pool:PoolExecutor",
    "asyncio": "asyncio_kind:AsyncioExecutor",
    "interpreters": "interpreters:InterpreterExecutor",
    "dask": "dask_kind:DaskExecutor",
}


class UnknownKindError(ValueError):
    """A kind name the registry does not have; the message lists the ones it has."""


def kind_names() -> tuple[str, ...]:
    """Every registered kind, without importing any of them."""
    return tuple(_KINDS)


def executor_class(kind: str) -> type[Executor]:
    """The class of ``kind``, importing its module on first use."""
    try:
        module, _, name = _KINDS[kind].partition(":")
    except KeyError:
        raise UnknownKindError(
            f"unknown executor {kind!r}; choose from {', '.join(_KINDS)}"
        ) from None
    cls = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    if cls.kind != kind:
        raise TypeError(f"{cls.__qualname__}.kind is {cls.kind!r}, registered as {kind!r}")
    return cls


def all_kinds() -> list[type[Executor]]:
    """Every kind's class, in registry order (imports them all)."""
    return [executor_class(kind) for kind in _KINDS]


def error_origins() -> tuple[str, ...]:
    """Every origin an error record can carry, in first-seen registry order."""
    origins: dict[str, None] = {}
    for cls in all_kinds():
        origins.update(dict.fromkeys((cls.origin, *cls.other_origins)))
    return tuple(origins)


def effective_size(kind: str, pool_size: int) -> int:
    """The size a pool of ``kind`` really has when ``pool_size`` is asked (serial: always 1)."""
    return executor_class(kind).fixed_size or pool_size


def make_executor(kind: str, pool_size: int, nice: int = 0) -> Executor:
    return executor_class(kind)(pool_size, nice=nice)


__all__ = [
    "ACCEPTS_ANY",
    "ACCEPTS_PICKLABLE",
    "Executor",
    "MapHooks",
    "MapOutcome",
    "PoolSizeError",
    "PoolStartError",
    "UnknownKindError",
    "all_kinds",
    "check_pool_size",
    "default_chunksize",
    "effective_size",
    "error_origins",
    "executor_class",
    "kind_names",
    "make_executor",
]
