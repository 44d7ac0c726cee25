"""Consented pull: coverage, status, limits and evidence, all judged at the moment of access."""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.storage.models import Consent, Event
from tests.integration.consents.conftest import INVOICE, TRANSPORT
from tests.support import both_backends, iso

pytestmark = [pytest.mark.integration]


def _meta(client, parties, consent_id, document_id, who="bank_a"):
    return client.get(f"/v1/data/documents/{document_id}", headers=parties.h(who, consent_id))


def _content(client, parties, consent_id, document_id, who="bank_a"):
    return client.get(
        f"/v1/data/documents/{document_id}/content", headers=parties.h(who, consent_id)
    )


def _narrow_consent(active_consent, parties, now):
    """A consent to transport documents by the main provider, dated in the last 30 days."""
    return active_consent(
        document_types=[TRANSPORT],
        provider_ids=[str(parties.provider.id)],
        data_range={"from": iso(now - timedelta(days=30)), "to": iso(now)},
    )


def _refused(response, status, reason):
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["reason"] == reason


@both_backends
def test_covered_document_is_served_with_hashes_and_digest(
    client, parties, active_consent, make_document
):
    consent = active_consent()
    document = make_document()
    meta = _meta(client, parties, consent["id"], document.id)
    assert meta.status_code == 200, meta.text
    assert meta.json()["sha256"] == document.sha256
    assert meta.json()["provenance"] == {"schema": "test"}
    content = _content(client, parties, consent["id"], document.id)
    assert content.status_code == 200
    assert content.content == document.content
    assert content.headers["content-type"].startswith("application/json")
    digest = base64.b64encode(hashlib.sha256(document.content).digest()).decode()
    assert content.headers["repr-digest"] == f"sha-256=:{digest}:"
    assert content.headers["cache-control"] == "no-store"
    assert meta.headers["cache-control"] == "no-store"


@both_backends
def test_listing_shows_exactly_the_covered_documents(
    client, parties, active_consent, make_document
):
    now = datetime.now(UTC)
    consent = _narrow_consent(active_consent, parties, now)
    covered = [
        make_document(),
        make_document(
            document_date=(now - timedelta(days=10)).date(), received_at=now - timedelta(days=400)
        ),
    ]
    make_document(doc_type=INVOICE)
    make_document(provider=parties.other_provider)
    make_document(owner=parties.other_owner)
    make_document(received_at=now - timedelta(days=40))
    make_document(
        document_date=(now - timedelta(days=40)).date(), received_at=now - timedelta(days=1)
    )
    seen, cursor = [], None
    while True:
        params = {"limit": 1, **({"cursor": cursor} if cursor else {})}
        response = client.get(
            "/v1/data/documents", params=params, headers=parties.h("bank_a", consent["id"])
        )
        assert response.status_code == 200, response.text
        seen += [d["id"] for d in response.json()["items"]]
        cursor = response.json()["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(str(d.id) for d in covered)
    filtered = client.get(
        "/v1/data/documents",
        params={"reference": covered[0].reference},
        headers=parties.h("bank_a", consent["id"]),
    )
    assert [d["id"] for d in filtered.json()["items"]] == [str(covered[0].id)]


def test_uncovered_documents_are_refused_with_their_reason(
    client, parties, active_consent, make_document
):
    now = datetime.now(UTC)
    consent = _narrow_consent(active_consent, parties, now)
    cases = [
        (make_document(doc_type=INVOICE), "type_not_covered"),
        (make_document(provider=parties.other_provider), "provider_not_covered"),
        (make_document(received_at=now - timedelta(days=31)), "outside_data_range"),
        (make_document(document_date=date(2001, 1, 1)), "outside_data_range"),
    ]
    for document, reason in cases:
        _refused(_meta(client, parties, consent["id"], document.id), 403, reason)
        _refused(_content(client, parties, consent["id"], document.id), 403, reason)


def test_another_owners_document_is_not_found_even_with_a_valid_consent(
    client, parties, active_consent, make_document
):
    consent = active_consent()
    foreign = make_document(owner=parties.other_owner)
    assert _meta(client, parties, consent["id"], foreign.id).status_code == 404
    assert _content(client, parties, consent["id"], foreign.id).status_code == 404
    assert _meta(client, parties, consent["id"], uuid.uuid4()).status_code == 404


@pytest.mark.parametrize(
    ("steps", "reason"),
    [
        ([], "consent_not_active"),
        (["reject"], "consent_not_active"),
        (["approve", "pause"], "consent_paused"),
        (["approve", "revoke"], "consent_revoked"),
    ],
)
def test_consent_status_is_enforced_on_every_pull(
    client, parties, request_consent, consent_action, make_document, steps, reason
):
    consent = request_consent()
    document = make_document()
    for step in steps:
        ended = "ended" if step == "revoke" else None
        assert consent_action(consent["id"], step, reason=ended).status_code == 200
    _refused(_meta(client, parties, consent["id"], document.id), 403, reason)
    _refused(_content(client, parties, consent["id"], document.id), 403, reason)
    response = client.get("/v1/data/documents", headers=parties.h("bank_a", consent["id"]))
    _refused(response, 403, reason)


def test_expired_consent_is_refused_before_the_job_marks_it(
    client, parties, active_consent, make_document, container
):
    consent = active_consent()
    document = make_document()
    with container.uow() as uow:
        uow.session.execute(
            sa.update(Consent)
            .where(Consent.id == uuid.UUID(consent["id"]))
            .values(valid_until=datetime.now(UTC) - timedelta(seconds=1))
        )
        uow.commit()
    _refused(_meta(client, parties, consent["id"], document.id), 403, "consent_expired")


def test_consent_not_yet_valid_is_refused(client, parties, active_consent, make_document):
    now = datetime.now(UTC)
    consent = active_consent(
        validity={"from": iso(now + timedelta(days=1)), "until": iso(now + timedelta(days=20))}
    )
    _refused(
        _meta(client, parties, consent["id"], make_document().id), 403, "consent_not_yet_valid"
    )


def test_resumed_consent_serves_again(
    client, parties, active_consent, consent_action, make_document
):
    consent = active_consent()
    document = make_document()
    consent_action(consent["id"], "pause")
    _refused(_meta(client, parties, consent["id"], document.id), 403, "consent_paused")
    consent_action(consent["id"], "resume")
    assert _meta(client, parties, consent["id"], document.id).status_code == 200


@both_backends
def test_revocation_takes_effect_on_the_very_next_request(
    client, parties, active_consent, consent_action, make_document
):
    consent = active_consent()
    document = make_document()
    assert _content(client, parties, consent["id"], document.id).status_code == 200
    started = time.perf_counter()
    revoked = consent_action(consent["id"], "revoke", reason="owner withdrew")
    assert revoked.status_code == 200
    refused = _content(client, parties, consent["id"], document.id)
    elapsed_ms = (time.perf_counter() - started) * 1000
    _refused(refused, 403, "consent_revoked")
    print(f"\nrevocation -> first refused pull: {elapsed_ms:.1f} ms (revoke call + next pull)")


def test_onetime_consent_serves_each_document_once(client, parties, active_consent, make_document):
    consent = active_consent(fetch_type="ONETIME", frequency=None)
    first, second = make_document(), make_document()
    assert _content(client, parties, consent["id"], first.id).status_code == 200
    _refused(_content(client, parties, consent["id"], first.id), 403, "onetime_already_fetched")
    assert _meta(client, parties, consent["id"], first.id).status_code == 200
    _refused(_meta(client, parties, consent["id"], first.id), 403, "onetime_already_fetched")
    assert _content(client, parties, consent["id"], second.id).status_code == 200
    listing = client.get("/v1/data/documents", headers=parties.h("bank_a", consent["id"]))
    assert listing.status_code == 200


@both_backends
def test_frequency_limit_counts_document_fetches_and_gives_429_with_retry_after(
    client, parties, active_consent, make_document
):
    consent = active_consent(frequency={"count": 3, "unit": "DAY"})
    document, other = make_document(), make_document()
    for _ in range(4):
        listing = client.get("/v1/data/documents", headers=parties.h("bank_a", consent["id"]))
        assert listing.status_code == 200
    assert _meta(client, parties, consent["id"], document.id).status_code == 200
    assert _content(client, parties, consent["id"], other.id).status_code == 200
    assert _content(client, parties, consent["id"], document.id).status_code == 200
    now = datetime.now(UTC)  # before the request: the server's clock reads later
    response = _content(client, parties, consent["id"], document.id)
    _refused(response, 429, "frequency_exceeded")
    midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    retry_after = int(response.headers["retry-after"])
    assert 0 < retry_after <= (midnight - now).total_seconds() + 1
    assert response.json()["retry_after"] == retry_after


def test_frequency_counter_is_per_consent(client, parties, active_consent, make_document):
    first = active_consent(frequency={"count": 1, "unit": "DAY"})
    second = active_consent(frequency={"count": 1, "unit": "DAY"})
    document = make_document()
    assert _meta(client, parties, first["id"], document.id).status_code == 200
    assert _meta(client, parties, first["id"], document.id).status_code == 429
    assert _meta(client, parties, second["id"], document.id).status_code == 200


def test_refused_pull_consumes_no_quota(client, parties, active_consent, make_document):
    consent = active_consent(frequency={"count": 1, "unit": "DAY"})
    uncovered = make_document(doc_type="acme.other")
    _refused(_meta(client, parties, consent["id"], uncovered.id), 403, "type_not_covered")
    assert _meta(client, parties, consent["id"], make_document().id).status_code == 200


def test_purpose_cap_is_checked_again_at_fetch(
    client, parties, active_consent, make_document, container, tmp_path
):
    consent = active_consent(frequency={"count": 10, "unit": "DAY"})
    document = make_document()
    assert _meta(client, parties, consent["id"], document.id).status_code == 200
    from importlib import resources

    catalogue = json.loads(resources.files("app.data").joinpath("purposes.json").read_text())
    for purpose in catalogue["purposes"]:
        if purpose["code"] == "TRADE_FINANCE_APPLICATION":
            purpose["max_frequency"] = {"count": 2, "unit": "DAY"}
    path = tmp_path / "tight.json"
    path.write_text(json.dumps(catalogue))
    container.settings.purposes_file = path
    response = _meta(client, parties, consent["id"], document.id)
    _refused(response, 403, "purpose_cap_exceeded")
    assert "max_frequency" in response.json()["detail"]


def test_every_pull_appends_an_access_event(
    client, parties, active_consent, make_document, container
):
    consent = active_consent()
    document = make_document()
    client.get("/v1/data/documents", headers=parties.h("bank_a", consent["id"]))
    _meta(client, parties, consent["id"], document.id)
    _content(client, parties, consent["id"], document.id)
    with container.uow() as uow:
        events = (
            uow.session.execute(
                sa.select(Event).where(Event.kind == "data.accessed").order_by(Event.seq)
            )
            .scalars()
            .all()
        )
    assert [e.payload["resource"] for e in events] == ["list", "metadata", "content"]
    for event in events:
        assert event.payload["consent_id"] == consent["id"]
        assert event.payload["consumer_id"] == str(parties.bank_a.id)
        assert event.payload["client_id"] == f"test-{parties.bank_a.id}"
        assert event.payload["purpose"] == "TRADE_FINANCE_APPLICATION"
        assert event.payload["documents"] == [{"id": str(document.id), "sha256": document.sha256}]
        assert set(event.participant_ids) == {str(parties.owner.id), str(parties.bank_a.id)}
    assert events[1].subject == f"document:{document.id}"


def test_refused_pull_leaves_no_access_event(
    client, parties, request_consent, make_document, container
):
    consent = request_consent()
    _meta(client, parties, consent["id"], make_document().id)
    with container.uow() as uow:
        count = uow.session.execute(
            sa.select(sa.func.count()).select_from(Event).where(Event.kind == "data.accessed")
        ).scalar_one()
    assert count == 0


@pytest.mark.parametrize("value", [None, "", "not-a-uuid"])
def test_pull_without_a_usable_consent_id_is_400(client, parties, make_document, value):
    headers = parties.h("bank_a")
    if value is not None:
        headers["Consent-Id"] = value
    response = client.get(f"/v1/data/documents/{make_document().id}", headers=headers)
    assert response.status_code == 400
    assert response.json()["type"].startswith("/problems/consent-id")


def test_pull_needs_the_data_read_scope(
    client, parties, active_consent, make_document, auth_headers
):
    consent = active_consent()
    headers = {**auth_headers(parties.bank_a, {"consents:read"}), "Consent-Id": consent["id"]}
    assert (
        client.get(f"/v1/data/documents/{make_document().id}", headers=headers).status_code == 403
    )
