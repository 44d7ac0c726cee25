"""Keyed document fingerprints: normalised identifying fields under a rotatable hub secret."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import itertools
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum

#: Bumped when a normaliser changes meaning: old and new fingerprints must never meet.
SCHEME = "tradegate-fingerprint/1"
#: The same normalised fields framed as inputs of the hubs' OPRF (cross-border checks): a
#: scheme of its own, so an OPRF input is never an HMAC message and the other way round.
OPRF_SCHEME = "tradegate-oprf-input/1"
#: A definition whose fields multiply to more values than this is cut (hostile input).
MAX_VALUES_PER_DEFINITION = 256
#: Shortest hub secret accepted: as long as the HMAC-SHA256 output.
MIN_KEY_BYTES = 32

_DIGIT_RUN = re.compile(r"\d+")
_NOT_ALNUM = re.compile(r"[^0-9A-Z]+")
_NAME_GAPS = re.compile(r"[^0-9A-Z]+")
_CURRENCY = re.compile(r"[A-Z]{3}")
_DATE_FORMATS = ("%Y-%m-%d", "%Y%m%d")


class FingerprintError(ValueError):
    """A fingerprint definition or key is unusable (a registry or key-store problem)."""


class MatchKind(StrEnum):
    """What sharing a fingerprint means: the same document, or a suspicious resemblance."""

    DUPLICATE = "duplicate"
    SIMILAR = "similar"


def _folded(text: str) -> str:
    """Compatibility-decomposed, accents dropped, upper case: 'ｇülsün' -> 'GULSUN'."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper()


def normalise_code(text: str) -> str | None:
    """A code from a code list (carrier, scheme, country): letters and digits, upper case."""
    return _NOT_ALNUM.sub("", _folded(text)) or None


def normalise_reference(text: str) -> str | None:
    """A reference (document number, equipment, voyage, tax id): like a code, and every
    digit run loses its leading zeros, so 'inv-000123' and 'INV 123' are one reference."""
    code = normalise_code(text)
    if code is None:
        return None
    return _DIGIT_RUN.sub(lambda m: m.group().lstrip("0") or "0", code)


def normalise_name(text: str) -> str | None:
    """A name (vessel): folded like a code, words kept apart by one space."""
    return _NAME_GAPS.sub(" ", _folded(text)).strip() or None


def normalise_date(text: str) -> str | None:
    """A calendar date as ISO 8601 ``YYYY-MM-DD``, from ``2026-11-07``, ``20261107`` or a
    date-time (whose own date is kept: no time-zone shift)."""
    text = text.strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    try:
        return datetime.fromisoformat(text).date().isoformat()
    except ValueError:
        return None


def normalise_amount(text: str) -> str | None:
    """A decimal amount without exponent, grouping or trailing zeros: '1,250.50' -> '1250.5'."""
    try:
        amount = Decimal(re.sub(r"[\s,_']", "", text))
    except InvalidOperation:
        return None
    if not amount.is_finite():
        return None
    return format(amount.normalize() if amount else Decimal(0), "f")


def normalise_currency(text: str) -> str | None:
    """An ISO 4217 alpha-3 code in upper case; anything else is no currency."""
    code = text.strip().upper()
    return code if _CURRENCY.fullmatch(code) else None


NORMALISERS: Mapping[str, Callable[[str], str | None]] = {
    "code": normalise_code,
    "reference": normalise_reference,
    "name": normalise_name,
    "date": normalise_date,
    "amount": normalise_amount,
    "currency": normalise_currency,
}


@dataclass(frozen=True, slots=True)
class Part:
    """One component of a field value: where it is (relative to the field) and its normaliser.

    An ``optional`` part that is absent or empty counts as empty instead of voiding the value
    (an identifier's scheme qualifier, which documents often leave out).
    """

    at: str
    normalise: str
    optional: bool = False


@dataclass(frozen=True, slots=True)
class Field:
    """A named identifying field. ``at`` may select several nodes (one value each); a field
    with ``parts`` builds each value from several components of one node (a vessel and its
    voyage number), all of which must be present."""

    name: str
    at: str
    normalise: str | None = None
    parts: tuple[Part, ...] = ()

    def components(self) -> tuple[Part, ...]:
        """The parts a value is made of; a plain field is one part: the node itself."""
        return self.parts or (Part("", self.normalise or ""),)


@dataclass(frozen=True, slots=True)
class Definition:
    """One fingerprint of a document type: the fields it combines and what a match means."""

    name: str
    match: MatchKind
    fields: tuple[Field, ...]


@dataclass(frozen=True, slots=True)
class FingerprintSet:
    """The fingerprints of a family of document types, as the registry declares them.

    ``name`` scopes the HMAC input, so types sharing a set (a bare transport document and
    the one inside a PINT envelope) give equal fingerprints for equal content.
    """

    name: str
    syntax: str
    definitions: tuple[Definition, ...]
    namespaces: Mapping[str, str]

    def __post_init__(self) -> None:
        if not any(d.match is MatchKind.DUPLICATE for d in self.definitions):
            raise FingerprintError(f"fingerprint set {self.name!r} has no duplicate definition")
        names = [d.name for d in self.definitions]
        if len(set(names)) != len(names):
            raise FingerprintError(f"fingerprint set {self.name!r} repeats a definition name")
        fields: dict[str, Field] = {}
        for definition in self.definitions:
            for field in definition.fields:
                if fields.setdefault(field.name, field) != field:
                    raise FingerprintError(
                        f"fingerprint set {self.name!r} defines field {field.name!r} twice"
                    )
                for part in field.components():
                    if part.normalise not in NORMALISERS:
                        raise FingerprintError(
                            f"{self.name}/{definition.name}/{field.name}: unknown normaliser "
                            f"{part.normalise!r}; known: {', '.join(sorted(NORMALISERS))}"
                        )


def _normalised_part(part: Part, text: str | None) -> str | None:
    value = NORMALISERS[part.normalise](text) if text else None
    return "" if value is None and part.optional else value


#: Raw text of every part of every node a field selected, as an extractor found it.
RawField = Sequence[Sequence[str | None]]


def field_values(field: Field, raw: RawField) -> list[str]:
    """Normalised values of one field; a node missing any part gives no value."""
    values: list[str] = []
    for node in raw:
        normalised = [
            _normalised_part(part, text)
            for part, text in zip(field.components(), node, strict=True)
        ]
        if all(n is not None for n in normalised):
            value = "\x1f".join(n for n in normalised if n is not None)
            if value not in values:
                values.append(value)
    return values


@dataclass(frozen=True, slots=True)
class Normalised:
    """The normalised field combinations of one definition (never stored: reversible)."""

    definition: Definition
    combinations: tuple[tuple[str, ...], ...]
    missing: tuple[str, ...]


def normalise(definition: Definition, raw: Mapping[str, RawField]) -> Normalised:
    """Every combination of the definition's field values, at most MAX_VALUES_PER_DEFINITION."""
    per_field = [field_values(f, raw.get(f.name, ())) for f in definition.fields]
    missing = tuple(
        f.name for f, values in zip(definition.fields, per_field, strict=True) if not values
    )
    if missing:
        return Normalised(definition, (), missing)
    combos = tuple(itertools.islice(itertools.product(*per_field), MAX_VALUES_PER_DEFINITION))
    return Normalised(definition, combos, ())


@dataclass(frozen=True, slots=True)
class FingerprintKey:
    """A hub secret for fingerprints and its id, stored with every fingerprint made with it."""

    kid: str
    secret: bytes = b""

    def __post_init__(self) -> None:
        if len(self.secret) < MIN_KEY_BYTES:
            raise FingerprintError(f"fingerprint key {self.kid!r} is shorter than 32 bytes")

    def __repr__(self) -> str:
        return f"FingerprintKey(kid={self.kid!r})"


@dataclass(frozen=True, slots=True)
class Keyring:
    """The key new fingerprints are made with, and every key old ones may have been made with."""

    current: FingerprintKey
    previous: tuple[FingerprintKey, ...] = ()

    @property
    def all(self) -> tuple[FingerprintKey, ...]:
        return (self.current, *self.previous)


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """HMAC-SHA256 of one normalised field combination under one key: not reversible
    without the hub secret, however guessable the identifiers are."""

    definition: str
    match: MatchKind
    key_id: str
    value: str


def _message(
    set_name: str, definition: str, combination: Iterable[str], scheme: str = SCHEME
) -> bytes:
    # A JSON array is an unambiguous encoding: no choice of field values can collide.
    return json.dumps(
        [scheme, set_name, definition, *combination], ensure_ascii=False, separators=(",", ":")
    ).encode()


def keyed(set_name: str, normalised: Normalised, key: FingerprintKey) -> list[Fingerprint]:
    """The fingerprints of one definition's combinations under ``key``."""
    definition = normalised.definition
    return [
        Fingerprint(
            definition=definition.name,
            match=definition.match,
            key_id=key.kid,
            value=hmac.new(
                key.secret, _message(set_name, definition.name, combo), hashlib.sha256
            ).hexdigest(),
        )
        for combo in normalised.combinations
    ]


def fingerprint(
    fingerprints: FingerprintSet, raw: Mapping[str, RawField], keys: Iterable[FingerprintKey]
) -> tuple[list[Fingerprint], dict[str, tuple[str, ...]]]:
    """Fingerprints of a document under each key, and the definitions it lacks fields for."""
    found: list[Fingerprint] = []
    missing: dict[str, tuple[str, ...]] = {}
    keys = tuple(keys)
    for definition in fingerprints.definitions:
        normalised = normalise(definition, raw)
        if normalised.missing:
            missing[definition.name] = normalised.missing
        for key in keys:
            found.extend(keyed(fingerprints.name, normalised, key))
    return found, missing


@dataclass(frozen=True, slots=True)
class Identifier:
    """One normalised field combination framed as an OPRF input: the class tag (scheme, set,
    definition) and the values. Reversible, so it is only ever held in memory: hubs store and
    exchange OPRF outputs of it, never the input itself."""

    definition: str
    match: MatchKind
    message: bytes = dataclasses.field(repr=False)


def identifiers(fingerprints: FingerprintSet, raw: Mapping[str, RawField]) -> list[Identifier]:
    """The OPRF inputs of a document: one per combination of each definition's fields."""
    found: list[Identifier] = []
    for definition in fingerprints.definitions:
        for combo in normalise(definition, raw).combinations:
            message = _message(fingerprints.name, definition.name, combo, OPRF_SCHEME)
            found.append(Identifier(definition.name, definition.match, message))
    return found
