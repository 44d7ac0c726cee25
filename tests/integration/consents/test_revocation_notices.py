"""A revocation reaches the bank as a notice it must acknowledge, or it loses all data access."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from app.tasks.consents import expire_consents
from connectors.webhook.signing import generate_secret
from tests.support import both_backends, subscribed_instance
from tests.webhook_receiver import WebhookReceiver

pytestmark = [pytest.mark.integration]


def _pull(client, parties, consent_id):
    return client.get("/v1/data/documents", headers=parties.h("bank_a", consent_id))


def _notices(receiver: WebhookReceiver) -> list[dict]:
    with receiver.lock:
        return [m for m in receiver.messages.values() if m["type"] == "notice.issued"]


@both_backends
def test_revocation_notice_is_delivered_and_unacknowledged_past_deadline_closes_every_pull(
    client, container, clock, parties, active_consent, consent_action, make_document
):
    make_document()
    revoked, other = active_consent(), active_consent()
    secret = generate_secret()
    with WebhookReceiver([secret]) as bank_hook:
        subscribed_instance(
            container,
            parties.bank_a.id,
            "webhook",
            {"url": bank_hook.url, "secrets": [secret], "allow_internal": ["127.0.0.1"]},
        )
        answer = consent_action(revoked["id"], "revoke", reason="the facility was repaid")
        assert answer.status_code == 200, answer.text
        (delivered,) = _notices(bank_hook)
        assert bank_hook.rejected == []
    notice = delivered["data"]
    assert notice["consent_id"] == revoked["id"]
    assert notice["consent_status"] == "REVOKED"
    assert notice["reason"] == "the facility was repaid"
    feed = client.get("/v1/events?after=0", headers=parties.h("bank_a")).json()["items"]
    (in_feed,) = [item for item in feed if item["type"] == "notice.issued"]
    assert in_feed["id"] == delivered["id"]
    assert in_feed["data"]["notice_id"] == notice["notice_id"]

    clock.advance(hours=23, minutes=59)
    assert _pull(client, parties, other["id"]).status_code == 200
    clock.advance(minutes=1)
    refused = _pull(client, parties, other["id"])
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["reason"] == "notice_unacknowledged"
    assert notice["notice_id"] in refused.json()["detail"]
    listed = client.get("/v1/notices?state=overdue", headers=parties.h("bank_a")).json()
    assert [n["id"] for n in listed["items"]] == [notice["notice_id"]]

    ack = client.post(f"/v1/notices/{notice['notice_id']}/ack", headers=parties.h("bank_a"))
    assert ack.status_code == 200, ack.text
    assert ack.json()["state"] == "acknowledged"
    assert _pull(client, parties, other["id"]).status_code == 200
    again = client.post(f"/v1/notices/{notice['notice_id']}/ack", headers=parties.h("bank_a"))
    assert again.status_code == 200
    assert again.json()["acknowledged_at"] == ack.json()["acknowledged_at"]


def test_only_the_addressed_consumer_can_acknowledge(
    client, parties, active_consent, consent_action
):
    consent = active_consent()
    consent_action(consent["id"], "pause")
    (notice,) = client.get("/v1/notices", headers=parties.h("bank_a")).json()["items"]
    assert notice["consent_status"] == "PAUSED" and notice["state"] == "open"
    answer = client.post(f"/v1/notices/{notice['id']}/ack", headers=parties.h("bank_b"))
    assert answer.status_code == 404
    assert answer.json()["type"] == "/problems/notice-not-found"
    for bystander in ("owner", "admin"):
        answer = client.post(f"/v1/notices/{notice['id']}/ack", headers=parties.h(bystander))
        assert answer.json()["type"] == "/problems/insufficient-scope", bystander
    assert client.get(f"/v1/notices/{notice['id']}", headers=parties.h("bank_b")).status_code == 404
    seen_by_owner = client.get(f"/v1/notices/{notice['id']}", headers=parties.h("owner"))
    assert seen_by_owner.json()["state"] == "open"


def test_a_pause_sends_a_notice_but_resumption_does_not(
    client, parties, active_consent, consent_action
):
    consent = active_consent()
    consent_action(consent["id"], "pause")
    consent_action(consent["id"], "resume")
    statuses = [
        n["consent_status"]
        for n in client.get("/v1/notices", headers=parties.h("bank_a")).json()["items"]
    ]
    assert statuses == ["PAUSED"]


def test_the_expiry_sweep_sends_a_notice_due_a_day_later(
    client, container, clock, parties, active_consent
):
    active_consent()
    swept_at = clock.advance(days=31)
    expire_consents(container)
    (notice,) = client.get("/v1/notices", headers=parties.h("bank_a")).json()["items"]
    assert notice["consent_status"] == "EXPIRED"
    issued, due = (datetime.fromisoformat(notice[k]) for k in ("issued_at", "due_at"))
    assert issued >= swept_at
    assert due - issued == timedelta(hours=24)


def test_a_notice_past_due_is_counted_in_metrics_until_acknowledged(
    client, clock, parties, active_consent, consent_action
):
    consent = active_consent()
    consent_action(consent["id"], "revoke", reason="done")
    clock.advance(hours=25)
    assert "tradegate_notices_overdue 1.0" in client.get("/metrics").text
    (notice,) = client.get("/v1/notices", headers=parties.h("bank_a")).json()["items"]
    client.post(f"/v1/notices/{notice['id']}/ack", headers=parties.h("bank_a"))
    assert "tradegate_notices_overdue 0.0" in client.get("/metrics").text
