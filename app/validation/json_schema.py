"""JSON Schema 2020-12 validation: a compiled fast verdict, the reference library to explain."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from typing import Any

import jsonschema
import jsonschema_rs
from jsonschema.exceptions import ValidationError, best_match

from app.validation.locations import JsonLineIndex, pointer
from app.validation.report import Finding, Severity


class JsonSchemaValidator:
    """One schema compiled twice at start-up: ``jsonschema-rs`` answers "is it valid?" for
    every document, ``jsonschema`` (the reference implementation) explains the failures.
    Both check formats (``date``, ``date-time``, ``uri``); unknown formats are ignored.
    """

    def __init__(self, schema: dict[str, Any]) -> None:
        jsonschema.Draft202012Validator.check_schema(schema)
        self._fast = jsonschema_rs.validator_for(schema, validate_formats=True)
        self._reference = jsonschema.Draft202012Validator(
            schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
        )

    def is_valid(self, instance: Any) -> bool:
        """The compiled verdict (microseconds)."""
        return bool(self._fast.is_valid(instance))

    def explain(
        self, instance: Any, *, at: str, text: str, limit: int
    ) -> tuple[list[Finding], bool]:
        """All schema errors, at most ``limit`` (and whether more were cut off).

        ``at`` is the JSON Pointer where ``instance`` sits in the received document ``text``;
        locations are absolute pointers with the line they start on.
        """
        errors = list(islice(self._reference.iter_errors(instance), limit + 1))
        if errors:
            lines = JsonLineIndex(text)
            findings = [self._finding(e, at, lines) for e in errors[:limit]]
        else:
            # The two implementations disagree; the compiled one's own words still explain.
            findings = list(islice(self._fast_findings(instance, at, JsonLineIndex(text)), limit))
            errors = findings
        findings.sort(key=lambda f: (f.line or 0, f.location))
        return findings, len(errors) > limit

    @staticmethod
    def _finding(error: ValidationError, at: str, lines: JsonLineIndex) -> Finding:
        location = pointer(at, error.absolute_path)
        message = error.message
        if error.context:
            message += f" (closest match: {best_match(error.context).message})"
        return Finding(
            rule=f"schema:{error.validator}",
            severity=Severity.ERROR,
            location=location,
            line=lines.line(location),
            keyword=str(error.validator),
            message=message,
        )

    def _fast_findings(self, instance: Any, at: str, lines: JsonLineIndex) -> Iterator[Finding]:
        for error in self._fast.iter_errors(instance):
            location = pointer(at, error.instance_path)
            keyword = str(error.schema_path[-1]) if error.schema_path else "schema"
            yield Finding(
                rule=f"schema:{keyword}",
                severity=Severity.ERROR,
                location=location,
                line=lines.line(location),
                keyword=keyword,
                message=error.message,
            )
