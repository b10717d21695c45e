"""Fixtures of the reliability tests: a window on its own settings file and its own pools.

``figures`` collects measured latencies and counts and writes them to the terminal when the
module ends, so that a CI log carries them. The tests assert generous bounds only; the figures
are what the machine actually did.
"""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def figures(request):
    """``figures[name] = text``: printed under a heading once the module's tests are done."""
    found: dict[str, str] = {}
    yield found
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if not found or reporter is None:
        return
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled():  # teardown output is captured otherwise
        reporter.write_line("")
        reporter.write_line(f"--- figures measured by {request.module.__name__} (this machine) ---")
        width = max(len(name) for name in found)
        for name, text in found.items():
            reporter.write_line(f"{name:<{width}}  {text}")
