"""Hardened JSON parsing: duplicate keys anywhere are refused, whatever their spelling."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
import rfc8785

from app.validation import UnparsableDocument
from app.validation.safe_json import parse_json


def _reason(text: str) -> str | None:
    try:
        parse_json(text.encode(), max_depth=64)
    except UnparsableDocument as exc:
        return exc.reason
    return None


@pytest.mark.parametrize(
    "text",
    [
        '{"a": 1, "a": 1}',
        '{"a": {"b": 1, "c": 2, "b": 3}}',
        '[1, [{"x": null}], {"k": [], "k": {}}]',
        '{"a": 1, "\\u0061": 2}',
        '{"t": "10:15:00", "t": "10:15:00"}',
        '{"a": "no colon", "a": "x:y:z"}',
        '{"a": "x", "a": "\\u003a"}',
        '{"a": "x", "a": "\\u003A"}',
        '{"a": {"p": 1, "q": 2}, "a": {"p": 1}}',
    ],
)
def test_duplicate_keys_are_refused_at_any_depth_and_in_any_spelling(text: str) -> None:
    assert _reason(text) == "duplicate-key"


@pytest.mark.parametrize(
    "text",
    [
        '{"a": "\\u003a", "b": "::"}',
        '{"a:b": "c:d", "e": ["f:", ":g"]}',
        '{"a": {"a": {"a": 1}}, "b": [{"a": 1}, {"a": 2}]}',
        '{"a": "\\\\u003a"}',
    ],
)
def test_repeated_keys_in_different_objects_and_colons_in_strings_are_fine(text: str) -> None:
    assert _reason(text) is None


def test_duplicate_key_message_names_the_key() -> None:
    with pytest.raises(UnparsableDocument, match="'transportDocumentReference'"):
        parse_json(
            b'{"transportDocumentReference": 1, "transportDocumentReference": 2}', max_depth=64
        )


def test_duplicate_keys_win_over_a_missing_canonical_form() -> None:
    assert _reason('{"a": 9007199254740993, "a": 1}') == "duplicate-key"
    assert _reason('{"a": 9007199254740993}') == "not-i-json"


def _random_value(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(6 if depth < 4 else 4)
    if kind == 0:
        return rng.randint(-(2**53) + 1, 2**53 - 1)
    if kind == 1:
        return rng.choice(["", "a:b", ":", "x\u00e9", '"', "\\", "10:00", "\\u003a"])
    if kind == 2:
        return rng.choice([True, False, None, 0.5, 1.25])
    if kind == 3:
        return "k"
    if kind == 4:
        return [_random_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {rng.choice("ab:") + str(i): _random_value(rng, depth + 1) for i in range(4)}


def _write(value: Any, rng: random.Random, repeat_in: int, objects: list[int]) -> str:
    """JSON text of ``value``; object number ``repeat_in`` gets one of its keys a second time."""
    if isinstance(value, list):
        return "[" + ",".join(_write(v, rng, repeat_in, objects) for v in value) + "]"
    if not isinstance(value, dict):
        return json.dumps(value)
    number = len(objects)
    objects.append(number)
    members = [f"{json.dumps(k)}: {_write(v, rng, repeat_in, objects)}" for k, v in value.items()]
    if number == repeat_in:
        again = f"{json.dumps(rng.choice(list(value)))}: {json.dumps(_random_value(rng))}"
        members.insert(rng.randrange(len(members) + 1), again)
    return "{" + ", ".join(members) + "}"


def test_random_documents_are_judged_like_a_key_by_key_check() -> None:
    rng = random.Random(3)
    for _ in range(500):
        value = {"root": _random_value(rng), ":": _random_value(rng)}
        objects: list[int] = []
        text = _write(value, rng, -1, objects)
        parsed = parse_json(text.encode(), max_depth=64)
        assert (parsed.value, parsed.canonical) == (value, rfc8785.dumps(value))
        repeated = _write(value, rng, rng.randrange(len(objects)), [])
        assert _reason(repeated) == "duplicate-key", repeated


@pytest.mark.parametrize(
    "text", ['{"\\uffff": 2, "\\ud83d\\ude00": 1}', '{"\uffff": 2, "\U0001f600": 1}']
)
def test_astral_keys_are_ordered_by_utf16_code_units_however_spelled(text: str) -> None:
    canonical = parse_json(text.encode(), max_depth=64).canonical
    assert canonical == '{"\U0001f600":1,"\uffff":2}'.encode()


def test_integral_and_exponent_numbers_take_their_ecmascript_form() -> None:
    parsed = parse_json(b'{"a": 1.0, "b": -0.0, "c": 1e21, "d": 0.000001, "e": 2.50}', max_depth=64)
    assert parsed.canonical == b'{"a":1,"b":0,"c":1e+21,"d":0.000001,"e":2.5}'
