"""Deletion receipts: nonces, filing, reading, and the list of receipts overdue."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from app.api.deps import ContainerDep, UowDep, require_any_scope
from app.api.schemas.notices import (
    DeletionReceiptRead,
    NonceRead,
    ObligationList,
    ObligationRead,
    ReceiptIn,
)
from app.errors import BadRequest, UnsupportedMediaType
from app.ledger.bundle import ProofBundle
from app.security.principal import Principal
from app.services.notices import obligations, receipts

router = APIRouter(prefix="/v1", tags=["deletion receipts"])

JOSE = "application/jose"
Reader = Annotated[Principal, Depends(require_any_scope("consents:read", "admin"))]
Filer = Annotated[Principal, Depends(require_any_scope("consents:write"))]


@router.post(
    "/consents/{consent_id}/deletion-receipts/nonce",
    response_model=NonceRead,
    status_code=status.HTTP_201_CREATED,
)
def issue_nonce(
    consent_id: uuid.UUID, principal: Filer, uow: UowDep, container: ContainerDep
) -> NonceRead:
    """A single-use nonce to sign into the receipt owed for this consent."""
    settings = container.settings
    nonce = receipts.issue_nonce(
        uow.session,
        principal,
        consent_id,
        ttl=timedelta(seconds=settings.receipt_nonce_ttl_seconds),
        now=container.clock(),
    )
    uow.commit()
    return NonceRead.of(nonce, settings.issuer)


async def _receipt_token(request: Request) -> str:
    """The compact JWS, sent as `application/jose` or as JSON `{"jws": ...}`."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await request.body()
    if media_type == JOSE:
        try:
            return body.decode("ascii").strip()
        except UnicodeDecodeError as exc:
            raise BadRequest("a compact JWS is ASCII", slug="receipt-not-ascii") from exc
    if media_type == "application/json":
        try:
            return ReceiptIn.model_validate_json(body).jws
        except ValidationError as exc:
            raise RequestValidationError(exc.errors(include_url=False)) from exc
    raise UnsupportedMediaType(
        f"send the receipt as {JOSE} or application/json", slug="unsupported-media-type"
    )


@router.post(
    "/consents/{consent_id}/deletion-receipts",
    response_model=DeletionReceiptRead,
    status_code=status.HTTP_201_CREATED,
    openapi_extra={
        "requestBody": {
            "content": {
                JOSE: {"schema": {"type": "string"}},
                "application/json": {"schema": ReceiptIn.model_json_schema()},
            }
        }
    },
)
def file_receipt(
    consent_id: uuid.UUID,
    principal: Filer,
    uow: UowDep,
    container: ContainerDep,
    token: Annotated[str, Depends(_receipt_token)],
) -> DeletionReceiptRead:
    """File a signed receipt; it is verified, recorded as an event and anchored."""
    receipt = receipts.file_receipt(
        uow.session,
        principal,
        consent_id,
        token,
        audience=container.settings.issuer,
        now=container.clock(),
    )
    uow.commit()
    return DeletionReceiptRead.of(receipt)


@router.get("/consents/{consent_id}/deletion-receipts", response_model=list[DeletionReceiptRead])
def list_receipts(
    consent_id: uuid.UUID, principal: Reader, uow: UowDep
) -> list[DeletionReceiptRead]:
    """Receipts filed for the consent, for its owner, its consumer and admins."""
    return [
        DeletionReceiptRead.of(r) for r in receipts.receipts_for(uow.session, principal, consent_id)
    ]


@router.get(
    "/consents/{consent_id}/deletion-receipts/{receipt_id}/proof", response_model=ProofBundle
)
def receipt_proof(
    consent_id: uuid.UUID,
    receipt_id: uuid.UUID,
    principal: Reader,
    uow: UowDep,
    container: ContainerDep,
) -> ProofBundle:
    """The receipt's ledger proof bundle: its event (with the JWS), leaf, inclusion, anchors."""
    return receipts.receipt_proof_bundle(
        uow.session,
        principal,
        consent_id,
        receipt_id,
        settings=container.settings,
        keys=container.keys,
    )


@router.get("/deletion-receipts/overdue", response_model=ObligationList)
def overdue(principal: Reader, uow: UowDep, container: ContainerDep) -> ObligationList:
    """Receipts past due and not filed that the caller owes or is owed (all, for an admin)."""
    now = container.clock()
    grace = timedelta(hours=container.settings.deletion_receipt_grace_hours)
    rows = obligations.overdue_obligations(uow.session, principal, now=now)
    return ObligationList(items=[ObligationRead.at(o, now, grace) for o in rows])
