"""The stored document: whole-number results packed, everything else JSON, types kept."""

from __future__ import annotations

import json
import zlib

import numpy as np
import pytest

from desktop_app.history import document_codec
from desktop_app.history.document_codec import dumps_in_slices, pack_document, unpack_document


def document(*results) -> dict:
    return {"scenario": "s", "runs": [{"series": "x", "results": r, "tasks": []} for r in results]}


@pytest.mark.parametrize(
    "results",
    [
        [1, 4, 9, -16, 2**53 - 1, -(2**53) + 1],
        [True, False],  # bools stay bools
        [2**53, 1],  # past JSON's exact range: stays as written
        ["12", 1],
        [1.5, 2],
        [],
        [[1, 2], None],
    ],
)
def test_results_come_back_with_their_types(results):
    original = document(results, [7, 8, 9])
    back = unpack_document(pack_document(original))
    assert back == original
    assert [type(v) for v in back["runs"][0]["results"]] == [type(v) for v in results]


def test_int_arrays_come_back_as_lists():
    back = unpack_document(pack_document(document(np.arange(5) ** 2, [3])))
    assert back["runs"][0]["results"] == [0, 1, 4, 9, 16]
    assert back["runs"][1]["results"] == [3]


def test_a_million_squares_take_little_room():
    squares = list(range(1, 1_000_001))
    blob = pack_document(document([n * n for n in squares]))
    assert len(blob) < 1_000_000  # under a byte a result (JSON alone: ~13 bytes a result)


def test_schema_1_documents_still_read():
    original = document([1, 2, 3])
    assert unpack_document(zlib.compress(json.dumps(original).encode())) == original


def _big_document() -> dict:
    rows = [[i, i * i, f"pid {i % 7}", 0.125 * i, None, i % 2 == 0] for i in range(25_000)]
    return {
        "scenario": "process-pool",
        "table_rows": rows,
        "runs": [{"series": "s", "results": [str(i) for i in range(9_999)], "tasks": []}],
        "notes": ["ünïcödé ☃", ""],
        "nested": {"empty": {}, "list": [], "deep": {"x": list(range(4_001))}},
        "float": 1e-7,
    }


@pytest.mark.parametrize(
    "value",
    [
        _big_document(),
        {1: "int key", "a": list(range(5_000))},  # json turns the key into "1": one call
        list(range(document_codec.SLICE * 3 + 1)),
        [],
        {},
        "text",
        None,
    ],
)
def test_the_sliced_text_is_json_dumps_own(value):
    assert dumps_in_slices(value) == json.dumps(value, separators=(",", ":"))


def test_no_single_json_call_encodes_more_than_a_slice_of_a_long_list(monkeypatch):
    """json's C encoder holds the GIL for a whole call: a 100,000-row results table in one
    call froze the window's GUI thread ~65 ms while the history saver ran."""
    real = json.dumps
    sizes: list[int] = []

    def counting(value, **kwargs):
        if isinstance(value, list):
            sizes.append(len(value))
        return real(value, **kwargs)

    monkeypatch.setattr(json, "dumps", counting)
    pack_document(_big_document())
    assert sizes and max(sizes) <= document_codec.SLICE
