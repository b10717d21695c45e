"""The bundle ships what another interpreter needs to run the engine (issue 17): the ``.py``
files of the Qt-free packages, which ``engine/host/foreign.py`` copies for it."""

from __future__ import annotations

import subprocess

import pytest
from engine.other_pythons import pyenv_python

from desktop_app.engine.host import foreign

pytestmark = [pytest.mark.packaging, pytest.mark.timeout(1200)]


def test_the_bundle_ships_the_engine_source_for_another_interpreter(built, tmp_path) -> None:
    package = built.bundle / "_internal" / "desktop_app"
    root = foreign.engine_source(package, cache=tmp_path)  # raises if a .py is missing
    assert (root / "desktop_app" / "engine" / "host" / "foreign.py").is_file()
    python = pyenv_python(12)
    if python is None:
        pytest.skip("no pyenv Python 3.12 to import the copy with")
    code = (
        f"import sys; sys.path.insert(0, {str(root)!r}); "
        "import desktop_app.engine.host.server, desktop_app.scenarios.registry as r; "
        "r.all_scenarios()"
    )
    done = subprocess.run([python, "-I", "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
