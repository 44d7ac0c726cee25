"""Purpose templates: per-purpose upper bounds on what a consent may grant, from configuration."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from app.domain.consent import ConsentError, ConsentTerms, FetchType, Frequency, FrequencyUnit

#: How long a consumer has to acknowledge a revocation, expiry or pause notice by default.
DEFAULT_NOTICE_ACK_WINDOW = timedelta(hours=24)


class UnknownPurpose(ConsentError):
    """The purpose code is not in the catalogue."""

    code = "unknown_purpose"

    def __init__(self, purpose_code: str) -> None:
        super().__init__(f"purpose {purpose_code!r} is not in the purpose catalogue")
        self.purpose_code = purpose_code


class InvalidCatalogue(ConsentError):
    """The configured catalogue file is malformed; raised at start-up, never per request."""

    code = "invalid_purpose_catalogue"


@dataclass(frozen=True)
class CapViolation:
    """One cap a consent's terms exceed; `cap` is the catalogue field name."""

    cap: str
    message: str


class PurposeCapExceeded(ConsentError):
    """The terms go beyond what the purpose allows; every violated cap is named."""

    code = "purpose_cap_exceeded"

    def __init__(self, purpose_code: str, violations: Iterable[CapViolation]) -> None:
        self.violations = tuple(violations)
        caps = ", ".join(v.cap for v in self.violations)
        super().__init__(f"the request exceeds the caps of purpose {purpose_code}: {caps}")
        self.purpose_code = purpose_code


@dataclass(frozen=True)
class PurposeTemplate:
    """Upper bounds for one purpose, and the obligations a consumer takes on under it.

    `notice_ack_window` is how long the consumer has to acknowledge a notice that a consent
    ended or paused; `delete_on_revocation` makes deletion due at revocation rather than
    when the data life runs out.
    """

    code: str
    text: str
    max_validity: timedelta
    max_frequency: Frequency
    max_data_range: timedelta
    max_data_life_days: int
    document_types: frozenset[str]
    fetch_types: frozenset[FetchType]
    notice_ack_window: timedelta = DEFAULT_NOTICE_ACK_WINDOW
    delete_on_revocation: bool = False

    def violations(self, terms: ConsentTerms) -> list[CapViolation]:
        """Every cap `terms` exceeds; empty when the terms fit the purpose."""
        found: list[CapViolation] = []
        if terms.validity.span > self.max_validity:
            found.append(
                CapViolation(
                    "max_validity_days", f"validity is capped at {_days(self.max_validity)}"
                )
            )
        if terms.frequency is not None and terms.frequency.exceeds(self.max_frequency):
            cap = self.max_frequency
            found.append(
                CapViolation(
                    "max_frequency", f"frequency is capped at {cap.count} per {cap.unit.value}"
                )
            )
        if terms.data_range.span > self.max_data_range:
            found.append(
                CapViolation(
                    "max_data_range_days", f"data range is capped at {_days(self.max_data_range)}"
                )
            )
        if terms.data_life_days > self.max_data_life_days:
            found.append(
                CapViolation(
                    "max_data_life_days", f"data life is capped at {self.max_data_life_days} days"
                )
            )
        extra = sorted(terms.document_types - self.document_types)
        if extra:
            found.append(
                CapViolation("document_types", f"not allowed for this purpose: {', '.join(extra)}")
            )
        if terms.fetch_type not in self.fetch_types:
            found.append(
                CapViolation(
                    "fetch_types", f"{terms.fetch_type.value} is not allowed for this purpose"
                )
            )
        return found


def _days(span: timedelta) -> str:
    return f"{span / timedelta(days=1):g} days"


class PurposeCatalogue:
    """The set of purposes a consent may name, keyed by code."""

    def __init__(self, templates: Iterable[PurposeTemplate]) -> None:
        self._templates: dict[str, PurposeTemplate] = {}
        for template in templates:
            if template.code in self._templates:
                raise InvalidCatalogue(f"purpose {template.code} is defined twice")
            self._templates[template.code] = template

    def __contains__(self, code: object) -> bool:
        return code in self._templates

    def __iter__(self) -> Iterator[PurposeTemplate]:
        return iter(self._templates.values())

    def get(self, code: str) -> PurposeTemplate | None:
        """The template for `code`, or None when the catalogue no longer has it."""
        return self._templates.get(code)

    def require(self, code: str) -> PurposeTemplate:
        """The template for `code`; an unknown code is a request error."""
        template = self._templates.get(code)
        if template is None:
            raise UnknownPurpose(code)
        return template

    def check(self, terms: ConsentTerms) -> PurposeTemplate:
        """Refuse `terms` that name an unknown purpose or exceed any of its caps."""
        template = self.require(terms.purpose_code)
        violations = template.violations(terms)
        if violations:
            raise PurposeCapExceeded(terms.purpose_code, violations)
        return template

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> PurposeCatalogue:
        """Build a catalogue from its JSON form (see app/data/purposes.json)."""
        entries = document.get("purposes")
        if not isinstance(entries, list) or not entries:
            raise InvalidCatalogue("the catalogue needs a non-empty 'purposes' list")
        return cls(_template_from(entry, index) for index, entry in enumerate(entries))


def _template_from(entry: Any, index: int) -> PurposeTemplate:
    where = f"purposes[{index}]"
    if not isinstance(entry, Mapping):
        raise InvalidCatalogue(f"{where} must be an object")
    try:
        frequency = entry["max_frequency"]
        template = PurposeTemplate(
            code=_text(entry["code"], f"{where}.code"),
            text=_text(entry["text"], f"{where}.text"),
            max_validity=timedelta(days=_positive(entry["max_validity_days"], where)),
            max_frequency=Frequency(
                _positive(frequency["count"], where), FrequencyUnit(frequency["unit"])
            ),
            max_data_range=timedelta(days=_positive(entry["max_data_range_days"], where)),
            max_data_life_days=_positive(entry["max_data_life_days"], where),
            document_types=frozenset(
                _text(t, f"{where}.document_types") for t in entry["document_types"]
            ),
            fetch_types=frozenset(FetchType(f) for f in entry["fetch_types"]),
            notice_ack_window=timedelta(
                hours=_positive(entry.get("notice_ack_hours", _DEFAULT_ACK_HOURS), where)
            ),
            delete_on_revocation=_flag(entry.get("delete_on_revocation", False), where),
        )
    except KeyError as missing:
        raise InvalidCatalogue(f"{where} lacks {missing}") from None
    except (TypeError, ValueError, ConsentError) as bad:
        raise InvalidCatalogue(f"{where} is invalid: {bad}") from None
    if not template.document_types or not template.fetch_types:
        raise InvalidCatalogue(f"{where} must allow at least one document type and fetch type")
    return template


_DEFAULT_ACK_HOURS = int(DEFAULT_NOTICE_ACK_WINDOW / timedelta(hours=1))


def _flag(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidCatalogue(f"{where}: delete_on_revocation must be true or false")
    return value


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidCatalogue(f"{where} must be a non-empty string")
    return value


def _positive(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidCatalogue(f"{where}: caps must be positive integers, got {value!r}")
    return value
