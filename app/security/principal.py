"""Who is calling: the authenticated subject every service call is scoped to."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Principal:
    """An API client or dashboard user acting for one participant (`kind` says which)."""

    participant_id: uuid.UUID
    client_id: str
    scopes: frozenset[str] = field(default_factory=frozenset)
    roles: frozenset[str] = field(default_factory=frozenset)
    kind: str = "client"

    @classmethod
    def of_token(cls, claims: dict[str, Any]) -> Principal:
        """The API client a verified access token names; ValueError if its participant id is
        not a UUID."""
        return cls(
            participant_id=uuid.UUID(claims["participant_id"]),
            client_id=claims["sub"],
            scopes=frozenset(claims.get("scope", "").split()),
            roles=frozenset(r for r in claims.get("roles", []) if isinstance(r, str)),
        )

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles

    @property
    def actor(self) -> str:
        """How events name this caller: `client:<client_id>` or `user:<email>`."""
        return f"{self.kind}:{self.client_id}"


SYSTEM = Principal(participant_id=uuid.UUID(int=0), client_id="system", roles=frozenset({"admin"}))
"""The operator acting through the CLI or a periodic job: sees every tenant."""
