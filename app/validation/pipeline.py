"""The single intake path: size cap, safe parse, type detection, schema, rules, hashes."""

from __future__ import annotations

from typing import Any

from app.domain.canonical import canonical_json, canonical_xml, sha256_hex
from app.validation import detection
from app.validation.errors import DocumentTooLarge
from app.validation.facts import JSON_FACTS, XML_FACTS
from app.validation.json_schema import JsonSchemaValidator
from app.validation.locations import resolve
from app.validation.registry import DocumentType, Registry, default_registry
from app.validation.report import Facts, Finding, Severity, ValidationReport
from app.validation.rules import JSON_RULESETS, XML_RULESETS
from app.validation.rules.base import run_json_rules, run_xml_rules
from app.validation.safe_json import parse_json
from app.validation.safe_xml import parse_xml
from app.validation.xml_schema import XmlSchemaValidator

#: Default size cap, the same as the API's ``max_body_bytes`` (10 MiB).
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
#: At most this many schema errors are reported; the report says when more were cut off.
MAX_ERRORS = 100


def validate(
    raw: bytes,
    *,
    declared_type: str | None = None,
    media_type: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    registry: Registry | None = None,
) -> ValidationReport:
    """Validate one received document and describe it.

    Raises :class:`~app.validation.errors.IntakeError` subclasses when the input cannot be
    judged at all (too large, unparsable or hostile, unknown type); otherwise returns a
    report whose ``valid`` says whether it may be accepted.
    """
    if len(raw) > max_bytes:
        raise DocumentTooLarge(
            f"the document is {len(raw)} bytes; the limit is {max_bytes}",
            reason="too-large",
            limit=max_bytes,
        )
    registry = registry or default_registry()
    said = detection.declared(registry, declared_type, media_type)
    syntax = said.syntax or detection.sniff_syntax(raw)
    if syntax == "json":
        return _validate_json(raw, said.doc_type, registry)
    return _validate_xml(raw, said.doc_type, registry)


def _report(
    raw: bytes,
    doc_type: DocumentType,
    registry: Registry,
    *,
    shape: str,
    schema_valid: bool,
    findings: list[Finding],
    truncated: bool,
    canonical: bytes,
    facts: Facts,
    subject_sha256: str | None = None,
    value: Any = None,
    plain: bool = False,
) -> ValidationReport:
    """The report both syntaxes end in; the subject is the whole document unless one is given."""
    digest = sha256_hex(canonical)
    return ValidationReport(
        doc_type=doc_type.id,
        version=doc_type.version,
        media_type=doc_type.media_type,
        shape=shape,
        schema_valid=schema_valid,
        errors=[f for f in findings if f.severity is Severity.ERROR],
        warnings=[f for f in findings if f.severity is Severity.WARNING],
        truncated=truncated,
        sha256=sha256_hex(raw),
        canonical_sha256=digest,
        canonical=canonical,
        subject_sha256=subject_sha256 or digest,
        facts=facts,
        provenance=registry.provenance(doc_type),
        value=value,
        plain=plain,
    )


def _validate_json(
    raw: bytes, doc_type: DocumentType | None, registry: Registry
) -> ValidationReport:
    parsed = parse_json(raw, max_depth=registry.max_depth)
    document = parsed.value
    if doc_type is None:
        doc_type, shape = detection.detect_json(registry, document)
    else:
        shape = detection.json_shape(doc_type, document) or doc_type.shapes[-1]
    validator = registry.validator(doc_type)
    assert isinstance(validator, JsonSchemaValidator)
    _, instance = resolve(document, shape.schema_at)
    findings: list[Finding] = []
    truncated = False
    schema_valid = validator.is_valid(instance)
    if not schema_valid:
        findings, truncated = validator.explain(
            instance, at=shape.schema_at, text=parsed.text, limit=MAX_ERRORS
        )
    _, subject = resolve(document, shape.subject_at)
    if schema_valid and doc_type.ruleset:
        findings.extend(
            run_json_rules(
                JSON_RULESETS[doc_type.ruleset], subject, at=shape.subject_at, text=parsed.text
            )
        )
    facts = JSON_FACTS[doc_type.facts](subject, at=shape.subject_at) if doc_type.facts else Facts()
    # A part of an I-JSON value always has a canonical form of its own.
    subject_digest = (
        sha256_hex(canonical_json(subject, plain=parsed.plain)) if shape.subject_at else None
    )
    return _report(
        raw,
        doc_type,
        registry,
        shape=shape.name,
        schema_valid=schema_valid,
        findings=findings,
        truncated=truncated,
        canonical=parsed.canonical,
        facts=facts,
        subject_sha256=subject_digest,
        value=document,
        plain=parsed.plain,
    )


def _validate_xml(
    raw: bytes, doc_type: DocumentType | None, registry: Registry
) -> ValidationReport:
    tree = parse_xml(raw, max_depth=registry.max_depth)
    if doc_type is None:
        doc_type = detection.detect_xml(registry, tree)
    validator = registry.validator(doc_type)
    assert isinstance(validator, XmlSchemaValidator)
    findings: list[Finding] = []
    truncated = False
    schema_valid = validator.is_valid(tree)
    if not schema_valid:
        findings, truncated = validator.explain(tree, limit=MAX_ERRORS)
    elif doc_type.ruleset:
        findings.extend(run_xml_rules(XML_RULESETS[doc_type.ruleset], tree))
    facts = XML_FACTS[doc_type.facts](tree) if doc_type.facts else Facts()
    return _report(
        raw,
        doc_type,
        registry,
        shape="document",
        schema_valid=schema_valid,
        findings=findings,
        truncated=truncated,
        canonical=canonical_xml(tree),
        facts=facts,
    )
