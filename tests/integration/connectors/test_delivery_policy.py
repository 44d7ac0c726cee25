"""Retries, Retry-After, dead letters, 410, replay, and routing re-checked at delivery time."""

import time

import pytest
import sqlalchemy as sa

from app.security.principal import SYSTEM
from app.services.delivery.deliveries import replay_dead
from app.storage.models import ConnectorInstance, Delivery, DeliveryStatus
from tests.integration.connectors.routing_support import accept_document
from tests.integration.connectors.test_routing import webhook_for
from tests.support import subscribed_instance
from tests.webhook_receiver import WebhookReceiver


@pytest.fixture
def settings(settings):
    return settings.model_copy(
        update={
            "delivery_retry_base_seconds": 0.05,
            "delivery_retry_cap_seconds": 0.2,
            "delivery_max_attempts": 3,
        }
    )


def the_delivery(container):
    with container.uow() as uow:
        return uow.session.execute(sa.select(Delivery)).scalar_one()


def settle(container, timeout=10.0):
    """Run due retries until no delivery is waiting any more."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        container.runner.drain()
        if the_delivery(container).status not in ("pending", "failed"):
            return the_delivery(container)
        time.sleep(0.05)
    return the_delivery(container)


def answering(*statuses, headers=None):
    def responder(msg_id, seen):
        status = statuses[min(seen, len(statuses)) - 1]
        return status, (headers or {}) if status != 204 else {}

    return responder


def test_failures_are_retried_until_a_2xx(container, parties, consents, secret):
    consents.grant(parties["owner"], parties["bank"])
    with WebhookReceiver([secret], answering(500, 302, 204)) as receiver:
        webhook_for(container, parties["bank"], receiver, secret)
        accept_document(container, parties["owner"], parties["provider"])
        final = settle(container)
    assert final.status == DeliveryStatus.DELIVERED and final.attempts == 3
    assert sum(receiver.arrivals.values()) == 3
    assert receiver.raw_duplicates() == 0


def test_retry_budget_spent_means_dead_then_replay_delivers(container, parties, consents, secret):
    consents.grant(parties["owner"], parties["bank"])
    with WebhookReceiver([secret], answering(500, 500, 500, 204)) as receiver:
        webhook_for(container, parties["bank"], receiver, secret)
        accept_document(container, parties["owner"], parties["provider"])
        dead = settle(container)
        assert dead.status == DeliveryStatus.DEAD and dead.attempts == 3
        assert "retry budget" in dead.last_error
        with container.uow() as uow:
            assert replay_dead(uow.session, SYSTEM) == 1
            uow.commit()
        replayed = settle(container)
    assert replayed.status == DeliveryStatus.DELIVERED
    assert len(receiver.unique()) == 1


def test_retry_after_on_503_sets_the_next_attempt(container, parties, consents, secret):
    consents.grant(parties["owner"], parties["bank"])
    with WebhookReceiver([secret], answering(503, headers={"Retry-After": "3600"})) as receiver:
        webhook_for(container, parties["bank"], receiver, secret)
        accept_document(container, parties["owner"], parties["provider"])
    delivery = the_delivery(container)
    assert delivery.status == DeliveryStatus.FAILED
    waited = (delivery.next_attempt_at - delivery.updated_at).total_seconds()
    assert 3590 < waited <= 3601


def test_gone_disables_the_endpoint_and_dead_letters(container, parties, consents, secret):
    consents.grant(parties["owner"], parties["bank"])
    with WebhookReceiver([secret], answering(410)) as receiver:
        instance_id = webhook_for(container, parties["bank"], receiver, secret)
        accept_document(container, parties["owner"], parties["provider"])
        accept_document(container, parties["owner"], parties["provider"])
    with container.uow() as uow:
        instance = uow.session.get(ConnectorInstance, instance_id)
        statuses = uow.session.execute(sa.select(Delivery.status)).scalars().all()
    assert not instance.enabled and "410" in instance.disabled_reason
    assert statuses == ["dead"]  # the second document found no enabled route


def test_consent_revoked_before_delivery_cancels_it(container, parties, consents, secret):
    consents.grant(parties["owner"], parties["bank"])

    def revoke_then_fail(msg_id, seen):
        consents.revoke(parties["owner"], parties["bank"])
        return 500, {}

    with WebhookReceiver([secret], revoke_then_fail) as receiver:
        webhook_for(container, parties["bank"], receiver, secret)
        accept_document(container, parties["owner"], parties["provider"])
        final = settle(container)
    assert final.status == DeliveryStatus.CANCELLED
    assert "consent" in final.last_error and final.attempts == 1
    assert sum(receiver.arrivals.values()) == 1


def test_internal_target_without_allow_list_is_dead_at_once(container, parties, consents, secret):
    consents.grant(parties["owner"], parties["bank"])
    subscribed_instance(
        container,
        parties["bank"].id,
        "webhook",
        {"url": "http://127.0.0.1:9/hook", "secrets": [secret]},
        name="sneaky",
    )
    accept_document(container, parties["owner"], parties["provider"])
    delivery = the_delivery(container)
    assert delivery.status == DeliveryStatus.DEAD and "internal address" in delivery.last_error
