"""RFC 3161 time-stamp authority sink: request, and strictly verify, a token over a checkpoint."""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import datetime
from typing import Any, ClassVar, Literal

import httpx
from asn1crypto import cms, core, tsp
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID

from app.ledger.sinks.base import (
    AnchorError,
    AnchorReceipt,
    AnchorSink,
    AnchorVerificationError,
    TrustAnchors,
    check_receipt_matches,
    checkpoint_digest,
)

QUERY_TYPE = "application/timestamp-query"
REPLY_TYPE = "application/timestamp-reply"
MAX_CHAIN_DEPTH = 8
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1,
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}


class Rfc3161Receipt(AnchorReceipt):
    """A time-stamp token (DER, base64) and the facts read from it."""

    kind: Literal["rfc3161"] = "rfc3161"
    tsa_url: str
    token: str
    gen_time: datetime
    serial_number: str
    policy: str
    nonce: str | None = None


def _fail(message: str, reason: str = "anchor_unverified") -> AnchorVerificationError:
    return AnchorVerificationError(f"time-stamp token: {message}", reason)


def _hash_algorithm(name: str) -> hashes.HashAlgorithm:
    try:
        return _HASHES[name]()
    except KeyError:
        raise _fail(f"unsupported digest algorithm {name}") from None


def _to_x509(certificate: Any) -> x509.Certificate:
    return x509.load_der_x509_certificate(certificate.dump())


def _signer_certificate(signed_data: Any, signer_info: Any) -> x509.Certificate:
    sid = signer_info["sid"]
    for choice in signed_data["certificates"] or []:
        if choice.name != "certificate":
            continue
        candidate = choice.chosen
        if sid.name == "issuer_and_serial_number":
            wanted = sid.chosen
            if (
                candidate.issuer == wanted["issuer"]
                and candidate.serial_number == wanted["serial_number"].native
            ):
                return _to_x509(candidate)
        elif candidate.key_identifier == sid.chosen.native:
            return _to_x509(candidate)
    raise _fail("the signer's certificate is not in the token", "anchor_bad_certificate")


def _attribute(signed_attrs: Any, name: str) -> Any:
    values = [a["values"] for a in signed_attrs if a["type"].native == name]
    if len(values) != 1 or len(values[0]) != 1:
        raise _fail(f"signed attribute {name} must appear exactly once")
    return values[0][0]


def _check_signed_attributes(
    signer_info: Any, content: bytes, certificate: x509.Certificate
) -> bytes:
    signed_attrs = signer_info["signed_attrs"]
    if not signed_attrs:
        raise _fail("signed attributes are missing")
    if _attribute(signed_attrs, "content_type").native != "tst_info":
        raise _fail("signed content type is not TSTInfo")
    digest_name = signer_info["digest_algorithm"]["algorithm"].native
    digest = hashes.Hash(_hash_algorithm(digest_name))
    digest.update(content)
    if _attribute(signed_attrs, "message_digest").native != digest.finalize():
        raise _fail("message digest does not match the TSTInfo", "anchor_tampered")
    _check_signing_certificate(signed_attrs, certificate)
    # The signature covers the DER SET OF, not the [0] IMPLICIT form carried in SignerInfo.
    encoded = bytearray(signed_attrs.dump())
    encoded[0] = 0x31
    return bytes(encoded)


def _check_signing_certificate(signed_attrs: Any, certificate: x509.Certificate) -> None:
    """RFC 3161 §2.4.1 / RFC 5816: the ESS signing-certificate attribute binds the TSA cert."""
    der = certificate.public_bytes(Encoding.DER)
    names = {a["type"].native for a in signed_attrs}
    if "signing_certificate_v2" in names:
        first = _attribute(signed_attrs, "signing_certificate_v2")["certs"][0]
        algorithm = first["hash_algorithm"]["algorithm"].native
        expected = hashlib.new(algorithm, der).digest()
    elif "signing_certificate" in names:
        first = _attribute(signed_attrs, "signing_certificate")["certs"][0]
        expected = hashlib.sha1(der, usedforsecurity=False).digest()
    else:
        raise _fail("the signing-certificate attribute is missing", "anchor_bad_certificate")
    if first["cert_hash"].native != expected:
        raise _fail(
            "the signing-certificate attribute names another certificate", "anchor_bad_certificate"
        )


def _verify_signature(certificate: x509.Certificate, signer_info: Any, signed: bytes) -> None:
    public_key = certificate.public_key()
    signature = signer_info["signature"].native
    algorithm = signer_info["signature_algorithm"]
    digest = _hash_algorithm(signer_info["digest_algorithm"]["algorithm"].native)
    try:
        if isinstance(public_key, rsa.RSAPublicKey):
            if algorithm.signature_algo == "rsassa_pss":
                params = algorithm["parameters"]
                pss = padding.PSS(
                    mgf=padding.MGF1(
                        _hash_algorithm(
                            params["mask_gen_algorithm"]["parameters"]["algorithm"].native
                        )
                    ),
                    salt_length=params["salt_length"].native,
                )
                public_key.verify(signature, signed, pss, digest)
            else:
                public_key.verify(signature, signed, padding.PKCS1v15(), digest)
        elif isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(signature, signed, ec.ECDSA(digest))
        elif isinstance(public_key, ed25519.Ed25519PublicKey):
            public_key.verify(signature, signed)
        else:
            raise _fail("unsupported TSA key type")
    except InvalidSignature:
        raise _fail("the TSA signature does not verify", "anchor_tampered") from None


def _check_time_stamping_eku(certificate: x509.Certificate) -> None:
    """RFC 3161 §2.3: a TSA certificate has ONE extended key usage, timeStamping, critical."""
    try:
        extension = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    except x509.ExtensionNotFound:
        raise _fail(
            "TSA certificate lacks the timeStamping key usage", "anchor_bad_certificate"
        ) from None
    if not extension.critical or list(extension.value) != [ExtendedKeyUsageOID.TIME_STAMPING]:
        raise _fail(
            "TSA certificate must carry only a critical timeStamping key usage",
            "anchor_bad_certificate",
        )


def _valid_at(certificate: x509.Certificate, moment: datetime) -> bool:
    return certificate.not_valid_before_utc <= moment <= certificate.not_valid_after_utc


def _is_ca(certificate: x509.Certificate) -> bool:
    try:
        constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints)
    except x509.ExtensionNotFound:
        return False
    return constraints.value.ca


def _check_chain(
    leaf: x509.Certificate,
    intermediates: list[x509.Certificate],
    anchors: list[x509.Certificate],
    moment: datetime,
) -> None:
    """Walk issuer links from the TSA certificate up to a trusted root, valid at ``moment``."""
    if not anchors:
        raise _fail("no trusted TSA root certificates configured", "anchor_untrusted")
    current = leaf
    for _ in range(MAX_CHAIN_DEPTH):
        if not _valid_at(current, moment):
            raise _fail("a certificate in the chain was not valid at the time", "anchor_untrusted")
        if current in anchors:
            return
        for issuer in [*anchors, *intermediates]:
            if issuer.subject != current.issuer or issuer == current or not _is_ca(issuer):
                continue
            try:
                current.verify_directly_issued_by(issuer)
            except (ValueError, TypeError, InvalidSignature):
                continue
            if issuer in anchors:
                if not _valid_at(issuer, moment):
                    raise _fail("the trusted root was not valid at the time", "anchor_untrusted")
                return
            current = issuer
            break
        else:
            raise _fail("the TSA certificate does not chain to a trusted root", "anchor_untrusted")
    raise _fail("certificate chain is too long", "anchor_untrusted")


def verify_token(
    token: bytes, digest: bytes, trust: TrustAnchors | None, nonce: int | None = None
) -> Any:
    """Check a TimeStampToken against a SHA-256 digest; return its TSTInfo.

    Checks the imprint, the nonce (when given), the signature over the signed attributes with
    the TSA certificate, its critical timeStamping usage and, when ``trust`` is given, the chain.
    """
    try:
        content_info = cms.ContentInfo.load(token, strict=True)
        if content_info["content_type"].native != "signed_data":
            raise _fail("token is not CMS SignedData")
        signed_data = content_info["content"]
        encapsulated = signed_data["encap_content_info"]
        if encapsulated["content_type"].native != "tst_info":
            raise _fail("token does not carry a TSTInfo")
        content = encapsulated["content"].contents
        tst_info = tsp.TSTInfo.load(content, strict=True)
        signer_infos = signed_data["signer_infos"]
        if len(signer_infos) != 1:
            raise _fail("token must have exactly one signer")
        signer_info = signer_infos[0]
        certificate = _signer_certificate(signed_data, signer_info)
        signed = _check_signed_attributes(signer_info, content, certificate)
        _verify_signature(certificate, signer_info, signed)
        imprint = tst_info["message_imprint"]
        algorithm = imprint["hash_algorithm"]["algorithm"].native
        hashed = imprint["hashed_message"].native
        gen_time = tst_info["gen_time"].native
        token_nonce = tst_info["nonce"].native
        intermediates = [
            _to_x509(c.chosen) for c in signed_data["certificates"] or [] if c.name == "certificate"
        ]
    except (ValueError, TypeError, KeyError) as exc:
        raise _fail(f"malformed token: {exc}", "anchor_malformed") from exc
    if algorithm != "sha256" or hashed != digest:
        raise _fail(
            "the token's imprint is not this checkpoint's SHA-256", "anchor_imprint_mismatch"
        )
    if nonce is not None and token_nonce != nonce:
        raise _fail("the token's nonce is not the one requested", "anchor_nonce_mismatch")
    _check_time_stamping_eku(certificate)
    if not _valid_at(certificate, gen_time):
        raise _fail("TSA certificate was not valid at the time stamped", "anchor_bad_certificate")
    if trust is not None:
        _check_chain(certificate, intermediates, trust.certificates, gen_time)
    return tst_info


def build_request(digest: bytes, nonce: int, policy: str | None = None) -> bytes:
    """DER TimeStampReq for a SHA-256 digest, asking for the TSA certificate in the reply."""
    request = tsp.TimeStampReq(
        {
            "version": "v1",
            "message_imprint": {
                "hash_algorithm": {"algorithm": "sha256"},
                "hashed_message": digest,
            },
            "nonce": nonce,
            "cert_req": True,
        }
    )
    if policy:
        request["req_policy"] = policy
    return bytes(request.dump())


def parse_reply(reply: bytes) -> bytes:
    """Check a TimeStampResp's status and return the DER TimeStampToken it carries."""
    try:
        response = tsp.TimeStampResp.load(reply, strict=True)
        status = response["status"]["status"].native
        if status not in ("granted", "granted_with_mods"):
            text = response["status"]["status_string"].native
            raise AnchorError(f"TSA refused the request: {status} {text or ''}".strip())
        token = response["time_stamp_token"]
        if not isinstance(token, cms.ContentInfo) or isinstance(token, core.Void):
            raise AnchorError("TSA reply carries no token")
        return bytes(token.dump())
    except (ValueError, TypeError, KeyError) as exc:
        raise AnchorError(f"malformed TSA reply: {exc}") from exc


class Rfc3161Sink(AnchorSink):
    """Notarises checkpoints with an RFC 3161 TSA over HTTP(S)."""

    kind: ClassVar[str] = "rfc3161"
    receipt_type: ClassVar[type[AnchorReceipt]] = Rfc3161Receipt

    def __init__(
        self,
        url: str,
        *,
        trust: TrustAnchors | None = None,
        policy: str | None = None,
        timeout: float = 10.0,
        client: httpx.Client | None = None,
    ) -> None:
        self.url = url
        self.trust = trust
        self.policy = policy
        self.timeout = timeout
        self.client = client

    @classmethod
    def from_url(cls, url: str, **options: Any) -> Rfc3161Sink:
        """``rfc3161+https://tsa.example/path`` posts to ``https://tsa.example/path``."""
        scheme, sep, rest = url.partition("+")
        if not sep or scheme.lower() != "rfc3161":
            raise ValueError(f"not an rfc3161+ URL: {url}")
        return cls(rest, **options)

    def _post(self, request: bytes) -> bytes:
        headers = {"Content-Type": QUERY_TYPE, "Accept": REPLY_TYPE}
        try:
            if self.client is not None:
                response = self.client.post(self.url, content=request, headers=headers)
            else:
                response = httpx.post(
                    self.url, content=request, headers=headers, timeout=self.timeout
                )
        except httpx.HTTPError as exc:
            raise AnchorError(f"TSA {self.url} unreachable: {exc}") from exc
        if response.status_code != 200:
            raise AnchorError(f"TSA {self.url} answered HTTP {response.status_code}")
        return response.content

    def anchor(self, checkpoint: bytes) -> AnchorReceipt:
        """Time-stamp the checkpoint and verify the reply before trusting it."""
        digest = checkpoint_digest(checkpoint)
        nonce = secrets.randbits(63) | 1
        token = parse_reply(self._post(build_request(digest, nonce, self.policy)))
        try:
            tst_info = verify_token(token, digest, self.trust, nonce)
        except AnchorVerificationError as exc:
            raise AnchorError(f"TSA reply rejected: {exc}") from exc
        return Rfc3161Receipt(
            checkpoint_sha256=digest.hex(),
            tsa_url=self.url,
            token=base64.b64encode(token).decode("ascii"),
            gen_time=tst_info["gen_time"].native,
            serial_number=str(tst_info["serial_number"].native),
            policy=tst_info["policy"].dotted,
            nonce=str(nonce),
        )

    @staticmethod
    def verify_receipt(checkpoint: bytes, receipt: AnchorReceipt, trust: TrustAnchors) -> datetime:
        """Verify the token offline against the trusted TSA roots; return its genTime."""
        if not isinstance(receipt, Rfc3161Receipt):
            raise _fail("not an RFC 3161 receipt", "anchor_malformed")
        digest = check_receipt_matches(checkpoint, receipt)
        try:
            token = base64.b64decode(receipt.token, validate=True)
        except ValueError as exc:
            raise _fail("token is not base64", "anchor_malformed") from exc
        nonce = int(receipt.nonce) if receipt.nonce is not None else None
        tst_info = verify_token(token, digest, trust, nonce)
        gen_time: datetime = tst_info["gen_time"].native
        if gen_time != receipt.gen_time:
            raise _fail("receipt time differs from the token's", "anchor_tampered")
        return gen_time
