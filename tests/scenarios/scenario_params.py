"""Per-scenario test parameters, in one place: every test that runs each lesson reads them here.

``QUICK``: small settings that finish in moments (the window's run-every-scenario tests).
``BUSY``: settings that keep the lesson working far longer than any test waits (cancel, close
and signal tests land mid-run). A new lesson adds one entry to each; ``test_registry.py`` fails
until it does, and checks every value against the lesson's own parameter ranges.

Imported as ``scenarios.scenario_params`` from other test folders (tests/ is on sys.path).
"""

from __future__ import annotations

from typing import Any

QUICK: dict[str, dict[str, Any]] = {
    "io-vs-cpu": {"n": 2, "io_ms": 5, "cpu_ms": 5},
    "process-pool": {"n": 6},
    "process-start-join": {},
    "producer-consumer": {"n": 5, "producer_ms": 1.0, "consumer_ms": 2.0, "race_n": 100},
    "sharing-data": {"tool": "queue"},
    "exceptions": {"fault": "none"},
    "thread-pool-factorial": {"n": 12},
    "pool-timing": {"n": 20, "workload": "square"},
    # this interpreter only: the other interpreters have tests of their own (test_gil_interpreters)
    "gil-interpreters": {
        "n": 1,
        "cpu_ms": 5,
        "io_ms": 5,
        "py311": False,
        "py312": False,
        "py313": False,
        "py314": False,
        "free_threaded": False,
    },
}

BUSY: dict[str, dict[str, Any]] = {
    "io-vs-cpu": {"n": 64, "io_ms": 300, "cpu_ms": 300},
    "process-pool": {"n": 100_000, "chunksize": 1},
    "process-start-join": {"hold_ms": 10_000},
    "producer-consumer": {"n": 1000, "producer_ms": 200.0, "consumer_ms": 200.0},
    "sharing-data": {"tool": "ipc", "messages": 100_000, "msg_kb": 64},
    "exceptions": {"fault": "hang", "timeout": 120.0},
    "thread-pool-factorial": {"n": 5000},
    "pool-timing": {"n": 16, "workload": "cpu", "cpu_ms": 150},  # serial first, then the pool
    "gil-interpreters": {
        "n": 64,
        "cpu_ms": 2000,
        "io_ms": 2000,
        "py311": False,
        "py312": False,
        "py313": False,
        "py314": False,
        "free_threaded": False,
    },
}
