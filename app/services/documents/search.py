"""Find stored documents by type, owner, provider, reference and date, within the tenant."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.security.principal import Principal
from app.storage.base import utcnow
from app.storage.models import Document
from app.storage.scoping import readable


@dataclass(frozen=True)
class DocumentQuery:
    """Search terms; `reference` matches part of a transport document or invoice number."""

    doc_type: str | None = None
    owner_id: uuid.UUID | None = None
    provider_id: uuid.UUID | None = None
    reference: str | None = None
    received_from: date | None = None
    received_to: date | None = None


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=utcnow().tzinfo)


def search_documents(
    session: Session,
    principal: Principal,
    query: DocumentQuery,
    *,
    offset: int = 0,
    limit: int = 25,
) -> list[Document]:
    """Newest first; the content column stays unloaded."""
    stmt = readable(Document, principal)
    if query.doc_type:
        stmt = stmt.where(Document.doc_type == query.doc_type)
    if query.owner_id:
        stmt = stmt.where(Document.owner_id == query.owner_id)
    if query.provider_id:
        stmt = stmt.where(Document.provider_id == query.provider_id)
    if query.reference:
        stmt = stmt.where(
            sa.func.lower(Document.reference).contains(query.reference.lower(), autoescape=True)
        )
    if query.received_from:
        stmt = stmt.where(Document.received_at >= _midnight(query.received_from))
    if query.received_to:
        stmt = stmt.where(Document.received_at < _midnight(query.received_to + timedelta(days=1)))
    stmt = stmt.order_by(Document.received_at.desc(), Document.id.desc())
    return list(session.execute(stmt.offset(offset).limit(limit)).scalars())


def document_types(session: Session, principal: Principal) -> list[str]:
    """The document types the caller has, for the search form's choices."""
    scoped = readable(Document, principal).subquery()
    return list(
        session.execute(
            sa.select(scoped.c.doc_type).distinct().order_by(scoped.c.doc_type)
        ).scalars()
    )


def find_by_digest(session: Session, principal: Principal, digest: str) -> Document | None:
    """The caller's stored document whose bytes or canonical form hash to `digest`."""
    return session.execute(
        readable(Document, principal)
        .where(sa.or_(Document.sha256 == digest, Document.canonical_sha256 == digest))
        .order_by(Document.received_at)
        .limit(1)
    ).scalar_one_or_none()
