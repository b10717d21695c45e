"""A failure on the window's side of the pipe reaches the window as an ErrorRecord, end to end:
no string to parse back (issue 12). The bridge's run thread catches it with its own traceback;
the window shows that record in its console and finishes the run as failed."""

from __future__ import annotations

from desktop_app.engine.cancel import CancelToken
from desktop_app.engine.host.protocol import RunRequest
from desktop_app.engine.records import ErrorRecord
from desktop_app.scenarios.registry import get_scenario
from desktop_app.ui.bridge import RunWorker


class _BrokenHost:
    """A run host whose client raises: a bug in the window's own process."""

    def submit(self, request: RunRequest, consumer, cancel: CancelToken):
        _explode(request)

    def cancel(self) -> None:
        pass


def _explode(request: RunRequest) -> None:
    raise KeyError(f"no pool for {request.scenario.id}")


def test_a_bridge_failure_arrives_as_a_record_with_origin_and_its_own_traceback(qtbot):
    scenario = get_scenario("process-pool")
    request = RunRequest(scenario, scenario.resolve({}), (2,), 1)
    worker = RunWorker(request, _BrokenHost())
    with qtbot.waitSignal(worker.signals.run_failed, timeout=30_000) as blocker:
        worker.start()
    assert worker.wait(30)
    (record,) = blocker.args
    assert isinstance(record, ErrorRecord)
    assert (record.origin, record.type, record.context) == ("thread", "KeyError", "window")
    assert record.message == "'no pool for process-pool'"
    assert "in _explode" in record.traceback and "test_host_failures.py" in record.traceback


def test_the_window_shows_the_record_it_was_given_and_fails_the_run(lab_window, qtbot):
    scenario = get_scenario("process-pool")
    request = RunRequest(scenario, scenario.resolve({}), (2,), 1)
    worker = RunWorker(request, _BrokenHost())
    lab_window._worker = worker  # as start_run leaves it
    record = ErrorRecord("thread", "KeyError", "'x'", "Traceback ...\nKeyError: 'x'\n")
    finished = []
    lab_window.run_finished.connect(finished.append)
    lab_window._on_worker_run_failed(record)
    qtbot.waitUntil(lambda: bool(finished), timeout=30_000)
    assert finished[0].state == "failed" and finished[0].errors == [record]
    assert record in lab_window.error_records()
