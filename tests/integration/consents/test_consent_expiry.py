"""The periodic job marks consents EXPIRED at valid-until and announces it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.storage.models import Consent, OutboxMessage
from app.tasks.consents import expire_consents
from app.tasks.registry import periodic_jobs
from tests.support import both_backends

pytestmark = [pytest.mark.integration]


def test_expiry_job_is_registered():
    assert "consents.expire" in periodic_jobs()


@both_backends
def test_job_expires_active_and_paused_consents_past_valid_until(
    client, parties, active_consent, request_consent, container
):
    due_active = active_consent()
    due_paused = active_consent()
    client.post(f"/v1/consents/{due_paused['id']}/pause", headers=parties.h("owner"))
    still_valid = active_consent()
    pending = request_consent()
    past = datetime.now(UTC) - timedelta(seconds=1)
    with container.uow() as uow:
        uow.session.execute(
            sa.update(Consent)
            .where(Consent.id.in_([uuid.UUID(c["id"]) for c in (due_active, due_paused, pending)]))
            .values(valid_until=past)
        )
        uow.commit()
    expire_consents(container)
    status = {
        c["id"]: client.get(f"/v1/consents/{c['id']}", headers=parties.h("bank_a")).json()
        for c in (due_active, due_paused, still_valid, pending)
    }
    assert status[due_active["id"]]["status"] == "EXPIRED"
    assert status[due_paused["id"]]["status"] == "EXPIRED"
    assert status[still_valid["id"]]["status"] == "ACTIVE"
    assert status[pending["id"]]["status"] == "PENDING"
    assert status[due_active["id"]]["transitions"][-1]["role"] == "system"
    with container.uow() as uow:
        expired_topics = uow.session.execute(
            sa.select(sa.func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.topic == "consent.expired")
        ).scalar_one()
    assert expired_topics == 2
    expire_consents(container)
    with container.uow() as uow:
        again = uow.session.execute(
            sa.select(sa.func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.topic == "consent.expired")
        ).scalar_one()
    assert again == 2
