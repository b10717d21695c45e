"""The bounds the user may ask for, in one Qt-free place: pool size and repeats.

The CLI, the window (spin boxes, the sizes field, saved settings) and the engine all read them
here, so a bound changes once and every message names the same range. Nothing is imported: the
CLI reads this before it decides whether to load the engine at all.
"""

from __future__ import annotations

from typing import Any

MIN_POOL_SIZE = 1
MAX_POOL_SIZE = 64  # past this the 2-core lessons show nothing new, and the OS limits bite
MIN_REPEATS = 1
MAX_REPEATS = 50


class PoolSizeError(ValueError):
    """A pool size outside MIN_POOL_SIZE..MAX_POOL_SIZE (one line, for humans)."""


class RepeatsError(ValueError):
    """A repeat count outside MIN_REPEATS..MAX_REPEATS (one line, for humans)."""


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_pool_size(value: Any) -> bool:
    return _whole(value) and MIN_POOL_SIZE <= value <= MAX_POOL_SIZE


def is_repeats(value: Any) -> bool:
    return _whole(value) and MIN_REPEATS <= value <= MAX_REPEATS


POOL_SIZE_RANGE = f"{MIN_POOL_SIZE} to {MAX_POOL_SIZE}"
REPEATS_RANGE = f"{MIN_REPEATS} to {MAX_REPEATS}"


def check_pool_size(size: Any) -> int:
    """``size`` if it is a whole number in range, else :class:`PoolSizeError` saying why."""
    if not _whole(size):
        raise PoolSizeError(f"pool size must be a whole number, got {size!r}")
    if not is_pool_size(size):
        raise PoolSizeError(
            f"pool size must be between {MIN_POOL_SIZE} and {MAX_POOL_SIZE}, got {size}"
        )
    return int(size)


def check_repeats(repeats: Any) -> int:
    """``repeats`` if it is a whole number in range, else :class:`RepeatsError` saying why."""
    if not is_repeats(repeats):
        raise RepeatsError(f"repeats must be a whole number from {REPEATS_RANGE}, got {repeats!r}")
    return int(repeats)


def clamp_repeats(repeats: int) -> int:
    return max(MIN_REPEATS, min(int(repeats), MAX_REPEATS))
