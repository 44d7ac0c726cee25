"""Consent artefact model: the terms an owner grants a consumer, as immutable values."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from fractions import Fraction


class ConsentError(Exception):
    """Base of every consent rule violation; `code` is stable and machine-readable."""

    code = "consent_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidConsentTerms(ConsentError):
    """The requested terms are inconsistent in themselves (independent of any purpose cap)."""

    code = "invalid_consent_terms"

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name


class ConsentStatus(StrEnum):
    """Lifecycle states of a consent."""

    PENDING = "PENDING"
    ACTIVE = "ACTIVE"
    PAUSED = "PAUSED"
    REJECTED = "REJECTED"
    REVOKED = "REVOKED"
    EXPIRED = "EXPIRED"


class FetchType(StrEnum):
    """ONETIME allows one fetch of each covered document; PERIODIC repeats within a frequency."""

    ONETIME = "ONETIME"
    PERIODIC = "PERIODIC"


class FrequencyUnit(StrEnum):
    """Fixed calendar windows (UTC) in which fetches are counted."""

    HOUR = "HOUR"
    DAY = "DAY"
    MONTH = "MONTH"

    @property
    def nominal_seconds(self) -> int:
        """Length used to compare rates across units; a month counts as 30 days."""
        return _NOMINAL_SECONDS[self]


_NOMINAL_SECONDS = {
    FrequencyUnit.HOUR: 3600,
    FrequencyUnit.DAY: 86400,
    FrequencyUnit.MONTH: 30 * 86400,
}


def require_aware(name: str, value: datetime) -> None:
    """Naive datetimes are ambiguous across replicas in different zones, so refuse them."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidConsentTerms(name, "must carry a time zone")


@dataclass(frozen=True)
class Frequency:
    """At most `count` fetches per `unit` window."""

    count: int
    unit: FrequencyUnit

    def __post_init__(self) -> None:
        if self.count < 1:
            raise InvalidConsentTerms("frequency.count", "must be at least 1")

    @property
    def rate(self) -> Fraction:
        """Fetches per second, exact, so caps expressed in other units compare correctly."""
        return Fraction(self.count, self.unit.nominal_seconds)

    def exceeds(self, cap: Frequency) -> bool:
        """True when this frequency allows more fetches than `cap`."""
        if self.unit is cap.unit:
            return self.count > cap.count
        return self.rate > cap.rate


@dataclass(frozen=True)
class Interval:
    """A closed time interval [start, end] with start strictly before end."""

    start: datetime
    end: datetime
    name: str = field(default="interval", compare=False)

    def __post_init__(self) -> None:
        require_aware(f"{self.name}.start", self.start)
        require_aware(f"{self.name}.end", self.end)
        if self.end <= self.start:
            raise InvalidConsentTerms(self.name, "end must be after start")

    @property
    def span(self) -> timedelta:
        """Length of the interval."""
        return self.end - self.start

    def contains(self, moment: datetime) -> bool:
        """Both ends are inclusive: a range 'to 31 March 23:59:59' includes that second."""
        return self.start <= moment <= self.end


@dataclass(frozen=True)
class ConsentTerms:
    """What the owner grants: the fields of the consent artefact other than id and status."""

    owner_id: uuid.UUID
    consumer_id: uuid.UUID
    document_types: frozenset[str]
    purpose_code: str
    purpose_text: str
    data_range: Interval
    validity: Interval
    fetch_type: FetchType
    frequency: Frequency | None
    data_life_days: int
    provider_ids: frozenset[uuid.UUID] = frozenset()

    def __post_init__(self) -> None:
        if self.owner_id == self.consumer_id:
            raise InvalidConsentTerms("consumer", "the owner needs no consent to its own documents")
        if not self.document_types:
            raise InvalidConsentTerms("document_types", "name at least one document type")
        if not self.purpose_code:
            raise InvalidConsentTerms("purpose", "a purpose code is required")
        if self.fetch_type is FetchType.PERIODIC and self.frequency is None:
            raise InvalidConsentTerms("frequency", "a PERIODIC consent needs a frequency")
        if self.data_life_days < 0:
            raise InvalidConsentTerms("data_life_days", "must not be negative")

    def covers_provider(self, provider_id: uuid.UUID) -> bool:
        """An empty provider set means any provider."""
        return not self.provider_ids or provider_id in self.provider_ids


@dataclass(frozen=True)
class DocumentFacts:
    """What the access policy needs to know about a document, nothing more."""

    document_id: uuid.UUID
    owner_id: uuid.UUID
    provider_id: uuid.UUID
    doc_type: str
    received_at: datetime
    issued_at: datetime | None = None

    @property
    def dated_at(self) -> datetime:
        """The moment compared with the data range: the issue date when known, else receipt."""
        return self.issued_at if self.issued_at is not None else self.received_at
