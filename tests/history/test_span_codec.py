"""The span codec: every column back exactly, at most 16 bytes a span, damage detected."""

from __future__ import annotations

import json
import struct

import pytest
from _history_builders import big_table, perf_spans
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop_app.engine.records import NO_CPU, SpanTable, TaskSpan
from desktop_app.history.span_codec import (
    SpanCodecError,
    decode_spans,
    encode_spans,
    span_count,
)

COLUMNS = ("task", "pid", "thread_index", "start", "end", "ok")


def assert_same(a: SpanTable, b: SpanTable) -> None:
    """Every column exactly; CPU seconds to the nanosecond (the share back within rounding)."""
    for column in COLUMNS:
        assert getattr(a, column) == getattr(b, column), column
    assert a.threads == b.threads
    assert [s.cpu < 0 for s in a] == [s.cpu < 0 for s in b]  # NO_CPU where it was
    assert [s.cpu for s in b] == pytest.approx([s.cpu for s in a], rel=0, abs=0.6e-9)


def test_perf_counter_spans_come_back_bit_for_bit_in_their_tables():
    tables = [perf_spans(500, seed=1), SpanTable(), perf_spans(37, workers=1, seed=2)]
    back = decode_spans(encode_spans(tables))
    assert len(back) == 3
    for original, decoded in zip(tables, back, strict=True):
        assert_same(original, decoded)
    assert span_count(encode_spans(tables)) == 537


def test_a_decoded_table_keeps_appending_with_its_thread_names():
    (back,) = decode_spans(encode_spans([perf_spans(10)]))
    back.append(TaskSpan(99, 1, "ThreadPoolExecutor-0_1", 1.0, 2.0, True))
    assert back[-1].thread == "ThreadPoolExecutor-0_1"
    assert len(back.threads) == len(set(back.threads))


def test_no_tables_and_empty_tables_round_trip():
    assert decode_spans(encode_spans([])) == []
    (empty,) = decode_spans(encode_spans([SpanTable()]))
    assert len(empty) == 0


def test_a_pool_like_run_costs_at_most_16_bytes_a_span():
    table = big_table(200_000)
    blob = encode_spans([table])
    assert len(blob) / len(table) <= 16, len(blob) / len(table)
    assert_same(table, decode_spans(blob)[0])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(-(2**62), 2**62),
            st.integers(-(2**31), 2**31 - 1),
            st.sampled_from(["MainThread", "T-1", "", "ünï ✓"]),
            st.integers(0, 2**52),
            st.integers(0, 10**12),
            st.booleans(),
        ),
        max_size=40,
    )
)
def test_any_integer_nanosecond_spans_round_trip(rows):
    table = SpanTable()
    for task, pid, thread, start_ns, duration_ns, ok in rows:
        table.append(
            TaskSpan(task, pid, thread, start_ns / 1e9, (start_ns + duration_ns) / 1e9, ok)
        )
    assert_same(table, decode_spans(encode_spans([table]))[0])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(), st.floats()), max_size=30))
def test_any_float_times_come_back_bit_for_bit(times):
    """Relative times from JSON, a long uptime, even NaN and infinities: nothing is rounded."""
    table = SpanTable()
    for index, (start, end) in enumerate(times):
        table.append(TaskSpan(index, 1, "MainThread", start, end, True))
    (back,) = decode_spans(encode_spans([table]))
    assert back.start.tobytes() == table.start.tobytes()
    assert back.end.tobytes() == table.end.tobytes()


def test_a_damaged_blob_is_refused_with_a_codec_error():
    blob = encode_spans([perf_spans(50)])
    with pytest.raises(SpanCodecError, match="format marker"):
        decode_spans(b"XXXX" + blob[4:])
    with pytest.raises(SpanCodecError, match="damaged"):
        decode_spans(blob[:-10])


def test_cpu_times_come_back_to_the_nanosecond_and_unmeasured_as_no_cpu():
    table = SpanTable()
    for index, on_cpu in enumerate([0.0, 1.5e-6, 0.123456789, NO_CPU, 0.3000000004]):
        table.append(TaskSpan(index, 1, "MainThread", index, index + 1.0, True, on_cpu))
    table.append(TaskSpan(5, 1, "MainThread", 9.0, 9.0, True, 0.5))  # no time: no CPU time
    (back,) = decode_spans(encode_spans([table]))
    assert [span.cpu for span in back] == [0.0, 1.5e-6, 0.123456789, NO_CPU, 0.3, 0.0]


def _as_format_1(blob: bytes) -> bytes:
    """The blob the app wrote before the cpu column: same layout, old marker, no cpu column."""
    (length,) = struct.unpack_from("<I", blob, 8)
    header = json.loads(blob[12 : 12 + length])
    offset, payloads, kept = 12 + length, [], []
    for name, dtype, size in header["columns"]:
        if name != "cpu":
            kept.append([name, dtype, size])
            payloads.append(blob[offset : offset + size])
        offset += size
    header["columns"] = kept
    head = json.dumps(header).encode()
    return b"".join([b"CLSPANS1", struct.pack("<I", len(head)), head, *payloads])


def test_a_format_1_blob_still_reads_with_no_cpu_time():
    table = perf_spans(40)
    blob = _as_format_1(encode_spans([table]))
    (back,) = decode_spans(blob)
    assert list(back.on_cpu) == [NO_CPU] * 40
    for column in ("task", "pid", "thread_index", "start", "end", "ok"):
        assert getattr(back, column) == getattr(table, column), column
