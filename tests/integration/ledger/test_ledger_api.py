"""Ledger over HTTP: checkpoint, proofs, document proof bundles, verification, fail-closed."""

import base64
import json
import time

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from app.domain.checkpoint import open_checkpoint
from app.domain.merkle import verify_consistency, verify_inclusion
from app.domain.note import NoteVerifier
from app.ledger.sinks import by_url
from app.main import create_app
from app.services.common.events import record_event
from app.services.ledger.anchoring import plan_anchoring, record_outcome, run_plan
from app.storage.base import utcnow
from app.tasks.ledger import anchor
from tests.support import both_backends

pytestmark = pytest.mark.integration


def events(container, count):
    with container.uow() as uow:
        for i in range(count):
            record_event(
                uow.session, kind="test.event", actor="t", subject=f"s:{i}", payload={"i": i}
            )
        uow.commit()


def unb64(items):
    return [base64.b64decode(x) for x in items]


@both_backends
def test_checkpoint_is_served_as_a_signed_note_and_as_json(container, client):
    empty = client.get("/v1/ledger/checkpoint")
    assert empty.status_code == 404 and empty.json()["type"] == "/problems/ledger-empty"
    events(container, 5)
    response = client.get("/v1/ledger/checkpoint")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    described = client.get("/v1/ledger/checkpoint", headers={"Accept": "application/json"}).json()
    verifier = NoteVerifier.from_vkey(described["log_key"])
    head = open_checkpoint(response.content, [verifier], described["origin"])
    assert head.size == described["size"] >= 5
    assert base64.b64encode(head.root_hash).decode() == described["root_hash"]


@both_backends
def test_inclusion_and_consistency_proofs_verify_against_checkpoints(container, client):
    events(container, 3)
    first = client.get("/v1/ledger/checkpoint", headers={"Accept": "application/json"}).json()
    events(container, 6)
    second = client.get("/v1/ledger/checkpoint", headers={"Accept": "application/json"}).json()
    root1, root2 = (base64.b64decode(c["root_hash"]) for c in (first, second))
    size1, size2 = first["size"], second["size"]
    for index in range(size2):
        body = client.get(f"/v1/ledger/proof/inclusion?index={index}&size={size2}").json()
        leaf = base64.b64decode(body["leaf_hash"])
        assert verify_inclusion(index, size2, leaf, unb64(body["proof"]), root2)
    body = client.get(f"/v1/ledger/proof/consistency?from={size1}&to={size2}").json()
    assert verify_consistency(size1, size2, unb64(body["proof"]), root1, root2)


@pytest.mark.parametrize(
    "query",
    [
        "/v1/ledger/proof/inclusion?index=5&size=3",
        "/v1/ledger/proof/inclusion?index=0&size=999",
        "/v1/ledger/proof/inclusion?index=-1&size=2",
        "/v1/ledger/proof/inclusion?index=x&size=2",
        "/v1/ledger/proof/consistency?from=0&to=2",
        "/v1/ledger/proof/consistency?from=3&to=2",
        "/v1/ledger/proof/consistency?from=1&to=999",
        "/v1/ledger/proof/consistency",
    ],
)
def test_bad_proof_requests_are_precise_problems(container, client, query):
    events(container, 3)
    response = client.get(query)
    assert response.status_code in (400, 422)
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == response.status_code


def test_document_proof_needs_a_token_and_hides_other_tenants(
    container, client, make_participant, make_document, auth_headers
):
    provider, owner = make_participant("Carrier"), make_participant("Shipper", ("owner",))
    stranger = make_participant("Other", ("provider",))
    document_id, _ = make_document(provider, owner)
    assert client.get(f"/v1/documents/{document_id}/proof").status_code == 401
    hidden = client.get(
        f"/v1/documents/{document_id}/proof",
        headers=auth_headers(stranger, {"ledger:read", "documents:read"}),
    )
    assert hidden.status_code == 404
    seen = client.get(
        f"/v1/documents/{document_id}/proof", headers=auth_headers(provider, {"ledger:read"})
    )
    assert seen.status_code == 200
    assert seen.json()["document"]["id"] == str(document_id)


def test_anchored_bundle_verifies_over_http_and_offline(
    tsa_container, local_tsa, make_participant, auth_headers, make_document
):
    from app.ledger.bundle import ProofBundle
    from app.ledger.sinks import TrustAnchors
    from app.ledger.verify import verify_bundle

    with TestClient(create_app(container=tsa_container), raise_server_exceptions=False) as client:
        provider, owner = make_participant("Carrier"), make_participant("Shipper", ("owner",))
        document_id, content = make_document(provider, owner)
        assert anchor(tsa_container).errors == {}
        headers = auth_headers(owner, {"ledger:read"})
        bundle = client.get(f"/v1/documents/{document_id}/proof", headers=headers).json()
        assert [a["receipt"]["kind"] for a in bundle["anchors"]] == ["rfc3161"]
        report = client.post(
            "/v1/verify",
            files={"document": ("ebl.json", content), "bundle": ("proof.json", json.dumps(bundle))},
        ).json()
        assert report["verified"], report
        assert [c["check"] for c in report["checks"]] == [
            "document",
            "event",
            "leaf",
            "checkpoint",
            "inclusion",
            "anchor",
            "log",
        ]
        offline = verify_bundle(
            content,
            ProofBundle.model_validate(bundle),
            [NoteVerifier.from_vkey(bundle["log_key"])],
            TrustAnchors(certificates=[local_tsa.root]),
        )
        assert offline.ok, offline.as_dict()
        tampered = client.post(
            "/v1/verify",
            json={
                "document": base64.b64encode(content.replace(b"TD-1", b"TD-2")).decode(),
                "bundle": bundle,
            },
        ).json()
        assert not tampered["verified"] and tampered["reasons"] == ["hash_mismatch"]


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"content": b"not json", "headers": {"Content-Type": "application/json"}}, 400),
        ({"json": {"bundle": {"format": "something else"}}}, 422),
        ({"content": b"x", "headers": {"Content-Type": "text/plain"}}, 415),
        ({"json": {"no": "bundle"}}, 400),
    ],
)
def test_malformed_verify_requests_are_problems(client, kwargs, status):
    response = client.post("/v1/verify", **kwargs)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")


def test_writes_are_refused_while_anchoring_is_stalled_and_resume_after(
    container, client, make_participant, auth_headers
):
    admin = make_participant("Operator", ("admin",))
    container.settings.ledger_anchor_urls = ["rfc3161+http://127.0.0.1:9/tsa"]
    container.settings.ledger_anchor_max_lag_seconds = 30.0
    events(container, 2)
    outcome = anchor(container)
    assert outcome is not None and outcome.errors
    with container.uow() as uow:
        uow.session.execute(
            sa.text("UPDATE ledger_state SET unanchored_since = :t"),
            {"t": utcnow().replace(year=utcnow().year - 1)},
        )
        uow.commit()
    headers = auth_headers(admin, {"admin"})
    refused = client.post(
        "/v1/participants", json={"name": "X", "roles": ["owner"]}, headers=headers
    )
    assert refused.status_code == 503
    assert refused.json()["type"] == "/problems/ledger-anchoring-stalled"
    ready = client.get("/readyz")
    assert ready.status_code == 503 and "anchoring stalled" in ready.json()["checks"]["ledger"]
    metrics = client.get("/metrics").text
    assert "tradegate_ledger_anchor_lag_seconds" in metrics
    assert "tradegate_ledger_anchor_failures 1.0" in metrics

    container.settings.ledger_anchor_urls = ["none://"]
    with container.uow() as uow:
        plan = plan_anchoring(uow.session, container.settings, utcnow(), force=True)
    outcome = run_plan(plan, by_url)
    with container.uow() as uow:
        record_outcome(uow.session, container.settings, plan, outcome, utcnow())
        uow.commit()
    time.sleep(1.05)  # the write guard caches its verdict for a second
    assert client.get("/readyz").status_code == 200
    accepted = client.post(
        "/v1/participants", json={"name": "X", "roles": ["owner"]}, headers=headers
    )
    assert accepted.status_code == 201
