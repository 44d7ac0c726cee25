"""Data residency rules of one jurisdiction, and the verdict on a document leaving it."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

_CODE = re.compile(r"^[A-Z]{2}$")
_RULE_ID = re.compile(r"^[a-z0-9][a-z0-9.-]{0,79}$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{0,63}$")
_PREFIX = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
#: The reason a refused crossing carries; clients branch on it, so it never changes.
RESIDENCY = "residency"
#: The pseudo-rule named when the hub cannot judge residency at all.
JURISDICTION_UNSET = "jurisdiction-unset"
RULES_MISSING = "rules-missing"


class ResidencyRuleError(ValueError):
    """A rule file that does not say one unambiguous thing; `where` points at the culprit."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message


def jurisdiction_code(value: str, where: str = "jurisdiction") -> str:
    """An ISO 3166-1 alpha-2 code, upper case; anything else is refused, not guessed at."""
    code = value.strip().upper() if isinstance(value, str) else ""
    if not _CODE.match(code):
        raise ResidencyRuleError(where, f"{value!r} is not an ISO 3166-1 alpha-2 code")
    return code


@dataclass(frozen=True)
class DataClass:
    """A kind of data (personal contacts, customs values ...) and where each type holds it.

    `paths` maps a document type to the places that hold the class: JSON Pointers (``*``
    for every item of an array) for JSON types, XPath 1.0 for XML types. A document holds
    the class when any of its type's paths reaches a non-empty value.
    """

    name: str
    paths: Mapping[str, tuple[str, ...]]

    def paths_for(self, doc_type: str) -> tuple[str, ...]:
        """Where a document of `doc_type` would hold this class; empty if it cannot."""
        return self.paths.get(doc_type, ())


@dataclass(frozen=True)
class ResidencyRule:
    """Documents of some types, or holding some data class, stay or go only to named places.

    An empty `may_leave_to` means the data may not leave the jurisdiction at all.
    """

    id: str
    description: str
    may_leave_to: frozenset[str]
    document_types: frozenset[str] = frozenset()
    data_class: DataClass | None = None

    def matches(self, doc_type: str, data_classes: frozenset[str]) -> bool:
        """Whether the rule speaks about this document at all."""
        if doc_type in self.document_types:
            return True
        return self.data_class is not None and self.data_class.name in data_classes

    def permits(self, destination: str) -> bool:
        """Whether data the rule covers may go to `destination`."""
        return destination in self.may_leave_to


@dataclass(frozen=True)
class Transfer:
    """What the rules judge: a document of a type, holding some data classes, going somewhere."""

    doc_type: str
    destination: str
    data_classes: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ResidencyDecision:
    """Allowed, or refused by the first rule (in file order) that forbids the destination.

    `rules` lists every rule that forbids it, so an owner sees all that stands in the way.
    """

    rule: str | None = None
    detail: str = ""
    rules: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        """True when no rule forbids the transfer."""
        return self.rule is None


ALLOWED = ResidencyDecision()


def refused(rule: str, detail: str) -> ResidencyDecision:
    """A refusal not tied to a rule file entry (no jurisdiction, no rule file)."""
    return ResidencyDecision(rule, detail, (rule,))


@dataclass(frozen=True)
class ResidencyRules:
    """One jurisdiction's rules, in the order its file lists them."""

    jurisdiction: str
    version: str
    rules: tuple[ResidencyRule, ...]
    namespaces: Mapping[str, str] = field(default_factory=dict)

    def data_classes_for(self, doc_type: str) -> dict[str, tuple[str, ...]]:
        """The data classes a document of `doc_type` may hold, with their paths.

        The caller looks for them in the document only when this is not empty, so types no
        field rule names are never parsed for residency.
        """
        found: dict[str, tuple[str, ...]] = {}
        for rule in self.rules:
            if rule.data_class is not None:
                paths = rule.data_class.paths_for(doc_type)
                if paths:
                    found[rule.data_class.name] = paths
        return found

    def restricts_type(self, doc_type: str, destination: str) -> str | None:
        """The first rule that keeps every document of `doc_type` from `destination`."""
        dest = destination.upper()
        if dest == self.jurisdiction:
            return None
        for rule in self.rules:
            if doc_type in rule.document_types and not rule.permits(dest):
                return rule.id
        return None

    def evaluate(self, transfer: Transfer) -> ResidencyDecision:
        """The verdict on one document leaving for `transfer.destination`.

        A peer in this same jurisdiction is not abroad: nothing leaves, no rule applies.
        Rules only restrict, so the verdict does not depend on their order; the order only
        picks which refusing rule is named first.
        """
        destination = transfer.destination.upper()
        if destination == self.jurisdiction:
            return ALLOWED
        blocking = [
            rule
            for rule in self.rules
            if rule.matches(transfer.doc_type, transfer.data_classes)
            and not rule.permits(destination)
        ]
        if not blocking:
            return ALLOWED
        first = blocking[0]
        where = (
            "may not leave " + self.jurisdiction
            if not first.may_leave_to
            else "may leave "
            + self.jurisdiction
            + " only for "
            + ", ".join(sorted(first.may_leave_to))
        )
        what = (
            f"data class {first.data_class.name}"
            if first.data_class is not None and transfer.doc_type not in first.document_types
            else f"document type {transfer.doc_type}"
        )
        return ResidencyDecision(
            first.id,
            f"{what} {where} (rule {first.id}: {first.description})",
            tuple(rule.id for rule in blocking),
        )


def _strings(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ResidencyRuleError(where, "must be a list of non-empty strings")
    if len(set(value)) != len(value):
        raise ResidencyRuleError(where, "lists an entry twice")
    return list(value)


def _data_class(value: Any, where: str, syntax_of: Mapping[str, str]) -> DataClass:
    if not isinstance(value, Mapping) or set(value) != {"name", "paths"}:
        raise ResidencyRuleError(where, "must have exactly `name` and `paths`")
    name = value["name"]
    if not isinstance(name, str) or not _NAME.match(name):
        raise ResidencyRuleError(f"{where}.name", "lower-case letters, digits, dots and dashes")
    paths = value["paths"]
    if not isinstance(paths, Mapping) or not paths:
        raise ResidencyRuleError(f"{where}.paths", "name at least one document type")
    parsed: dict[str, tuple[str, ...]] = {}
    for doc_type, listed in paths.items():
        at = f"{where}.paths.{doc_type}"
        entries = _strings(listed, at)
        if not entries:
            raise ResidencyRuleError(at, "name at least one path")
        if syntax_of.get(doc_type, "json") == "json":
            for path in entries:
                if not path.startswith("/"):
                    raise ResidencyRuleError(at, f"{path!r} is not a JSON Pointer")
        parsed[doc_type] = tuple(entries)
    return DataClass(name, parsed)


def _rule(value: Any, where: str, own: str, syntax_of: Mapping[str, str]) -> ResidencyRule:
    allowed_keys = {"id", "description", "document_types", "data_class", "may_leave_to"}
    if not isinstance(value, Mapping):
        raise ResidencyRuleError(where, "must be an object")
    unknown = sorted(set(value) - allowed_keys)
    if unknown:
        raise ResidencyRuleError(where, f"unknown member {unknown[0]!r}")
    rule_id = value.get("id")
    if not isinstance(rule_id, str) or not _RULE_ID.match(rule_id):
        raise ResidencyRuleError(f"{where}.id", "lower-case letters, digits, dots and dashes")
    description = value.get("description")
    if not isinstance(description, str) or not description.strip():
        raise ResidencyRuleError(f"{where}.description", "say what the rule protects and why")
    types = _strings(value.get("document_types", []), f"{where}.document_types")
    data_class = (
        _data_class(value["data_class"], f"{where}.data_class", syntax_of)
        if "data_class" in value
        else None
    )
    if bool(types) == (data_class is not None):
        raise ResidencyRuleError(where, "name either document_types or a data_class, not both")
    if "may_leave_to" not in value:
        raise ResidencyRuleError(where, "say where the data may go (`[]`: nowhere)")
    destinations = {
        jurisdiction_code(code, f"{where}.may_leave_to")
        for code in _strings(value["may_leave_to"], f"{where}.may_leave_to")
    }
    if own in destinations:
        raise ResidencyRuleError(f"{where}.may_leave_to", f"{own} is where the data already is")
    return ResidencyRule(
        id=rule_id,
        description=description.strip(),
        may_leave_to=frozenset(destinations),
        document_types=frozenset(types),
        data_class=data_class,
    )


def parse_rules(data: Any, syntax_of: Mapping[str, str] | None = None) -> ResidencyRules:
    """A rule file's content, checked for meaning (the JSON Schema checks its shape).

    `syntax_of` maps known document types to ``json`` or ``xml`` so that paths are checked
    against the right syntax; a data class of an unknown type is kept (a type may be added
    to the registry later) and checked as JSON.
    """
    syntax_of = syntax_of or {}
    if not isinstance(data, Mapping):
        raise ResidencyRuleError("file", "must be a JSON object")
    own = jurisdiction_code(data.get("jurisdiction", ""))
    version = data.get("version")
    if not isinstance(version, str) or not version:
        raise ResidencyRuleError("version", "must be a non-empty string")
    namespaces = data.get("namespaces", {})
    if not isinstance(namespaces, Mapping) or not all(
        isinstance(k, str) and _PREFIX.match(k) and isinstance(v, str) and v
        for k, v in namespaces.items()
    ):
        raise ResidencyRuleError("namespaces", "must map prefixes to namespace URIs")
    listed = data.get("rules")
    if not isinstance(listed, list):
        raise ResidencyRuleError("rules", "must be a list (empty: nothing is restricted)")
    rules = tuple(_rule(r, f"rules[{i}]", own, syntax_of) for i, r in enumerate(listed))
    _unique(rule.id for rule in rules)
    _unique_classes(rules)
    return ResidencyRules(own, version, rules, dict(namespaces))


def _unique(ids: Iterable[str]) -> None:
    seen: set[str] = set()
    for rule_id in ids:
        if rule_id in seen:
            raise ResidencyRuleError("rules", f"rule id {rule_id!r} is used twice")
        seen.add(rule_id)


def _unique_classes(rules: tuple[ResidencyRule, ...]) -> None:
    """One name, one set of paths: two definitions of a class could disagree on its places."""
    seen: set[str] = set()
    for rule in rules:
        if rule.data_class is not None:
            if rule.data_class.name in seen:
                raise ResidencyRuleError(
                    "rules", f"data class {rule.data_class.name!r} is defined twice"
                )
            seen.add(rule.data_class.name)
