"""Helpers shared by the window tests (imported by module name: tests/ui is on sys.path)."""

from __future__ import annotations

RUN_TIMEOUT_MS = 90_000  # a loaded 2-core machine: generous, the test waits for the signal


def run_to_end(qtbot, window, timeout_ms: int = RUN_TIMEOUT_MS):
    """Start the shown scenario and wait for run_finished; returns the report."""
    with qtbot.waitSignal(window.run_finished, timeout=timeout_ms) as blocker:
        assert window.start_run(), window.last_refusal
    return blocker.args[0]
