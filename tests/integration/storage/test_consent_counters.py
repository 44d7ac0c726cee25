"""Fetch counters hold their limit when several API replicas count at the same moment."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.storage.counters import purge_elapsed, slot_claim
from app.storage.db import make_engine, make_session_factory
from app.storage.models import Consent, ConsentAccessCounter, Participant, ParticipantRole
from tests.support import both_backends

pytestmark = [pytest.mark.integration, both_backends]


def _consent(container) -> uuid.UUID:
    now = datetime.now(UTC)
    with container.uow() as uow:
        owner = Participant(name="o", roles=[ParticipantRole(role="owner")])
        bank = Participant(name="b", roles=[ParticipantRole(role="consumer")])
        uow.session.add_all([owner, bank])
        uow.session.flush()
        consent = Consent(
            owner_id=owner.id,
            consumer_id=bank.id,
            document_types=["t"],
            purpose_code="P",
            purpose_text="p",
            data_from=now,
            data_to=now + timedelta(days=1),
            valid_from=now,
            valid_until=now + timedelta(days=1),
            fetch_type="PERIODIC",
            frequency_count=5,
            frequency_unit="HOUR",
            data_life_days=1,
            status="ACTIVE",
            requested_by="t",
            request_sha256="0" * 64,
        )
        uow.session.add(consent)
        uow.commit()
        return consent.id


def take_slot(session, **claim) -> bool:
    return session.execute(slot_claim(session, **claim)).first() is not None


def _take(session_factory, consent_id, limit, end) -> bool:
    session = session_factory()
    try:
        taken = take_slot(
            session,
            consent_id=consent_id,
            document_key=uuid.UUID(int=0),
            resource="any",
            window_key="HOUR:2030-01-01T00",
            window_end=end,
            limit=limit,
        )
        session.commit()
        return taken
    finally:
        session.close()


def test_concurrent_replicas_never_exceed_the_limit(container, database_url):
    consent_id = _consent(container)
    replicas = [make_session_factory(make_engine(database_url)) for _ in range(2)]
    end = datetime.now(UTC) + timedelta(hours=1)
    results: list[bool] = []
    lock = threading.Lock()

    def worker(factory):
        for _ in range(6):
            taken = _take(factory, consent_id, 7, end)
            with lock:
                results.append(taken)

    threads = [threading.Thread(target=worker, args=(replicas[i % 2],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(True) == 7
    assert len(results) == 24
    with container.uow() as uow:
        count = uow.session.execute(sa.select(ConsentAccessCounter.count)).scalar_one()
    assert count == 7


def test_elapsed_windows_are_purged_and_onetime_counters_kept(container):
    consent_id = _consent(container)
    now = datetime.now(UTC)
    with container.uow() as uow:
        take_slot(
            uow.session,
            consent_id=consent_id,
            document_key=uuid.UUID(int=0),
            resource="any",
            window_key="HOUR:old",
            window_end=now - timedelta(seconds=1),
            limit=1,
        )
        take_slot(
            uow.session,
            consent_id=consent_id,
            document_key=uuid.uuid4(),
            resource="content",
            window_key="ONETIME",
            window_end=None,
            limit=1,
        )
        assert purge_elapsed(uow.session, now) == 1
        uow.commit()
    with container.uow() as uow:
        keys = uow.session.execute(sa.select(ConsentAccessCounter.window_key)).scalars().all()
    assert keys == ["ONETIME"]
