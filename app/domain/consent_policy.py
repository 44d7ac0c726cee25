"""Access policy evaluated at the moment of every pull: allow, or a machine-readable refusal."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from app.domain.consent import ConsentStatus, ConsentTerms, DocumentFacts, FetchType, FrequencyUnit
from app.domain.notices import OverdueNotice
from app.domain.purposes import PurposeTemplate


class DenyReason(StrEnum):
    """Why an access was refused; clients branch on these values, so they never change."""

    CONSENT_NOT_ACTIVE = "consent_not_active"
    CONSENT_REVOKED = "consent_revoked"
    CONSENT_PAUSED = "consent_paused"
    CONSENT_EXPIRED = "consent_expired"
    CONSENT_NOT_YET_VALID = "consent_not_yet_valid"
    OUTSIDE_DATA_RANGE = "outside_data_range"
    TYPE_NOT_COVERED = "type_not_covered"
    PROVIDER_NOT_COVERED = "provider_not_covered"
    OWNER_MISMATCH = "owner_mismatch"
    PURPOSE_CAP_EXCEEDED = "purpose_cap_exceeded"
    ONETIME_ALREADY_FETCHED = "onetime_already_fetched"
    FREQUENCY_EXCEEDED = "frequency_exceeded"
    NOTICE_UNACKNOWLEDGED = "notice_unacknowledged"


@dataclass(frozen=True)
class AccessDecision:
    """The policy's verdict; `reason` is None exactly when access is allowed."""

    reason: DenyReason | None = None
    detail: str = ""
    retry_after: int | None = None

    @property
    def allowed(self) -> bool:
        """True when nothing stands in the way of the access."""
        return self.reason is None


ALLOW = AccessDecision()

_STATUS_REASONS = {
    ConsentStatus.PENDING: DenyReason.CONSENT_NOT_ACTIVE,
    ConsentStatus.REJECTED: DenyReason.CONSENT_NOT_ACTIVE,
    ConsentStatus.PAUSED: DenyReason.CONSENT_PAUSED,
    ConsentStatus.REVOKED: DenyReason.CONSENT_REVOKED,
    ConsentStatus.EXPIRED: DenyReason.CONSENT_EXPIRED,
}


def check_notices(overdue: OverdueNotice | None) -> AccessDecision:
    """Fail closed while the consumer leaves a notice unacknowledged past its deadline.

    This holds for every consent of the consumer, not only the one the notice is about: a
    consumer that does not process revocations cannot be trusted with any data.
    """
    if overdue is None:
        return ALLOW
    return AccessDecision(
        DenyReason.NOTICE_UNACKNOWLEDGED,
        f"notice {overdue.notice_id} was due for acknowledgement at "
        f"{overdue.due_at.isoformat()}; acknowledge it to restore access",
    )


def check_consent(
    status: ConsentStatus,
    terms: ConsentTerms,
    template: PurposeTemplate | None,
    now: datetime,
) -> AccessDecision:
    """Whether the consent itself permits any access at `now`.

    Validity is the half-open interval [valid_from, valid_until). Expiry is judged from the
    clock, not only from the stored status, so a consent past its valid-until is refused even
    before the periodic job has marked it EXPIRED. The purpose caps are checked again because
    the catalogue may have been tightened since the grant.
    """
    refused = _STATUS_REASONS.get(status)
    if refused is not None:
        return AccessDecision(refused, f"the consent is {status.value}")
    if now >= terms.validity.end:
        return AccessDecision(DenyReason.CONSENT_EXPIRED, "the consent's validity has ended")
    if now < terms.validity.start:
        return AccessDecision(DenyReason.CONSENT_NOT_YET_VALID, "the consent is not valid yet")
    if template is None:
        return AccessDecision(
            DenyReason.PURPOSE_CAP_EXCEEDED,
            f"purpose {terms.purpose_code} is no longer in the purpose catalogue",
        )
    violations = template.violations(terms)
    if violations:
        return AccessDecision(
            DenyReason.PURPOSE_CAP_EXCEEDED,
            "; ".join(f"{v.cap}: {v.message}" for v in violations),
        )
    return ALLOW


def check_coverage(terms: ConsentTerms, document: DocumentFacts) -> AccessDecision:
    """Whether `document` falls inside what the consent covers."""
    if document.owner_id != terms.owner_id:
        return AccessDecision(DenyReason.OWNER_MISMATCH, "the document has another owner")
    if document.doc_type not in terms.document_types:
        return AccessDecision(
            DenyReason.TYPE_NOT_COVERED, f"document type {document.doc_type} is not covered"
        )
    if not terms.covers_provider(document.provider_id):
        return AccessDecision(
            DenyReason.PROVIDER_NOT_COVERED, "the document's provider is not covered"
        )
    if not terms.data_range.contains(document.dated_at):
        return AccessDecision(
            DenyReason.OUTSIDE_DATA_RANGE, "the document's date is outside the data range"
        )
    return ALLOW


def evaluate_access(
    status: ConsentStatus,
    terms: ConsentTerms,
    template: PurposeTemplate | None,
    now: datetime,
    document: DocumentFacts | None = None,
) -> AccessDecision:
    """The full verdict except quotas: consent state first, then the document's coverage."""
    decision = check_consent(status, terms, template, now)
    if decision.allowed and document is not None:
        decision = check_coverage(terms, document)
    return decision


class Resource(StrEnum):
    """What a pull reads: a listing, or one document's metadata or content."""

    LIST = "list"
    METADATA = "metadata"
    CONTENT = "content"


ONETIME_WINDOW = "ONETIME"
CONSENT_WIDE = uuid.UUID(int=0)


@dataclass(frozen=True)
class QuotaSlot:
    """One counter a pull must increment without going past `limit`.

    Counters are keyed by (consent, document_key, resource, window_key); the storage layer
    increments atomically so the limit holds across API replicas.
    """

    document_key: uuid.UUID
    resource: str
    window_key: str
    window_end: datetime | None
    limit: int
    reason: DenyReason

    def refusal(self, now: datetime) -> AccessDecision:
        """The decision to return when this counter is already at its limit."""
        if self.window_end is None:
            return AccessDecision(self.reason, "this document was already fetched once")
        return AccessDecision(
            self.reason,
            f"at most {self.limit} fetches in this window",
            retry_after=retry_after_seconds(now, self.window_end),
        )


def fixed_window(now: datetime, unit: FrequencyUnit) -> tuple[datetime, datetime]:
    """The UTC calendar window [start, end) containing `now`."""
    moment = now.astimezone(UTC)
    if unit is FrequencyUnit.HOUR:
        start = moment.replace(minute=0, second=0, microsecond=0)
        return start, start + timedelta(hours=1)
    if unit is FrequencyUnit.DAY:
        start = moment.replace(hour=0, minute=0, second=0, microsecond=0)
        return start, start + timedelta(days=1)
    start = moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if start.month == 12:
        return start, start.replace(year=start.year + 1, month=1)
    return start, start.replace(month=start.month + 1)


def window_key(start: datetime, unit: FrequencyUnit) -> str:
    """A stable, readable name of a window, e.g. `HOUR:2026-03-01T14`."""
    if unit is FrequencyUnit.HOUR:
        return f"HOUR:{start:%Y-%m-%dT%H}"
    if unit is FrequencyUnit.DAY:
        return f"DAY:{start:%Y-%m-%d}"
    return f"MONTH:{start:%Y-%m}"


def retry_after_seconds(now: datetime, window_end: datetime) -> int:
    """Whole seconds until the window ends, at least 1 so clients never retry immediately."""
    return max(1, math.ceil((window_end - now).total_seconds()))


def quota_slots(
    terms: ConsentTerms,
    resource: Resource,
    now: datetime,
    document_id: uuid.UUID | None = None,
) -> tuple[QuotaSlot, ...]:
    """The counters a pull of `resource` must consume under `terms` at `now`.

    Both limits are about fetching documents: the frequency counts every metadata or content
    fetch under the consent in fixed windows, and ONETIME allows each document's metadata and
    content once. A listing is discovery, not a fetch: it is consent-checked and audited like
    every pull, but consumes neither limit.
    """
    if resource is Resource.LIST:
        return ()
    slots: list[QuotaSlot] = []
    if terms.fetch_type is FetchType.ONETIME:
        if document_id is None:
            raise ValueError("a document pull needs the document id")
        slots.append(
            QuotaSlot(
                document_id,
                resource.value,
                ONETIME_WINDOW,
                None,
                1,
                DenyReason.ONETIME_ALREADY_FETCHED,
            )
        )
    if terms.frequency is not None:
        start, end = fixed_window(now, terms.frequency.unit)
        slots.append(
            QuotaSlot(
                CONSENT_WIDE,
                "any",
                window_key(start, terms.frequency.unit),
                end,
                terms.frequency.count,
                DenyReason.FREQUENCY_EXCEEDED,
            )
        )
    return tuple(slots)
