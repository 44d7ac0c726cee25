"""The hub's residency rules: loaded from its jurisdiction's file, applied to one document."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import jsonschema

from app.domain.residency import (
    JURISDICTION_UNSET,
    RULES_MISSING,
    ResidencyDecision,
    ResidencyRuleError,
    ResidencyRules,
    Transfer,
    jurisdiction_code,
    parse_rules,
    refused,
)
from app.errors import SetupError
from app.settings import Settings
from app.storage.models import Document
from app.validation.data_classes import check_xpaths, held_classes
from app.validation.registry import DEFAULT_SCHEMAS_DIR, default_registry

DEFAULT_RESIDENCY_DIR = DEFAULT_SCHEMAS_DIR / "residency"
SCHEMA_FILE = "residency-rules.schema.json"


class InvalidResidencyRules(SetupError):
    """A rule file that cannot be read or says nothing clear; the hub refuses to start."""


def hub_jurisdiction(settings: Settings) -> str | None:
    """This hub's jurisdiction (TRADEGATE_JURISDICTION), upper case; None when unset."""
    value = settings.jurisdiction
    if not value:
        return None
    try:
        return jurisdiction_code(str(value), "TRADEGATE_JURISDICTION")
    except ResidencyRuleError as exc:
        raise InvalidResidencyRules(str(exc)) from exc


def _syntax_of() -> dict[str, str]:
    return {t.id: t.syntax for t in default_registry().types}


@functools.cache
def _schema_validator() -> jsonschema.Draft202012Validator:
    schema = json.loads((DEFAULT_RESIDENCY_DIR / SCHEMA_FILE).read_text("utf-8"))
    return jsonschema.Draft202012Validator(schema)


def load_rules(directory: Path, jurisdiction: str) -> ResidencyRules | None:
    """The rules in `<directory>/<jurisdiction>.json`, checked; None when there is no file.

    The file is checked against the JSON Schema (shape), then for meaning (unique ids, codes,
    paths that fit each type's syntax, XPath that compiles), and must name the jurisdiction
    its file name says.
    """
    path = directory / f"{jurisdiction}.json"
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise InvalidResidencyRules(f"cannot read {path}: {exc}") from exc
    try:
        data: Any = json.loads(text)
    except ValueError as exc:
        raise InvalidResidencyRules(f"{path} is not JSON: {exc}") from exc
    error = jsonschema.exceptions.best_match(_schema_validator().iter_errors(data))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "file"
        raise InvalidResidencyRules(f"{path}: {where}: {error.message}")
    syntax_of = _syntax_of()
    try:
        rules = parse_rules(data, syntax_of)
        check_xpaths(rules, syntax_of)
    except ResidencyRuleError as exc:
        raise InvalidResidencyRules(f"{path}: {exc}") from exc
    if rules.jurisdiction != jurisdiction:
        raise InvalidResidencyRules(f"{path} holds the rules of {rules.jurisdiction}")
    return rules


@functools.lru_cache(maxsize=8)
def _cached_rules(directory: Path, jurisdiction: str) -> ResidencyRules | None:
    return load_rules(directory, jurisdiction)


def rules_for(settings: Settings) -> ResidencyRules | None:
    """The rules this hub applies, read once per process; None without jurisdiction or file."""
    jurisdiction = hub_jurisdiction(settings)
    if jurisdiction is None:
        return None
    return _cached_rules(settings.residency_dir or DEFAULT_RESIDENCY_DIR, jurisdiction)


def check_rules(settings: Settings) -> None:
    """Load the hub's rules at start-up, so a broken file stops the hub, not a transfer."""
    rules_for(settings)


def judge_type(settings: Settings, doc_type: str, destination: str) -> ResidencyDecision:
    """The verdict on a document type as a whole (what a listing may show a peer)."""
    rules, missing = _rules_or_refusal(settings)
    if rules is None:
        assert missing is not None
        return missing
    rule = rules.restricts_type(doc_type, destination)
    if rule is None:
        return ResidencyDecision()
    return rules.evaluate(Transfer(doc_type, destination))


def judge_document(settings: Settings, document: Document, destination: str) -> ResidencyDecision:
    """The verdict on `document` going to a hub in `destination`.

    Fails closed: a hub that does not know its own jurisdiction, or has no rule file for it,
    lets nothing cross (an empty rule file is how an operator says nothing is restricted).
    The document's bytes are read only when a data-class rule could match its type.
    """
    rules, missing = _rules_or_refusal(settings)
    if rules is None:
        assert missing is not None
        return missing
    classes = rules.data_classes_for(document.doc_type)
    held: frozenset[str] = frozenset()
    if classes:
        syntax = _syntax_of().get(document.doc_type, "json")
        held = held_classes(
            document.content,
            syntax,
            classes,
            rules.namespaces,
            max_depth=default_registry().max_depth,
        )
    return rules.evaluate(Transfer(document.doc_type, destination, held))


def _rules_or_refusal(
    settings: Settings,
) -> tuple[ResidencyRules | None, ResidencyDecision | None]:
    jurisdiction = hub_jurisdiction(settings)
    if jurisdiction is None:
        return None, refused(
            JURISDICTION_UNSET,
            "this hub's jurisdiction is not configured (TRADEGATE_JURISDICTION), "
            "so no residency rule can clear a transfer",
        )
    rules = rules_for(settings)
    if rules is None:
        return None, refused(
            RULES_MISSING, f"no residency rule file for {jurisdiction}, so nothing may leave"
        )
    return rules, None
