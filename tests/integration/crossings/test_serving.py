"""The sending hub judges a peer's pull by consent, then residency, and records every attempt."""

from __future__ import annotations

import hashlib
import uuid
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from app.domain.note import NoteVerifier
from app.errors import Forbidden, NotFound, TooManyRequests
from app.ledger.verify import verify_bundle
from app.services.consents.purposes import catalogue_for
from app.services.crossings.serving import CallingPeer, list_for_peer, serve_document
from app.storage.models import Crossing, Event

pytestmark = pytest.mark.integration

HK = CallingPeer("hub-b", "HK")


def serve(container, peer, ref, consent_id, document_id):
    return serve_document(
        container,
        peer,
        ref,
        uuid.UUID(str(consent_id)),
        uuid.UUID(str(document_id)),
        catalogue=catalogue_for(container.settings),
        now=container.clock(),
    )


def crossings(container) -> list[Crossing]:
    with container.uow() as uow:
        return list(uow.session.execute(sa.select(Crossing).order_by(Crossing.at)).scalars())


def crossing_events(container) -> list[Event]:
    with container.uow() as uow:
        return list(
            uow.session.execute(
                sa.select(Event).where(Event.kind == "federation.crossing").order_by(Event.time)
            ).scalars()
        )


def test_consent_for_a_remote_consumer_names_its_peer(client, exporter, remote_consent):
    consent = remote_consent()
    assert consent["remote_consumer"] == {"peer": "hub-b", "consumer_ref": "bank-b-1"}
    read = client.get(f"/v1/consents/{consent['id']}", headers=exporter.headers["owner"]).json()
    assert read["remote_consumer"] == {"peer": "hub-b", "consumer_ref": "bank-b-1"}
    again = remote_consent()
    assert again["consumer_id"] == consent["consumer_id"]


def test_only_an_admin_names_a_remote_consumer(client, exporter, make_participant, auth_headers):
    bank = make_participant("Bank", ("consumer",))
    body = {
        "owner_id": str(exporter.owner.id),
        "document_types": ["dcsa.transport-document"],
        "purpose": "TRADE_FINANCE_APPLICATION",
        "data_range": {"from": "2020-01-01T00:00:00Z", "to": "2030-01-01T00:00:00Z"},
        "validity": {"from": "2020-01-01T00:00:00Z", "until": "2030-01-01T00:00:00Z"},
        "fetch_type": "ONETIME",
        "data_life_days": 30,
        "remote_consumer": {"peer": "hub-b", "consumer_ref": "bank-b-1"},
    }
    refused = client.post("/v1/consents", json=body, headers=auth_headers(bank))
    assert refused.status_code == 403
    assert refused.json()["type"] == "/problems/not-a-consumer"
    bad = {**body, "remote_consumer": {"peer": "hub b!", "consumer_ref": "x"}}
    invalid = client.post("/v1/consents", json=bad, headers=exporter.headers["admin"])
    assert invalid.status_code == 422
    assert invalid.json()["type"] == "/problems/invalid-remote-consumer"


def test_allowed_transfer_carries_hash_and_a_proof_that_verifies(
    container, exporter, remote_consent
):
    consent = remote_consent()
    served = serve(container, HK, "bank-b-1", consent["id"], exporter.td_id)
    assert served.document.content == exporter.td_raw
    assert served.document.sha256 == hashlib.sha256(exporter.td_raw).hexdigest()
    report = verify_bundle(
        served.document.content, served.bundle, [NoteVerifier.from_vkey(served.bundle.log_key)]
    )
    assert report.ok, report.verdict
    [crossing] = crossings(container)
    assert (crossing.outcome, crossing.direction, crossing.peer_jurisdiction) == (
        "ALLOWED",
        "OUT",
        "HK",
    )
    assert crossing.doc_type == "dcsa.transport-document"
    assert str(crossing.consent_id) == consent["id"]
    assert crossing.rules_version == "example-2026-01"
    [event] = crossing_events(container)
    assert event.payload["outcome"] == "ALLOWED"
    assert event.payload["sha256"] == served.document.sha256


def test_type_that_may_not_leave_is_refused_and_nothing_is_spent(
    container, exporter, remote_consent
):
    consent = remote_consent(fetch_type="ONETIME", frequency=None)
    with pytest.raises(Forbidden) as caught:
        serve(container, HK, "bank-b-1", consent["id"], exporter.invoice_id)
    problem = caught.value.to_problem()
    assert problem["type"] == "/problems/residency"
    assert problem["reason"] == "residency"
    assert problem["rule"] == "cn-commercial-invoice-onshore"
    [crossing] = crossings(container)
    assert (crossing.outcome, crossing.reason, crossing.rule) == (
        "REFUSED",
        "residency",
        "cn-commercial-invoice-onshore",
    )
    with container.uow() as uow:
        accessed = uow.session.execute(
            sa.select(sa.func.count()).select_from(Event).where(Event.kind == "data.accessed")
        ).scalar_one()
    assert accessed == 0
    served = serve(container, HK, "bank-b-1", consent["id"], exporter.td_id)
    assert served.document.doc_type == "dcsa.transport-document"


def test_data_class_restricted_to_named_jurisdictions(container, exporter, remote_consent):
    consent = remote_consent(peer="hub-sg")
    with pytest.raises(Forbidden) as caught:
        serve(container, CallingPeer("hub-sg", "SG"), "bank-b-1", consent["id"], exporter.td_id)
    assert caught.value.extensions["rule"] == "cn-personal-contacts-hk-only"
    assert "personal-contact" in caught.value.detail


def test_peer_in_the_same_jurisdiction_is_not_abroad(container, exporter, remote_consent):
    consent = remote_consent(peer="hub-cn2")
    served = serve(
        container, CallingPeer("hub-cn2", "CN"), "bank-b-1", consent["id"], exporter.invoice_id
    )
    assert served.document.doc_type == "uncefact.cii.invoice"


def test_another_peer_cannot_use_the_consent(container, exporter, remote_consent):
    consent = remote_consent()
    with pytest.raises(NotFound):
        serve(container, CallingPeer("hub-c", "HK"), "bank-b-1", consent["id"], exporter.td_id)
    with pytest.raises(NotFound):
        serve(container, HK, "bank-b-2", consent["id"], exporter.td_id)
    refused = crossings(container)
    assert [c.reason for c in refused] == ["consent-not-found", "consent-not-found"]
    assert all(c.outcome == "REFUSED" for c in refused)


def test_consent_policy_applies_as_to_a_local_pull(
    container, clock, client, exporter, remote_consent
):
    consent = remote_consent(frequency={"count": 1, "unit": "DAY"})
    serve(container, HK, "bank-b-1", consent["id"], exporter.td_id)
    with pytest.raises(TooManyRequests):
        serve(container, HK, "bank-b-1", consent["id"], exporter.td_id)
    revoked = client.post(
        f"/v1/consents/{consent['id']}/revoke",
        json={"reason": "loan repaid"},
        headers=exporter.headers["owner"],
    )
    assert revoked.status_code == 200, revoked.text
    with pytest.raises(Forbidden) as caught:
        serve(container, HK, "bank-b-1", consent["id"], exporter.td_id)
    assert caught.value.extensions["reason"] == "consent_revoked"
    clock.advance(days=1)
    with pytest.raises(Forbidden) as caught:
        serve(container, HK, "bank-b-1", consent["id"], exporter.td_id)
    assert caught.value.extensions["reason"] == "notice_unacknowledged"
    recorded = crossings(container)
    reasons = [c.reason for c in recorded]
    assert reasons == [None, "frequency_exceeded", "consent_revoked", "notice_unacknowledged"]
    assert {c.doc_type for c in recorded} == {"dcsa.transport-document"}
    assert {c.participant_id for c in recorded} == {exporter.owner.id}


def test_hub_without_jurisdiction_lets_nothing_cross(container, exporter, remote_consent):
    consent = remote_consent()
    unplaced = SimpleNamespace(
        settings=container.settings.model_copy(update={"jurisdiction": None}),
        keys=container.keys,
        clock=container.clock,
        uow=container.uow,
    )
    with pytest.raises(Forbidden) as caught:
        serve(unplaced, HK, "bank-b-1", consent["id"], exporter.td_id)
    assert caught.value.extensions["rule"] == "jurisdiction-unset"


def test_listing_for_a_peer_leaves_out_types_that_may_not_go_there(
    container, exporter, remote_consent
):
    def listed(peer: CallingPeer, consent: dict) -> set[str]:
        with container.uow() as uow:
            page = list_for_peer(
                uow.session,
                container.settings,
                peer,
                "bank-b-1",
                uuid.UUID(consent["id"]),
                catalogue=catalogue_for(container.settings),
                now=container.clock(),
            )
            uow.commit()
            return {str(d.id) for d in page.items}

    assert listed(HK, remote_consent()) == {exporter.td_id}
    onshore = CallingPeer("hub-cn2", "CN")
    both = {exporter.td_id, exporter.invoice_id}
    assert listed(onshore, remote_consent(peer="hub-cn2")) == both
    assert crossings(container) == []
