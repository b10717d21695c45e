"""The "Reading the views" guide describes the views as they are drawn now."""

from __future__ import annotations

import re

from desktop_app.ui.help_texts import READING_THE_VIEWS
from desktop_app.ui.plots.cpu_view import SAMPLE_MS
from desktop_app.ui.plots.timeline_bars import outcome_colours


def _section(title: str) -> str:
    match = re.search(rf"<h4>{title}</h4>\s*<p>(.*?)</p>", READING_THE_VIEWS, re.S)
    assert match, f"no {title} section"
    return " ".join(match.group(1).split())


def test_timeline_section_names_every_outcome_colour_and_the_measurement_box():
    text = _section("Timeline")
    assert set(outcome_colours(False)) == {
        "ok",
        "ok_alt",
        "failed",
        "running",
        "waiting",
        "waiting_alt",
    }
    for word in ("finished", "failed", "running", "Measurement box", "on a CPU", "the GIL"):
        assert word in text
    assert "names are on the left" not in text  # the old one-colour-per-measurement timeline


def test_cpu_section_gives_the_real_sampling_rate_and_unit():
    text = _section("CPU")
    per_second = {2: "twice", 4: "four times"}[round(1000 / SAMPLE_MS)]
    assert f"{per_second} a second" in text
    assert "cores were busy" in text and "rest of the machine" in text
