"""``tradegate validate PATH...``: the intake pipeline over local files, for people and scripts."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from app.domain.canonical import sha256_hex
from app.validation import DEFAULT_MAX_BYTES, IntakeError, default_registry, validate


class OutputFormat(StrEnum):
    """``text``: progress bar and tables for people; ``json``: one JSON object per line."""

    TEXT = "text"
    JSON = "json"


@dataclass(slots=True)
class FileResult:
    """Outcome for one path: a report summary, a rejection, or an unreadable file."""

    path: str
    valid: bool
    readable: bool = True
    doc_type: str | None = None
    version: str | None = None
    sha256: str | None = None
    canonical_sha256: str | None = None
    findings: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The documented ``--format json`` object."""
        return {
            "path": self.path,
            "type": self.doc_type,
            "version": self.version,
            "valid": self.valid,
            "errors": self.findings,
            "sha256": self.sha256,
            "canonical_sha256": self.canonical_sha256,
        }


def _finding(rule: str, severity: str, location: str, message: str, line: int | None = None):  # noqa: ANN202
    return {
        "rule": rule,
        "severity": severity,
        "location": location,
        "line": line,
        "message": message,
    }


def check_file(path: Path, *, declared_type: str | None, max_bytes: int) -> FileResult:
    """Validate one file; never raises for bad input, only reports it."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return FileResult(
                str(path),
                valid=False,
                findings=[
                    _finding("too-large", "error", "", f"{size} bytes; the limit is {max_bytes}")
                ],
            )
        raw = path.read_bytes()
    except OSError as exc:
        return FileResult(
            str(path),
            valid=False,
            readable=False,
            findings=[_finding("unreadable", "error", "", exc.strerror or str(exc))],
        )
    try:
        report = validate(raw, declared_type=declared_type, max_bytes=max_bytes)
    except IntakeError as exc:
        return FileResult(
            str(path),
            valid=False,
            sha256=sha256_hex(raw),
            findings=[
                _finding(
                    exc.reason,
                    "error",
                    "",
                    exc.detail,
                    exc.extensions.get("line"),  # type: ignore[arg-type]
                )
            ],
        )
    return FileResult(
        str(path),
        valid=report.valid,
        doc_type=report.doc_type,
        version=report.version,
        sha256=report.sha256,
        canonical_sha256=report.canonical_sha256,
        findings=[f.as_dict() for f in report.errors + report.warnings],
    )


def _print_text(console: Console, results: list[FileResult]) -> None:
    summary = Table(title="Validation summary")
    summary.add_column("file", overflow="fold")
    for column in ("type", "version", "valid", "errors", "warnings", "sha256"):
        summary.add_column(column, overflow="fold")
    for r in results:
        errors = sum(f["severity"] == "error" for f in r.findings)
        summary.add_row(
            r.path,
            r.doc_type or "-",
            r.version or "-",
            "[green]yes[/green]" if r.valid else "[red]no[/red]",
            str(errors),
            str(len(r.findings) - errors),
            (r.sha256 or "-")[:16],
        )
    console.print(summary)
    for r in results:
        if not r.findings:
            continue
        details = Table(title=r.path, title_justify="left")
        for column in ("rule", "severity", "location", "line", "message"):
            details.add_column(column, overflow="fold")
        for f in r.findings:
            details.add_row(
                f["rule"], f["severity"], f["location"], str(f["line"] or ""), f["message"]
            )
        console.print(details)
    valid = sum(r.valid for r in results)
    console.print(f"{valid} of {len(results)} valid")


def validate_command(
    paths: Annotated[list[Path], typer.Argument(help="Documents to validate.")],
    type_: Annotated[
        str | None,
        typer.Option("--type", help="Document type id, e.g. dcsa.transport-document."),
    ] = None,
    output: Annotated[
        OutputFormat, typer.Option("--format", help="text (people) or json (one per line).")
    ] = OutputFormat.TEXT,
    max_bytes: Annotated[
        int, typer.Option("--max-bytes", min=1, help="Size cap per file.")
    ] = DEFAULT_MAX_BYTES,
) -> None:
    """Validate documents: exit 0 all valid, 1 any invalid, 2 usage error or unreadable file."""
    if type_ is not None:
        known = default_registry().type_ids()
        if not any(type_ in (k, k.split("@")[0]) for k in known):
            raise typer.BadParameter(
                f"unknown type; one of {', '.join(known)}", param_hint="--type"
            )
    err = Console(stderr=True)
    results: list[FileResult] = []
    # The bar is for a person watching; piped into a script it would leave a blank line.
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as progress:
        task = progress.add_task("validating", total=len(paths))
        for path in paths:
            result = check_file(path, declared_type=type_, max_bytes=max_bytes)
            results.append(result)
            if output is OutputFormat.JSON:
                typer.echo(json.dumps(result.as_json(), ensure_ascii=False))
            progress.advance(task)
    if output is OutputFormat.TEXT:
        _print_text(Console(), results)
    if not all(r.readable for r in results):
        raise typer.Exit(2)
    raise typer.Exit(0 if all(r.valid for r in results) else 1)
