"""The four kinds of executor, by name."""

from __future__ import annotations

from .base import Executor, MapHooks, MapOutcome, PoolSizeError, check_pool_size, default_chunksize
from .inline import SerialExecutor, ThreadExecutor
from .mp_pool import PoolExecutor
from .processes import ProcessExecutor

EXECUTOR_KINDS: dict[str, type[Executor]] = {
    "serial": SerialExecutor,
    "threads": ThreadExecutor,
    "processes": ProcessExecutor,
    "pool": PoolExecutor,
}


def make_executor(kind: str, pool_size: int, nice: int = 0) -> Executor:
    try:
        cls = EXECUTOR_KINDS[kind]
    except KeyError:
        raise ValueError(
            f"unknown executor {kind!r}; choose from {', '.join(EXECUTOR_KINDS)}"
        ) from None
    if cls in (ProcessExecutor, PoolExecutor):
        return cls(pool_size, nice=nice)
    return cls(pool_size)


__all__ = [
    "EXECUTOR_KINDS",
    "Executor",
    "MapHooks",
    "MapOutcome",
    "PoolSizeError",
    "check_pool_size",
    "default_chunksize",
    "make_executor",
]
