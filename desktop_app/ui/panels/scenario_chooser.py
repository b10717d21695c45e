"""The scenario chooser: the registry's scenarios grouped by lesson, with a filter box."""

from __future__ import annotations

from typing import cast

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QFontMetrics, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QLineEdit,
    QStyledItemDelegate,
    QStyleOptionViewItem,
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


class _WrappingDelegate(QStyledItemDelegate):
    """Row heights that fit a wrapped title: QTreeView sizes rows for one line of text even
    with word wrap on, so long lesson titles were cut off with "…"."""

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        size = super().sizeHint(option, index)
        tree = cast(QTreeWidget, self.parent())  # made with the chooser's tree as its parent
        depth = 1 if index.parent().isValid() else 0
        width = tree.viewport().width() - tree.indentation() * depth - 10
        font = index.data(Qt.ItemDataRole.FontRole) or option.font
        text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        box = QFontMetrics(font).boundingRect(
            QRect(0, 0, max(40, width), 10_000), Qt.TextFlag.TextWordWrap, text
        )
        return QSize(size.width(), max(size.height(), box.height() + 4))


class _Tree(QTreeWidget):
    """Lays its rows out again when its width changes (wrapped titles change height)."""

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.oldSize().width() != event.size().width():
            self.scheduleDelayedItemsLayout()


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
        self.tree = _Tree()
        self.tree.setItemDelegate(_WrappingDelegate(self.tree))
        self.tree.setObjectName("scenarioList")
        self.tree.setHeaderHidden(True)
        self.tree.setRootIsDecorated(False)
        self.tree.setIndentation(12)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        # Long titles wrap (they were cut off); the full text is in each item's tooltip too.
        self.tree.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.tree.setWordWrap(True)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideNone)
        # The one column as wide as the view, so a long title wraps instead of eliding.
        self.tree.header().setStretchLastSection(False)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tree.setToolTip("Choose a lesson's scenario to read its code and run it")
        self.tree.currentItemChanged.connect(self._on_tree_current_item_changed)
        self.no_match = QLabel()
        self.no_match.setObjectName("noScenarioMatches")
        self.no_match.setWordWrap(True)
        self.no_match.hide()
        layout.addWidget(self.filter)
        layout.addWidget(self.no_match)
        layout.addWidget(self.tree, 1)
        self.setMinimumWidth(170)  # narrower, titles wrap a word a line
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

    def add_scenario(self, scenario: Scenario) -> None:
        """Add (or update) one scenario after start-up: a user's experiment, under its lesson
        ("My experiments"), a group made at the end when it is the first of it."""
        self._scenarios[scenario.id] = scenario
        item = self._items.get(scenario.id)
        if item is None:
            group = next(
                (
                    top
                    for index in range(self.tree.topLevelItemCount())
                    if (top := self.tree.topLevelItem(index)) is not None
                    and top.text(0) == scenario.lesson
                ),
                None,
            )
            if group is None:
                self._populate([scenario])
                return
            item = QTreeWidgetItem()
            item.setData(0, _ID_ROLE, scenario.id)
            group.addChild(item)
            self._items[scenario.id] = item
        item.setText(0, scenario.title)
        item.setToolTip(0, f"{scenario.title}\n\n{scenario.summary}")

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
        nothing = bool(words) and not self.visible_ids()
        self.no_match.setText(
            f"No lesson matches “{text.strip()}”. Try fewer or other words, or clear the filter."
            if nothing
            else ""
        )
        self.no_match.setVisible(nothing)

    def _on_tree_current_item_changed(self, current: QTreeWidgetItem | None, _previous) -> None:
        scenario_id = current.data(0, _ID_ROLE) if current is not None else None
        if scenario_id:
            self.scenario_selected.emit(scenario_id)
