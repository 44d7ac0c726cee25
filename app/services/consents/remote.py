"""Consumers at peer hubs: the local participant that stands for each in consents."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.errors import Unprocessable
from app.services.participants.service import create_participant
from app.storage.models import RemoteConsumer

#: A hub name as TRADEGATE_HUB_NAME allows it (the default is the issuer's host[:port]).
_PEER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$")
_REF = re.compile(r"^[\x21-\x7e]{1,200}$")


@dataclass(frozen=True)
class RemoteConsumerRef:
    """A consumer as its own hub names it: the peer's name and its participant reference."""

    peer: str
    consumer_ref: str

    def __post_init__(self) -> None:
        if not _PEER_NAME.match(self.peer):
            raise Unprocessable(
                "the peer name is letters, digits, dots, colons, dashes and underscores",
                slug="invalid-remote-consumer",
                errors=[{"field": "remote_consumer.peer", "message": "not a peer name"}],
            )
        if not _REF.match(self.consumer_ref):
            raise Unprocessable(
                "the consumer reference is 1 to 200 visible ASCII characters",
                slug="invalid-remote-consumer",
                errors=[{"field": "remote_consumer.consumer_ref", "message": "not a reference"}],
            )

    @property
    def label(self) -> str:
        """How the stand-in participant is named, so any list shows where it lives."""
        return f"{self.consumer_ref} at peer {self.peer}"


def find_remote_consumer(session: Session, ref: RemoteConsumerRef) -> uuid.UUID | None:
    """The local participant standing for `ref`, if a consent ever named it."""
    return session.execute(
        sa.select(RemoteConsumer.participant_id).where(
            RemoteConsumer.peer_name == ref.peer,
            RemoteConsumer.consumer_ref == ref.consumer_ref,
        )
    ).scalar_one_or_none()


def remote_consumer_participant(
    session: Session, ref: RemoteConsumerRef, *, actor: str, country: str | None = None
) -> uuid.UUID:
    """The stand-in participant for `ref`, created (role consumer) on first use.

    A concurrent first use may insert the same reference: the loser's savepoint rolls back
    and it takes the winner's row, so a remote consumer never has two stand-ins.
    """
    existing = find_remote_consumer(session, ref)
    if existing is not None:
        return existing
    try:
        with session.begin_nested():
            participant = create_participant(
                session, name=ref.label, roles=("consumer",), country=country, actor=actor
            )
            session.add(
                RemoteConsumer(
                    participant_id=participant.id,
                    peer_name=ref.peer,
                    consumer_ref=ref.consumer_ref,
                )
            )
            session.flush()
            return participant.id
    except IntegrityError:
        found = find_remote_consumer(session, ref)
        if found is None:
            raise
        return found


def remote_consumer_of(session: Session, participant_id: uuid.UUID) -> RemoteConsumer | None:
    """The peer and reference a local consumer stands for; None for a local consumer."""
    return session.get(RemoteConsumer, participant_id)
