"""The one helper that limits every tenant query to the caller's own objects."""

from __future__ import annotations

import uuid
from typing import Any, Protocol, TypeVar

import sqlalchemy as sa

T = TypeVar("T")


class TenantSubject(Protocol):
    @property
    def participant_id(self) -> uuid.UUID: ...

    @property
    def is_admin(self) -> bool: ...


def readable(model: type[T], subject: TenantSubject, *columns: str) -> sa.Select[T]:
    """`select(model)` restricted to rows where one tenant column is the caller.

    Models name their tenant columns in `__tenant_columns__`; `columns` narrows them (e.g.
    only `provider_id` for the provider's own view). Admins see every row.
    """
    stmt = sa.select(model)
    if subject.is_admin:
        return stmt
    names = columns or getattr(model, "__tenant_columns__", ())
    if not names:
        raise TypeError(f"{model.__name__} declares no tenant columns")
    conditions: list[Any] = [getattr(model, name) == subject.participant_id for name in names]
    return stmt.where(sa.or_(*conditions))


def own(model: type[T], subject: TenantSubject, column: str) -> sa.Select[T]:
    """`select(model)` of rows where `column` is the caller itself, admin or not.

    For acts only that party may take (a consumer acknowledging its notice, filing its
    receipt): anyone else, an admin included, is told the row does not exist.
    """
    return sa.select(model).where(getattr(model, column) == subject.participant_id)
