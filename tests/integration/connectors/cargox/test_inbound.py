"""Received CargoX envelopes reach intake once, by the rule webhook or by polling."""

from __future__ import annotations

import hashlib
import json
import time
import uuid

import pytest
import sqlalchemy as sa
from tradegate_cargox.inbound import sign

from app.services.documents.inbound import poll_instances
from app.storage.models import Document, Event
from connectors.registry import default_registry
from tests.cargox_standin import Fault
from tests.integration.connectors.cargox.conftest import WEBHOOK_SECRET
from tests.integration.connectors.reliability import LEI, transport_document

BILL = transport_document(1)


@pytest.fixture(autouse=True)
def exporter(make_participant):
    """The shipper the transport documents name, so intake accepts them."""
    return make_participant("Shipper", roles=("owner",), identifiers=(f"LEI:{LEI}",))


def signed(envelope_id: str, secret: str = WEBHOOK_SECRET) -> tuple[bytes, dict[str, str]]:
    body = json.dumps({"event": "envelope_received", "envelope_id": envelope_id}).encode()
    timestamp = str(int(time.time()))
    headers = {
        "content-type": "application/json",
        "x-cargox-timestamp": timestamp,
        "x-cargox-signature": sign(secret, timestamp, body),
    }
    return body, headers


def post_event(client, instance_id: uuid.UUID, body: bytes, headers: dict[str, str]):
    return client.post(
        f"/v1/connectors/instances/{instance_id}/events", content=body, headers=headers
    )


def documents(container) -> list[Document]:
    with container.uow() as uow:
        return list(uow.session.execute(sa.select(Document)).scalars())


def provenance(container) -> list[dict]:
    with container.uow() as uow:
        return [
            e.payload
            for e in uow.session.execute(
                sa.select(Event).where(Event.kind == "document.provenance")
            ).scalars()
        ]


def downloads(standin) -> int:
    return sum(1 for _, path in standin.state.calls if path.endswith("/download/"))


def test_a_signed_webhook_pushes_the_envelope_through_intake_with_provenance(
    client, container, standin, receiving_instance
):
    envelope_id = standin.state.receive([("bill.json", "application/json", BILL)], sender="Maersk")
    answer = post_event(client, receiving_instance, *signed(envelope_id))
    assert answer.status_code == 200, answer.text
    assert answer.json()["detail"].startswith("accepted")
    (document,) = documents(container)
    assert document.sha256 == hashlib.sha256(BILL).hexdigest()
    (origin,) = provenance(container)
    assert origin["cargox_envelope_id"] == envelope_id
    assert origin["cargox_sender_company"] == "Maersk"
    assert origin["cargox_document_hash"] == document.sha256


def test_a_duplicate_webhook_is_processed_once(client, container, standin, receiving_instance):
    envelope_id = standin.state.receive([("bill.json", "application/json", BILL)])
    first = post_event(client, receiving_instance, *signed(envelope_id))
    again = post_event(client, receiving_instance, *signed(envelope_id))
    assert first.status_code == again.status_code == 200
    assert again.json()["detail"].startswith("duplicate")
    assert len(documents(container)) == 1 and downloads(standin) == 1


@pytest.mark.parametrize(
    "tamper",
    [
        lambda body, headers: (body + b" ", headers),
        lambda body, headers: (
            body,
            headers | {"x-cargox-timestamp": str(int(time.time()) - 3600)},
        ),
        lambda body, headers: (body, {"content-type": "application/json"}),
    ],
    ids=["altered-body", "stale-timestamp", "unsigned"],
)
def test_a_webhook_failing_the_signature_check_is_refused_unread(
    client, container, standin, receiving_instance, tamper
):
    envelope_id = standin.state.receive([("bill.json", "application/json", BILL)])
    answer = post_event(client, receiving_instance, *tamper(*signed(envelope_id)))
    assert answer.status_code == 401
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["type"] == "/problems/connector-event-refused"
    assert standin.state.calls == [] and documents(container) == []


def test_a_webhook_signed_with_another_secret_is_refused(client, standin, receiving_instance):
    envelope_id = standin.state.receive([("bill.json", "application/json", BILL)])
    answer = post_event(client, receiving_instance, *signed(envelope_id, secret="guess"))
    assert answer.status_code == 401


def test_cargox_rate_limiting_answers_503_with_retry_after_and_the_retry_succeeds(
    client, container, standin, receiving_instance
):
    envelope_id = standin.state.receive([("bill.json", "application/json", BILL)])
    standin.state.faults.append(Fault("/by-id/", 429, retry_after="7"))
    refused = post_event(client, receiving_instance, *signed(envelope_id))
    assert refused.status_code == 503 and refused.headers["retry-after"] == "7"
    assert documents(container) == []
    retried = post_event(client, receiving_instance, *signed(envelope_id))
    assert retried.status_code == 200 and len(documents(container)) == 1


def test_an_unknown_instance_gets_a_404_problem(client, standin):
    answer = post_event(client, uuid.uuid4(), *signed("x"))
    assert answer.status_code == 404


def test_bytes_that_do_not_match_the_notarised_hash_are_rejected(
    client, container, standin, receiving_instance
):
    envelope_id = standin.state.receive([("bill.json", "application/json", BILL)])
    (attachment,) = standin.state.envelopes[envelope_id]["attachments"]
    standin.state.documents[attachment["document_token"]["document_id"]] = b"tampered"
    answer = post_event(client, receiving_instance, *signed(envelope_id))
    assert answer.status_code == 200 and "notarised hash" in answer.json()["detail"]
    assert documents(container) == []


def test_polling_takes_each_received_envelope_once_across_polls(
    container, standin, receiving_instance
):
    first = standin.state.receive([("a.json", "application/json", BILL)])
    second = standin.state.receive([("b.json", "application/json", transport_document(2))])
    report = poll_instances(container, default_registry())[str(receiving_instance)]
    assert report.accepted == 2
    again = poll_instances(container, default_registry())[str(receiving_instance)]
    assert again.accepted == 0
    assert len(documents(container)) == 2
    assert {p["cargox_envelope_id"] for p in provenance(container)} == {first, second}


def test_an_envelope_taken_by_webhook_is_not_taken_again_by_polling(
    client, container, standin, receiving_instance
):
    envelope_id = standin.state.receive([("bill.json", "application/json", BILL)])
    assert post_event(client, receiving_instance, *signed(envelope_id)).status_code == 200
    report = poll_instances(container, default_registry())[str(receiving_instance)]
    assert report.accepted == 0 and len(documents(container)) == 1
