"""The Qt boundary, enforced: everything below the window imports no Qt, not even indirectly.

Checked in a fresh interpreter, since the test process itself may have imported Qt already.
Worker processes import these modules: a Qt import here would load PySide6 into every child
(measured: pool start-up 87 ms -> 213 ms) and break the headless CLI on servers.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from desktop_app.scenarios.registry import lesson_modules

QT_ROOTS = ("PySide6", "shiboken6", "pyqtgraph")

_PROBE = textwrap.dedent(
    """
    import importlib, json, pkgutil, sys

    def import_tree(package_name, skip=()):
        package = importlib.import_module(package_name)
        names = [package_name]
        for info in pkgutil.iter_modules(package.__path__, package_name + "."):
            if info.name in skip:
                continue
            if info.ispkg:
                names += import_tree(info.name, skip)
            else:
                importlib.import_module(info.name)
                names.append(info.name)
        return names

    what = sys.argv[1]
    if what == "below-the-window":
        loaded = (import_tree("desktop_app.engine") + import_tree("desktop_app.scenarios")
                  + import_tree("desktop_app.ui.viewmodels")
                  + import_tree("desktop_app.experiments"))
        from desktop_app.scenarios.registry import all_scenarios
        ids = [s.id for s in all_scenarios()]
        for name in ("desktop_app.workloads", "desktop_app.cli", "desktop_app.cli.run",
                     "desktop_app.cli.bench",
                     "desktop_app.cli.format", "desktop_app.cli.progress"):
            importlib.import_module(name)
            loaded.append(name)
    elif what == "entry":
        import desktop_app.__main__, desktop_app.entry  # imported, not run
        loaded, ids = ["desktop_app.__main__", "desktop_app.entry"], []
    elif what == "cli-run":
        import contextlib, io
        from desktop_app.entry import main
        with contextlib.redirect_stdout(io.StringIO()):
            code = main(["run", "process-pool", "--set", "n=4", "--pool-sizes", "2"])
        assert code == 0, code
        loaded, ids = ["a whole CLI run"], []
    qt = sorted(m for m in sys.modules if m.split(".")[0] in sys.argv[2].split(","))
    print(json.dumps({"loaded": loaded, "ids": ids, "qt": qt}))
    """
)


def probe(what: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, what, ",".join(QT_ROOTS)],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_engine_scenarios_workloads_and_cli_load_no_qt():
    found = probe("below-the-window")
    assert "desktop_app.engine.executors.processes" in found["loaded"]
    assert "desktop_app.scenarios.registry" in found["loaded"]
    assert "desktop_app.experiments.task" in found["loaded"]  # what workers import
    assert len(found["ids"]) == len(lesson_modules())  # one scenario per lesson module
    assert found["qt"] == []


def test_importing_the_entry_points_loads_no_qt():
    assert probe("entry")["qt"] == []


def test_a_whole_cli_run_loads_no_qt():
    assert probe("cli-run")["qt"] == []
