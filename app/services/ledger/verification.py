"""Verify an uploaded document against a proof bundle, offline checks plus the live log."""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from app.errors import BadRequest, Unprocessable
from app.ledger.bundle import ProofBundle
from app.ledger.verify import Check, Report, verify_bundle
from app.security.keys import KeyStore
from app.services.ledger.anchoring import trust_anchors
from app.services.ledger.audit import check_seen_checkpoint
from app.services.ledger.log import log_verifier
from app.settings import Settings


def parse_bundle(raw: bytes | str | dict[str, Any]) -> ProofBundle:
    """Read a proof bundle; 400 when it is not JSON, 422 when it is not a bundle."""
    try:
        data = raw if isinstance(raw, dict) else json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadRequest("the proof bundle is not JSON", slug="malformed-json") from exc
    try:
        return ProofBundle.model_validate(data)
    except ValidationError as exc:
        errors = [
            {"location": "/" + "/".join(str(p) for p in e["loc"]), "message": e["msg"]}
            for e in exc.errors()[:50]
        ]
        raise Unprocessable(
            "the proof bundle is malformed", slug="ledger-bad-bundle", errors=errors
        ) from exc


def verify_upload(
    session: Session,
    settings: Settings,
    keys: KeyStore,
    content: bytes | None,
    bundle: ProofBundle,
) -> Report:
    """Every offline check with the hub's own log key and trust, then the live log.

    The last check asks whether today's log still extends the checkpoint in the bundle:
    a log rolled back or rewritten since the bundle was issued fails it.
    """
    report = verify_bundle(content, bundle, [log_verifier(settings, keys)], trust_anchors(settings))
    finding = check_seen_checkpoint(session, settings, keys, bundle.checkpoint)
    if finding is None:
        report.checks.append(Check("log", True, detail="the live log extends the bundle"))
    else:
        report.checks.append(Check("log", False, finding.reason, finding.detail))
    return report
