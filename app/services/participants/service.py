"""Register participants, their API clients and dashboard users."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from app.errors import Conflict, NotFound, Unprocessable
from app.security.principal import Principal
from app.security.scopes import SCOPES
from app.security.secrets import hash_client_secret, hash_password, new_client_secret
from app.security.tokens import import_client_jwk
from app.services.common.events import record_event
from app.storage.base import utcnow
from app.storage.models import (
    ApiClient,
    DashboardUser,
    IdentifierScheme,
    Participant,
    ParticipantIdentifier,
    ParticipantRole,
    Role,
)
from app.storage.scoping import readable

ROLE_SCOPES: dict[str, set[str]] = {
    Role.PROVIDER: {"documents:write", "documents:read", "ledger:read", "connectors:manage"},
    Role.CONSUMER: {
        "data:read",
        "consents:read",
        "consents:write",
        "financing:write",
        "ledger:read",
        "connectors:manage",
        "federation:read",
        "federation:hash-match",
    },
    Role.OWNER: {
        "consents:read",
        "consents:manage",
        "audit:read",
        "documents:read",
        "ledger:read",
        "connectors:manage",
    },
    Role.ADMIN: {
        "admin",
        "federation:read",
        "federation:admin",
        "consents:read",
        "consents:manage",
        "audit:read",
        "documents:read",
        "ledger:read",
        "connectors:manage",
    },
}
ALL_SCOPES = set(SCOPES)


@dataclass(frozen=True)
class NewClient:
    client: ApiClient
    secret: str | None


def _parse_roles(roles: Iterable[str]) -> set[str]:
    try:
        parsed = {Role(r).value for r in roles}
    except ValueError as exc:
        raise Unprocessable(
            f"unknown role: {exc}", valid=[r.value for r in Role], slug="invalid-role"
        ) from exc
    if not parsed:
        raise Unprocessable("a participant needs at least one role", slug="invalid-role")
    return parsed


def _parse_identifier(raw: str | tuple[str, str]) -> tuple[str, str]:
    scheme, _, value = raw.partition(":") if isinstance(raw, str) else (raw[0], ":", raw[1])
    scheme = scheme.strip().upper()
    value = value.strip()
    if scheme not in IdentifierScheme.__members__ or not value:
        raise Unprocessable(
            f"identifier {raw!r} is not SCHEME:VALUE with a known scheme",
            slug="invalid-identifier",
            schemes=list(IdentifierScheme.__members__),
        )
    return scheme, value


def _ensure_identifier_free(session: Session, scheme: str, value: str) -> None:
    """An identifier names one participant only: a second registration is a 409."""
    taken = session.execute(
        sa.select(ParticipantIdentifier.id).where(
            ParticipantIdentifier.scheme == scheme, ParticipantIdentifier.value == value
        )
    ).first()
    if taken:
        raise Conflict(
            f"identifier {scheme}:{value} is already registered", slug="identifier-taken"
        )


def create_participant(
    session: Session,
    *,
    name: str,
    roles: Iterable[str],
    identifiers: Iterable[str | tuple[str, str]] = (),
    country: str | None = None,
    actor: str = "system",
) -> Participant:
    role_set = _parse_roles(roles)
    ids = [_parse_identifier(i) for i in identifiers]
    for scheme, value in ids:
        _ensure_identifier_free(session, scheme, value)
    participant = Participant(
        name=name.strip(),
        country=country,
        roles=[ParticipantRole(role=r) for r in sorted(role_set)],
        identifiers=[ParticipantIdentifier(scheme=s, value=v) for s, v in ids],
    )
    session.add(participant)
    session.flush()
    record_event(
        session,
        kind="participant.created",
        actor=actor,
        subject=f"participant:{participant.id}",
        payload={
            "name": participant.name,
            "roles": sorted(role_set),
            "identifiers": [f"{s}:{v}" for s, v in ids],
        },
        participant_ids=[participant.id],
    )
    return participant


def list_participants(
    session: Session,
    principal: Principal,
    *,
    name: str | None = None,
    role: str | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> list[Participant]:
    """Participants the caller may see, oldest first, optionally by name part and role."""
    stmt = (
        readable(Participant, principal)
        .options(selectinload(Participant.roles), selectinload(Participant.identifiers))
        .order_by(Participant.created_at, Participant.id)
    )
    if name:
        stmt = stmt.where(sa.func.lower(Participant.name).contains(name.lower(), autoescape=True))
    if role:
        stmt = stmt.where(
            Participant.id.in_(
                sa.select(ParticipantRole.participant_id).where(ParticipantRole.role == role)
            )
        )
    return list(session.execute(stmt.offset(offset).limit(limit)).scalars())


def get_readable_participant(
    session: Session, principal: Principal, participant_id: uuid.UUID
) -> Participant:
    """A participant the caller may see (itself, or any for an admin); else 404."""
    found = session.execute(
        readable(Participant, principal).where(Participant.id == participant_id)
    ).scalar_one_or_none()
    if found is None:
        raise NotFound(f"participant {participant_id} not found")
    return get_participant(session, participant_id)


def get_participant(session: Session, participant_id: uuid.UUID) -> Participant:
    participant = session.execute(
        sa.select(Participant)
        .where(Participant.id == participant_id)
        .options(selectinload(Participant.roles), selectinload(Participant.identifiers))
    ).scalar_one_or_none()
    if participant is None:
        raise NotFound(f"participant {participant_id} not found")
    return participant


def find_participant(session: Session, ref: str) -> Participant:
    """Look a participant up by id, exact name or SCHEME:VALUE identifier (for the CLI)."""
    try:
        return get_participant(session, uuid.UUID(ref))
    except ValueError:
        pass
    if ":" in ref:
        scheme, value = _parse_identifier(ref)
        pid = session.execute(
            sa.select(ParticipantIdentifier.participant_id).where(
                ParticipantIdentifier.scheme == scheme, ParticipantIdentifier.value == value
            )
        ).scalar_one_or_none()
        if pid is not None:
            return get_participant(session, pid)
    pids = session.execute(sa.select(Participant.id).where(Participant.name == ref)).scalars().all()
    if len(pids) == 1:
        return get_participant(session, pids[0])
    raise NotFound(f"no single participant matches {ref!r}")


def default_scopes(participant: Participant) -> set[str]:
    return set().union(*(ROLE_SCOPES.get(r, set()) for r in participant.role_names))


def add_client(
    session: Session,
    participant: Participant,
    *,
    name: str,
    scopes: Iterable[str] | None = None,
    public_jwk: dict[str, Any] | None = None,
    actor: str = "system",
) -> NewClient:
    """Create an API client: with a public JWK for private_key_jwt, else with a secret."""
    allowed = default_scopes(participant)
    wanted = set(scopes) if scopes else allowed
    if not wanted <= allowed:
        raise Unprocessable(
            f"scopes {sorted(wanted - allowed)} exceed the participant's roles",
            slug="invalid-scope",
            allowed=sorted(allowed),
        )
    secret = None
    if public_jwk is not None:
        try:
            import_client_jwk(public_jwk)
        except ValueError as exc:
            raise Unprocessable(str(exc), slug="invalid-jwk") from exc
    else:
        secret = new_client_secret()
    client = ApiClient(
        client_id=f"tg_{secrets.token_hex(10)}",
        participant_id=participant.id,
        name=name,
        secret_hash=hash_client_secret(secret) if secret else None,
        public_jwk=public_jwk,
        scopes=sorted(wanted),
    )
    session.add(client)
    session.flush()
    record_event(
        session,
        kind="client.created",
        actor=actor,
        subject=f"client:{client.client_id}",
        payload={
            "participant_id": str(participant.id),
            "scopes": client.scopes,
            "auth": "private_key_jwt" if public_jwk else "client_secret_basic",
        },
        participant_ids=[participant.id],
    )
    return NewClient(client, secret)


def rotate_client_secret(session: Session, client: ApiClient, *, actor: str = "system") -> str:
    secret = new_client_secret()
    client.secret_hash = hash_client_secret(secret)
    client.rotated_at = utcnow()
    record_event(
        session,
        kind="client.rotated",
        actor=actor,
        subject=f"client:{client.client_id}",
        payload={},
        participant_ids=[client.participant_id],
    )
    return secret


def add_user(
    session: Session,
    participant: Participant,
    *,
    email: str,
    password: str,
    is_admin: bool = False,
    actor: str = "system",
) -> DashboardUser:
    if len(password) < 10:
        raise Unprocessable("passwords need at least 10 characters", slug="weak-password")
    if is_admin and Role.ADMIN not in participant.role_names:
        raise Unprocessable(
            "admin users belong to a participant with the admin role", slug="invalid-role"
        )
    email = email.strip().lower()
    if session.execute(sa.select(DashboardUser.id).where(DashboardUser.email == email)).first():
        raise Conflict(f"user {email} exists", slug="user-exists")
    user = DashboardUser(
        email=email,
        participant_id=participant.id,
        password_hash=hash_password(password),
        is_admin=is_admin,
    )
    session.add(user)
    session.flush()
    record_event(
        session,
        kind="user.created",
        actor=actor,
        subject=f"user:{user.id}",
        payload={"email": email, "is_admin": is_admin},
        participant_ids=[participant.id],
    )
    return user


_Owned = TypeVar("_Owned", ApiClient, DashboardUser)


def _owned_by(session: Session, model: type[_Owned], participant: Participant) -> list[_Owned]:
    """Rows of `model` that belong to the participant, oldest first."""
    return list(
        session.execute(
            sa.select(model)
            .where(model.participant_id == participant.id)
            .order_by(model.created_at)
        ).scalars()
    )


def list_clients(session: Session, participant: Participant) -> list[ApiClient]:
    """A participant's API clients, oldest first."""
    return _owned_by(session, ApiClient, participant)


def list_users(session: Session, participant: Participant) -> list[DashboardUser]:
    """A participant's dashboard users, oldest first."""
    return _owned_by(session, DashboardUser, participant)


def get_client(session: Session, participant: Participant, client_id: str) -> ApiClient:
    """One of the participant's clients; another participant's client is 404."""
    client = session.execute(
        sa.select(ApiClient).where(
            ApiClient.client_id == client_id, ApiClient.participant_id == participant.id
        )
    ).scalar_one_or_none()
    if client is None:
        raise NotFound(f"client {client_id} not found", slug="client-not-found")
    return client


def set_roles(
    session: Session, participant: Participant, roles: Iterable[str], *, actor: str = "system"
) -> None:
    """Replace the participant's roles; existing clients keep their scopes until reissued."""
    wanted = _parse_roles(roles)
    before = participant.role_names
    if wanted == before:
        return
    participant.roles = [ParticipantRole(role=r) for r in sorted(wanted)]
    session.flush()
    record_event(
        session,
        kind="participant.roles_changed",
        actor=actor,
        subject=f"participant:{participant.id}",
        payload={"from": sorted(before), "to": sorted(wanted)},
        participant_ids=[participant.id],
    )


def add_identifier(
    session: Session, participant: Participant, raw: str, *, actor: str = "system"
) -> ParticipantIdentifier:
    scheme, value = _parse_identifier(raw)
    _ensure_identifier_free(session, scheme, value)
    identifier = ParticipantIdentifier(participant_id=participant.id, scheme=scheme, value=value)
    session.add(identifier)
    session.flush()
    record_event(
        session,
        kind="participant.identifier_added",
        actor=actor,
        subject=f"participant:{participant.id}",
        payload={"identifier": f"{scheme}:{value}"},
        participant_ids=[participant.id],
    )
    return identifier


def remove_identifier(
    session: Session, participant: Participant, identifier_id: uuid.UUID, *, actor: str = "system"
) -> None:
    identifier = session.execute(
        sa.select(ParticipantIdentifier).where(
            ParticipantIdentifier.id == identifier_id,
            ParticipantIdentifier.participant_id == participant.id,
        )
    ).scalar_one_or_none()
    if identifier is None:
        raise NotFound(f"identifier {identifier_id} not found", slug="identifier-not-found")
    session.delete(identifier)
    record_event(
        session,
        kind="participant.identifier_removed",
        actor=actor,
        subject=f"participant:{participant.id}",
        payload={"identifier": f"{identifier.scheme}:{identifier.value}"},
        participant_ids=[participant.id],
    )
    session.flush()


def set_client_active(
    session: Session, client: ApiClient, active: bool, *, actor: str = "system"
) -> None:
    """Disable (or re-enable) a client: the token endpoint refuses disabled clients."""
    if client.active == active:
        return
    client.active = active
    record_event(
        session,
        kind="client.enabled" if active else "client.disabled",
        actor=actor,
        subject=f"client:{client.client_id}",
        payload={},
        participant_ids=[client.participant_id],
    )
    session.flush()


def register_client_key(
    session: Session, client: ApiClient, public_jwk: dict[str, Any], *, actor: str = "system"
) -> None:
    """Switch a client to private_key_jwt with a new public key; any secret stops working."""
    try:
        import_client_jwk(public_jwk)
    except ValueError as exc:
        raise Unprocessable(str(exc), slug="invalid-jwk") from exc
    client.public_jwk = public_jwk
    client.secret_hash = None
    client.rotated_at = utcnow()
    record_event(
        session,
        kind="client.key_registered",
        actor=actor,
        subject=f"client:{client.client_id}",
        payload={"kid": public_jwk.get("kid"), "kty": public_jwk.get("kty")},
        participant_ids=[client.participant_id],
    )
    session.flush()


def names_of(session: Session, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Display names for the parties of objects the caller was already allowed to read.

    A tenant sees the bank on its own consent or the carrier of its own document by name,
    without being able to list other participants.
    """
    wanted = set(ids)
    if not wanted:
        return {}
    rows = session.execute(
        sa.select(Participant.id, Participant.name).where(Participant.id.in_(wanted))
    )
    return {pid: name for pid, name in rows}
