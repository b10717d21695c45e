"""The Dask cluster the ``dask`` kind runs on: the lab's own ``LocalCluster``, or a user's.

One cluster per scheduler address is shared by every ``dask`` executor of this process, so a
pool-size sweep (2, 4, 8) scales one cluster instead of starting three; it is closed when the
last executor lets go of it. The lab tears down only a cluster it started itself: a user's
cluster (``tcp://host:port``) is only connected to, and at most the connection is closed.

``distributed`` is imported here and only when a cluster is first needed, so listing the
executor kinds costs nothing and an install without the ``[cluster]`` extra still works.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import re
import sys
import threading
import time
from typing import Any

from ..start_method import START_METHOD

INSTALL_HINT = 'pip install "concurrency-lab[cluster]"'
# The scheduler a run connects to when nothing else says: "" is the lab's own LocalCluster.
SCHEDULER_ENV = "CONCURRENCY_LAB_DASK_SCHEDULER"
LOGS_ENV = "CONCURRENCY_LAB_DASK_LOGS"
WORKERS_TIMEOUT_S = 60.0  # how long a scale (or a user's cluster) may take to have its workers
USER_WORKERS_WAIT_S = 15.0  # how long a user's cluster may take to have a pool's workers
CONNECT_TIMEOUT_S = 10.0  # how long connecting to a user's scheduler may take
CLOSE_TIMEOUT_S = 5.0
RUNNING_TOPIC = "concurrency-lab-running"  # workers publish the chunk each one starts
_ADDRESS = re.compile(r"^(tcp|tls|inproc|ws|wss)://[^\s/:]+(:\d{1,5})?$")


def unavailable_reason() -> str | None:
    """Why the ``dask`` kind cannot run here (no ``distributed``), or None when it can."""
    if importlib.util.find_spec("distributed") is None:
        if getattr(sys, "frozen", False):  # the packaged app leaves Dask out on purpose
            return (
                "this packaged build leaves out Dask's 'distributed' (docs/packaging.md); run "
                f"the lab from source with its cluster extra: {INSTALL_HINT}"
            )
        return f"the 'distributed' package is not installed; install it with: {INSTALL_HINT}"
    return None


def check_address(address: str) -> str:
    """A scheduler address, normalised (``host:port`` gets ``tcp://``), or ValueError."""
    text = address.strip()
    if not text:
        return ""
    if "://" not in text:
        text = f"tcp://{text}"
    if not _ADDRESS.match(text):
        raise ValueError(
            f"scheduler address {address!r} is not valid: use tcp://HOST:PORT "
            "(as printed by `dask scheduler`), or nothing for the lab's own local cluster"
        )
    return text


def configured_address() -> str:
    """The scheduler address from ``CONCURRENCY_LAB_DASK_SCHEDULER`` ("" when unset)."""
    return check_address(os.environ.get(SCHEDULER_ENV, ""))


class ClusterLink:
    """A client on one cluster, shared by the executors of this process; see the module doc."""

    def __init__(self, address: str) -> None:
        self.address = address  # "" for the lab's own cluster
        self.owned = not address
        self.users = 0
        self.cluster: Any = None
        self.client: Any = None
        self.dirty = False  # a cancelled task may still be running on a worker of ours
        self.scaled_to = 0  # the size the last scale of the lab's own cluster asked for
        self.handlers: dict[str, Any] = {}  # topic -> handler of the executors that listen
        self._lock = threading.Lock()

    @property
    def scheduler(self) -> str:
        return self.client.scheduler.address if self.client is not None else self.address

    def open(self) -> None:
        """Start the lab's LocalCluster (no workers yet) or connect to the user's scheduler."""
        import dask
        from distributed import Client, LocalCluster

        # Workers start with the app's start method (forkserver, else spawn), never fork.
        dask.config.set(
            {
                "distributed.worker.multiprocessing-method": START_METHOD,
            }
        )
        # What goes wrong reaches the error console as records; Dask's own log lines (a worker
        # that joined, the reconnect attempts after a lost scheduler, with their tracebacks)
        # would only be raw noise on the terminal, so only its critical ones are kept.
        # CONCURRENCY_LAB_DASK_LOGS=1 keeps them, to diagnose a cluster that will not start.
        if not os.environ.get(LOGS_ENV):
            _quiet_dask_logs()
        if self.owned:
            self.cluster = LocalCluster(
                n_workers=0,
                processes=True,
                threads_per_worker=1,
                host="127.0.0.1",  # the scheduler listens on this machine only
                dashboard_address=None,  # no dashboard ...
                # ... but the scheduler's small HTTP server (health, metrics) always starts:
                # on a free port of 127.0.0.1, not on 8787, which a user's own Dask may hold.
                scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                silence_logs=40,  # logging.ERROR
            )
            self.client = Client(self.cluster, set_as_default=False)
            from ._dask_worker import ParentWatch

            self.client.register_plugin(ParentWatch(), name=ParentWatch.name)
        else:
            self.client = Client(self.address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
        self.client.subscribe_topic(RUNNING_TOPIC, self._dispatch_event)
        self.client.subscribe_topic("all", self._dispatch_event)

    def _dispatch_event(self, event: Any) -> None:
        for handler in list(self.handlers.values()):
            handler(event)

    def workers(self) -> list[str]:
        """Addresses of the workers the scheduler has now, sorted (host, then port)."""
        return sorted(self.client.scheduler_info(n_workers=-1)["workers"], key=_address_key)

    def scale(self, size: int) -> list[str]:
        """Give the lab's cluster exactly ``size`` workers (and wait for them), or check that
        the user's has at least ``size``; the addresses the executor of that size uses."""
        if self.owned:
            return self._scale_own(size)
        try:  # a user's workers may still be joining: give them a moment
            self.client.wait_for_workers(size, timeout=USER_WORKERS_WAIT_S)
        except Exception:  # TimeoutError (dask's own class): said below with the numbers
            pass
        have = self.workers()
        if len(have) < size:
            raise RuntimeError(
                f"the Dask cluster at {self.address} has {len(have)} worker(s), a pool of "
                f"{size} needs {size}: start more workers (dask worker {self.address}) or "
                "choose a smaller pool size"
            )
        return have[:size]

    def _scale_own(self, size: int) -> list[str]:
        """Scale the lab's LocalCluster to ``size`` workers whose nannies have all started.

        A worker registers with the scheduler a moment before its nanny's start completes; a
        task that kills its worker in that moment (the killed-worker lesson) fails the nanny's
        start for good, and ``LocalCluster`` never replaces a nanny that failed to start. So
        the scale waits for the nannies too, and drops any that failed so it is started anew.
        """
        from distributed.core import Status

        if self.dirty:  # a cancelled task may still run on a worker: restart them all
            self._kill_own_workers()
        for name, nanny in list(self.cluster.workers.items()):
            if nanny.status in (Status.failed, Status.closing, Status.closed):
                self.cluster.workers.pop(name, None)
        self.scaled_to = size
        self.cluster.scale(size)
        self.client.wait_for_workers(size, timeout=WORKERS_TIMEOUT_S)
        deadline = time.monotonic() + WORKERS_TIMEOUT_S
        while time.monotonic() < deadline:
            nannies = list(self.cluster.workers.values())
            workers = self.workers()
            # LocalCluster lists its new nannies only once every one of them has started.
            started = len(nannies) == size and all(n.status == Status.running for n in nannies)
            if started and len(workers) == size:
                return workers
            time.sleep(0.01)  # scaling down: the retired workers are still leaving
        raise RuntimeError(f"the local Dask cluster did not reach {size} workers in time")

    def _kill_own_workers(self) -> None:
        """SIGKILL the lab's workers and wait until the scheduler has dropped them; their
        nannies start fresh ones. (``Client.restart`` asks the workers to close first, and a
        worker busy with a task that ignores cancel made that take 4.2 s.)"""
        old = self.worker_pids()
        _kill_workers(list(old.values()))
        deadline = time.monotonic() + WORKERS_TIMEOUT_S
        while set(old) & set(self.workers()) and time.monotonic() < deadline:
            time.sleep(0.01)
        self.dirty = False

    def size(self) -> int:
        return len(self.workers())

    def worker_pids(self) -> dict[str, int]:
        """Worker address -> pid, for the lab's own cluster (the processes it may kill)."""
        if self.cluster is None:
            return {}
        return self.client.run(os.getpid)

    def close(self) -> None:
        """Close the connection; stop the cluster only when the lab started it."""
        client, cluster = self.client, self.cluster
        self.client = self.cluster = None
        pids = []
        if cluster is not None and client is not None:
            try:
                pids = list(client.run(os.getpid).values())
            except Exception:  # the workers may be gone or stuck already
                pids = []
        if client is not None:
            try:
                # Unsubscribed first: the scheduler would log a closed comm at CRITICAL level
                # when it announces this client's own leaving on a topic it listens to.
                for topic in (RUNNING_TOPIC, "all"):
                    client.unsubscribe_topic(topic)
                client.close(timeout=CLOSE_TIMEOUT_S)
            except Exception:  # a lost scheduler: nothing left to close politely
                pass
        if cluster is not None:
            _kill_workers(pids)  # a task that ignores cancel would hold the close up
            try:
                cluster.close(timeout=CLOSE_TIMEOUT_S)
            except Exception:
                pass


def _quiet_dask_logs() -> None:
    """Keep only Dask's critical log lines. Its logging config gives some loggers levels of
    their own (``distributed.client``: the reconnect attempts after a lost scheduler, with a
    traceback), so every ``distributed`` logger is set, not only the parent; and tornado's
    ``Exception in callback`` lines come from Dask's own callbacks."""
    names = [name for name in logging.root.manager.loggerDict if name.startswith("distributed")]
    for name in ["distributed", "tornado.application", *names]:
        logging.getLogger(name).setLevel(logging.CRITICAL)


def _kill_workers(pids: list[int]) -> None:
    """SIGKILL the lab's own worker processes and reap them: the nanny then just notes it."""
    import psutil

    procs = []
    for pid in pids:
        try:
            proc = psutil.Process(pid)
            proc.kill()
            procs.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    psutil.wait_procs(procs, timeout=CLOSE_TIMEOUT_S)


def _address_key(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition("://")[2].rpartition(":")
    return host, int(port) if port.isdigit() else 0


_links: dict[str, ClusterLink] = {}
_links_lock = threading.Lock()


def acquire(address: str) -> ClusterLink:
    """The shared link to ``address`` ("" = the lab's own cluster), opened on first use."""
    with _links_lock:
        link = _links.get(address)
        if link is None or link.client is None:
            link = ClusterLink(address)
            link.open()
            _links[address] = link
        link.users += 1
        return link


def release(link: ClusterLink) -> None:
    """Let go of ``link``; the last user closes it (and stops the cluster the lab started)."""
    with _links_lock:
        link.users -= 1
        if link.users > 0:
            return
        if _links.get(link.address) is link:
            del _links[link.address]
    link.close()
