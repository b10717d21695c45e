"""``run --executor KIND`` and ``run --scheduler ADDRESS``: where a map lesson's map runs.

``--executor dask`` is the lesson's ``executor`` parameter (``--set executor=dask`` says the
same); ``--scheduler tcp://host:port`` points the ``dask`` kind at a running cluster instead of
the lab's own LocalCluster. A lesson about local primitives has no such parameter, and the
error says why it cannot run on a cluster.
"""

from __future__ import annotations

import argparse
from typing import Any

# Lessons whose point is a primitive of one machine: why they cannot run on a Dask cluster.
LOCAL_ONLY = {
    "sharing-data": "its Value, Array, Queue, Pipe and Manager live in one machine's memory",
    "producer-consumer": "its queue and threads share one process's memory",
    "process-start-join": "it starts and joins its own Process objects on this machine",
    "exceptions": "it shows how this machine's threads and processes report their exceptions",
    "thread-pool-factorial": "it is about the threads of one process",
}


def add_cluster_options(run: argparse.ArgumentParser) -> None:
    run.add_argument(
        "--executor",
        metavar="KIND",
        help="where a map lesson's map runs: its own pool (default) or 'dask' (a Dask "
        "cluster); same as --set executor=KIND",
    )
    run.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="with --executor dask: a running Dask scheduler (tcp://HOST:PORT) instead of "
        "the lab's own local cluster",
    )


def apply_cluster_options(
    args: argparse.Namespace, scenario: Any, params: dict[str, Any]
) -> tuple[dict[str, Any], str | None]:
    """The params with ``--executor`` applied, and the scheduler address (None: not given);
    ValueError with a one-line reason for what cannot be."""
    executor = getattr(args, "executor", None)
    param = next((p for p in scenario.params if p.name == "executor"), None)
    if executor is not None:
        if param is None:
            why = LOCAL_ONLY.get(scenario.id, "it is not a map over a pool")
            raise ValueError(f"{scenario.id} runs on this machine only ({why}): no --executor")
        params = {**params, "executor": param.validate(executor.strip())}
    scheduler = getattr(args, "scheduler", None)
    if scheduler is None:
        return params, None
    if params.get("executor") != "dask":
        raise ValueError("--scheduler only matters with --executor dask")
    from ..engine.executors._dask_cluster import check_address

    return params, check_address(scheduler)
