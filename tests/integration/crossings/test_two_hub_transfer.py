"""Two hubs on loopback, CN holding an exporter's documents, HK's lender pulling through HK:
the consented transport document crosses verified end to end; the invoice, which the CN
rules keep onshore, is refused with nothing crossed; both hubs record both attempts."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from app.domain.note import NoteVerifier
from app.ledger.bundle import ProofBundle
from app.ledger.verify import verify_bundle
from app.services.participants.mandates import grant_mandate
from app.storage.models import Crossing, Document, Event, Participant
from tests.federation_hubs import FederatedHub, federated_hubs
from tests.support import REFERENCE, iso, reefer_transport_document, wait_until

pytestmark = pytest.mark.integration

TD = "dcsa.transport-document"
INVOICE = "uncefact.cii.invoice"


@pytest.fixture(scope="module")
def hubs(
    tmp_path_factory: pytest.TempPathFactory, pg_server_url: str
) -> Iterator[tuple[FederatedHub, FederatedHub]]:
    with federated_hubs(tmp_path_factory.mktemp("crossings")) as pair:
        yield pair


def _participant(hub: FederatedHub, participant_id: uuid.UUID) -> Participant:
    with hub.container.uow() as uow:
        found = uow.session.get(Participant, participant_id)
        assert found is not None
        uow.session.refresh(found, ["roles"])
        uow.session.expunge(found)
        return found


def _in_log(hub: FederatedHub, kind: str, subject: str) -> bool:
    with hub.container.uow() as uow:
        return (
            uow.session.scalar(
                sa.select(sa.func.count())
                .select_from(Event)
                .where(Event.kind == kind, Event.subject == subject, Event.seq.is_not(None))
            )
            > 0
        )


def _push(hub: FederatedHub, owner_id: uuid.UUID, raw: bytes, media_type: str) -> uuid.UUID:
    """`raw` pushed for the owner by a provider it mandated, once its acceptance is logged."""
    provider = hub.participant("Carrier", "provider")
    with hub.container.uow() as uow:
        grant_mandate(uow.session, provider_id=provider.id, owner_id=owner_id, actor="test")
        uow.commit()
    answer = httpx.post(
        f"{hub.base}/v1/documents",
        content=raw,
        params={"owner": str(owner_id)},
        headers={
            **hub.headers(provider),
            "Idempotency-Key": uuid.uuid4().hex,
            "Content-Type": media_type,
        },
        timeout=30,
    )
    assert answer.status_code == 201, answer.text
    document_id = uuid.UUID(answer.json()["id"])
    accepted = f"document:{document_id}"
    assert wait_until(lambda: _in_log(hub, "document.accepted", accepted), timeout=60)
    return document_id


def _documents(hub: FederatedHub) -> tuple[Document, uuid.UUID]:
    """An exporter's transport document shipped ten days ago (it names contact persons)
    and its CII invoice issued five days ago."""
    owner = hub.participant("Exporter", "owner")
    shipped = (datetime.now(UTC) - timedelta(days=10)).date().isoformat()
    td = reefer_transport_document(
        "5493001KJTIIGC8Y1R12",
        transportDocumentReference=uuid.uuid4().hex[:20].upper(),
        shippedOnBoardDate=shipped,
    )
    td_id = _push(hub, owner.id, json.dumps(td).encode(), "application/json")
    issued = (datetime.now(UTC) - timedelta(days=5)).strftime("%Y%m%d").encode()
    invoice = (REFERENCE / "uncefact/examples/CII_example3.xml").read_bytes()
    invoice = invoice.replace(b'format="102">20130410<', b'format="102">' + issued + b"<")
    invoice_id = _push(hub, owner.id, invoice, "application/xml")
    with hub.container.uow() as uow:
        document = uow.session.get(Document, td_id)
        assert document is not None
        uow.session.expunge(document)
    return document, invoice_id


@pytest.fixture(scope="module")
def transfer(hubs: tuple[FederatedHub, FederatedHub]) -> dict[str, Any]:
    """The exporter's documents at hub-b (CN), and a consent hub-a's lender asked for
    through hub-a and the exporter approved at hub-b."""
    a, b = hubs
    document, invoice_id = _documents(b)
    owner = _participant(b, document.owner_id)
    lender = a.participant("Bank", "consumer")
    now = datetime.now(UTC)
    terms = {
        "owner_id": str(owner.id),
        "document_types": [TD, INVOICE],
        "purpose": "TRADE_FINANCE_APPLICATION",
        "data_range": {"from": iso(now - timedelta(days=60)), "to": iso(now + timedelta(days=1))},
        "validity": {"from": iso(now - timedelta(minutes=1)), "until": iso(now + timedelta(30))},
        "fetch_type": "PERIODIC",
        "frequency": {"count": 10, "unit": "DAY"},
        "data_life_days": 30,
    }
    asked = httpx.post(
        f"{a.base}/v1/federation/peers/hub-b/consents",
        json=terms,
        headers={**a.headers(lender), "Idempotency-Key": "loan-1"},
        timeout=30,
    )
    assert asked.status_code == 201, asked.text
    consent = asked.json()
    assert consent["status"] == "PENDING"
    assert consent["remote_consumer"] == {"peer": "hub-a", "consumer_ref": str(lender.id)}
    approved = httpx.post(
        f"{b.base}/v1/consents/{consent['id']}/approve", headers=b.headers(owner), timeout=30
    )
    assert approved.status_code == 200, approved.text
    return {
        "document": document,
        "invoice_id": invoice_id,
        "lender": lender,
        "consent_id": consent["id"],
    }


def _pull(hub: FederatedHub, lender: Participant, consent_id: str, path: str) -> httpx.Response:
    return httpx.get(
        f"{hub.base}/v1/federation/peers/hub-b/documents{path}",
        headers={**hub.headers(lender), "Consent-Id": consent_id},
        timeout=30,
    )


def _crossings(hub: FederatedHub) -> list[Crossing]:
    with hub.container.uow() as uow:
        rows = list(uow.session.scalars(sa.select(Crossing).order_by(Crossing.at)))
        for row in rows:
            uow.session.expunge(row)
        return rows


def test_the_lender_sees_the_consent_active_through_its_hub(hubs, transfer) -> None:
    a, _ = hubs
    read = httpx.get(
        f"{a.base}/v1/federation/peers/hub-b/consents/{transfer['consent_id']}",
        headers=a.headers(transfer["lender"]),
        timeout=30,
    )
    assert read.status_code == 200, read.text
    assert read.json()["status"] == "ACTIVE"
    stranger = a.participant("Other bank", "consumer")
    hidden = httpx.get(
        f"{a.base}/v1/federation/peers/hub-b/consents/{transfer['consent_id']}",
        headers=a.headers(stranger),
        timeout=30,
    )
    assert hidden.status_code == 404


def test_the_listing_leaves_out_what_may_not_leave_cn(hubs, transfer) -> None:
    a, _ = hubs
    listed = _pull(a, transfer["lender"], transfer["consent_id"], "")
    assert listed.status_code == 200, listed.text
    ids = [item["id"] for item in listed.json()["items"]]
    assert ids == [str(transfer["document"].id)]


def test_an_allowed_transfer_is_pulled_end_to_end_and_verifies(hubs, transfer) -> None:
    a, b = hubs
    document: Document = transfer["document"]
    pulled = _pull(a, transfer["lender"], transfer["consent_id"], f"/{document.id}")
    assert pulled.status_code == 200, pulled.text
    assert pulled.headers["cache-control"] == "no-store"
    body = pulled.json()
    content = base64.b64decode(body["content"])
    assert hashlib.sha256(content).hexdigest() == document.sha256 == body["document"]["sha256"]
    assert json.loads(content)["transportDocumentReference"] == document.reference
    assert all(c["ok"] or c["skipped"] for c in body["checks"])
    # The lender can check it again on its own against hub-b's log key, pinned at hub-a.
    report = verify_bundle(
        content, ProofBundle.model_validate(body["proof"]), [NoteVerifier.from_vkey(b.log_key)]
    )
    assert report.ok, report.verdict
    [out] = [c for c in _crossings(b) if c.document_id == document.id]
    assert (out.direction, out.outcome, out.peer_name, out.peer_jurisdiction) == (
        "OUT",
        "ALLOWED",
        "hub-a",
        "HK",
    )
    assert (out.doc_type, out.sha256, str(out.consent_id)) == (
        TD,
        document.sha256,
        transfer["consent_id"],
    )
    [received] = [c for c in _crossings(a) if c.document_id == document.id]
    assert (received.direction, received.outcome, received.peer_jurisdiction) == (
        "IN",
        "ALLOWED",
        "CN",
    )
    assert received.participant_id == transfer["lender"].id
    assert str(received.id) == body["crossing_id"]
    for hub, subject in ((b, f"document:{document.id}"), (a, "crossing:hub-b")):
        assert wait_until(lambda h=hub, s=subject: _in_log(h, "federation.crossing", s), 60)


def test_a_residency_restricted_type_is_refused_and_nothing_crosses(hubs, transfer) -> None:
    a, b = hubs
    invoice_id = transfer["invoice_id"]
    refused = _pull(a, transfer["lender"], transfer["consent_id"], f"/{invoice_id}")
    assert refused.status_code == 403, refused.text
    problem = refused.json()
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert problem["type"] == "/problems/residency"
    assert (problem["reason"], problem["rule"]) == ("residency", "cn-commercial-invoice-onshore")
    assert problem["peer"] == "hub-b"
    assert "content" not in problem and "TOSL108" not in refused.text
    [out] = [c for c in _crossings(b) if c.document_id == invoice_id]
    assert (out.outcome, out.reason, out.rule, out.doc_type) == (
        "REFUSED",
        "residency",
        "cn-commercial-invoice-onshore",
        INVOICE,
    )
    [received] = [c for c in _crossings(a) if c.document_id == invoice_id]
    assert (received.direction, received.outcome, received.reason, received.rule) == (
        "IN",
        "REFUSED",
        "residency",
        "cn-commercial-invoice-onshore",
    )
    with b.container.uow() as uow:
        accessed = uow.session.scalars(
            sa.select(Event.payload).where(Event.kind == "data.accessed")
        ).all()
    assert all(str(invoice_id) not in json.dumps(p) for p in accessed)
    assert wait_until(lambda: _in_log(b, "federation.crossing", f"document:{invoice_id}"), 60)


def test_the_peer_api_wants_the_peer_and_names_the_consumer(hubs, transfer) -> None:
    a, b = hubs
    path = f"{b.base}/federation/v1/data/documents/{transfer['document'].id}"
    unsigned = httpx.get(path, headers={"Consent-Id": transfer["consent_id"]}, timeout=30)
    assert unsigned.status_code == 401
    as_lender = httpx.get(
        path,
        headers={**a.headers(transfer["lender"]), "Consent-Id": transfer["consent_id"]},
        timeout=30,
    )
    assert as_lender.status_code == 401
    with a.container.uow() as uow:
        from app.services.federation.peers import get_peer

        peer = get_peer(uow.session, "hub-b")
        uow.session.expunge(peer)
    anonymous = a.container.peer_client.request(
        peer,
        "GET",
        f"/federation/v1/data/documents/{transfer['document'].id}",
        headers={"Consent-Id": transfer["consent_id"]},
    )
    assert anonymous.status_code == 400
    assert anonymous.json()["type"] == "/problems/consumer-ref-required"
    other = a.container.peer_client.request(
        peer,
        "GET",
        f"/federation/v1/data/documents/{transfer['document'].id}",
        headers={"Consent-Id": transfer["consent_id"], "Consumer-Ref": str(uuid.uuid4())},
    )
    assert other.status_code == 404


def test_a_revocation_notice_reaches_the_lender_and_its_ack_goes_back(hubs, transfer) -> None:
    a, b = hubs
    lender: Participant = transfer["lender"]
    owner = _participant(b, transfer["document"].owner_id)
    now = datetime.now(UTC)
    asked = httpx.post(
        f"{a.base}/v1/federation/peers/hub-b/consents",
        json={
            "owner_id": str(owner.id),
            "document_types": [TD],
            "purpose": "TRADE_FINANCE_APPLICATION",
            "data_range": {"from": iso(now - timedelta(days=30)), "to": iso(now)},
            "validity": {"from": iso(now - timedelta(minutes=1)), "until": iso(now + timedelta(9))},
            "fetch_type": "ONETIME",
            "data_life_days": 0,
        },
        headers=a.headers(lender),
        timeout=30,
    )
    assert asked.status_code == 201, asked.text
    consent_id = asked.json()["id"]
    for action, body in (("approve", None), ("revoke", {"reason": "loan declined"})):
        done = httpx.post(
            f"{b.base}/v1/consents/{consent_id}/{action}",
            json=body,
            headers=b.headers(owner),
            timeout=30,
        )
        assert done.status_code == 200, done.text

    def notices() -> list[dict[str, Any]]:
        listed = httpx.get(
            f"{a.base}/v1/federation/peers/hub-b/notices", headers=a.headers(lender), timeout=30
        )
        assert listed.status_code == 200, listed.text
        return [n for n in listed.json()["items"] if n["consent_id"] == consent_id]

    assert wait_until(lambda: len(notices()) == 1, timeout=30)
    [notice] = notices()
    assert notice["acknowledged_at"] is None
    acked = httpx.post(
        f"{a.base}/v1/federation/peers/hub-b/notices/{notice['id']}/ack",
        headers=a.headers(lender),
        timeout=30,
    )
    assert acked.status_code == 200, acked.text
    assert acked.json()["acknowledged_at"] is not None
    stranger = a.participant("Other bank", "consumer")
    foreign = httpx.post(
        f"{a.base}/v1/federation/peers/hub-b/notices/{notice['id']}/ack",
        headers=a.headers(stranger),
        timeout=30,
    )
    assert foreign.status_code == 404
