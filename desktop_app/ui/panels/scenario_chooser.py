"""The scenario chooser: the registry's scenarios grouped by lesson, with a filter box."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...scenarios.base import Scenario

_ID_ROLE = Qt.ItemDataRole.UserRole


def _matches(scenario: Scenario, words: list[str]) -> bool:
    text = " ".join((scenario.id, scenario.title, scenario.lesson, scenario.summary)).lower()
    return all(word in text for word in words)


class ScenarioChooser(QWidget):
    """A tree of lessons and their scenarios; ``scenario_selected`` carries the chosen id."""

    scenario_selected = Signal(str)

    def __init__(self, scenarios: list[Scenario], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._scenarios = {s.id: s for s in scenarios}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.filter = QLineEdit()
        self.filter.setObjectName("scenarioFilter")
        self.filter.setPlaceholderText("Filter scenarios…")
        self.filter.setClearButtonEnabled(True)
        self.filter.setToolTip("Show only scenarios whose title, lesson or summary has these words")
        self.filter.textChanged.connect(self._on_filter_text_changed)
        self.tree = QTreeWidget()
        self.tree.setObjectName("scenarioList")
        self.tree.setHeaderHidden(True)
        self.tree.setRootIsDecorated(False)
        self.tree.setIndentation(12)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        # Long titles elide on the right; the full text is in each item's tooltip.
        self.tree.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.tree.setToolTip("Choose a lesson's scenario to read its code and run it")
        self.tree.currentItemChanged.connect(self._on_tree_current_item_changed)
        layout.addWidget(self.filter)
        layout.addWidget(self.tree, 1)
        self._items: dict[str, QTreeWidgetItem] = {}
        self._populate(scenarios)

    def _populate(self, scenarios: list[Scenario]) -> None:
        lessons: dict[str, QTreeWidgetItem] = {}
        for scenario in scenarios:
            group = lessons.get(scenario.lesson)
            if group is None:
                group = QTreeWidgetItem([scenario.lesson])
                font = group.font(0)
                font.setBold(True)
                group.setFont(0, font)
                group.setFlags(Qt.ItemFlag.ItemIsEnabled)
                group.setToolTip(0, scenario.lesson)
                self.tree.addTopLevelItem(group)
                lessons[scenario.lesson] = group
            item = QTreeWidgetItem([scenario.title])
            item.setData(0, _ID_ROLE, scenario.id)
            item.setToolTip(0, f"{scenario.title}\n\n{scenario.summary}")
            group.addChild(item)
            self._items[scenario.id] = item
        self.tree.expandAll()

    def select(self, scenario_id: str) -> None:
        self.tree.setCurrentItem(self._items[scenario_id])

    def current_id(self) -> str | None:
        item = self.tree.currentItem()
        return item.data(0, _ID_ROLE) if item is not None else None

    def visible_ids(self) -> list[str]:
        return [sid for sid, item in self._items.items() if not item.isHidden()]

    def _on_filter_text_changed(self, text: str) -> None:
        words = text.lower().split()
        for index in range(self.tree.topLevelItemCount()):
            if (group := self.tree.topLevelItem(index)) is None:
                continue
            shown = 0
            for child_index in range(group.childCount()):
                if (child := group.child(child_index)) is None:
                    continue
                visible = _matches(self._scenarios[child.data(0, _ID_ROLE)], words)
                child.setHidden(not visible)
                shown += visible
            group.setHidden(shown == 0)

    def _on_tree_current_item_changed(self, current: QTreeWidgetItem | None, _previous) -> None:
        scenario_id = current.data(0, _ID_ROLE) if current is not None else None
        if scenario_id:
            self.scenario_selected.emit(scenario_id)
