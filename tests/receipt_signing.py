"""What a bank does to file a deletion receipt: build the claims and sign them with its key."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey

from app.domain.deletion_receipt import (
    RECEIPT_TYP,
    DeletedDocument,
    DeletionMethod,
    ReceiptClaims,
)


def receipt_claims(
    *,
    consumer_id: uuid.UUID | str,
    audience: str,
    consent_id: uuid.UUID | str,
    nonce: str,
    documents: Iterable[tuple[uuid.UUID | str, str]],
    deleted_at: datetime,
    issued_at: datetime,
    method: DeletionMethod = DeletionMethod.PURGE,
) -> ReceiptClaims:
    return ReceiptClaims(
        issuer=str(consumer_id),
        audiences=(audience,),
        issued_at=issued_at,
        receipt_id=uuid.uuid4().hex,
        nonce=nonce,
        consent_id=uuid.UUID(str(consent_id)),
        documents=tuple(DeletedDocument(uuid.UUID(str(i)), h) for i, h in documents),
        deleted_at=deleted_at,
        method=method,
    )


def sign_receipt(
    claims: ReceiptClaims | dict[str, Any],
    key: ECKey | RSAKey,
    algorithm: str = "ES256",
    **header: Any,
) -> str:
    body = claims.as_claims() if isinstance(claims, ReceiptClaims) else claims
    protected = {"alg": algorithm, "typ": RECEIPT_TYP, **header}
    if key.kid and "kid" not in header:
        protected["kid"] = key.kid
    return jwt.encode(protected, body, key, algorithms=[algorithm])
