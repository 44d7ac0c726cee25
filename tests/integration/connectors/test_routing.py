"""Accepted documents reach every covered consumer's endpoints, signed, once per webhook-id."""

import base64
import hashlib
import json

import sqlalchemy as sa

from app.services.common.outbox import enqueue
from app.storage.models import Delivery, DeliveryStatus, Notification, OutboxMessage, TaskReceipt
from app.tasks.dispatch import dispatch_message
from tests.integration.connectors.routing_support import TRANSPORT_DOCUMENT, accept_document
from tests.support import subscribed_instance
from tests.webhook_receiver import WebhookReceiver


def webhook_for(container, participant, receiver, secret, **rule):
    return subscribed_instance(
        container,
        participant.id,
        "webhook",
        {"url": receiver.url, "secrets": [secret], "allow_internal": ["127.0.0.1"]},
        **rule,
    )


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
    assert message["data"]["sha256"] == hashlib.sha256(TRANSPORT_DOCUMENT).hexdigest()
    assert "content_base64" not in message["data"]
    assert message["id"] == f"msg_{delivery.notification_id.hex}"


def feed(container, participant):
    with container.uow() as uow:
        return list(
            uow.session.execute(
                sa.select(Notification)
                .where(Notification.participant_id == participant.id)
                .order_by(Notification.seq)
            ).scalars()
        )


def test_consumers_without_consent_hear_nothing(container, parties, consents, receiver, secret):
    consents.grant(parties["owner"], parties["bank"])
    webhook_for(container, parties["other_bank"], receiver, secret)
    accept_document(container, parties["owner"], parties["provider"])
    assert deliveries(container) == []
    assert feed(container, parties["other_bank"]) == []
    assert receiver.messages == {}
    assert len(feed(container, parties["bank"])) == 1


def test_every_covered_consumer_gets_its_own_copy(container, parties, consents, secret):
    consents.grant(parties["owner"], parties["bank"])
    consents.grant(parties["owner"], parties["other_bank"])
    with WebhookReceiver([secret]) as a, WebhookReceiver([secret]) as b:
        webhook_for(container, parties["bank"], a, secret)
        webhook_for(container, parties["other_bank"], b, secret)
        accept_document(container, parties["owner"], parties["provider"])
        assert len(a.messages) == 1 and len(b.messages) == 1
        assert a.unique() != b.unique()


def test_routing_rules_filter_by_document_type_and_owner(
    container, parties, consents, receiver, secret
):
    consents.grant(parties["owner"], parties["bank"])
    webhook_for(
        container,
        parties["bank"],
        receiver,
        secret,
        document_types=["uncefact.cii.invoice"],
        owner_ids=[parties["owner"].id],
    )
    accept_document(container, parties["owner"], parties["provider"])
    invoice = accept_document(
        container, parties["owner"], parties["provider"], doc_type="uncefact.cii.invoice"
    )
    (message,) = receiver.messages.values()
    assert message["data"]["document_id"] == str(invoice)
    assert len(feed(container, parties["bank"])) == 2


def test_feed_numbers_each_participants_notifications_in_order(container, parties, consents):
    consents.grant(parties["owner"], parties["bank"])
    for _ in range(3):
        accept_document(container, parties["owner"], parties["provider"])
    assert [n.seq for n in feed(container, parties["bank"])] == [1, 2, 3]


def test_a_redelivered_announcement_creates_nothing_twice(
    container, parties, consents, receiver, secret
):
    consents.grant(parties["owner"], parties["bank"])
    webhook_for(container, parties["bank"], receiver, secret)
    document_id = accept_document(container, parties["owner"], parties["provider"])
    with container.uow() as uow:
        message = uow.session.execute(
            sa.select(OutboxMessage).where(OutboxMessage.key == f"document.accepted:{document_id}")
        ).scalar_one()
        uow.session.execute(sa.delete(TaskReceipt).where(TaskReceipt.message_id == message.id))
        uow.commit()
    dispatch_message(container, message.id)
    assert len(feed(container, parties["bank"])) == 1
    assert len(deliveries(container)) == 1
    assert len(receiver.messages) == 1


def test_consent_transitions_notify_both_parties(container, parties, receiver, secret):
    webhook_for(container, parties["owner"], receiver, secret, topics=["consent.revoked"])
    with container.uow() as uow:
        enqueue(
            uow.session,
            topic="consent.revoked",
            key="consent.revoked:c1",
            payload={
                "consent_id": "c1",
                "owner_id": str(parties["owner"].id),
                "consumer_id": str(parties["bank"].id),
                "status": "REVOKED",
                "reason": "loan repaid",
            },
        )
        uow.commit()
    for party in (parties["owner"], parties["bank"]):
        (notification,) = feed(container, party)
        assert notification.topic == "consent.revoked"
        assert notification.payload["data"]["reason"] == "loan repaid"
    (message,) = receiver.messages.values()
    assert message["type"] == "consent.revoked"


def test_content_is_pushed_only_when_the_consent_and_the_rule_allow_it(
    container, parties, consents, receiver, secret
):
    consents.grant(parties["owner"], parties["bank"], push_content=True)
    webhook_for(container, parties["bank"], receiver, secret, include_content=True)
    accept_document(container, parties["owner"], parties["provider"], content=b'{"x":1}')
    (message,) = receiver.messages.values()
    assert base64.b64decode(message["data"]["content_base64"]) == b'{"x":1}'

    consents.grant(parties["owner"], parties["bank"], push_content=False)
    accept_document(container, parties["owner"], parties["provider"], content=b'{"x":2}')
    assert sum("content_base64" in m["data"] for m in receiver.messages.values()) == 1


def test_folder_instances_receive_deliveries_as_files(container, parties, consents, tmp_path):
    consents.grant(parties["owner"], parties["bank"])
    subscribed_instance(
        container, parties["bank"].id, "folder", {"path": str(tmp_path / "bank")}, name="drop"
    )
    accept_document(container, parties["owner"], parties["provider"])
    (notification,) = feed(container, parties["bank"])
    written = tmp_path / "bank" / "outgoing" / f"msg_{notification.id.hex}.json"
    assert written.exists()


def test_a_third_party_connector_receives_deliveries_through_the_core(container, parties, consents):
    from tradegate_example_connector import MAILBOXES

    consents.grant(parties["owner"], parties["bank"])
    subscribed_instance(
        container, parties["bank"].id, "memory", {"mailbox": "routing-test"}, name="plugin"
    )
    document_id = accept_document(container, parties["owner"], parties["provider"])
    (body,) = MAILBOXES["routing-test"].values()
    assert json.loads(body)["data"]["document_id"] == str(document_id)
    (delivery,) = deliveries(container)
    assert delivery.status == DeliveryStatus.DELIVERED
