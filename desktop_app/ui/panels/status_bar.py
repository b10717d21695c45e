"""The status bar: the facts that decide what a measurement means on this machine."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from ...engine.outputs.report import environment


def describe_pools(pools: list[tuple[str, int, bool]]) -> str:
    """``PoolManager.describe()`` in a few words: which pools are warm, which cold."""
    if not pools:
        return "Pools: none yet (cold)"
    parts = [f"{kind}×{size} {'warm' if warm else 'cold'}" for kind, size, warm in pools]
    return "Pools: " + ", ".join(parts)


class StatusBar(QStatusBar):
    """Python version, cores, start method, GIL, and the warm pools, always visible."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statusBar")
        env = environment()
        gil = "on" if env["gil_enabled"] else "off"
        self.environment_label = QLabel(
            f"Python {env['python']} · {env['cpu_count']} cores · "
            f"start method {env['start_method']} · GIL {gil}"
        )
        self.environment_label.setObjectName("environmentLabel")
        self.environment_label.setToolTip(
            f"{env['implementation']} {env['python']} on {env['platform']}\n"
            "Start method: how worker processes are created (never fork: see docs/architecture.md)\n"
            "GIL on: threads run Python code one at a time, so CPU-bound work needs processes"
        )
        self.pools_label = QLabel(describe_pools([]))
        self.pools_label.setObjectName("poolStateLabel")
        self.pools_label.setToolTip(
            "Warm pools are kept between runs, so a second run skips the start-up cost"
        )
        self.environment_label.setContentsMargins(8, 0, 8, 0)
        self.addPermanentWidget(self.pools_label)
        self.addPermanentWidget(self.environment_label)

    def set_pools(self, pools: list[tuple[str, int, bool]]) -> None:
        text = describe_pools(pools)
        if text != self.pools_label.text():
            self.pools_label.setText(text)

    def show_message(self, text: str, timeout_ms: int = 0) -> None:
        self.showMessage(text, timeout_ms)

    def environment(self) -> dict[str, Any]:
        return environment()
