"""Routing follows real consents: an ACTIVE covering consent delivers, a revoked one stops."""

import pytest
import sqlalchemy as sa

from app.storage.models import Delivery, DeliveryStatus
from connectors.webhook.signing import generate_secret
from tests.integration.connectors.reliability import (
    LEI,
    add_webhook,
    grant_monitoring_consent,
    received_documents,
    transport_document,
)
from tests.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.integration


def push(client, headers, n):
    response = client.post(
        "/v1/documents",
        content=transport_document(n),
        headers={**headers, "Idempotency-Key": f"k{n}", "Content-Type": "application/json"},
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_documents_reach_consented_banks_only_while_the_consent_is_active(
    client, container, make_participant, auth_headers
):
    owner = make_participant("Exporter", roles=("owner",), identifiers=(f"LEI:{LEI}",))
    provider = make_participant("Carrier", roles=("provider",))
    bank, stranger = (make_participant(n, roles=("consumer",)) for n in ("Bank", "Stranger"))
    admin = auth_headers(make_participant("Hub", roles=("admin",)))
    secret = generate_secret()
    with WebhookReceiver([secret]) as mine, WebhookReceiver([secret]) as theirs:
        add_webhook(client, admin, bank, mine.url, secret)
        add_webhook(client, admin, stranger, theirs.url, secret)
        grant_monitoring_consent(client, auth_headers(owner), auth_headers(bank), owner.id)
        first = push(client, auth_headers(provider), 1)
        assert set(received_documents(mine)) == {first}
        (consent,) = client.get("/v1/consents", headers=auth_headers(bank)).json()["items"]
        revoked = client.post(
            f"/v1/consents/{consent['id']}/revoke",
            json={"reason": "facility closed"},
            headers=auth_headers(bank),
        )
        assert revoked.status_code == 200, revoked.text
        push(client, auth_headers(provider), 2)
        assert set(received_documents(mine)) == {first}
        assert received_documents(theirs) == {}
    events = client.get("/v1/events", headers=auth_headers(owner)).json()["items"]
    assert {"consent.activated", "consent.revoked"} <= {e["type"] for e in events}
    with container.uow() as uow:
        statuses = uow.session.execute(sa.select(Delivery.status)).scalars().all()
    assert statuses == [DeliveryStatus.DELIVERED]
