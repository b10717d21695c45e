"""The last line of defence against leftover processes: kill a process tree with psutil.

Under forkserver a pool's workers are not our children but the server's, and the run host's
workers are its own: only a walk of the whole tree finds them all.
"""

from __future__ import annotations

from collections.abc import Collection


def kill_tree(
    pid: int | None = None,
    *,
    include_root: bool = False,
    keep: Collection[int] = (),
    timeout: float = 1.0,
) -> None:
    """SIGKILL every descendant of ``pid`` (default: this process) not in ``keep``, and ``pid``
    itself with ``include_root``; waits up to ``timeout`` for them to go."""
    import psutil

    try:
        root = psutil.Process(pid)
        victims = [p for p in root.children(recursive=True) if p.pid not in keep]
    except psutil.Error:
        return
    if include_root:
        victims.append(root)
    for victim in victims:
        try:
            victim.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(victims, timeout=timeout)
