"""Version tracking per carrier and reference: steps are recorded, conflicts flagged."""

from __future__ import annotations

from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.domain.canonical import canonical_json
from app.domain.ebl_versions import Step, Version, judge
from app.domain.hashing import json_sha256, sha256_hex
from app.services.common.events import record_event
from app.services.trust.provenance import Label, Verdict, verdict_for
from app.storage.base import new_id, utcnow
from app.storage.models import Document, EblVersion

_VERSIONS = cast(sa.Table, EblVersion.__table__)
_ROW = sa.select(
    _VERSIONS.c.id,
    _VERSIONS.c.status,
    _VERSIONS.c.checksum,
    _VERSIONS.c.history,
    _VERSIONS.c.conflicts,
).with_for_update()


def _version(status: str, checksum: str, history: list[Any]) -> Version:
    return Version(status, checksum, history[-1]["body_checksum"])


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
    plain: bool = False,
) -> Step | None:
    """Record ``document`` as the next version of its eBL, or flag it as a conflict.

    Returns ``None`` when the document names no carrier or reference to track it by.
    ``plain`` says the fast RFC 8785 encoder applies (see :func:`canonical_json`). Core
    statements: every pushed eBL passes here.
    """
    if not (verdict.carrier_code and verdict.reference and verdict.status):
        return None
    body = {k: v for k, v in transport_document.items() if k != "transportDocumentStatus"}
    body_checksum = sha256_hex(canonical_json(body, plain=plain)) if plain else json_sha256(body)
    incoming = Version(verdict.status, verdict.document_checksum, body_checksum)
    provider = verdict.carrier_code_list_provider or ""
    row = session.execute(
        _ROW.where(
            _VERSIONS.c.carrier_code == verdict.carrier_code,
            _VERSIONS.c.carrier_code_list_provider == provider,
            _VERSIONS.c.transport_document_reference == verdict.reference,
        )
    ).first()
    step = judge(_version(row.status, row.checksum, row.history) if row else None, incoming)
    entry = _entry(document, verdict, incoming.body_checksum)
    now = utcnow()
    changes: dict[str, Any] = {"updated_at": now}
    if holder is not None and step is not Step.CONFLICT:
        changes.update(holder=holder, holder_platform=holder_platform)
    if row is None:
        row_id = new_id()
        session.execute(
            sa.insert(_VERSIONS).values(
                id=row_id,
                carrier_code=verdict.carrier_code,
                carrier_code_list_provider=provider,
                transport_document_reference=verdict.reference,
                status=incoming.status,
                checksum=incoming.checksum,
                document_id=document.id,
                history=[entry],
                conflicts=[],
                **changes,
            )
        )
        current_status, current_checksum = incoming.status, incoming.checksum
    else:
        row_id, current_status, current_checksum = row.id, row.status, row.checksum
        if step is Step.ADVANCED:
            current_status, current_checksum = incoming.status, incoming.checksum
            changes.update(
                status=incoming.status,
                checksum=incoming.checksum,
                document_id=document.id,
                history=[*row.history, entry],
            )
        elif step is Step.CONFLICT:
            changes["conflicts"] = [*row.conflicts, entry]
        session.execute(sa.update(_VERSIONS).where(_VERSIONS.c.id == row_id).values(changes))
    if step is not Step.SAME:
        record_event(
            session,
            kind="ebl.version_conflict" if step is Step.CONFLICT else "ebl.version_recorded",
            actor=actor,
            subject=f"ebl:{row_id}",
            payload={
                "carrier": verdict.carrier_code,
                "carrier_code_list_provider": provider,
                "transport_document_reference": verdict.reference,
                "current_status": current_status,
                "current_checksum": current_checksum,
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
