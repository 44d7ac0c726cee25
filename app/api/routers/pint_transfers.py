"""Sending an eBL held here to another PINT platform, and following the transfer."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from app.api.deps import ContainerDep, CurrentPrincipal, UowDep
from app.api.schemas.pint import TransferCreate, TransferRead
from app.services.pint import sending

router = APIRouter(prefix="/v1/pint/transfers", tags=["pint"])


@router.post("", response_model=TransferRead, status_code=status.HTTP_202_ACCEPTED)
def send(
    body: TransferCreate, principal: CurrentPrincipal, container: ContainerDep, uow: UowDep
) -> TransferRead:
    transfer = sending.begin_transfer(
        uow.session,
        principal,
        settings=container.settings,
        keys=container.keys,
        document_id=body.document_id,
        instance_id=body.instance_id,
        action_code=body.action_code,
        recipient=body.recipient,
    )
    uow.commit()
    return TransferRead.of(transfer)


@router.get("/{transfer_id}", response_model=TransferRead)
def read(transfer_id: uuid.UUID, principal: CurrentPrincipal, uow: UowDep) -> TransferRead:
    return TransferRead.of(sending.get_transfer(uow.session, principal, transfer_id))
