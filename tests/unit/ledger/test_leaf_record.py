"""Leaf data is RFC 8785 canonical JSON of the event record, and only that."""

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
import rfc8785

from app.ledger.leaf import LeafDataError, LeafRecord, encode_leaf

TRICKY = [
    "plain",
    'quote " backslash \\',
    "tab\tnew\nline\r",
    "\x00\x01\x1f\x7f",
    "é 中 😀",
    "\u2028",
]


def _record(subject: str) -> LeafRecord:
    return LeafRecord.of_event(
        event_id=uuid.UUID(int=7),
        kind="document.accepted",
        subject=subject,
        payload_sha256="ab" * 32,
        salt=bytes(range(32)),
        time=datetime(2026, 11, 29, 1, 2, 3, 4, tzinfo=timezone(timedelta(hours=8))),
    )


@pytest.mark.parametrize("subject", TRICKY)
def test_encoding_is_rfc8785_canonical_json(subject):
    record = _record(subject)
    fields = {name: getattr(record, name) for name in sorted(vars(record))}
    assert record.encode() == rfc8785.dumps(fields)
    assert LeafRecord.decode(record.encode()) == record


def test_time_is_normalised_to_utc_with_microseconds():
    assert _record("s").time == "2026-11-28T17:02:03.000004+00:00"
    assert _record("s").time.endswith("+00:00")
    assert datetime.fromisoformat(_record("s").time).tzinfo == UTC


@pytest.mark.parametrize(
    "data",
    [
        b"not json",
        b"[]",
        b'{"event_id":"x"}',
        b'{"event_id": "a", "kind": "b", "payload_sha256": "c", "salt": "d", "subject": "e",'
        b' "time": "f"}',
        b'{"event_id":"a","kind":"b","payload_sha256":"c","salt":"d","subject":"e","time":1}',
        b'{"event_id":"a","kind":"b","payload_sha256":"c","salt":"d","subject":"e","time":"f","x":"y"}',
    ],
)
def test_anything_but_the_canonical_record_is_refused(data):
    with pytest.raises(LeafDataError):
        LeafRecord.decode(data)


@pytest.mark.parametrize("text", TRICKY)
def test_every_field_is_escaped_as_rfc8785_does(text):
    fields = dict.fromkeys(("event_id", "kind", "payload_sha256", "salt", "subject", "time"), text)
    assert encode_leaf(**fields) == rfc8785.dumps(fields)
