"""A carrier and a sending eBL platform for tests: their own keys, manifests and envelopes."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import rfc8785
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from joserfc import jws
from joserfc.jwk import ECKey, OctKey, RSAKey

from app.services.trust import store

Key = RSAKey | ECKey


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def jcs_sha(value: Any) -> str:
    return sha(rfc8785.dumps(value))


@dataclass
class Signatory:
    """Someone who signs with a private key of their own: a carrier or a platform."""

    kid: str
    alg: str = "ES256"
    key: Key = field(init=False)

    def __post_init__(self) -> None:
        params = {"kid": self.kid}
        self.key = (
            ECKey.generate_key("P-256", parameters=params)
            if self.alg == "ES256"
            else RSAKey.generate_key(2048, parameters=params)
        )

    def public_jwk(self) -> dict[str, Any]:
        return self.key.as_dict(private=False)

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.public_jwk()]}

    def sign(self, payload: Any, **header: Any) -> str:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        protected = {"alg": self.alg, "kid": self.kid, **header}
        return jws.serialize_compact(protected, body, self.key, algorithms=[protected["alg"]])


def resign(signer: Signatory, token: str) -> str:
    """The same payload signed again (a new signature: another checksum, the same entry)."""
    payload = jws.extract_compact(token.encode()).payload
    return signer.sign(payload)


def hs256_forgery(payload: Any, secret: bytes, kid: str) -> str:
    """A JWS "signed" with HS256, the key confusion attack on a public key used as a secret."""
    key = OctKey.import_key(secret)
    return jws.serialize_compact(
        {"alg": "HS256", "kid": kid}, json.dumps(payload).encode(), key, algorithms=["HS256"]
    )


def party(name: str, platform: str, code: str, provider: str = "WAVE") -> dict[str, Any]:
    return {
        "partyName": name,
        "eblPlatform": platform,
        "identifyingCodes": [{"codeListProvider": provider, "partyCode": code}],
    }


def issuance_manifest(carrier: Signatory, document: dict[str, Any], issue_to: Any) -> str:
    return carrier.sign(
        {"documentChecksum": jcs_sha(document), "issueToChecksum": jcs_sha(issue_to)}
    )


@dataclass
class Envelope:
    """An envelope as a sending platform posts it, and what it knows about it."""

    body: dict[str, Any]
    chain: list[str]
    documents: dict[str, bytes]

    @property
    def last_checksum(self) -> str:
        return sha(self.chain[-1].encode())

    def raw(self) -> bytes:
        return json.dumps(self.body).encode()


def entry(
    platform: Signatory,
    platform_code: str,
    document: dict[str, Any],
    transactions: list[dict[str, Any]],
    *,
    previous: str | None = None,
    issuance_manifest: str | None = None,
) -> str:
    payload: dict[str, Any] = {
        "eblPlatform": platform_code,
        "transportDocumentChecksum": jcs_sha(document),
        "transactions": transactions,
    }
    if previous is not None:
        payload["previousEnvelopeTransferChainEntrySignedContentChecksum"] = sha(previous.encode())
    if issuance_manifest is not None:
        payload["issuanceManifestSignedContent"] = issuance_manifest
    return platform.sign(payload)


def transaction(code: str, actor: dict[str, Any], recipient: dict[str, Any] | None) -> dict:
    tx: dict[str, Any] = {
        "actionCode": code,
        "actor": actor,
        "actionDateTime": "2026-12-07T10:00:00.000Z",
    }
    if recipient is not None:
        tx["recipient"] = recipient
    return tx


def envelope(
    platform: Signatory,
    document: dict[str, Any],
    chain: list[str],
    documents: dict[str, bytes] | None = None,
    *,
    manifest: dict[str, Any] | None = None,
) -> Envelope:
    """Sign the manifest over ``chain`` and list each supporting document by checksum."""
    documents = documents or {}
    signed = manifest or {
        "transportDocumentChecksum": jcs_sha(document),
        "lastEnvelopeTransferChainEntrySignedContentChecksum": sha(chain[-1].encode()),
        "supportingDocuments": [
            {
                "name": name,
                "size": len(content),
                "mediaType": "application/pdf",
                "documentChecksum": sha(content),
            }
            for name, content in documents.items()
        ],
    }
    body = {
        "transportDocument": document,
        "envelopeManifestSignedContent": platform.sign(signed),
        "envelopeTransferChain": chain,
    }
    return Envelope(body, chain, documents)


def b64(content: bytes) -> bytes:
    """An additional document as PINT puts it on the wire: a JSON string of base64."""
    return json.dumps(base64.b64encode(content).decode()).encode()


def trust(
    container: Any,
    signer: Signatory,
    kind: str = "carrier",
    code: str = "MSC",
    provider: str = "SMDG",
) -> Any:
    """Register ``signer``'s public key in a hub's trust store, as an operator would."""
    with container.uow() as uow:
        key = store.add_key(
            uow.session,
            kind=kind,
            code=code,
            code_list_provider=provider if kind == "carrier" else None,
            material=signer.public_jwk(),
            actor="test",
        )
        uow.commit()
    return key


def self_signed_certificate(start: datetime, days: int = 3650) -> bytes:
    """A P-256 X.509 certificate in PEM, valid from ``start`` for ``days``."""
    private = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "eBL signing")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=days))
        .sign(private, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM)
