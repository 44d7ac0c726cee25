"""`POST /add-checkpoint` as C2SP tlog-witness specifies, over HTTP against a real database."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from app.container import Container
from app.domain.cosignature import cosignatures_of
from app.domain.note import NoteSigner, parse_note
from app.domain.witness import AddCheckpointRequest
from app.services.witness.witnessing import ALARM_EVENT, add_witnessed_log, witness_verifier
from app.storage.models import Event, WitnessedLog
from tests.integration.witness.logs import StandInLog

pytestmark = pytest.mark.integration


@pytest.fixture
def log(container: Container) -> Iterator[StandInLog]:
    stand_in = StandInLog()
    with container.uow() as uow:
        add_witnessed_log(uow.session, stand_in.origin, stand_in.vkey)
        uow.commit()
    yield stand_in


def _post(client: TestClient, body: bytes):  # type: ignore[no-untyped-def]
    return client.post("/add-checkpoint", content=body)


def _stored(container: Container, origin: str) -> tuple[int, bytes | None, str | None]:
    with container.uow() as uow:
        row = uow.session.get(WitnessedLog, origin)
        assert row is not None
        return row.size, row.root_hash, row.note


def _alarms(container: Container) -> list[Event]:
    with container.uow() as uow:
        return list(
            uow.session.execute(sa.select(Event).where(Event.kind == ALARM_EVENT)).scalars()
        )


def _cosigned(container: Container, log: StandInLog, size: int, body: str, **fork: object) -> int:
    """The cosignature's timestamp, after checking it is this hub's witness key on that tree."""
    witness = witness_verifier(container.settings, container.keys)
    note = log.note(size, **fork).decode() + body  # type: ignore[arg-type]
    found = cosignatures_of(note, [witness])
    assert set(found) == {witness.name}
    return found[witness.name].timestamp


def test_consistent_chain_is_cosigned_step_by_step(client, container, log):
    first = _post(client, log.request(0, 5))
    assert first.status_code == 200, first.text
    assert first.headers["content-type"].startswith("text/plain")
    assert first.text.startswith("\u2014 ") and first.text.endswith("\n")
    _cosigned(container, log, 5, first.text)
    grown = _post(client, log.request(5, 9))
    assert grown.status_code == 200, grown.text
    _cosigned(container, log, 9, grown.text)
    again = _post(client, log.request(9, 9))
    assert again.status_code == 200
    size, root, note = _stored(container, log.origin)
    assert (size, root) == (9, log.checkpoint(9).root_hash)
    assert note is not None and len(parse_note(note).signatures) == 2
    assert _alarms(container) == []


def test_stale_old_size_gets_409_with_the_cosigned_size(client, container, log):
    assert _post(client, log.request(0, 5)).status_code == 200
    stale = _post(client, log.request(3, 9))
    assert stale.status_code == 409
    assert stale.headers["content-type"] == "text/x.tlog.size"
    assert stale.text == "5\n"
    unknown = _post(client, log.request(0, 9))
    assert (unknown.status_code, unknown.text) == (409, "5\n")
    assert _stored(container, log.origin)[0] == 5


def test_bad_proof_gets_422_and_nothing_is_stored(client, container, log):
    assert _post(client, log.request(0, 5)).status_code == 200
    good = AddCheckpointRequest.parse(log.request(5, 9))
    bad = AddCheckpointRequest(5, (b"\0" * 32, *good.proof[1:]), good.checkpoint)
    answer = _post(client, bad.encode())
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"] == "/problems/witness-bad-proof"
    assert _stored(container, log.origin)[:2] == (5, log.checkpoint(5).root_hash)


def test_unknown_key_gets_403(client, container, log):
    stranger = NoteSigner(log.origin, Ed25519PrivateKey.generate())
    answer = _post(client, log.request(0, 5, signer=stranger))
    assert answer.status_code == 403
    assert answer.json()["type"] == "/problems/witness-unverified-checkpoint"
    assert _stored(container, log.origin)[0] == 0


def test_unknown_origin_gets_404(client, log):
    other = StandInLog(origin="other.example/log")
    answer = _post(client, other.request(0, 3))
    assert answer.status_code == 404
    assert answer.json()["type"] == "/problems/witness-unknown-log"


@pytest.mark.parametrize(
    "body",
    [b"", b"old 0\n", b"old x\n\nsomething\n", b"old 0\n\nno signatures here\n", b"\xff\xfe"],
)
def test_malformed_requests_get_400(client, log, body):
    answer = _post(client, body)
    assert answer.status_code == 400
    assert answer.json()["type"] == "/problems/witness-malformed-request"


def test_old_above_size_gets_400(client, log):
    assert _post(client, log.request(0, 5)).status_code == 200
    body = AddCheckpointRequest(6, (), log.note(5)).encode()
    assert _post(client, body).status_code == 400


def test_fork_at_the_cosigned_size_is_refused_with_an_alarm(client, container, log):
    assert _post(client, log.request(0, 5)).status_code == 200
    before = _stored(container, log.origin)
    fork = _post(client, log.request(5, 5, fork_at=3))
    assert (fork.status_code, fork.text) == (409, "5\n")
    assert _stored(container, log.origin) == before
    (alarm,) = _alarms(container)
    assert alarm.payload["reason"] == "fork"
    assert alarm.payload["cosigned"]["checkpoint"] == before[2]
    assert alarm.payload["submitted"]["checkpoint"] == log.note(5, fork_at=3).decode()
    # The same evidence again raises no second alarm.
    assert _post(client, log.request(5, 5, fork_at=3)).status_code == 409
    assert len(_alarms(container)) == 1


def test_grown_fork_is_refused_with_an_alarm(client, container, log):
    assert _post(client, log.request(0, 5)).status_code == 200
    before = _stored(container, log.origin)
    # A history that rewrote leaf 3 and grew: its own proof cannot start from our tree.
    answer = _post(client, log.request(5, 9, fork_at=3))
    assert answer.status_code == 422
    assert answer.json()["reason"] == "inconsistent"
    assert _stored(container, log.origin) == before
    (alarm,) = _alarms(container)
    assert alarm.payload["submitted"]["size"] == 9
    assert alarm.payload["cosigned"]["root_hash"] == base64.b64encode(before[1]).decode()


def test_rollback_is_refused_with_an_alarm(client, container, log):
    assert _post(client, log.request(0, 9)).status_code == 200
    before = _stored(container, log.origin)
    rolled_back = AddCheckpointRequest(9, (), log.note(5)).encode()
    answer = _post(client, rolled_back)
    assert answer.status_code == 400
    assert answer.json()["reason"] == "rollback"
    assert _stored(container, log.origin) == before
    (alarm,) = _alarms(container)
    assert alarm.payload["reason"] == "rollback"


def test_a_second_key_for_a_witnessed_origin_is_refused(container, log):
    from app.errors import Conflict

    with container.uow() as uow, pytest.raises(Conflict):
        add_witnessed_log(uow.session, log.origin, StandInLog().vkey)


def test_the_witness_key_is_published(client, container):
    described = client.get("/.well-known/tradegate-log").json()["witness"]
    assert described["vkey"] == witness_verifier(container.settings, container.keys).vkey
    assert described["name"] == "testserver/witness"
    assert described["add_checkpoint"] == "http://testserver/add-checkpoint"
