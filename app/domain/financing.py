"""Financing registrations: their lifecycle, their terms, and what a lender is told on a match."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum

from app.domain.fingerprints import MatchKind

#: Larger amounts are a typing error, not a financing (10^13 of any currency unit).
MAX_AMOUNT = Decimal(10) ** 13
#: No currency has more minor-unit digits than this (ISO 4217: BHD, KWD... have 3).
MAX_DECIMALS = 4
#: Maturities further out than this are refused as absurd.
MAX_TENOR = timedelta(days=10 * 366)


class FinancingError(ValueError):
    """A financing request that cannot be honoured; ``code`` is stable for clients."""

    code = "invalid_financing"


class InvalidTerms(FinancingError):
    """Amount, currency or maturity out of bounds (HTTP 422); ``field`` says which."""

    code = "invalid_terms"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class IllegalTransition(FinancingError):
    """The action is not possible from the registration's state (HTTP 409)."""

    code = "illegal_transition"


class FinancingState(StrEnum):
    """INTENDED -> FINANCED -> SETTLED | CANCELLED; an open one EXPIRES after maturity + grace."""

    INTENDED = "INTENDED"
    FINANCED = "FINANCED"
    SETTLED = "SETTLED"
    CANCELLED = "CANCELLED"
    EXPIRED = "EXPIRED"

    @property
    def active(self) -> bool:
        """Only an open registration counts against another lender's."""
        return self in (FinancingState.INTENDED, FinancingState.FINANCED)


class FinancingAction(StrEnum):
    FINANCE = "finance"
    SETTLE = "settle"
    CANCEL = "cancel"
    EXPIRE = "expire"


class ReasonCode(StrEnum):
    """Why a registration was settled or cancelled; each action accepts its own codes."""

    REPAID = "REPAID"
    REFINANCED = "REFINANCED"
    WRITTEN_OFF = "WRITTEN_OFF"
    DUPLICATE_FINANCING = "DUPLICATE_FINANCING"
    APPLICATION_WITHDRAWN = "APPLICATION_WITHDRAWN"
    CREDIT_DECLINED = "CREDIT_DECLINED"
    DOCUMENT_AMENDED = "DOCUMENT_AMENDED"
    REGISTERED_IN_ERROR = "REGISTERED_IN_ERROR"
    MATURED = "MATURED"


REASONS: dict[FinancingAction, frozenset[ReasonCode]] = {
    FinancingAction.SETTLE: frozenset(
        {ReasonCode.REPAID, ReasonCode.REFINANCED, ReasonCode.WRITTEN_OFF}
    ),
    FinancingAction.CANCEL: frozenset(
        {
            ReasonCode.DUPLICATE_FINANCING,
            ReasonCode.APPLICATION_WITHDRAWN,
            ReasonCode.CREDIT_DECLINED,
            ReasonCode.DOCUMENT_AMENDED,
            ReasonCode.REGISTERED_IN_ERROR,
        }
    ),
    FinancingAction.EXPIRE: frozenset({ReasonCode.MATURED}),
}

_TRANSITIONS: dict[tuple[FinancingState, FinancingAction], FinancingState] = {
    (FinancingState.INTENDED, FinancingAction.FINANCE): FinancingState.FINANCED,
    (FinancingState.INTENDED, FinancingAction.CANCEL): FinancingState.CANCELLED,
    (FinancingState.INTENDED, FinancingAction.EXPIRE): FinancingState.EXPIRED,
    (FinancingState.FINANCED, FinancingAction.SETTLE): FinancingState.SETTLED,
    (FinancingState.FINANCED, FinancingAction.CANCEL): FinancingState.CANCELLED,
    (FinancingState.FINANCED, FinancingAction.EXPIRE): FinancingState.EXPIRED,
}


def transition(
    state: FinancingState, action: FinancingAction, reason: ReasonCode | None
) -> FinancingState:
    """The state ``action`` leads to; settling, cancelling and expiring need a reason code."""
    target = _TRANSITIONS.get((state, action))
    if target is None:
        raise IllegalTransition(f"cannot {action.value} a registration that is {state.value}")
    allowed = REASONS.get(action)
    if allowed is not None and reason not in allowed:
        codes = ", ".join(sorted(allowed))
        raise InvalidTerms("reason", f"{action.value} needs one of the reason codes {codes}")
    if allowed is None and reason is not None:
        raise InvalidTerms("reason", f"{action.value} takes no reason code")
    return target


@dataclass(frozen=True, slots=True)
class Terms:
    """What a lender finances: amount in a currency until a maturity date."""

    amount: Decimal
    currency: str
    maturity: date

    def check(self, *, today: date, currencies: Collection[str]) -> Terms:
        """Refuse unknown currencies, non-positive or absurd amounts and past maturities."""
        if self.currency not in currencies:
            raise InvalidTerms("currency", f"{self.currency!r} is not an ISO 4217 currency code")
        if not self.amount.is_finite() or self.amount <= 0:
            raise InvalidTerms("amount", "the amount must be positive")
        if self.amount >= MAX_AMOUNT:
            raise InvalidTerms("amount", f"the amount must be below {MAX_AMOUNT:,}")
        exponent = self.amount.normalize().as_tuple().exponent
        if isinstance(exponent, int) and -exponent > MAX_DECIMALS:
            raise InvalidTerms("amount", f"the amount has more than {MAX_DECIMALS} decimals")
        if self.maturity < today:
            raise InvalidTerms("maturity", "the maturity date is in the past")
        if self.maturity > today + MAX_TENOR:
            raise InvalidTerms("maturity", "the maturity date is more than ten years away")
        return self

    def expires_at(self, grace: timedelta) -> datetime:
        """When an open registration stops counting: the end of its maturity day plus grace."""
        return datetime.combine(self.maturity + timedelta(days=1), time.min, UTC) + grace


class Answer(StrEnum):
    """What a lender is told about one fingerprint, or about its registration as a whole."""

    CLEAR = "CLEAR"
    SIMILAR = "SIMILAR"
    DUPLICATE_SAME_LENDER = "DUPLICATE_SAME_LENDER"
    DUPLICATE = "DUPLICATE"


_SEVERITY = [Answer.CLEAR, Answer.SIMILAR, Answer.DUPLICATE_SAME_LENDER, Answer.DUPLICATE]


@dataclass(frozen=True, slots=True)
class Hit:
    """An open registration sharing one fingerprint with the one being assessed."""

    registration_id: str
    lender_id: str
    definition: str
    match: MatchKind


@dataclass(frozen=True, slots=True)
class FingerprintAnswer:
    """The answer for one fingerprint definition: a status and how many registrations."""

    fingerprint: str
    match: MatchKind
    status: Answer
    count: int

    def as_dict(self) -> dict[str, str | int]:
        return {
            "fingerprint": self.fingerprint,
            "class": self.match.value,
            "status": self.status.value,
            "count": self.count,
        }


@dataclass(frozen=True, slots=True)
class Involved:
    """Another lender's registration behind a DUPLICATE or SIMILAR answer, for its alert:
    which of its fingerprints the new registration shares, and what that means."""

    lender_id: str
    status: Answer
    fingerprints: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Assessment:
    """Per-fingerprint answers and the overall one. ``involved`` (other lenders'
    registrations by id) is for alerts only, never shown to the lender asking."""

    status: Answer
    answers: tuple[FingerprintAnswer, ...]
    involved: dict[str, Involved]

    def as_dict(self) -> dict[str, object]:
        return {"status": self.status.value, "fingerprints": [a.as_dict() for a in self.answers]}


def assess(
    lender_id: str, definitions: Iterable[tuple[str, MatchKind]], hits: Iterable[Hit]
) -> Assessment:
    """What ``lender_id`` is told given the open registrations sharing its fingerprints.

    A registration sharing a duplicate-class fingerprint is the same document: it counts as
    DUPLICATE (another lender) or DUPLICATE_SAME_LENDER under every definition it matches. One
    sharing only similar-class fingerprints is another document that resembles this one
    (the same container on the same voyage under another bill of lading): SIMILAR, counted
    for other lenders only.
    """
    hits = list(hits)
    same_document = {h.registration_id for h in hits if h.match is MatchKind.DUPLICATE}
    answers: list[FingerprintAnswer] = []
    shared: dict[str, list[str]] = {}
    for name, match in definitions:
        counts = dict.fromkeys(_SEVERITY, 0)
        seen: set[str] = set()
        for hit in hits:
            if hit.definition != name or hit.registration_id in seen:
                continue
            seen.add(hit.registration_id)
            own = hit.lender_id == lender_id
            if hit.registration_id in same_document:
                counts[Answer.DUPLICATE_SAME_LENDER if own else Answer.DUPLICATE] += 1
            elif not own:
                counts[Answer.SIMILAR] += 1
            if not own:
                shared.setdefault(hit.registration_id, []).append(name)
        status = max((a for a in _SEVERITY if counts[a]), key=_SEVERITY.index, default=Answer.CLEAR)
        answers.append(FingerprintAnswer(name, match, status, counts[status]))
    overall = max((a.status for a in answers), key=_SEVERITY.index, default=Answer.CLEAR)
    lenders = {h.registration_id: h.lender_id for h in hits}
    involved = {
        registration_id: Involved(
            lenders[registration_id],
            Answer.DUPLICATE if registration_id in same_document else Answer.SIMILAR,
            tuple(names),
        )
        for registration_id, names in shared.items()
    }
    return Assessment(overall, tuple(answers), involved)
