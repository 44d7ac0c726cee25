"""``tradegate residency check|judge``: residency rule files checked, and one verdict explained."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from app.cli.support import EXIT_FAILED, refuse
from app.domain.residency import ResidencyRuleError, ResidencyRules, Transfer, jurisdiction_code
from app.services.crossings.residency import (
    DEFAULT_RESIDENCY_DIR,
    InvalidResidencyRules,
    load_rules,
)
from app.settings import get_settings
from app.validation import IntakeError, default_registry
from app.validation.data_classes import held_classes

residency_cli = typer.Typer(
    help="Residency rules: what may leave this hub's jurisdiction.", no_args_is_help=True
)
out = Console(highlight=False, soft_wrap=True)


def _rules(path: Path) -> ResidencyRules:
    """The rules of one file, named after its jurisdiction (CN.json)."""
    try:
        code = jurisdiction_code(path.stem)
    except ResidencyRuleError:
        refuse(f"{path}: a rule file is named after its jurisdiction, e.g. CN.json")
    try:
        rules = load_rules(path.parent, code)
    except InvalidResidencyRules as exc:
        refuse(str(exc))
    if rules is None:
        refuse(f"cannot read {path}: no such file")
    return rules


def _configured() -> Path:
    settings = get_settings()
    if not settings.jurisdiction:
        refuse("name a rule file, or set TRADEGATE_JURISDICTION for this hub's own")
    return (settings.residency_dir or DEFAULT_RESIDENCY_DIR) / f"{settings.jurisdiction}.json"


@residency_cli.command("check")
def check(
    files: Annotated[
        list[Path] | None,
        typer.Argument(help="Rule files (<CC>.json); default: this hub's own", show_default=False),
    ] = None,
) -> None:
    """Check rule files against the format and for meaning; one line per file."""
    for path in files or [_configured()]:
        rules = _rules(path)
        listed = ", ".join(r.id for r in rules.rules) or "nothing restricted"
        count = f"{len(rules.rules)} rule" + ("" if len(rules.rules) == 1 else "s")
        out.print(f"{path}: {rules.jurisdiction} version {rules.version}, {count}: {listed}")


@residency_cli.command("judge")
def judge(
    doc_type: Annotated[str, typer.Argument(help="Document type id, e.g. uncefact.cii.invoice")],
    to: Annotated[str, typer.Option("--to", help="Destination jurisdiction (ISO 3166-1)")],
    document: Annotated[
        Path | None, typer.Option("--document", help="The document, to judge its data classes")
    ] = None,
    rules_file: Annotated[
        Path | None, typer.Option("--rules", help="Rule file; default: this hub's own")
    ] = None,
) -> None:
    """Whether a document of a type (or a given document) may go to a jurisdiction, and why.

    Exits 1 when the rules refuse it, so scripts can branch on the verdict.
    """
    rules = _rules(rules_file or _configured())
    try:
        destination = jurisdiction_code(to, "--to")
    except ResidencyRuleError as exc:
        refuse(str(exc))
    held: frozenset[str] = frozenset()
    if document is not None:
        try:
            content = document.read_bytes()
        except OSError as exc:
            refuse(f"cannot read {document}: {exc.strerror}")
        types = {t.id: t.syntax for t in default_registry().types}
        try:
            held = held_classes(
                content,
                types.get(doc_type, "json"),
                rules.data_classes_for(doc_type),
                rules.namespaces,
                max_depth=default_registry().max_depth,
            )
        except IntakeError as exc:
            refuse(f"cannot parse {document} as {doc_type}: {exc}")
    decision = rules.evaluate(Transfer(doc_type, destination, held))
    out.print(
        json.dumps(
            {
                "allowed": decision.allowed,
                "from": rules.jurisdiction,
                "to": destination,
                "doc_type": doc_type,
                "data_classes": sorted(held),
                "rule": decision.rule,
                "rules": list(decision.rules),
                "detail": decision.detail,
            }
        )
    )
    if not decision.allowed:
        raise typer.Exit(EXIT_FAILED)
