"""Consent lifecycle over HTTP: request, approve, pause, resume, revoke, and what is refused."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.storage.models import Event, OutboxMessage
from tests.support import both_backends

pytestmark = [pytest.mark.integration]

ACTIONS = ("approve", "reject", "pause", "resume", "revoke")
# Which owner-side actions are legal from which status (revoke also needs a reason).
LEGAL = {
    "PENDING": {"approve", "reject"},
    "ACTIVE": {"pause", "revoke"},
    "PAUSED": {"resume", "revoke"},
    "REJECTED": set(),
    "REVOKED": set(),
}


def _act(client, parties, consent_id, action, who="owner", reason="no longer needed"):
    body = {"reason": reason} if reason is not None else None
    return client.post(f"/v1/consents/{consent_id}/{action}", json=body, headers=parties.h(who))


def _reach(client, parties, request_consent, status):
    consent = request_consent()
    path = {
        "PENDING": [],
        "ACTIVE": ["approve"],
        "PAUSED": ["approve", "pause"],
        "REJECTED": ["reject"],
        "REVOKED": ["approve", "revoke"],
    }[status]
    for action in path:
        assert _act(client, parties, consent["id"], action).status_code == 200
    return consent["id"]


@both_backends
def test_full_lifecycle_records_events_outbox_and_history(
    client, parties, request_consent, container
):
    consent = request_consent()
    assert consent["status"] == "PENDING"
    assert consent["purpose"]["code"] == "TRADE_FINANCE_APPLICATION"
    assert consent["purpose"]["text"]
    cid = consent["id"]
    for action, status in [("approve", "ACTIVE"), ("pause", "PAUSED"), ("resume", "ACTIVE")]:
        response = _act(client, parties, cid, action, reason=None)
        assert response.status_code == 200, response.text
        assert response.json()["status"] == status
    response = _act(client, parties, cid, "revoke", who="bank_a", reason="facility closed")
    assert response.status_code == 200
    final = response.json()
    assert final["status"] == "REVOKED"
    assert final["status_reason"] == "facility closed"
    history = [(t["action"], t["from"], t["to"], t["role"]) for t in final["transitions"]]
    assert history == [
        ("request", None, "PENDING", "consumer"),
        ("approve", "PENDING", "ACTIVE", "owner"),
        ("pause", "ACTIVE", "PAUSED", "owner"),
        ("resume", "PAUSED", "ACTIVE", "owner"),
        ("revoke", "ACTIVE", "REVOKED", "consumer"),
    ]
    with container.uow() as uow:
        kinds = (
            uow.session.execute(
                sa.select(Event.kind).where(Event.subject == f"consent:{cid}").order_by(Event.seq)
            )
            .scalars()
            .all()
        )
        topics = (
            uow.session.execute(sa.select(OutboxMessage.topic).order_by(OutboxMessage.created_at))
            .scalars()
            .all()
        )
    assert kinds == [
        "consent.requested",
        "consent.artefact_issued",
        "consent.activated",
        "consent.paused",
        "consent.resumed",
        "consent.revoked",
    ]
    for topic in [
        "consent.requested",
        "consent.activated",
        "consent.paused",
        "consent.resumed",
        "consent.revoked",
    ]:
        assert topic in topics


@pytest.mark.parametrize("status", list(LEGAL))
def test_every_illegal_transition_is_a_409(client, parties, request_consent, status):
    for action in ACTIONS:
        if action in LEGAL[status]:
            continue
        cid = _reach(client, parties, request_consent, status)
        response = _act(client, parties, cid, action)
        assert response.status_code == 409, (status, action, response.text)
        problem = response.json()
        assert response.headers["content-type"].startswith("application/problem+json")
        assert problem["type"] == "/problems/illegal-transition"
        assert problem["status_now"] == status


def test_consumer_may_not_approve_its_own_request(client, parties, request_consent):
    consent = request_consent()
    response = client.post(f"/v1/consents/{consent['id']}/approve", headers=parties.h("bank_a"))
    assert response.status_code == 403


def test_consumer_may_not_pause_or_resume(client, parties, request_consent):
    cid = _reach(client, parties, request_consent, "ACTIVE")
    # The consumer's token lacks consents:manage; the domain would refuse its role as well.
    assert _act(client, parties, cid, "pause", who="bank_a").status_code == 403


def test_revocation_needs_a_reason(client, parties, request_consent):
    cid = _reach(client, parties, request_consent, "ACTIVE")
    for body in (None, {}, {"reason": "  "}):
        response = client.post(f"/v1/consents/{cid}/revoke", json=body, headers=parties.h("owner"))
        assert response.status_code == 422, response.text
    assert (
        client.get(f"/v1/consents/{cid}", headers=parties.h("owner")).json()["status"] == "ACTIVE"
    )


def test_admin_may_act_on_any_consent(client, parties, request_consent):
    cid = request_consent()["id"]
    assert _act(client, parties, cid, "approve", who="admin").json()["status"] == "ACTIVE"
    response = _act(client, parties, cid, "revoke", who="admin", reason="sanctions hit")
    assert response.json()["transitions"][-1]["role"] == "admin"


@pytest.mark.parametrize(
    ("override", "cap"),
    [
        ({"frequency": {"count": 241, "unit": "DAY"}}, "max_frequency"),
        ({"frequency": {"count": 11, "unit": "HOUR"}}, "max_frequency"),
        ({"data_life_days": 366}, "max_data_life_days"),
        ({"document_types": ["dcsa.transport-document", "acme.purchase-order"]}, "document_types"),
        (
            {"purpose": "ONGOING_MONITORING", "fetch_type": "ONETIME", "frequency": None},
            "fetch_types",
        ),
    ],
)
def test_request_beyond_a_purpose_cap_is_422_naming_the_cap(
    client, parties, consent_body, override, cap
):
    response = client.post(
        "/v1/consents", json=consent_body(**override), headers=parties.h("bank_a")
    )
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["type"] == "/problems/purpose-cap-exceeded"
    assert problem["cap"] == cap
    assert cap in problem["detail"]


def test_validity_and_data_range_caps_are_named(client, parties, consent_body):
    body = consent_body(
        validity={"from": "2030-01-01T00:00:00Z", "until": "2030-08-01T00:00:00Z"},
        data_range={"from": "2020-01-01T00:00:00Z", "to": "2029-01-01T00:00:00Z"},
    )
    response = client.post("/v1/consents", json=body, headers=parties.h("bank_a"))
    assert response.status_code == 422
    assert [e["cap"] for e in response.json()["errors"]] == [
        "max_validity_days",
        "max_data_range_days",
    ]


@pytest.mark.parametrize(
    ("override", "slug"),
    [
        ({"purpose": "MARKETING"}, "unknown-purpose"),
        ({"fetch_type": "PERIODIC", "frequency": None}, "invalid-consent-terms"),
        (
            {"validity": {"from": "2026-01-02T00:00:00Z", "until": "2026-01-01T00:00:00Z"}},
            "invalid-consent-terms",
        ),
        (
            {"validity": {"from": "2020-01-01T00:00:00Z", "until": "2020-01-02T00:00:00Z"}},
            "invalid-consent-terms",
        ),
        (
            {"data_range": {"from": "2026-01-01T00:00:00", "to": "2026-02-01T00:00:00Z"}},
            "request-validation",
        ),
        ({"owner_id": "00000000-0000-4000-8000-000000000000"}, "unknown-owner"),
        ({"provider_ids": ["00000000-0000-4000-8000-000000000000"]}, "unknown-provider"),
        ({"surprise": 1}, "request-validation"),
    ],
)
def test_malformed_requests_are_precise_422s(client, parties, consent_body, override, slug):
    response = client.post(
        "/v1/consents", json=consent_body(**override), headers=parties.h("bank_a")
    )
    assert response.status_code == 422, response.text
    assert response.json()["type"] == f"/problems/{slug}"


def test_consumer_cannot_name_itself_as_owner(client, parties, consent_body):
    body = consent_body(owner_id=str(parties.bank_a.id))
    response = client.post("/v1/consents", json=body, headers=parties.h("bank_a"))
    assert response.status_code == 422


def test_an_owner_cannot_request_consents(client, parties, consent_body, auth_headers):
    headers = auth_headers(parties.owner, {"consents:write"})
    response = client.post("/v1/consents", json=consent_body(), headers=headers)
    assert response.status_code == 403


def test_idempotency_key_replays_the_same_consent(client, parties, consent_body):
    body = consent_body()
    headers = {**parties.h("bank_a"), "Idempotency-Key": "req-1"}
    first = client.post("/v1/consents", json=body, headers=headers)
    second = client.post("/v1/consents", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert first.headers["location"].endswith(first.json()["id"])
    listed = client.get("/v1/consents", headers=parties.h("bank_a")).json()["items"]
    assert len(listed) == 1


def test_idempotency_key_reused_for_another_request_is_refused(client, parties, consent_body):
    headers = {**parties.h("bank_a"), "Idempotency-Key": "req-2"}
    assert client.post("/v1/consents", json=consent_body(), headers=headers).status_code == 201
    response = client.post("/v1/consents", json=consent_body(data_life_days=5), headers=headers)
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/idempotency-key-reused"


def test_same_idempotency_key_of_another_consumer_is_independent(client, parties, consent_body):
    for bank in ("bank_a", "bank_b"):
        headers = {**parties.h(bank), "Idempotency-Key": "shared"}
        assert client.post("/v1/consents", json=consent_body(), headers=headers).status_code == 201


@both_backends
def test_list_filters_and_cursor_pagination(client, parties, request_consent):
    ids = [request_consent()["id"] for _ in range(5)]
    other = request_consent(owner_id=str(parties.other_owner.id))["id"]
    client.post(f"/v1/consents/{ids[0]}/approve", headers=parties.h("owner"))
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/v1/consents", params=params, headers=parties.h("bank_a")).json()
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted([*ids, other])
    assert len(seen) == len(set(seen))
    active = client.get("/v1/consents", params={"status": "ACTIVE"}, headers=parties.h("bank_a"))
    assert [c["id"] for c in active.json()["items"]] == [ids[0]]
    by_owner = client.get(
        "/v1/consents",
        params={"owner_id": str(parties.other_owner.id)},
        headers=parties.h("bank_a"),
    )
    assert [c["id"] for c in by_owner.json()["items"]] == [other]
    owners_view = client.get("/v1/consents", headers=parties.h("owner")).json()["items"]
    assert sorted(c["id"] for c in owners_view) == sorted(ids)
    assert (
        client.get("/v1/consents", params={"cursor": "!!"}, headers=parties.h("bank_a")).status_code
        == 400
    )
    assert (
        client.get(
            "/v1/consents", params={"status": "SLEEPY"}, headers=parties.h("bank_a")
        ).status_code
        == 422
    )


def test_admin_may_request_for_a_consumer(client, parties, consent_body):
    body = consent_body(consumer_id=str(parties.bank_b.id))
    response = client.post("/v1/consents", json=body, headers=parties.h("admin"))
    assert response.status_code == 201, response.text
    consent = response.json()
    assert consent["consumer_id"] == str(parties.bank_b.id)
    assert consent["transitions"] is None
    seen = client.get(f"/v1/consents/{consent['id']}", headers=parties.h("bank_b")).json()
    assert seen["transitions"][0]["role"] == "admin"


def test_admin_must_name_a_real_consumer(client, parties, consent_body):
    body = consent_body(consumer_id=str(parties.provider.id))
    response = client.post("/v1/consents", json=body, headers=parties.h("admin"))
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/unknown-consumer"


def test_a_consumer_cannot_request_for_another_consumer(client, parties, consent_body):
    body = consent_body(consumer_id=str(parties.bank_b.id))
    assert client.post("/v1/consents", json=body, headers=parties.h("bank_a")).status_code == 403


def test_purpose_catalogue_is_published_to_clients(client, parties):
    response = client.get("/v1/purposes", headers=parties.h("bank_a"))
    assert response.status_code == 200
    purposes = {p["code"]: p for p in response.json()}
    assert purposes["TRADE_FINANCE_APPLICATION"]["max_frequency"] == {"count": 240, "unit": "DAY"}
    assert purposes["ONGOING_MONITORING"]["fetch_types"] == ["PERIODIC"]
    assert client.get("/v1/purposes").status_code == 401
