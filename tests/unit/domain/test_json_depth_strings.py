"""Depth is measured outside strings, whatever the escapes, and stays linear on hostile input."""

import json
import time

import pytest

from app.domain.json_depth import exceeds_depth, max_json_depth, nests_deeper


@pytest.mark.parametrize(
    "value",
    [
        {"a": "\\", "b": [["x"]]},
        {"a": 'say "[[[[" \\"{{', "b": []},
        ['\\\\"]]]]', {"k\\": {'\\"': [1]}}],
        {"[": {"{": ["]", "}"]}},
    ],
)
def test_depth_matches_the_parsed_structure(value: object) -> None:
    def depth(v: object) -> int:
        if isinstance(v, dict):
            return 1 + max((depth(x) for x in v.values()), default=0)
        if isinstance(v, list):
            return 1 + max((depth(x) for x in v), default=0)
        return 0

    assert max_json_depth(json.dumps(value).encode()) == depth(value)


def test_interleaved_deep_nesting_is_caught() -> None:
    body = b"[[]," * 70 + b"0" + b"]" * 70
    # 70 open levels, each also holding an empty array one level deeper.
    assert max_json_depth(body) == 71
    assert exceeds_depth(body, 64) and not exceeds_depth(body, 71)


def test_long_flat_input_with_a_deep_tail_is_caught_quickly() -> None:
    body = b"[" + b"[]," * 200_000 + b"[" * 65 + b"]" * 65 + b"]"
    started = time.perf_counter()
    assert exceeds_depth(body, 64)
    assert time.perf_counter() - started < 0.5


def _depth(v: object) -> int:
    if isinstance(v, dict):
        return 1 + max((_depth(x) for x in v.values()), default=0)
    if isinstance(v, list):
        return 1 + max((_depth(x) for x in v), default=0)
    return 0


@pytest.mark.parametrize(
    ("value", "sparse"),
    [
        ({"a": 'say "[[[[" \\"{{', "pad": "x" * 4000, "b": [[{"c": '\\\\"]]'}]]}, True),
        (["\u00e9t\u00e9 [", {"k\\": {'\\"': [1], "pad": "y" * 4000}}, "\\"], True),
        ({"a": '\\"' * 100, "b": [[["]"]]]}, False),
    ],
)
def test_both_ways_of_removing_escapes_agree(value: object, sparse: bool) -> None:
    body = json.dumps(value).encode()
    # Sparse escapes take one regular-expression pass, dense ones two replacements.
    assert (body.count(b"\\") * 64 <= len(body)) is sparse
    assert max_json_depth(body) == _depth(value)
    assert exceeds_depth(body, _depth(value) - 1) and not exceeds_depth(body, _depth(value))
    # A parser that counted the backslashes already gets the same answers.
    counted = body.count(b"\\")
    assert nests_deeper(body, _depth(value) - 1, backslashes=counted)
    assert not nests_deeper(body, _depth(value), backslashes=counted)


def test_dense_backslashes_stay_linear() -> None:
    body = b'["' + b"\\\\" * 2_000_000 + b'"' + b"[" * 65 + b"]" * 66
    started = time.perf_counter()
    assert exceeds_depth(body, 64)
    assert time.perf_counter() - started < 0.5
