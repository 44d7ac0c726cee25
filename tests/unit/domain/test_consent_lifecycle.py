"""The consent state machine follows the lifecycle table for every status, action and role."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from app.domain.consent import ConsentStatus as S
from app.domain.consent_lifecycle import (
    Action,
    ActorRole,
    IllegalTransition,
    ReasonRequired,
    TransitionNotPermitted,
    plan_transition,
)

# The lifecycle as the specification states it, written out independently of the code.
LEGAL = {
    (S.PENDING, Action.APPROVE): S.ACTIVE,
    (S.PENDING, Action.REJECT): S.REJECTED,
    (S.ACTIVE, Action.PAUSE): S.PAUSED,
    (S.PAUSED, Action.RESUME): S.ACTIVE,
    (S.ACTIVE, Action.REVOKE): S.REVOKED,
    (S.PAUSED, Action.REVOKE): S.REVOKED,
    (S.ACTIVE, Action.EXPIRE): S.EXPIRED,
    (S.PAUSED, Action.EXPIRE): S.EXPIRED,
}
PERMITTED = {
    Action.APPROVE: {ActorRole.OWNER, ActorRole.ADMIN},
    Action.REJECT: {ActorRole.OWNER, ActorRole.ADMIN},
    Action.PAUSE: {ActorRole.OWNER, ActorRole.ADMIN},
    Action.RESUME: {ActorRole.OWNER, ActorRole.ADMIN},
    Action.REVOKE: {ActorRole.OWNER, ActorRole.CONSUMER, ActorRole.ADMIN},
    Action.EXPIRE: {ActorRole.SYSTEM},
}
ALL = list(itertools.product(S, Action, ActorRole))


def _plan(status, action, role, now, *, until_offset=timedelta(days=1), reason="no longer needed"):
    valid_until = now + until_offset
    if action is Action.EXPIRE:
        valid_until = now - timedelta(seconds=1)
    return plan_transition(status, action, role, now=now, valid_until=valid_until, reason=reason)


@pytest.mark.parametrize(("status", "action", "role"), ALL, ids=lambda v: str(v.value))
def test_every_combination_follows_the_lifecycle_table(status, action, role, now):
    if role not in PERMITTED[action]:
        with pytest.raises(TransitionNotPermitted):
            _plan(status, action, role, now)
    elif (status, action) in LEGAL:
        transition = _plan(status, action, role, now)
        assert transition.source is status
        assert transition.target is LEGAL[(status, action)]
        assert transition.role is role
        assert transition.at == now
    else:
        with pytest.raises(IllegalTransition) as raised:
            _plan(status, action, role, now)
        assert raised.value.code == "illegal_transition"
        assert status.value in raised.value.message


@pytest.mark.parametrize("status", [S.REJECTED, S.REVOKED, S.EXPIRED])
def test_terminal_states_accept_no_action(status, now):
    for action, roles in PERMITTED.items():
        for role in roles:
            with pytest.raises(IllegalTransition):
                _plan(status, action, role, now)


@pytest.mark.parametrize("reason", [None, "", "   \n"])
def test_revocation_without_a_reason_is_refused(reason, now):
    with pytest.raises(ReasonRequired):
        _plan(S.ACTIVE, Action.REVOKE, ActorRole.OWNER, now, reason=reason)


def test_revocation_reason_is_kept_trimmed(now):
    transition = _plan(S.PAUSED, Action.REVOKE, ActorRole.CONSUMER, now, reason="  loan repaid ")
    assert transition.reason == "loan repaid"


def test_overlong_reason_is_refused(now):
    with pytest.raises(ReasonRequired):
        _plan(S.ACTIVE, Action.REVOKE, ActorRole.ADMIN, now, reason="x" * 501)


def test_rejection_reason_is_optional(now):
    assert _plan(S.PENDING, Action.REJECT, ActorRole.OWNER, now, reason=None).reason is None


def test_expiry_before_valid_until_is_illegal(now):
    with pytest.raises(IllegalTransition, match="has not ended"):
        plan_transition(
            S.ACTIVE,
            Action.EXPIRE,
            ActorRole.SYSTEM,
            now=now,
            valid_until=now + timedelta(seconds=1),
        )


def test_expiry_exactly_at_valid_until_is_legal(now):
    transition = plan_transition(
        S.ACTIVE, Action.EXPIRE, ActorRole.SYSTEM, now=now, valid_until=now
    )
    assert transition.target is S.EXPIRED


@pytest.mark.parametrize(
    ("status", "action"), [(S.PENDING, Action.APPROVE), (S.PAUSED, Action.RESUME)]
)
def test_activation_after_validity_ended_is_illegal(status, action, now):
    with pytest.raises(IllegalTransition, match="validity has ended"):
        plan_transition(status, action, ActorRole.OWNER, now=now, valid_until=now)


def test_role_is_checked_before_status_so_outsiders_learn_nothing(now):
    with pytest.raises(TransitionNotPermitted):
        _plan(S.REVOKED, Action.APPROVE, ActorRole.CONSUMER, now)


@pytest.mark.parametrize(
    ("status", "action", "topic"),
    [
        (S.PENDING, Action.APPROVE, "consent.activated"),
        (S.PENDING, Action.REJECT, "consent.rejected"),
        (S.ACTIVE, Action.PAUSE, "consent.paused"),
        (S.PAUSED, Action.RESUME, "consent.resumed"),
        (S.ACTIVE, Action.REVOKE, "consent.revoked"),
        (S.ACTIVE, Action.EXPIRE, "consent.expired"),
    ],
)
def test_each_transition_names_its_outbox_topic(status, action, topic, now):
    role = ActorRole.SYSTEM if action is Action.EXPIRE else ActorRole.OWNER
    assert _plan(status, action, role, now).topic == topic
