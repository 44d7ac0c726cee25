"""Request and response models for the trust store (admin)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.api.schemas.read_model import ReadModel


class TrustedKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    party_kind: Literal["carrier", "platform"]
    party_code: str = Field(min_length=1, max_length=100, description="Carrier or platform code")
    code_list_provider: str | None = Field(default=None, description="Carriers only: SMDG or NMFTA")
    jwk: dict[str, Any] | None = Field(default=None, description="A public JWK")
    pem: str | None = Field(default=None, description="An X.509 certificate or public key (PEM)")
    kid: str | None = Field(default=None, max_length=200)
    alg: Literal["RS256", "PS256", "ES256"] | None = None
    not_before: datetime | None = None
    not_after: datetime | None = None

    @model_validator(mode="after")
    def _one_material(self) -> TrustedKeyCreate:
        if (self.jwk is None) == (self.pem is None):
            raise ValueError("give exactly one of jwk and pem")
        return self


class JwksImport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    party_kind: Literal["carrier", "platform"]
    party_code: str = Field(min_length=1, max_length=100)
    code_list_provider: str | None = None
    jwks: dict[str, Any]


class TrustedKeyRevoke(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=500)


class TrustedKeyRead(ReadModel):
    id: uuid.UUID
    party_kind: str
    party_code: str
    code_list_provider: str
    kid: str
    kty: str
    alg: str | None
    thumbprint: str
    source: str
    jwk: dict[str, Any]
    not_before: datetime | None
    not_after: datetime | None
    created_at: datetime
    revoked_at: datetime | None
    revoked_reason: str | None
