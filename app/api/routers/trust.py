"""The trust store (admin): carrier and eBL platform keys that signatures are checked against."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from app.api.deps import AdminPrincipal, UowDep
from app.api.schemas.trust import JwksImport, TrustedKeyCreate, TrustedKeyRead, TrustedKeyRevoke
from app.services.trust import store as svc

router = APIRouter(prefix="/v1/trust/keys", tags=["trust"])


@router.post("", response_model=TrustedKeyRead, status_code=status.HTTP_201_CREATED)
def add(body: TrustedKeyCreate, principal: AdminPrincipal, uow: UowDep) -> TrustedKeyRead:
    key = svc.add_key(
        uow.session,
        kind=body.party_kind,
        code=body.party_code,
        code_list_provider=body.code_list_provider,
        material=body.jwk if body.jwk is not None else str(body.pem),
        kid=body.kid,
        alg=body.alg,
        not_before=body.not_before,
        not_after=body.not_after,
        actor=principal.actor,
    )
    uow.commit()
    return TrustedKeyRead.of(key)


@router.post("/jwks", response_model=list[TrustedKeyRead], status_code=status.HTTP_201_CREATED)
def import_jwks(body: JwksImport, principal: AdminPrincipal, uow: UowDep) -> list[TrustedKeyRead]:
    keys = svc.import_jwks(
        uow.session,
        kind=body.party_kind,
        code=body.party_code,
        code_list_provider=body.code_list_provider,
        jwks=body.jwks,
        actor=principal.actor,
    )
    uow.commit()
    return [TrustedKeyRead.of(k) for k in keys]


@router.get("", response_model=list[TrustedKeyRead])
def list_(
    principal: AdminPrincipal,
    uow: UowDep,
    party_kind: str | None = None,
    party_code: str | None = None,
) -> list[TrustedKeyRead]:
    keys = svc.list_keys(uow.session, kind=party_kind, code=party_code)
    return [TrustedKeyRead.of(k) for k in keys]


@router.post("/{key_id}/revoke", response_model=TrustedKeyRead)
def revoke(
    key_id: uuid.UUID, body: TrustedKeyRevoke, principal: AdminPrincipal, uow: UowDep
) -> TrustedKeyRead:
    key = svc.revoke_key(uow.session, key_id, reason=body.reason, actor=principal.actor)
    uow.commit()
    return TrustedKeyRead.of(key)
