"""The hub's identity, fixed when its database is created: every process reads it from here."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.storage.base import Base, utcnow

#: The table holds one row, with this id.
HUB_ROW_ID = 1


class HubIdentity(Base):
    """Token issuer, log origin, log verifier key, name and jurisdiction of the hub.

    Tokens name the issuer and checkpoints name the origin and are signed by the log key, so
    none of them may change under an existing hub: a process configured otherwise refuses to
    start instead of signing under another name.
    """

    __tablename__ = "hub_identity"
    __table_args__ = (sa.CheckConstraint(f"id = {HUB_ROW_ID}", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False, default=HUB_ROW_ID)
    issuer: Mapped[str] = mapped_column(sa.String(500))
    ledger_origin: Mapped[str] = mapped_column(sa.String(500))
    log_key: Mapped[str] = mapped_column(sa.String(500))
    #: Name and jurisdiction peers know the hub by (in its signed metadata); a hub created
    #: before federation gets them from the first process that opens it.
    name: Mapped[str | None] = mapped_column(sa.String(100))
    jurisdiction: Mapped[str | None] = mapped_column(sa.String(2))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
