"""Deliveries become sealed, sent CargoX envelopes once, through token trouble and crashes."""

from __future__ import annotations

import base64
import time
from datetime import timedelta

import httpx
import pytest
import sqlalchemy as sa

from app.security.principal import SYSTEM
from app.services.delivery.deliveries import replay_dead
from app.storage.base import utcnow
from app.storage.models import Delivery, DeliveryStatus
from connectors.registry import default_registry
from tests.cargox_standin import RECIPIENT_INBOX, Fault
from tests.integration.connectors.cargox.conftest import authorize
from tests.integration.connectors.routing_support import TRANSPORT_DOCUMENT, accept_document


@pytest.fixture
def settings(settings):
    return settings.model_copy(
        update={
            "delivery_retry_base_seconds": 0.05,
            "delivery_retry_cap_seconds": 0.2,
            "delivery_max_attempts": 4,
        }
    )


def the_delivery(container) -> Delivery:
    with container.uow() as uow:
        return uow.session.execute(sa.select(Delivery)).scalar_one()


def settle(container, timeout: float = 15.0) -> Delivery:
    """Run due retries until the delivery is settled."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        container.runner.drain()
        delivery = the_delivery(container)
        if delivery.status not in (DeliveryStatus.PENDING, DeliveryStatus.FAILED):
            return delivery
        time.sleep(0.05)
    return the_delivery(container)


def sent_envelopes(standin):
    return [e for e in standin.state.outgoing() if e["sent"]]


def attached_bytes(standin, envelope) -> bytes:
    (attachment,) = envelope["attachments"]
    return standin.state.documents[attachment["document_token"]["document"]["id"]]


def test_a_delivery_becomes_one_sealed_sent_envelope_with_the_original_bytes(
    container, parties, consents, standin, sending_instance
):
    consents.grant(parties["owner"], parties["bank"], push_content=True)
    sending_instance()
    accept_document(container, parties["owner"], parties["provider"])
    delivery = settle(container)
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 1
    (envelope,) = standin.state.outgoing()
    assert envelope["sealed"] and envelope["sent"]
    assert envelope["recipient_id"] == RECIPIENT_INBOX
    assert attached_bytes(standin, envelope) == TRANSPORT_DOCUMENT


def test_without_a_consent_that_pushes_content_nothing_is_sent(
    container, parties, consents, standin, sending_instance
):
    consents.grant(parties["owner"], parties["bank"], push_content=False)
    sending_instance()
    accept_document(container, parties["owner"], parties["provider"])
    delivery = settle(container)
    assert delivery.status == DeliveryStatus.DEAD
    assert "no document content" in (delivery.last_error or "")
    assert standin.state.outgoing() == []


def test_a_token_expiring_within_a_minute_is_refreshed_before_the_call(
    container, parties, consents, standin, sending_instance
):
    standin.state.access_ttl = 30.0
    consents.grant(parties["owner"], parties["bank"], push_content=True)
    sending_instance()
    accept_document(container, parties["owner"], parties["provider"])
    assert settle(container).status == DeliveryStatus.DELIVERED
    assert "refresh_token" in standin.state.token_grants
    assert len(sent_envelopes(standin)) == 1


def test_a_token_expired_early_by_cargox_is_refreshed_once_and_the_call_retried(
    container, parties, consents, standin, sending_instance
):
    consents.grant(parties["owner"], parties["bank"], push_content=True)
    sending_instance()
    standin.state.expire_access_tokens()
    accept_document(container, parties["owner"], parties["provider"])
    delivery = settle(container)
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 1
    assert standin.state.token_grants == ["authorization_code", "refresh_token"]


def test_a_revoked_grant_dead_letters_until_authorised_again_then_replay_sends_once(
    container, parties, consents, standin, sending_instance
):
    consents.grant(parties["owner"], parties["bank"], push_content=True)
    instance_id = sending_instance()
    standin.state.revoke_all()
    standin.state.expire_access_tokens()
    accept_document(container, parties["owner"], parties["provider"])
    dead = settle(container)
    assert dead.status == DeliveryStatus.DEAD and "not authorised" in (dead.last_error or "")
    authorize(container, standin, instance_id)
    with container.uow() as uow:
        assert replay_dead(uow.session, SYSTEM) == 1
        uow.commit()
    assert settle(container).status == DeliveryStatus.DELIVERED
    assert len(standin.state.outgoing()) == 1


def test_429_with_retry_after_postpones_the_next_attempt_as_asked(
    container, parties, consents, standin, sending_instance
):
    consents.grant(parties["owner"], parties["bank"], push_content=True)
    sending_instance()
    standin.state.faults.append(Fault("/envelopes/", 429, retry_after="120"))
    before = utcnow()
    accept_document(container, parties["owner"], parties["provider"])
    delivery = the_delivery(container)
    assert delivery.status == DeliveryStatus.FAILED and delivery.last_status_code == 429
    assert delivery.next_attempt_at >= before + timedelta(seconds=119)
    assert standin.state.outgoing() == []


def test_server_errors_are_retried_with_backoff_and_end_in_one_envelope(
    container, parties, consents, standin, sending_instance
):
    consents.grant(parties["owner"], parties["bank"], push_content=True)
    sending_instance()
    standin.state.faults += [Fault("/seal/", 502), Fault("/send/", 503, retry_after="0")]
    accept_document(container, parties["owner"], parties["provider"])
    delivery = settle(container)
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 3
    assert len(standin.state.outgoing()) == 1 and len(sent_envelopes(standin)) == 1


def test_the_retry_budget_spent_on_5xx_dead_letters_the_delivery(
    container, parties, consents, standin, sending_instance
):
    consents.grant(parties["owner"], parties["bank"], push_content=True)
    sending_instance()
    standin.state.faults += [Fault("/envelopes/", 500) for _ in range(4)]
    accept_document(container, parties["owner"], parties["provider"])
    dead = settle(container)
    assert dead.status == DeliveryStatus.DEAD and "retry budget" in (dead.last_error or "")


class WorkerKilled(BaseException):
    """Stands for SIGKILL: nothing after it runs, nothing uncommitted survives."""


class KillBeforeSend(httpx.BaseTransport):
    """Forwards requests, but the worker dies as it is about to ask CargoX to send."""

    def __init__(self) -> None:
        self._inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/send/"):
            raise WorkerKilled
        return self._inner.handle_request(request)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
def test_a_worker_killed_between_sealed_and_sent_leaves_one_envelope(
    container, parties, consents, standin, sending_instance, monkeypatch
):
    consents.grant(parties["owner"], parties["bank"], push_content=True)
    sending_instance()
    connector = default_registry().get("cargox")
    monkeypatch.setattr(connector, "_transport", KillBeforeSend())
    with pytest.raises(WorkerKilled):
        accept_document(container, parties["owner"], parties["provider"])
        container.runner.drain()
    (envelope,) = standin.state.outgoing()
    assert envelope["sealed"] and not envelope["sent"]
    assert the_delivery(container).attempts == 0  # the killed attempt committed nothing
    monkeypatch.setattr(connector, "_transport", None)
    delivery = settle(container)
    assert delivery.status == DeliveryStatus.DELIVERED
    (envelope,) = standin.state.outgoing()
    assert envelope["sent"] and base64.b64encode(attached_bytes(standin, envelope))
