"""Child processes exit with their parent, even when the parent dies by SIGKILL.

One helper for every child the app starts: pool workers (their initializer), a lesson's own
``Process`` (its target), a ``Manager``'s server (its initializer) and the run host itself.
Standard library only: every child imports it.
"""

from __future__ import annotations

import os
import threading


def exit_with_parent() -> None:
    """Exit this child process as soon as its parent dies, even by SIGKILL.

    A thread waits on the parent's sentinel, then ``os._exit``: without it pool workers (and
    then the forkserver and resource tracker) lived on for good. ``PR_SET_PDEATHSIG`` does not
    work under forkserver, whose children are not the app's own.
    """
    import multiprocessing
    from multiprocessing.connection import wait

    parent = multiprocessing.parent_process()
    if parent is None:
        return
    sentinel = parent.sentinel

    def _wait_then_exit() -> None:
        wait([sentinel])
        os._exit(0)

    threading.Thread(target=_wait_then_exit, name="parent-watch", daemon=True).start()
