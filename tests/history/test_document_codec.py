"""The stored document: whole-number results packed, everything else JSON, types kept."""

from __future__ import annotations

import json
import zlib

import numpy as np
import pytest

from desktop_app.history.document_codec import pack_document, unpack_document


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
