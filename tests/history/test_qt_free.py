"""The history package and its CLI load no Qt: the window builds on them, not the reverse."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

PROBE = textwrap.dedent(
    """
    import importlib, json, pkgutil, sys
    import desktop_app.history as package
    names = [info.name for info in pkgutil.iter_modules(package.__path__, "desktop_app.history.")]
    for name in names + ["desktop_app.cli.history"]:
        importlib.import_module(name)
    qt = sorted(m for m in sys.modules if m.split(".")[0] in ("PySide6", "shiboken6", "pyqtgraph"))
    print(json.dumps({"modules": names, "qt": qt}))
    """
)


def test_the_history_package_and_its_cli_import_no_qt():
    result = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert "desktop_app.history.store" in found["modules"]
    assert "desktop_app.history.compare" in found["modules"]
    assert found["qt"] == []
