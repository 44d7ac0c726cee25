"""Connector state: encrypted at rest, durable on its own, and claims that hold once."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from pydantic import SecretStr

from app.security.principal import SYSTEM
from app.services.common.connector_state import (
    DatabaseInstanceState,
    StateUnreadableError,
    instance_state,
    state_cipher,
)
from app.services.delivery.connector_instances import create_instance
from app.storage.base import utcnow
from app.storage.models import ConnectorStateEntry

both_backends = pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
def instance_id(container, make_participant) -> uuid.UUID:
    owner = make_participant("Carrier")
    with container.uow() as uow:
        instance, _ = create_instance(
            uow.session,
            SYSTEM,
            connector="memory",
            name="stateful",
            config={"mailbox": "m"},
            participant_id=owner.id,
        )
        uow.commit()
    return instance.id


def stored_values(container) -> list[str]:
    with container.uow() as uow:
        return list(uow.session.execute(sa.select(ConnectorStateEntry.value)).scalars())


@both_backends
def test_values_are_encrypted_at_rest_and_read_back(container, instance_id):
    state = instance_state(container, instance_id)
    state.put("oauth.tokens", "access-token-in-clear")
    state.put("oauth.tokens", "rotated-token")
    assert state.get("oauth.tokens") == "rotated-token"
    (raw,) = stored_values(container)
    assert "rotated-token" not in raw and raw.startswith("gAAAA")
    state.delete("oauth.tokens")
    assert state.get("oauth.tokens") is None and stored_values(container) == []


@both_backends
def test_a_new_key_first_still_reads_values_written_under_the_old(container, instance_id):
    old = Fernet.generate_key().decode()
    new = Fernet.generate_key().decode()
    before = container.settings.model_copy(update={"connector_state_keys": [SecretStr(old)]})
    after = container.settings.model_copy(
        update={"connector_state_keys": [SecretStr(new), SecretStr(old)]}
    )
    DatabaseInstanceState(container.uow, instance_id, state_cipher(before)).put("k", "v")
    assert DatabaseInstanceState(container.uow, instance_id, state_cipher(after)).get("k") == "v"
    dropped = container.settings.model_copy(update={"connector_state_keys": [SecretStr(new)]})
    with pytest.raises(StateUnreadableError):
        DatabaseInstanceState(container.uow, instance_id, state_cipher(dropped)).get("k")


@both_backends
def test_a_claim_is_held_once_until_completed_released_or_its_lease_runs_out(
    container, instance_id
):
    now = [utcnow()]
    cipher = state_cipher(container.settings)
    state = DatabaseInstanceState(container.uow, instance_id, cipher, clock=lambda: now[0])
    assert state.claim("envelope:1", lease_seconds=60)
    assert not state.claim("envelope:1", lease_seconds=60)
    now[0] += timedelta(seconds=61)
    assert state.claim("envelope:1", lease_seconds=60)  # the holder died: taken again
    state.release("envelope:1")
    assert state.claim("envelope:1", lease_seconds=60)
    state.complete("envelope:1")
    now[0] += timedelta(days=1)
    assert not state.claim("envelope:1", lease_seconds=60)


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_write_survives_the_rollback_of_the_transaction_around_it(container, instance_id):
    """PostgreSQL only: SQLite has one writer, so state joins the open transaction there."""
    with container.uow() as outer:
        outer.session.execute(sa.select(ConnectorStateEntry)).all()
        instance_state(container, instance_id).put("remote.id", "env-1")
        outer.rollback()
    assert instance_state(container, instance_id).get("remote.id") == "env-1"


@both_backends
def test_replicas_racing_for_one_claim_let_exactly_one_win(container, instance_id):
    states = [instance_state(container, instance_id) for _ in range(6)]
    barrier = threading.Barrier(len(states))
    wins: list[bool] = []

    def race(state: DatabaseInstanceState) -> None:
        barrier.wait()
        wins.append(state.claim("envelope:contended", lease_seconds=60))

    threads = [threading.Thread(target=race, args=(s,)) for s in states]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(wins) == [False] * 5 + [True]
