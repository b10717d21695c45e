"""A test-only scenario that reports from inside the run host: is Qt loaded there, and an
uncaught exception on a thread of the host's own (it must reach the consumer as a record).

Never registered: the tests hand the Scenario object to ``RunHost.run``, which pickles it by
reference to this module, so the host imports it (tests/engine is on the spawned host's path).
"""

from __future__ import annotations

import os
import sys
import threading
from typing import Any

from desktop_app.scenarios.base import Param, Scenario

QT_MODULES = ("PySide6", "shiboken6", "pyqtgraph")


def probe(ctx: Any) -> None:
    loaded = sorted(m for m in sys.modules if m.split(".")[0] in QT_MODULES)
    ctx.print(f"host pid {os.getpid()}")
    ctx.print(f"qt modules: {loaded}")
    if ctx.params["stray_error"]:
        thread = threading.Thread(target=_fail, name="stray-thread")
        thread.start()
        thread.join()
    if ctx.params["bad_table"]:  # the host cannot pickle its report: an engine failure
        ctx.report.table_rows = [(threading.Lock(),)]
    ctx.sleep(ctx.params["hold_s"])


def _fail() -> None:
    raise LookupError("raised on a thread nobody joins for errors")


def make_scenario() -> Scenario:
    return Scenario(
        id="host-probe",
        title="Run host probe (tests only)",
        lesson="Tests",
        summary="Reports what the run host has loaded.",
        when_to_use="In the run host's tests.",
        params=(
            Param("stray_error", "Stray error", "bool", False),
            Param("bad_table", "Unpicklable table", "bool", False),
            Param("hold_s", "Hold", "float", 0.0, minimum=0.0, maximum=60.0, unit="s"),
        ),
        run=probe,
        code_objects=(probe,),
        pool_sizes=(1,),
        order=99,
    )
