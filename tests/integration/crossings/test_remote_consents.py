"""A peer hub files consent requests for its own consumers only, and reads back only those."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from app.errors import NotFound
from app.services.consents.purposes import catalogue_for
from app.services.consents.remote import RemoteConsumerRef
from app.services.consents.service import ConsentRequest
from app.services.crossings.consents import (
    consent_for_remote_consumer,
    request_for_remote_consumer,
)
from app.services.crossings.serving import CallingPeer

pytestmark = pytest.mark.integration

HK = CallingPeer("hub-b", "HK")


def terms(owner_id: uuid.UUID, **changes) -> ConsentRequest:
    now = datetime.now(UTC)
    values = {
        "owner_id": owner_id,
        "document_types": frozenset({"dcsa.transport-document"}),
        "purpose_code": "TRADE_FINANCE_APPLICATION",
        "data_from": now - timedelta(days=30),
        "data_to": now,
        "valid_from": now - timedelta(minutes=1),
        "valid_until": now + timedelta(days=30),
        "fetch_type": "ONETIME",
        "frequency_count": None,
        "frequency_unit": None,
        "data_life_days": 30,
        **changes,
    }
    return ConsentRequest(**values)


def file(container, peer, ref, request, key=None):
    with container.uow() as uow:
        consent, created = request_for_remote_consumer(
            uow.session,
            peer,
            ref,
            request,
            catalogue=catalogue_for(container.settings),
            receipt_grace=timedelta(days=7),
            idempotency_key=key,
        )
        uow.commit()
        return consent.id, consent.status, consent.consumer_id, consent.requested_by, created


def test_peer_files_a_pending_consent_for_its_consumer(container, make_participant, client):
    owner = make_participant("Exporter", ("owner",))
    request = terms(owner.id)
    consent_id, status, consumer, by, created = file(container, HK, "bank-7", request)
    assert (status, created, by) == ("PENDING", True, "peer:hub-b/bank-7")
    again = file(container, HK, "bank-7", request, key="k1")
    assert again[2] == consumer
    retry = file(container, HK, "bank-7", request, key="k1")
    assert retry[0] == again[0] and retry[4] is False
    with container.uow() as uow:
        read = consent_for_remote_consumer(uow.session, HK, "bank-7", consent_id)
        assert read.id == consent_id
        with pytest.raises(NotFound):
            consent_for_remote_consumer(
                uow.session, CallingPeer("hub-c", "SG"), "bank-7", consent_id
            )
        with pytest.raises(NotFound):
            consent_for_remote_consumer(uow.session, HK, "bank-8", consent_id)


def test_peer_cannot_name_a_local_consumer_or_another_peers(container, make_participant):
    owner = make_participant("Exporter", ("owner",))
    local_bank = make_participant("Bank", ("consumer",))
    smuggled = terms(
        owner.id,
        consumer_id=local_bank.id,
        remote_consumer=RemoteConsumerRef("hub-c", "bank-9"),
    )
    _, _, consumer, _, _ = file(container, HK, "bank-7", smuggled)
    assert consumer != local_bank.id
    with container.uow() as uow:
        from app.services.consents.remote import remote_consumer_of

        stand_in = remote_consumer_of(uow.session, consumer)
        assert stand_in is not None
        assert (stand_in.peer_name, stand_in.consumer_ref) == ("hub-b", "bank-7")
