"""Provider mandates (admin): which owners a provider may name when it pushes documents."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status
from pydantic import BaseModel

from app.api.deps import AdminPrincipal, UowDep
from app.api.schemas.read_model import ReadModel
from app.services.participants import mandates as svc

router = APIRouter(prefix="/v1/participants/{provider_id}/mandates", tags=["mandates"])


class MandateCreate(BaseModel):
    owner_id: uuid.UUID


class MandateRead(ReadModel):
    provider_id: uuid.UUID
    owner_id: uuid.UUID


@router.post("", response_model=MandateRead, status_code=status.HTTP_201_CREATED)
def grant(
    provider_id: uuid.UUID, body: MandateCreate, principal: AdminPrincipal, uow: UowDep
) -> MandateRead:
    mandate = svc.grant_mandate(
        uow.session, provider_id=provider_id, owner_id=body.owner_id, actor=principal.actor
    )
    uow.commit()
    return MandateRead.of(mandate)


@router.get("", response_model=list[MandateRead])
def list_(provider_id: uuid.UUID, principal: AdminPrincipal, uow: UowDep) -> list[MandateRead]:
    return [MandateRead.of(m) for m in svc.list_mandates(uow.session, provider_id)]


@router.delete("/{owner_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke(
    provider_id: uuid.UUID, owner_id: uuid.UUID, principal: AdminPrincipal, uow: UowDep
) -> Response:
    svc.revoke_mandate(
        uow.session, provider_id=provider_id, owner_id=owner_id, actor=principal.actor
    )
    uow.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
