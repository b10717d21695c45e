"""psutil where it is installed, else the standard-library stand-in of ``procfs.py``.

The engine's call sites write ``from .process_info import psutil`` (inside the function, so a
worker that never looks at processes never imports either): under the app's own Python that is
the real psutil; under another interpreter chosen for the run host, which has nothing but its
standard library, it is ``procfs``, which answers the same calls from ``/proc``.
"""

from __future__ import annotations

import importlib
from typing import Any


def _load() -> Any:
    try:
        return importlib.import_module("psutil")
    except ImportError:  # another interpreter without psutil: degrade to /proc
        return importlib.import_module(".procfs", __package__)


psutil: Any = _load()
HAVE_PSUTIL = psutil.__name__ == "psutil"
