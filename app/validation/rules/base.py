"""What a business rule is, and how its violations become findings with locations."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from lxml import etree

from app.validation.locations import JsonLineIndex, located
from app.validation.report import Finding, Severity

Subject = TypeVar("Subject")
#: Where a violation sits: a path (JSON tokens below the subject) or an element (XML).
Where = TypeVar("Where")


@dataclass(frozen=True, slots=True)
class Violation(Generic[Where]):
    """A rule's raw complaint, before it is located in the received document."""

    where: Where
    message: str


@dataclass(frozen=True, slots=True)
class Rule(Generic[Subject, Where]):
    """A business rule: stable ``id``, ``severity``, a one-line ``summary`` and its check."""

    id: str
    severity: Severity
    summary: str
    check: Callable[[Subject], Iterable[Violation[Where]]]


JsonPath = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class JsonRuleSet(Generic[Subject]):
    """Rules on one JSON document type, and how to read a document once for all of them.

    ``read`` gathers what several rules visit (lists, nested objects, their paths) in a
    single walk, so each rule looks things up instead of walking the document again.
    """

    read: Callable[[Any], Subject]
    rules: tuple[Rule[Subject, JsonPath], ...]


def run_json_rules(ruleset: JsonRuleSet[Any], subject: Any, *, at: str, text: str) -> list[Finding]:
    """Run ``ruleset`` on a JSON ``subject`` found at pointer ``at`` of the received ``text``.

    The ruleset reads the document once; each rule then costs one call, and a finding is
    located only when a rule complains. Errors carry their line; warnings only their
    pointer, so an accepted document never pays for tokenizing its text a second time.
    """
    lines: JsonLineIndex | None = None
    document = ruleset.read(subject)
    findings: list[Finding] = []
    for rule in ruleset.rules:
        for violation in rule.check(document):
            location = located(at, violation.where)
            line = None
            if rule.severity is Severity.ERROR:
                lines = lines or JsonLineIndex(text)
                line = lines.line(location)
            findings.append(
                Finding(
                    rule=rule.id,
                    severity=rule.severity,
                    location=location,
                    line=line,
                    message=violation.message,
                )
            )
    return findings


@dataclass(frozen=True, slots=True)
class XmlRuleSet(Generic[Subject]):
    """Rules on one XML document type, and how to read a document once for all of them.

    ``read`` finds the elements several rules start from, so no rule evaluates the same
    path from the root again.
    """

    read: Callable[[etree._ElementTree], Subject]
    rules: tuple[Rule[Subject, etree._Element], ...]


def run_xml_rules(ruleset: XmlRuleSet[Any], tree: etree._ElementTree) -> Iterator[Finding]:
    """Run ``ruleset`` on an XML document; locations are absolute XPaths with source lines."""
    document = ruleset.read(tree)
    for rule in ruleset.rules:
        for violation in rule.check(document):
            yield Finding(
                rule=rule.id,
                severity=rule.severity,
                location=tree.getpath(violation.where),
                line=violation.where.sourceline,
                message=violation.message,
            )
