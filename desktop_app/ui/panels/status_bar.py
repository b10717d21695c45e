"""The status bar: the latest message, then the facts that decide what a measurement means.

``QStatusBar.showMessage`` paints its text under the permanent widgets, so a long message ran
into them ("pool-timing: completed in 7Pools: …") and an export's path was cut off. Here the
message is a label of its own that takes the room left of the permanent labels, elides in the
middle (a path keeps its start and its file name) and carries the whole text as its tooltip.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QStatusBar, QWidget

from ...engine.hot_loop import PYTHON_LOOP_NOTE
from ...engine.outputs.report import environment


def describe_pools(pools: list[tuple[str, int, bool]]) -> str:
    """``PoolManager.describe()`` in a few words: which pools are warm, which cold."""
    if not pools:
        return "Pools: none yet (cold)"
    parts = [f"{kind}×{size} {'warm' if warm else 'cold'}" for kind, size, warm in pools]
    return "Pools: " + ", ".join(parts)


class ElidingLabel(QLabel):
    """A label that shows as much of its text as fits, eliding the middle, whole as tooltip."""

    def __init__(
        self,
        parent: QWidget | None = None,
        mode: Qt.TextElideMode = Qt.TextElideMode.ElideMiddle,
        shrinks_first: bool = True,
    ) -> None:
        super().__init__(parent)
        self.full_text = ""
        self._mode = mode
        # The message gives way first (Ignored); a permanent label asks for its whole text
        # and gives way only when the window is too narrow for it (Preferred).
        policy = QSizePolicy.Policy.Ignored if shrinks_first else QSizePolicy.Policy.Preferred
        self.setSizePolicy(policy, QSizePolicy.Policy.Preferred)

    def sizeHint(self) -> QSize:
        margins = self.contentsMargins()
        width = self.fontMetrics().horizontalAdvance(self.full_text) + 4
        return QSize(width + margins.left() + margins.right(), super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:
        return QSize(60, super().minimumSizeHint().height())

    def set_full_text(self, text: str) -> None:
        self.full_text = text
        self.setToolTip(text)
        self._elide()
        self.updateGeometry()

    def _elide(self) -> None:
        width = max(0, self.contentsRect().width())
        self.setText(self.fontMetrics().elidedText(self.full_text, self._mode, width))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()


class StatusBar(QStatusBar):
    """The last message; Python version, cores, start method, GIL and warm pools, always."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statusBar")
        self._message = ""
        self._clear_timer = QTimer(self, singleShot=True)
        self._clear_timer.timeout.connect(self.clearMessage)
        self.message_label = ElidingLabel()
        self.message_label.setObjectName("statusMessage")
        self.message_label.setContentsMargins(4, 0, 4, 0)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.addWidget(self.message_label, 1)
        env = environment()
        gil = "on" if env["gil_enabled"] else "off"
        self.environment_label = QLabel(
            f"Python {env['python']} · {env['cpu_count']} cores · "
            f"start method {env['start_method']} · GIL {gil}"
        )
        self.environment_label.setObjectName("environmentLabel")
        self.environment_label.setToolTip(
            f"{env['implementation']} {env['python']} on {env['platform']}\n"
            f"Start method {env['start_method']}: how worker processes are created "
            "(never fork: see docs/architecture.md)\n"
            "GIL on: threads run Python code one at a time, so CPU-bound work needs processes"
        )
        # Pools elide on a narrow window (the list grows with every pool kept warm).
        self.pools_label = ElidingLabel(mode=Qt.TextElideMode.ElideRight, shrinks_first=False)
        self.pools_label.setObjectName("poolStateLabel")
        self.set_pools([])
        for label in (self.pools_label, self.environment_label):
            label.setContentsMargins(8, 0, 8, 0)
            self.addPermanentWidget(label)

    def set_interpreter(self, info: Any) -> None:
        """The chosen interpreter (a ``PythonInfo``), before any run under it says more."""
        env = environment()
        build = "free-threaded build" if info.free_threaded else "GIL build"
        self.environment_label.setText(
            f"Python {info.short} ({info.source}) · {env['cpu_count']} cores · "
            f"start method {env['start_method']} · {build}, GIL verdict after a run"
        )
        self.environment_label.setToolTip(f"The run host runs under {info.path}")

    def set_run_environment(self, env: dict[str, Any]) -> None:
        """The interpreter and GIL verdict of the run that just ended (its report's
        ``environment``): what really ran, which the chosen one only promised."""
        verdict = (env.get("gil") or {}).get("summary")
        if not verdict:
            return
        python_loop = env.get("timing_loop") == "python"
        self.environment_label.setText(
            f"Python {env.get('python', '?')} · {env.get('cpu_count', '?')} cores · "
            f"start method {env.get('start_method', '?')} · {verdict}"
            + (" · Python timing loop" if python_loop else "")
        )
        self.environment_label.setToolTip(
            f"The last run ran under {env.get('executable', '?')}\n{verdict}: whether the build "
            "is free-threaded (Py_GIL_DISABLED == 1) and whether the GIL was off in every "
            "worker after its imports (sys._is_gil_enabled())"
            + (f"\nIts workers timed tasks with {PYTHON_LOOP_NOTE}" if python_loop else "")
        )

    def set_pools(self, pools: list[tuple[str, int, bool]]) -> None:
        text = describe_pools(pools)
        if text != self.pools_label.full_text:
            self.pools_label.set_full_text(text)
            self.pools_label.setToolTip(
                f"{text}\nWarm pools are kept between runs, so a second run skips the start-up cost"
            )

    # --- the message ------------------------------------------------------------------------------

    def showMessage(self, text: str, timeout: int | None = 0) -> None:
        """Show ``text`` in the message label (``timeout`` ms, 0 = until the next message)."""
        self._message = text
        self.message_label.set_full_text(text)
        if timeout is not None and timeout > 0:
            self._clear_timer.start(timeout)
        else:
            self._clear_timer.stop()

    def clearMessage(self) -> None:
        self._message = ""
        self.message_label.set_full_text("")

    def currentMessage(self) -> str:
        return self._message

    def message_fits(self) -> bool:
        """Whether the whole message is on screen (else it is elided, whole in the tooltip)."""
        return self.message_label.text() == self._message

    def environment(self) -> dict[str, Any]:
        return environment()
