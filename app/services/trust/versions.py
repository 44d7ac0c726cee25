"""Version tracking per carrier and reference: steps are recorded, conflicts flagged."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.domain.ebl_versions import Step, Version, judge
from app.domain.hashing import json_sha256
from app.services.common.events import record_event
from app.services.trust.provenance import Label, Verdict, verdict_for
from app.storage.base import utcnow
from app.storage.models import Document, EblVersion


def _version(row: EblVersion) -> Version:
    last = row.history[-1]
    return Version(row.status, row.checksum, last["body_checksum"])


def _entry(document: Document, verdict: Verdict, body_checksum: str) -> dict[str, Any]:
    return {
        "document_id": str(document.id),
        "status": verdict.status,
        "checksum": verdict.document_checksum,
        "body_checksum": body_checksum,
        "label": verdict.label.value,
        "at": utcnow().isoformat(),
    }


def track_version(
    session: Session,
    document: Document,
    verdict: Verdict,
    transport_document: dict[str, Any],
    *,
    actor: str,
    holder: dict[str, Any] | None = None,
    holder_platform: str | None = None,
) -> Step | None:
    """Record ``document`` as the next version of its eBL, or flag it as a conflict.

    Returns ``None`` when the document names no carrier or reference to track it by.
    """
    if not (verdict.carrier_code and verdict.reference and verdict.status):
        return None
    body = {k: v for k, v in transport_document.items() if k != "transportDocumentStatus"}
    incoming = Version(verdict.status, verdict.document_checksum, json_sha256(body))
    provider = verdict.carrier_code_list_provider or ""
    row = session.scalars(
        sa.select(EblVersion)
        .where(
            EblVersion.carrier_code == verdict.carrier_code,
            EblVersion.carrier_code_list_provider == provider,
            EblVersion.transport_document_reference == verdict.reference,
        )
        .with_for_update()
    ).first()
    step = judge(_version(row) if row is not None else None, incoming)
    entry = _entry(document, verdict, incoming.body_checksum)
    if row is None:
        row = EblVersion(
            carrier_code=verdict.carrier_code,
            carrier_code_list_provider=provider,
            transport_document_reference=verdict.reference,
            status=incoming.status,
            checksum=incoming.checksum,
            document_id=document.id,
            history=[entry],
            conflicts=[],
        )
        session.add(row)
    elif step is Step.ADVANCED:
        row.status, row.checksum, row.document_id = incoming.status, incoming.checksum, document.id
        row.history = [*row.history, entry]
    elif step is Step.CONFLICT:
        row.conflicts = [*row.conflicts, entry]
    if holder is not None and step is not Step.CONFLICT:
        row.holder, row.holder_platform = holder, holder_platform
    row.updated_at = utcnow()
    session.flush()
    if step is not Step.SAME:
        record_event(
            session,
            kind="ebl.version_conflict" if step is Step.CONFLICT else "ebl.version_recorded",
            actor=actor,
            subject=f"ebl:{row.id}",
            payload={
                "carrier": row.carrier_code,
                "carrier_code_list_provider": provider,
                "transport_document_reference": row.transport_document_reference,
                "current_status": row.status,
                "current_checksum": row.checksum,
                "document_id": str(document.id),
                "status": incoming.status,
                "checksum": incoming.checksum,
                "step": step.value,
            },
            participant_ids=[document.owner_id, document.provider_id],
        )
    return step


def list_versions(session: Session, limit: int = 200) -> list[EblVersion]:
    """Tracked eBLs, most recently changed first (admin view)."""
    stmt = sa.select(EblVersion).order_by(EblVersion.updated_at.desc()).limit(limit)
    return list(session.scalars(stmt))


def set_holder(
    session: Session,
    transport_document: dict[str, Any],
    holder: dict[str, Any],
    platform: str,
    *,
    actor: str,
) -> None:
    """Record who holds title to an eBL now (after a transfer to another platform)."""
    facts = verdict_for(transport_document, "", Label.CHAIN_VERIFIED, "holder")
    row = session.scalars(
        sa.select(EblVersion).where(
            EblVersion.carrier_code == facts.carrier_code,
            EblVersion.carrier_code_list_provider == (facts.carrier_code_list_provider or ""),
            EblVersion.transport_document_reference == facts.reference,
        )
    ).first()
    if row is None:
        return
    row.holder, row.holder_platform, row.updated_at = holder, platform, utcnow()
    record_event(
        session,
        kind="ebl.holder_changed",
        actor=actor,
        subject=f"ebl:{row.id}",
        payload={
            "transport_document_reference": row.transport_document_reference,
            "holder": holder,
            "holder_platform": platform,
        },
    )
