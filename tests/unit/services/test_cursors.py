"""Keyset cursors round-trip and refuse anything a client made up."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime

import pytest

from app.errors import BadRequest
from app.services.common.cursors import (
    MAX_PAGE_SIZE,
    Position,
    decode_cursor,
    encode_cursor,
    page_size,
)


def test_cursor_round_trips():
    position = Position(datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC), uuid.uuid4())
    assert decode_cursor(encode_cursor(position)) == position


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "!!!",
        base64.urlsafe_b64encode(b"not json").decode(),
        base64.urlsafe_b64encode(
            b'{"at": "2026-03-01T12:00:00", "id": "' + str(uuid.uuid4()).encode() + b'"}'
        ).decode(),
        base64.urlsafe_b64encode(b'{"at": "2026-03-01T12:00:00Z", "id": "nope"}').decode(),
        base64.urlsafe_b64encode(b'{"id": "x"}').decode(),
        base64.urlsafe_b64encode(b"[1, 2]").decode(),
    ],
)
def test_malformed_cursor_is_a_400(cursor):
    with pytest.raises(BadRequest) as raised:
        decode_cursor(cursor)
    assert raised.value.slug == "invalid-cursor"


@pytest.mark.parametrize(("asked", "given"), [(0, 1), (1, 1), (50, 50), (10_000, MAX_PAGE_SIZE)])
def test_page_size_is_clamped(asked, given):
    assert page_size(asked) == given
