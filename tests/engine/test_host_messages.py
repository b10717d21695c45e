"""What the run host sends the window: batches cut so no message holds more than a limit of
spans (one big unpickle on the bridge thread holds the GIL the GUI thread waits for)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from desktop_app.engine.events import OutputLine, TasksFinished
from desktop_app.engine.host.protocol import split_batch
from desktop_app.engine.records import SpanTable, TaskSpan


def _finished(first: int, count: int) -> TasksFinished:
    table = SpanTable()
    for task in range(first, first + count):
        table.append(TaskSpan(task, 7, "MainThread", float(task), task + 0.5, task % 3 != 0))
    return TasksFinished("cpu", "pool", 2, 0, table)


def _batch(sizes: list[int]) -> list:
    events, first = [], 0
    for index, size in enumerate(sizes):
        events.append(_finished(first, size))
        events.append(OutputLine(f"line {index}", "main"))
        first += size
    return events


@given(st.lists(st.integers(0, 40), max_size=8), st.integers(1, 25))
def test_messages_keep_every_event_in_order_and_hold_at_most_the_limit(sizes, limit):
    messages = split_batch(_batch(sizes), limit)
    assert all(
        sum(len(e.spans) for e in m if isinstance(e, TasksFinished)) <= limit for m in messages
    )
    flat = [event for message in messages for event in message]
    lines = [e.text for e in flat if isinstance(e, OutputLine)]
    assert lines == [f"line {index}" for index in range(len(sizes))]
    spans = [span for e in flat if isinstance(e, TasksFinished) for span in e.spans]
    assert spans == [
        span for e in _batch(sizes) if isinstance(e, TasksFinished) for span in e.spans
    ]
    assert all(message for message in messages), "no empty message"


def test_a_batch_within_the_limit_goes_as_it_is():
    batch = _batch([3, 4])
    [message] = split_batch(batch, 10)
    assert message == batch and message[0] is batch[0]
