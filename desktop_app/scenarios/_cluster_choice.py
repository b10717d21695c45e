"""The choice the map lessons offer: their local process pool, or the workers of a Dask cluster.

A lesson that is a map (``process-pool``, ``pool-timing``, ``io-vs-cpu``'s process series) adds
``executor_param(local)`` to its parameters and measures with ``map_kind(ctx, local)``; the
CLI's ``--executor dask`` and the window's parameter editor both set it. The cluster itself (the
lab's own ``LocalCluster``, or a scheduler address) is a run setting, not a lesson parameter:
``--scheduler`` on the command line, Run ▸ Dask scheduler… in the window.

Lessons about local primitives cannot offer it, and say so in their docstrings: a ``Lock``,
``Pipe``, ``Queue`` or shared ``Value`` lives in one machine's memory and kernel, and a Dask
worker on another host has no way to reach it; they teach what Dask deliberately hides.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import Param

if TYPE_CHECKING:
    from ..engine.context import RunContext

CLUSTER_KIND = "dask"


def executor_param(local: str) -> Param:
    """The ``executor`` parameter: ``local`` (the lesson's own pool kind) or ``dask``."""
    return Param(
        "executor",
        "Map runs on",
        "choice",
        local,
        f"{local}: the lesson's process pool on this machine; dask: the workers of a Dask "
        "cluster (the lab starts a local one, or set a scheduler address), one per pool slot.",
        choices=(local, CLUSTER_KIND),
    )


def map_kind(ctx: RunContext, local: str) -> str:
    """The executor kind this run's map uses (the ``executor`` parameter)."""
    return str(ctx.params.get("executor", local))


def cluster_note(kind: str) -> str | None:
    """Where the run's Dask workers were, for the report's notes (None for a local pool)."""
    if kind != CLUSTER_KIND:
        return None
    from ..engine.executors.dask_kind import current_scheduler

    address = current_scheduler()
    where = (
        f"the Dask cluster at {address}"
        if address
        else "the lab's own Dask LocalCluster on 127.0.0.1 (one worker process per pool slot)"
    )
    return (
        f"The map ran on {where}; scaling the cluster to each pool size is the start-up time, "
        "apart from the map."
    )
