"""Accepted documents reach every covered consumer's endpoints, signed, once per webhook-id."""

import sqlalchemy as sa

from app.security.principal import SYSTEM
from app.services.connector_instances import create_instance, subscribe
from app.storage.models import Delivery, DeliveryStatus, Notification
from tests.integration.connectors.conftest import accept_document


def webhook_for(container, participant, receiver, secret, **rule):
    with container.uow() as uow:
        instance, _ = create_instance(
            uow.session,
            SYSTEM,
            connector="webhook",
            name="main",
            config={"url": receiver.url, "secrets": [secret], "allow_internal": ["127.0.0.1"]},
            participant_id=participant.id,
        )
        subscribe(uow.session, SYSTEM, instance.id, **rule)
        uow.commit()
    return instance.id


def deliveries(container):
    with container.uow() as uow:
        return list(uow.session.execute(sa.select(Delivery)).scalars())


def test_accepted_document_is_delivered_to_the_covered_consumer(
    container, parties, consents, receiver, secret
):
    consents.grant(parties["owner"], parties["bank"])
    webhook_for(container, parties["bank"], receiver, secret)
    document_id = accept_document(container, parties["owner"], parties["provider"])
    (delivery,) = deliveries(container)
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 1
    (message,) = receiver.messages.values()
    assert message["type"] == "document.accepted"
    assert message["data"]["document_id"] == str(document_id)
    assert message["data"]["sha256"] == "a" * 64
    assert "content_base64" not in message["data"]
    assert message["id"] == f"msg_{delivery.notification_id.hex}"
