"""Hardened JSON parsing: duplicate keys anywhere are refused, whatever their spelling."""

from __future__ import annotations

import json
import random
from typing import Any

import msgspec
import pytest
import rfc8785

from app.validation import UnparsableDocument, safe_json
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


def _outcome(raw: bytes, *, fast: bool) -> tuple[Any, ...]:
    """What parsing ``raw`` gives with or without the fast decoder: its result or its refusal."""
    try:
        if fast:
            parsed = parse_json(raw, max_depth=64)
        else:
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr(safe_json, "_FAST", _Refusing())
                parsed = parse_json(raw, max_depth=64)
    except UnparsableDocument as exc:
        return ("refused", exc.reason, str(exc), dict(exc.extensions))
    return ("parsed", parsed.value, parsed.canonical, parsed.plain, parsed.text)


class _Refusing:
    """A fast decoder that refuses everything: what the standard library alone would say."""

    def decode(self, _text: str) -> Any:
        raise msgspec.DecodeError("refused")


@pytest.mark.parametrize(
    "raw",
    [
        b'{"a": 1, "b": [true, false, null], "c": "x"}',
        b'{"n": 1.0, "m": -0.0, "e": 1E2, "f": 2.5e-3, "g": 0.1, "h": 1e16, "i": 1e-7}',
        b'{"big": 123456789012345678901234567890}',
        b'{"big": -9007199254740993}',
        b'{"edge": 9007199254740992, "e2": 9007199254740991.0}',
        b'{"inf": 1e400}',
        b'{"ninf": -1e400}',
        b'{"nan": NaN}',
        b'{"inf": Infinity}',
        b'{"a": -Infinity}',
        b'{"a": 01}',
        b'{"a": 1.}',
        b'{"a": .5}',
        b'{"a": +1}',
        b'{"a": 1,}',
        b"[1, 2,]",
        b'{"a": 1} x',
        b'{"a": 1}\n\t ',
        b'\xef\xbb\xbf{"bom": true}',
        b'{"a": "\x01"}',
        b'{"a": "\\u0000 \\n \\" \\\\ \\/ \\b \\f \\r \\t"}',
        b'{"a": "\\ud83d\\ude00", "\\u00e9": "\\u20ac"}',
        b'{"a": "\\ud800"}',
        b'{"a": "\\x41"}',
        '{"é": "€", "a": "\U0001f600"}'.encode(),
        b"{'a': 1}",
        b'{"a" 1}',
        b'{"a": tru}',
        b"",
        b"   ",
        b'"just a string"',
        b"42",
        b'{"a": 1, "a": 2}',
        b'{"a": {"b": [1, {"c": 1, "c": 1}]}}',
        b'{"a": "x", "a": "\\u003a"}',
        b"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
    ],
)
def test_the_fast_decoder_decides_exactly_as_the_standard_library(raw: bytes) -> None:
    assert _outcome(raw, fast=True) == _outcome(raw, fast=False)


def test_random_documents_decode_alike_on_both_paths() -> None:
    rng = random.Random(11)
    for _ in range(300):
        value = {"root": _random_value(rng), "f": rng.choice([0.1, 1e-5, 3.0, 1e300, -2.5e-300])}
        text = json.dumps(value).encode()
        assert _outcome(text, fast=True) == _outcome(text, fast=False), text
