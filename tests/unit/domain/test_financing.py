"""Financing lifecycle, terms and the answers a lender gets: never more than counts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from app.domain.financing import (
    Answer,
    FinancingAction,
    FinancingState,
    Hit,
    IllegalTransition,
    InvalidTerms,
    Involved,
    ReasonCode,
    Terms,
    assess,
    transition,
)
from app.domain.fingerprints import MatchKind

D, S = MatchKind.DUPLICATE, MatchKind.SIMILAR
DEFINITIONS = [("bl", D), ("equipment-voyage", S)]
TODAY = date(2026, 12, 7)
CURRENCIES = {"EUR", "USD", "JPY"}


def test_a_first_registration_is_clear() -> None:
    result = assess("bank-a", DEFINITIONS, [])
    assert result.status is Answer.CLEAR
    assert [a.as_dict() for a in result.answers] == [
        {"fingerprint": "bl", "class": "duplicate", "status": "CLEAR", "count": 0},
        {"fingerprint": "equipment-voyage", "class": "similar", "status": "CLEAR", "count": 0},
    ]


def test_another_lender_on_the_same_document_is_a_duplicate_under_each_shared_fingerprint() -> None:
    hits = [Hit("r1", "bank-b", "bl", D), Hit("r1", "bank-b", "equipment-voyage", S)]
    result = assess("bank-a", DEFINITIONS, hits)
    assert result.status is Answer.DUPLICATE
    assert [(a.status, a.count) for a in result.answers] == [
        (Answer.DUPLICATE, 1),
        (Answer.DUPLICATE, 1),
    ]
    assert result.involved == {
        "r1": Involved("bank-b", Answer.DUPLICATE, ("bl", "equipment-voyage"))
    }


def test_the_same_lender_twice_is_told_apart_from_another_lender() -> None:
    result = assess("bank-a", DEFINITIONS, [Hit("r1", "bank-a", "bl", D)])
    assert result.status is Answer.DUPLICATE_SAME_LENDER
    assert result.involved == {}


def test_another_lender_outranks_the_same_lender_and_counts_registrations_not_values() -> None:
    hits = [
        Hit("r1", "bank-a", "bl", D),
        Hit("r2", "bank-b", "bl", D),
        Hit("r3", "bank-c", "bl", D),
        Hit("r3", "bank-c", "bl", D),
    ]
    answer = assess("bank-a", DEFINITIONS, hits).answers[0]
    assert (answer.status, answer.count) == (Answer.DUPLICATE, 2)


def test_the_same_container_on_the_same_voyage_under_another_bl_is_similar() -> None:
    result = assess("bank-a", DEFINITIONS, [Hit("r9", "bank-b", "equipment-voyage", S)])
    assert result.status is Answer.SIMILAR
    assert [(a.status, a.count) for a in result.answers] == [
        (Answer.CLEAR, 0),
        (Answer.SIMILAR, 1),
    ]
    assert result.involved == {"r9": Involved("bank-b", Answer.SIMILAR, ("equipment-voyage",))}


def test_a_lenders_own_similar_registration_is_not_reported() -> None:
    result = assess("bank-a", DEFINITIONS, [Hit("r9", "bank-a", "equipment-voyage", S)])
    assert result.status is Answer.CLEAR


def test_the_answer_carries_no_other_lender_identity() -> None:
    result = assess("bank-a", DEFINITIONS, [Hit("r1", "bank-b", "bl", D)])
    assert "bank-b" not in repr(result.as_dict()) and "r1" not in repr(result.as_dict())


@pytest.mark.parametrize(
    ("state", "action", "reason", "target"),
    [
        (FinancingState.INTENDED, FinancingAction.FINANCE, None, FinancingState.FINANCED),
        (
            FinancingState.FINANCED,
            FinancingAction.SETTLE,
            ReasonCode.REPAID,
            FinancingState.SETTLED,
        ),
        (
            FinancingState.INTENDED,
            FinancingAction.CANCEL,
            ReasonCode.CREDIT_DECLINED,
            FinancingState.CANCELLED,
        ),
        (
            FinancingState.FINANCED,
            FinancingAction.CANCEL,
            ReasonCode.DUPLICATE_FINANCING,
            FinancingState.CANCELLED,
        ),
        (
            FinancingState.FINANCED,
            FinancingAction.EXPIRE,
            ReasonCode.MATURED,
            FinancingState.EXPIRED,
        ),
    ],
)
def test_legal_transitions(state, action, reason, target) -> None:  # type: ignore[no-untyped-def]
    assert transition(state, action, reason) is target


@pytest.mark.parametrize(
    ("state", "action", "reason"),
    [
        (FinancingState.INTENDED, FinancingAction.SETTLE, ReasonCode.REPAID),
        (FinancingState.SETTLED, FinancingAction.CANCEL, ReasonCode.REGISTERED_IN_ERROR),
        (FinancingState.CANCELLED, FinancingAction.FINANCE, None),
        (FinancingState.EXPIRED, FinancingAction.FINANCE, None),
    ],
)
def test_illegal_transitions(state, action, reason) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(IllegalTransition):
        transition(state, action, reason)


def test_settling_needs_a_settlement_reason_and_finance_takes_none() -> None:
    with pytest.raises(InvalidTerms, match="REPAID"):
        transition(FinancingState.FINANCED, FinancingAction.SETTLE, ReasonCode.CREDIT_DECLINED)
    with pytest.raises(InvalidTerms, match="REPAID"):
        transition(FinancingState.FINANCED, FinancingAction.SETTLE, None)
    with pytest.raises(InvalidTerms, match="no reason"):
        transition(FinancingState.INTENDED, FinancingAction.FINANCE, ReasonCode.REPAID)


def _terms(amount: str = "125000.00", currency: str = "USD", days: int = 90) -> Terms:
    return Terms(Decimal(amount), currency, TODAY + timedelta(days=days))


@pytest.mark.parametrize(
    ("terms", "field"),
    [
        (_terms(currency="XXQ"), "currency"),
        (_terms(amount="-1"), "amount"),
        (_terms(amount="0"), "amount"),
        (_terms(amount="1e15"), "amount"),
        (_terms(amount="1.00001"), "amount"),
        (_terms(amount="NaN"), "amount"),
        (_terms(days=-1), "maturity"),
        (_terms(days=4000), "maturity"),
    ],
)
def test_bad_terms_name_the_field(terms: Terms, field: str) -> None:
    with pytest.raises(InvalidTerms) as caught:
        terms.check(today=TODAY, currencies=CURRENCIES)
    assert caught.value.field == field


def test_good_terms_pass_and_expire_after_maturity_plus_grace() -> None:
    terms = _terms(days=0).check(today=TODAY, currencies=CURRENCIES)
    assert terms.expires_at(timedelta(days=30)) == datetime(2027, 1, 7, tzinfo=UTC)
