"""Consent lifecycle state machine: which transition is legal, from where, and by whom."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from app.domain.consent import ConsentError, ConsentStatus


class Action(StrEnum):
    """Things that can happen to a consent; each maps to at most one target status."""

    APPROVE = "approve"
    REJECT = "reject"
    PAUSE = "pause"
    RESUME = "resume"
    REVOKE = "revoke"
    EXPIRE = "expire"


class ActorRole(StrEnum):
    """The capacity in which a participant (or the hub itself) acts on a consent."""

    OWNER = "owner"
    CONSUMER = "consumer"
    ADMIN = "admin"
    SYSTEM = "system"


class IllegalTransition(ConsentError):
    """The action is not possible from the consent's current status (HTTP 409)."""

    code = "illegal_transition"

    def __init__(self, action: Action, status: ConsentStatus, why: str = "") -> None:
        message = f"cannot {action.value} a consent that is {status.value}"
        super().__init__(f"{message}: {why}" if why else message)
        self.action = action
        self.status = status


class TransitionNotPermitted(ConsentError):
    """The actor's role may not take this action at all (HTTP 403)."""

    code = "transition_not_permitted"

    def __init__(self, action: Action, role: ActorRole) -> None:
        super().__init__(f"the {role.value} may not {action.value} a consent")
        self.action = action
        self.role = role


class ReasonRequired(ConsentError):
    """Revocation must say why, so the other party and the audit trail know (HTTP 422)."""

    code = "reason_required"


@dataclass(frozen=True)
class Rule:
    """One row of the transition table."""

    sources: frozenset[ConsentStatus]
    target: ConsentStatus
    roles: frozenset[ActorRole]
    reason_required: bool = False


_OWNER_SIDE = frozenset({ActorRole.OWNER, ActorRole.ADMIN})

RULES: dict[Action, Rule] = {
    Action.APPROVE: Rule(frozenset({ConsentStatus.PENDING}), ConsentStatus.ACTIVE, _OWNER_SIDE),
    Action.REJECT: Rule(frozenset({ConsentStatus.PENDING}), ConsentStatus.REJECTED, _OWNER_SIDE),
    Action.PAUSE: Rule(frozenset({ConsentStatus.ACTIVE}), ConsentStatus.PAUSED, _OWNER_SIDE),
    Action.RESUME: Rule(frozenset({ConsentStatus.PAUSED}), ConsentStatus.ACTIVE, _OWNER_SIDE),
    Action.REVOKE: Rule(
        frozenset({ConsentStatus.ACTIVE, ConsentStatus.PAUSED}),
        ConsentStatus.REVOKED,
        frozenset({ActorRole.OWNER, ActorRole.CONSUMER, ActorRole.ADMIN}),
        reason_required=True,
    ),
    Action.EXPIRE: Rule(
        frozenset({ConsentStatus.ACTIVE, ConsentStatus.PAUSED}),
        ConsentStatus.EXPIRED,
        frozenset({ActorRole.SYSTEM}),
    ),
}

TERMINAL = frozenset({ConsentStatus.REJECTED, ConsentStatus.REVOKED, ConsentStatus.EXPIRED})

MAX_REASON_LENGTH = 500


@dataclass(frozen=True)
class Transition:
    """A decided, legal status change, ready to be stored and announced."""

    action: Action
    source: ConsentStatus
    target: ConsentStatus
    role: ActorRole
    at: datetime
    reason: str | None

    @property
    def topic(self) -> str:
        """Outbox topic and event kind announcing the change, e.g. `consent.activated`."""
        return f"consent.{_TOPIC_VERBS[self.action]}"


_TOPIC_VERBS = {
    Action.APPROVE: "activated",
    Action.REJECT: "rejected",
    Action.PAUSE: "paused",
    Action.RESUME: "resumed",
    Action.REVOKE: "revoked",
    Action.EXPIRE: "expired",
}


def plan_transition(
    status: ConsentStatus,
    action: Action,
    role: ActorRole,
    *,
    now: datetime,
    valid_until: datetime,
    reason: str | None = None,
) -> Transition:
    """Decide whether `role` may take `action` on a consent in `status` at `now`.

    The role is checked before the status so a party that may never take an action learns
    nothing about the consent's state from the answer.
    """
    rule = RULES[action]
    if role not in rule.roles:
        raise TransitionNotPermitted(action, role)
    if status not in rule.sources:
        raise IllegalTransition(action, status)
    cleaned = reason.strip() if reason is not None else None
    if rule.reason_required and not cleaned:
        raise ReasonRequired(f"a reason is required to {action.value} a consent")
    if cleaned is not None and len(cleaned) > MAX_REASON_LENGTH:
        raise ReasonRequired(f"the reason must not exceed {MAX_REASON_LENGTH} characters")
    if action is Action.EXPIRE and now < valid_until:
        raise IllegalTransition(action, status, "its validity has not ended")
    if rule.target is ConsentStatus.ACTIVE and now >= valid_until:
        raise IllegalTransition(action, status, "its validity has ended")
    return Transition(action, status, rule.target, role, now, cleaned or None)
