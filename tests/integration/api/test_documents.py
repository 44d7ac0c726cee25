"""Pushing documents: stored with event and outbox row, idempotent, tenant-scoped, never a 500."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from app.storage.models import Document, Event, IdempotencyKey, OutboxMessage, ProviderMandate
from tests.support import REFERENCE, both_backends, push, reefer_transport_document

pytestmark = [pytest.mark.integration, both_backends]

LEI = "5493001KJTIIGC8Y1R12"
PROBLEM = "application/problem+json"


@pytest.fixture
def td_with_lei() -> bytes:
    return json.dumps(reefer_transport_document(LEI), indent=2).encode()


@pytest.fixture
def parties(make_participant, auth_headers):  # noqa: ANN001, ANN201
    owner = make_participant("Exporter", roles=("owner",), identifiers=(f"LEI:{LEI}",))
    provider = make_participant("Carrier", roles=("provider",))
    other = make_participant("Other carrier", roles=("provider",))
    return owner, provider, auth_headers(provider), auth_headers(other), auth_headers(owner)


def _count(container, model, *where) -> int:  # noqa: ANN001
    with container.uow() as uow:
        return uow.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_accepted_document_is_stored_with_event_and_outbox(client, container, parties, td_with_lei):  # noqa: ANN001
    owner, provider, headers, _, _ = parties
    r = push(client, headers, td_with_lei)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["owner_id"] == str(owner.id) and body["type"] == "dcsa.transport-document"
    assert body["sha256"] == hashlib.sha256(td_with_lei).hexdigest()
    assert {w["rule"] for w in body["warnings"]} == {"W02"}
    assert _count(container, Event, Event.kind == "document.accepted") == 1
    assert _count(container, OutboxMessage, OutboxMessage.topic == "document.accepted") == 1

    content = client.get(f"/v1/documents/{body['id']}/content", headers=headers)
    assert content.status_code == 200 and content.content == td_with_lei
    assert content.headers["content-type"].startswith(
        "application/vnd.dcsa.transport-document+json"
    )
    digest = base64.b64encode(hashlib.sha256(td_with_lei).digest()).decode()
    assert content.headers["repr-digest"] == f"sha-256=:{digest}:"
    meta = client.get(f"/v1/documents/{body['id']}", headers=headers).json()
    assert meta["canonical_sha256"] == body["canonical_sha256"]


def test_same_key_same_body_replays_the_stored_201(client, container, parties, td_with_lei):  # noqa: ANN001
    _, _, headers, _, _ = parties
    first = push(client, headers, td_with_lei)
    again = push(client, headers, td_with_lei)
    assert again.status_code == 201 and again.json() == first.json()
    assert _count(container, Document) == 1


def test_same_key_different_body_is_422(client, parties, td_with_lei):  # noqa: ANN001
    _, _, headers, _, _ = parties
    assert push(client, headers, td_with_lei).status_code == 201
    r = push(client, headers, td_with_lei.replace(b"D8931B95625E4B339F2A", b"D8931B95625E4B339F2B"))
    assert r.status_code == 422 and r.json()["type"] == "/problems/idempotency-key-reused"


def test_key_in_flight_is_409(client, container, parties, td_with_lei):  # noqa: ANN001
    _, provider, headers, _, _ = parties
    from app.security.principal import Principal
    from app.services.documents import ingest

    principal = Principal(participant_id=provider.id, client_id="c")
    digest = ingest.request_digest(td_with_lei, "application/json", None, None)
    with container.uow() as uow:
        assert ingest.claim_idempotency_key(uow.session, principal, "busy", digest) is None
        uow.commit()
    r = push(client, headers, td_with_lei, key="busy")
    assert r.status_code == 409 and r.json()["type"] == "/problems/idempotency-key-in-flight"


def test_concurrent_retries_of_one_push_store_one_document_and_answer_alike(
    container, parties, td_with_lei
):  # noqa: ANN001
    from app.security.principal import Principal
    from app.services.documents import ingest

    owner, provider, _, _, _ = parties
    principal = Principal(participant_id=provider.id, client_id="c")
    barrier = threading.Barrier(4)

    def attempt() -> tuple[int, dict]:
        barrier.wait()
        return ingest.push(
            container,
            principal,
            td_with_lei,
            key="twice",
            media_type="application/json",
            declared_type=None,
            owner=None,
        )

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: attempt(), range(4)))
    assert {code for code, _ in answers} == {201}
    assert len({body["id"] for _, body in answers}) == 1
    assert _count(container, Document) == 1
    assert _count(container, Event, Event.kind == "document.accepted") == 1
    assert _count(container, OutboxMessage, OutboxMessage.topic == "document.accepted") == 1


def test_a_failure_after_the_claim_leaves_neither_document_nor_claim(
    client, container, parties, td_with_lei, monkeypatch
):  # noqa: ANN001
    from app.services.documents import ingest

    _, _, headers, _, _ = parties

    def broken(*_args, **_kwargs) -> None:  # noqa: ANN002, ANN003
        raise RuntimeError("the outbox is unreachable")

    monkeypatch.setattr(ingest, "append", broken)
    assert push(client, headers, td_with_lei, key="crash").status_code == 500
    assert _count(container, Document) == 0
    assert _count(container, IdempotencyKey) == 0
    assert _count(container, Event, Event.kind.like("document.%")) == 0
    monkeypatch.undo()
    assert push(client, headers, td_with_lei, key="crash").status_code == 201


def test_invalid_document_is_422_with_errors_and_only_an_event(
    client, container, parties, td_with_lei
):  # noqa: ANN001
    _, _, headers, _, _ = parties
    td = json.loads(td_with_lei)
    td["declaredValue"] = 10
    del td["transports"]
    r = push(client, headers, json.dumps(td).encode())
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
    assert any(e["rule"] == "schema:required" for e in r.json()["errors"])
    assert _count(container, Document) == 0
    assert _count(container, Event, Event.kind == "document.rejected") == 1
    # The key was released: a corrected retry with the same key succeeds.
    assert push(client, headers, td_with_lei).status_code == 201


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>', 400),
        (b'{"a": 1, "a": 2}', 400),
        (b"\xff\xfe", 400),
        (b'{"hello": "world"}', 422),
    ],
)
def test_hostile_or_unknown_input_is_a_4xx_problem(client, parties, body, status):  # noqa: ANN001
    _, _, headers, _, _ = parties
    r = push(client, headers, body, key="h", media_type="application/octet-stream")
    assert r.status_code == status and r.headers["content-type"] == PROBLEM


def test_unknown_media_type_is_415(client, parties, td_with_lei):  # noqa: ANN001
    _, _, headers, _, _ = parties
    r = push(client, headers, td_with_lei, key="m", media_type="text/plain")
    assert r.status_code == 415


def test_missing_idempotency_key_is_400(client, parties, td_with_lei):  # noqa: ANN001
    _, _, headers, _, _ = parties
    r = push(client, headers, td_with_lei, key=None, media_type=None)
    assert r.status_code == 400


def test_unresolvable_owner_is_422_unless_provider_is_mandated(
    client, container, parties, reference=REFERENCE
):  # noqa: ANN001
    owner, provider, headers, _, _ = parties
    raw = (REFERENCE / "uncefact/examples/CII_example3.xml").read_bytes()
    r = push(client, headers, raw, key="x1", media_type=None)
    assert r.status_code == 422 and r.json()["type"] == "/problems/owner-unresolved"
    r = push(client, headers, raw, key="x2", media_type=None, owner=str(owner.id))
    assert r.status_code == 422 and r.json()["type"] == "/problems/owner-not-mandated"
    with container.uow() as uow:
        uow.session.add(ProviderMandate(provider_id=provider.id, owner_id=owner.id))
        uow.commit()
    r = push(client, headers, raw, key="x3", media_type=None, owner=str(owner.id))
    assert r.status_code == 201 and r.json()["type"] == "uncefact.cii.invoice"


def test_other_tenants_get_404(client, parties, td_with_lei):  # noqa: ANN001
    _, _, headers, other, owner_headers = parties
    doc_id = push(client, headers, td_with_lei).json()["id"]
    assert client.get(f"/v1/documents/{doc_id}", headers=other).status_code == 404
    assert client.get(f"/v1/documents/{doc_id}/content", headers=other).status_code == 404


def test_validate_stores_nothing(client, container, parties, td_with_lei):  # noqa: ANN001
    _, _, headers, _, _ = parties
    r = client.post(
        "/v1/validate", content=td_with_lei, headers={**headers, "Content-Type": "application/json"}
    )
    assert r.status_code == 200 and r.json()["valid"] is True
    assert (
        _count(container, Document) == 0
        and _count(container, Event, Event.kind.like("document.%")) == 0
    )


def test_push_requires_documents_write(client, parties, td_with_lei):  # noqa: ANN001
    _, _, _, _, owner_headers = parties
    assert push(client, owner_headers, td_with_lei).status_code == 403


def test_invoice_owner_is_found_by_seller_vat_number(client, make_participant, auth_headers):  # noqa: ANN001
    seller = make_participant("Seller", roles=("owner",), identifiers=("TAX:DK16356706",))
    provider = make_participant("E-invoicing platform", roles=("provider",))
    raw = (REFERENCE / "uncefact/examples/CII_example3.xml").read_bytes()
    r = push(client, auth_headers(provider), raw, key="inv", media_type="application/xml")
    assert r.status_code == 201, r.text
    assert r.json()["owner_id"] == str(seller.id)
    assert r.json()["reference"] == "TOSL108" and r.json()["document_date"] == "2013-04-10"


def test_rejection_event_names_the_submitted_bytes(client, container, parties):  # noqa: ANN001
    _, _, headers, _, _ = parties
    body = b'{"transportDocumentStatus": "DRAFT"}'
    assert push(client, headers, body).status_code == 422
    with container.uow() as uow:
        event = uow.session.scalars(sa.select(Event).where(Event.kind == "document.rejected")).one()
    assert event.payload["sha256"] == hashlib.sha256(body).hexdigest()
    assert event.payload["doc_type"] == "dcsa.transport-document"
