"""What a measurement's tasks waited for when off a CPU: a label the timeline's legend and
hover use. Apart from timeline_spans.py because the run feed needs it at the window's import,
and that module's numpy must wait for the first run (see test_history_autosave).
"""

from __future__ import annotations

from ...engine.executors import UnknownKindError, executor_class


def waiting_for(backend: str, bound: str) -> str:
    """What a measurement's tasks waited for when not on a CPU, as far as the lesson knows."""
    if bound == "io":
        return "waiting for I/O"
    try:
        kind = executor_class(backend)
    except UnknownKindError:
        return "waiting"
    if kind.workers == "threads" and kind.fixed_size != 1:
        return "waiting for the GIL (the threads take turns)"
    return "waiting for a core (other programs had it)"
