"""Which run a view shows, in one line: lesson, parameters, pool sizes, repeats and time.

Qt-free so the window, the output's and the errors' run headers, and the tests all name a run
the same way.
"""

from __future__ import annotations

import time
from typing import Any


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def run_caption(
    title: str,
    params: dict[str, Any],
    pool_sizes: tuple[int, ...] | None,
    repeats: int,
    started: float,
) -> str:
    """``"Pool timing · n=10, workload=square · pool sizes 2, 4, 8 · 07:12:05"``.

    ``pool_sizes`` None: the lesson ignores the pool size, so it is not named.
    """
    parts = [title]
    if params:
        parts.append(", ".join(f"{name}={_value(v)}" for name, v in params.items()))
    if pool_sizes:
        label = "pool sizes" if len(pool_sizes) > 1 else "pool size"
        parts.append(f"{label} {', '.join(map(str, pool_sizes))}")
    if repeats > 1:
        parts.append(f"{repeats} repeats")
    parts.append(time.strftime("%H:%M:%S", time.localtime(started)))
    return " · ".join(parts)
