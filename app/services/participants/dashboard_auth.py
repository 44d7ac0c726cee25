"""Dashboard sign-in: password check with lockout, server-side sessions, the user's Principal."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.errors import Unauthorized
from app.security.principal import Principal
from app.security.secrets import hash_password, verify_password
from app.services.common.events import record_event
from app.services.participants.service import ROLE_SCOPES, get_participant
from app.storage.base import utcnow
from app.storage.models import DashboardSession, DashboardUser, Role

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(hours=8)
IDLE_TIMEOUT = timedelta(minutes=60)
# Refreshing last_seen_at on every click would turn each page view into a write.
_TOUCH_INTERVAL = timedelta(minutes=1)

# Verifying against a real hash for unknown e-mails keeps the response time from telling
# an attacker which addresses have accounts.
_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


class SignInFailed(Unauthorized):
    """Wrong e-mail, wrong password, disabled or locked account: deliberately one answer."""

    slug = "sign-in-failed"
    title = "Sign-in failed"


@dataclass(frozen=True)
class SignedIn:
    """A new session: the cookie value (given to the browser once) and its CSRF token."""

    token: str
    csrf_token: str
    user: DashboardUser


@dataclass(frozen=True)
class ActiveSession:
    """The user behind a valid session cookie, and the Principal services scope by."""

    user: DashboardUser
    csrf_token: str
    principal: Principal


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _failure() -> SignInFailed:
    return SignInFailed(
        f"the e-mail or password is wrong, or the account is locked after "
        f"{MAX_FAILED_LOGINS} failed attempts (for {int(LOCKOUT.total_seconds() // 60)} minutes)"
    )


def sign_in(
    session: Session, *, email: str, password: str, now: datetime | None = None
) -> SignedIn:
    """Check a password; count failures and lock the account after MAX_FAILED_LOGINS.

    The caller commits even when this raises, so failed attempts are remembered.
    """
    now = now or utcnow()
    user = session.execute(
        sa.select(DashboardUser)
        .where(DashboardUser.email == email.strip().lower())
        .with_for_update()
    ).scalar_one_or_none()
    if user is None:
        verify_password(password, _DUMMY_HASH)
        raise _failure()
    if user.locked_until is not None and user.locked_until > now:
        raise _failure()
    if not verify_password(password, user.password_hash) or not user.active:
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until = now + LOCKOUT
            user.failed_logins = 0
            record_event(
                session,
                kind="user.locked",
                actor=f"user:{user.email}",
                subject=f"user:{user.id}",
                payload={"until": user.locked_until.isoformat(), "attempts": MAX_FAILED_LOGINS},
                participant_ids=[user.participant_id],
            )
        session.flush()
        raise _failure()
    user.failed_logins = 0
    user.locked_until = None
    token = secrets.token_urlsafe(32)
    row = DashboardSession(
        token_sha256=token_digest(token),
        user_id=user.id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        last_seen_at=now,
        expires_at=now + SESSION_LIFETIME,
    )
    session.add(row)
    session.execute(sa.delete(DashboardSession).where(DashboardSession.expires_at < now))
    record_event(
        session,
        kind="user.signed_in",
        actor=f"user:{user.email}",
        subject=f"user:{user.id}",
        payload={},
        participant_ids=[user.participant_id],
    )
    session.flush()
    return SignedIn(token=token, csrf_token=row.csrf_token, user=user)


def principal_for(session: Session, user: DashboardUser) -> Principal:
    """The user acts for its participant with that participant's role scopes.

    The admin role (and its scopes) only reaches users flagged `is_admin`, so an operator's
    colleague without the flag sees no more than an ordinary tenant would.
    """
    roles = set(get_participant(session, user.participant_id).role_names)
    if not user.is_admin:
        roles.discard(Role.ADMIN.value)
    scopes: set[str] = set().union(*(ROLE_SCOPES.get(r, set()) for r in roles))
    return Principal(
        participant_id=user.participant_id,
        client_id=user.email,
        scopes=frozenset(scopes),
        roles=frozenset(roles),
        kind="user",
    )


def resume_session(
    session: Session, token: str, *, now: datetime | None = None
) -> ActiveSession | None:
    """The session for a cookie value, or None when unknown, expired, idle or disabled."""
    now = now or utcnow()
    row = session.get(DashboardSession, token_digest(token))
    if row is None:
        return None
    user = session.get(DashboardUser, row.user_id)
    if (
        user is None
        or not user.active
        or row.expires_at <= now
        or row.last_seen_at + IDLE_TIMEOUT <= now
    ):
        session.delete(row)
        session.flush()
        return None
    if now - row.last_seen_at >= _TOUCH_INTERVAL:
        row.last_seen_at = now
        session.flush()
    return ActiveSession(
        user=user, csrf_token=row.csrf_token, principal=principal_for(session, user)
    )


def sign_out(session: Session, token: str) -> None:
    """Forget the session server-side, so a copied cookie stops working too."""
    row = session.get(DashboardSession, token_digest(token))
    if row is None:
        return
    user = session.get(DashboardUser, row.user_id)
    session.delete(row)
    if user is not None:
        record_event(
            session,
            kind="user.signed_out",
            actor=f"user:{user.email}",
            subject=f"user:{user.id}",
            payload={},
            participant_ids=[user.participant_id],
        )
    session.flush()
