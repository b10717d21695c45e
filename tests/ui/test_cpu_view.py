"""The CPU view: the lab's processes apart from the rest, sampled off the GUI thread, an axis
that stays true (sampling while visible, gaps and runs shown), and no thread left behind."""

from __future__ import annotations

import subprocess
import sys
import threading

import numpy as np
import psutil

from desktop_app.ui.plots.cpu_view import CpuView
from desktop_app.ui.viewmodels.cpu_samples import CpuHistory, CpuSample, CpuSampler


def _sampler_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "cpu-sampler"]


def test_samples_on_a_thread_of_its_own_while_visible_and_stops_when_hidden(qtbot):
    view = CpuView(interval_ms=50)
    qtbot.addWidget(view)
    assert view.cores() == psutil.cpu_count(logical=True)
    assert not view.is_running(), "nothing samples before the view is shown or a run starts"
    view.show()
    assert view.is_running() and len(_sampler_threads()) == 1
    qtbot.waitUntil(lambda: view.samples() >= 3, timeout=10_000)
    values = view.latest()
    assert len(values) == view.cores() and all(0.0 <= v <= 100.0 for v in values)
    x, _ = view._lab.getData()
    assert len(x) >= 3 and x.max() <= 0.0
    view.hide()
    assert not view.is_running() and not _sampler_threads()


def test_sampling_goes_on_after_a_run_while_visible(qtbot):
    """It sampled only during a run and then froze under a 'seconds ago' axis (issue 13)."""
    view = CpuView(interval_ms=50)
    qtbot.addWidget(view)
    view.show()
    view.start()
    qtbot.waitUntil(lambda: view.samples() >= 2, timeout=10_000)
    view.stop()
    after = view.samples()
    qtbot.waitUntil(lambda: view.samples() >= after + 3, timeout=10_000)
    assert view.is_running()
    spans = view._history.run_spans(view.latest_sample().time)
    assert len(spans) == 1 and spans[0][0] < spans[0][1] <= 0.0, "the run is a span in the past"


def test_a_run_is_sampled_while_the_view_is_hidden_and_sampling_ends_with_it(qtbot):
    view = CpuView(interval_ms=50)
    qtbot.addWidget(view)
    view.start()
    assert view.is_running()
    qtbot.waitUntil(lambda: view.samples() >= 2, timeout=10_000)
    view.stop()
    assert not view.is_running() and not _sampler_threads()


def test_the_lab_is_this_process_and_its_children_apart_from_the_rest():
    sampler = CpuSampler()
    sum(i * i for i in range(300_000))  # use some CPU in this (the lab's) process
    sample = sampler.sample()
    assert sample.lab_processes >= 1
    assert sample.lab_cores > 0.0
    assert 0.0 <= sample.other_cores <= sampler.cores
    assert len(sample.per_core) == sampler.cores


def test_the_lab_counts_the_processes_this_one_started():
    """The run host and its workers are children (and grandchildren) of the window's process."""
    sampler = CpuSampler(list_every_s=0.0)  # list them at every reading
    before = sampler.sample().lab_processes
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert sampler.sample().lab_processes >= before + 1 >= 2
    finally:
        child.kill()
        child.wait(timeout=30)


def test_a_pause_in_sampling_is_a_gap_not_a_join():
    history = CpuHistory(keep_s=120, interval_s=0.25)
    for t in (0.0, 0.25, 0.5, 10.0, 10.25):  # hidden from 0.5 s to 10 s
        history.add(CpuSample(t, (10.0,), 0.5, 0.1, 2))
    ago, lab, total = history.series(now=10.25)
    assert np.isnan(lab).sum() == 1 and np.isnan(total).sum() == 1
    gap = int(np.flatnonzero(np.isnan(lab))[0])
    assert ago[gap - 1] < ago[gap] < ago[gap + 1]
    assert ago[-1] == 0.0 and ago[0] == -10.25


def test_close_stops_the_sampler(qtbot):
    view = CpuView(interval_ms=50)
    qtbot.addWidget(view)
    view.show()
    view.start()
    view.close()
    assert not view.is_running() and not _sampler_threads()
