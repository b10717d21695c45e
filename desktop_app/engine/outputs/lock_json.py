"""The report's ``runs[].locks`` (docs/report-format.md): a :class:`LockLog` as plain data
and back, times in seconds since the run's start like the tasks'."""

from __future__ import annotations

import math
from typing import Any

from ..lock_events import LockHold, LockLog, LostUpdate
from ..records import worker_label


def log_to_json(log: LockLog, origin: float) -> dict[str, Any]:
    """``log`` as plain data, times in seconds since the run's start (``origin``)."""
    return {
        "holds": [
            {
                "lock": hold.lock,
                "worker": worker_label(hold.pid, hold.thread),
                "requested_s": hold.requested - origin,
                "acquired_s": None if math.isnan(hold.acquired) else hold.acquired - origin,
                "released_s": hold.released - origin,
            }
            for hold in log.holds
        ],
        "lost_updates": [
            {
                "worker": worker_label(update.pid, update.thread),
                "read_s": None if math.isnan(update.read) else update.read - origin,
                "write_s": update.write - origin,
                "lost": update.lost,
            }
            for update in log.lost_updates
        ],
        "dropped": log.dropped,
    }


def log_from_json(doc: dict[str, Any]) -> LockLog:
    """``log_to_json``'s output read back (the run's start becomes time 0)."""

    def when(value: float | None) -> float:
        return math.nan if value is None else float(value)

    holds = tuple(
        LockHold(
            str(item["lock"]),
            *_worker_parts(item["worker"]),
            when(item["requested_s"]),
            when(item["acquired_s"]),
            when(item["released_s"]),
        )
        for item in doc.get("holds", [])
    )
    lost = tuple(
        LostUpdate(
            *_worker_parts(item["worker"]),
            when(item["read_s"]),
            when(item["write_s"]),
            int(item["lost"]),
        )
        for item in doc.get("lost_updates", [])
    )
    return LockLog.build(holds, lost, int(doc.get("dropped", 0)))


def _worker_parts(label: str) -> tuple[str, int]:
    """``"pid 12 producer"`` as (thread, pid); the order LockHold and LostUpdate take them."""
    _, pid, *thread = str(label).split(" ", 2)
    return (thread[0] if thread else "MainThread"), int(pid)
