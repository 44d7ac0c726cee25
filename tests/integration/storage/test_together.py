"""INSERT and UPDATE ... RETURNING statements in one round trip (PostgreSQL) or in turn (SQLite)."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.services.common.events import append_statement, new_event
from app.storage.counters import slot_claim
from app.storage.models import ConsentAccessCounter, Event, Participant, ParticipantRole
from app.storage.together import insert_together
from tests.integration.storage.test_consent_counters import _consent
from tests.support import both_backends

pytestmark = [pytest.mark.integration, both_backends]


def test_values_come_back_in_order_and_a_refused_claim_is_none(container, backend):
    consent_id = _consent(container)
    end = datetime.now(UTC) + timedelta(hours=1)

    def claim(session, document_key):
        return slot_claim(
            session,
            consent_id=consent_id,
            document_key=document_key,
            resource="any",
            window_key="HOUR:test",
            window_end=end,
            limit=1,
        )

    used_up, fresh = uuid.UUID(int=1), uuid.UUID(int=2)
    with container.uow() as uow:
        insert_together(uow.session, [claim(uow.session, used_up)])
        uow.commit()
    sent: list[str] = []
    sa.event.listen(container.engine, "before_cursor_execute", lambda *a: sent.append(a[2]))
    with container.uow() as uow:
        event = new_event(kind="test.together", actor="t", subject="s", payload={})
        statements = [claim(uow.session, fresh), claim(uow.session, used_up)]
        counted, refused, event_id = insert_together(
            uow.session, [*statements, append_statement(uow.session, event)]
        )
        uow.commit()
    assert (counted, refused, event_id) == (1, None, event.id)
    ours = [s for s in sent if "INTO consent_access_counters" in s or "INTO events " in s]
    assert len(ours) == (1 if backend == "postgresql" else 3)
    with container.uow() as uow:
        counts = uow.session.execute(sa.select(ConsentAccessCounter.count)).scalars().all()
        assert counts == [1, 1]
        assert uow.session.get(Event, event.id) is not None


def test_a_child_may_reference_a_parent_inserted_beside_it_and_an_update_joins_in(container):
    now = datetime.now(UTC)
    with container.uow() as uow:
        existing = uuid.uuid4()
        uow.session.execute(
            sa.insert(Participant).values(id=existing, name="before", active=True, created_at=now)
        )
        uow.commit()
    parent = uuid.uuid4()
    with container.uow() as uow:
        values = insert_together(
            uow.session,
            [
                sa.insert(Participant)
                .values(id=parent, name="parent", active=True, created_at=now)
                .returning(Participant.id),
                sa.insert(ParticipantRole)
                .values([{"participant_id": parent, "role": r} for r in ("owner", "provider")])
                .returning(ParticipantRole.participant_id),
                sa.update(Participant)
                .where(Participant.id == existing)
                .values(name="after")
                .returning(Participant.id),
                sa.update(Participant)
                .where(Participant.id == uuid.uuid4())
                .values(name="nobody")
                .returning(Participant.id),
            ],
        )
        uow.commit()
    assert values == [parent, parent, existing, None]
    with container.uow() as uow:
        roles = uow.session.scalars(
            sa.select(ParticipantRole.role).where(ParticipantRole.participant_id == parent)
        ).all()
        assert sorted(roles) == ["owner", "provider"]
        assert uow.session.get(Participant, existing).name == "after"


def test_a_child_without_its_parent_fails_the_whole_batch(container):
    now = datetime.now(UTC)
    kept = uuid.uuid4()
    with container.uow() as uow, pytest.raises(sa.exc.IntegrityError):
        insert_together(
            uow.session,
            [
                sa.insert(Participant)
                .values(id=kept, name="kept?", active=True, created_at=now)
                .returning(Participant.id),
                sa.insert(ParticipantRole)
                .values(participant_id=uuid.uuid4(), role="owner")
                .returning(ParticipantRole.participant_id),
            ],
        )
        uow.session.flush()
    with container.uow() as uow:
        assert uow.session.get(Participant, kept) is None
