"""The plot formats (PNG, SVG): the Qt side of the format registry, registered the same way.

The run's formats (JSON, CSV, trace) are Qt-free and live in engine/outputs/formats.py; these
render a plot view and so need Qt. Both registries are iterated by the Export menu. A plot
format is a key, a label, a suffix and ``write(graphics_item, path, header)``; a new one is a
``register(PlotFormat(...))`` line here and a function that writes it.

What is exported is the view on screen (:func:`shown_view`): the Timing tab's wall-time or
speedup and efficiency plots, the timeline or the CPU view, whichever the user is looking at.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PlotWriter = Callable[[Any, "str | os.PathLike[str]", Sequence[str]], Path]


@dataclass(frozen=True)
class PlotFormat:
    key: str
    label: str
    suffix: str
    description: str
    write: PlotWriter

    @property
    def file_filter(self) -> str:
        return f"{self.description} (*{self.suffix})"


_REGISTRY: dict[str, PlotFormat] = {}


def register(fmt: PlotFormat) -> PlotFormat:
    _REGISTRY[fmt.key] = fmt
    return fmt


def plot_formats() -> list[PlotFormat]:
    return list(_REGISTRY.values())


def _png(item: Any, path: str | os.PathLike[str], header: Sequence[str]) -> Path:
    from .exporters import export_png

    return export_png(item, path, header=header)


def _svg(item: Any, path: str | os.PathLike[str], header: Sequence[str]) -> Path:
    from .exporters import export_svg

    return export_svg(item, path, header=header)


register(PlotFormat("png", "Shown plot as &PNG…", ".png", "PNG image", _png))
register(PlotFormat("svg", "Shown plot as &SVG…", ".svg", "SVG drawing", _svg))


# --- which view is shown ----------------------------------------------------------------------

VIEW_NAMES = ("timing", "speedup", "hops", "why", "timeline", "cpu")


def shown_view(layout: Any) -> str:
    """The plot view the user sees: its tab, or the timing plot when another tab shows."""
    from ..window_layout import TAB_CPU, TAB_TIMELINE

    tab = layout.tabs.currentIndex()
    if tab == TAB_TIMELINE:
        return "timeline"
    if tab == TAB_CPU:
        return "cpu"
    return {1: "speedup", 2: "hops", 3: "why"}.get(layout.timing_plot.current_view(), "timing")


def view_item(layout: Any, view: str) -> Any:
    """The graphics item holding ``view`` whole (axes, legend, both plots of a pair).

    The views keep these as attributes of their own; reading them here keeps the export's
    needs out of the plots' drawing code.
    """
    if view == "timing":
        plot = layout.timing_plot
        plot.refresh()  # a hidden plot may not have drawn the last measurement yet
        return plot.export_item("wall")
    if view == "speedup":
        plot = layout.timing_plot
        plot.refresh()
        return plot.export_item("speed")  # the speedup and efficiency plots with their legend
    if view == "hops":  # the Hops tab's bars with their legend (issue 14)
        plot = layout.timing_plot
        plot.refresh()
        return plot.export_item("hops")
    if view == "why":  # the Why tab's bars with their legend; the words are the report's
        return layout.timing_plot.export_item("why")
    if view == "timeline":
        timeline = layout.timeline
        timeline.refresh()
        return timeline.plot_item()
    if view == "cpu":
        return layout.cpu_view.export_item()
    raise KeyError(f"no plot view {view!r}")
