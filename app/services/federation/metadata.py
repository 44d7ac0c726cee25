"""This hub's signed metadata, and opening a peer's against the log key pinned for it."""

from __future__ import annotations

from typing import Any

from app.domain.hub_metadata import MetadataError, metadata_text, parse_metadata_text
from app.domain.note import NoteError, NoteVerifier, open_note, sign_note
from app.errors import Unprocessable
from app.security.keys import KeyStore
from app.security.peer_tokens import peer_audience
from app.services.ledger.log import log_signer
from app.services.witness.witnessing import WITNESS_PREFIX, witness_verifier
from app.settings import Settings

WELL_KNOWN_PATH = "/.well-known/tradegate-hub"


def metadata_fields(settings: Settings, keys: KeyStore) -> dict[str, Any]:
    """What a peer needs to know about this hub; all of it is signed."""
    issuer = settings.issuer.rstrip("/")
    return {
        "name": settings.effective_hub_name,
        "jurisdiction": settings.jurisdiction,
        "issuer": settings.issuer,
        "api_base": f"{issuer}/v1",
        "peer_api_base": peer_audience(issuer),
        "log_origin": settings.effective_ledger_origin,
        "log_key": log_signer(settings, keys).verifier().vkey,
        "jwks": keys.public_jwks(),
        "jwks_uri": f"{issuer}/.well-known/jwks.json",
        "checkpoint": f"{issuer}/v1/ledger/checkpoint",
        "witness_endpoint": f"{issuer}{WITNESS_PREFIX}",
        # The cosignature/v1 key peers verify this hub's cosignatures with (tlog-cosignature).
        "witness_key": witness_verifier(settings, keys).vkey if keys.has_witness_key else None,
    }


def signed_metadata(settings: Settings, keys: KeyStore) -> dict[str, Any]:
    """The metadata document: the fields, and the same fields as a note signed by the log key.

    Only the signed note is authoritative; the plain fields are for people reading it.
    """
    fields = metadata_fields(settings, keys)
    note = sign_note(metadata_text(fields), [log_signer(settings, keys)])
    return {**fields, "signed_note": note.decode()}


class MetadataRefused(Unprocessable):
    """A peer's metadata does not verify against the pin, or is not hub metadata."""

    slug = "peer-metadata-refused"


def open_metadata(document: Any, pin: str) -> tuple[dict[str, Any], str]:
    """The verified fields of a fetched metadata document, and its signed note.

    The note must be signed by the pinned key, and must itself name that key and the log
    origin the key is named after, so a hub cannot present another hub's key or log as its own.
    """
    try:
        verifier = NoteVerifier.from_vkey(pin)
    except NoteError as exc:
        raise Unprocessable(f"--pin is not a log verifier key: {exc}", slug="bad-pin") from exc
    note = document.get("signed_note") if isinstance(document, dict) else None
    if not isinstance(note, str):
        raise MetadataRefused("the peer's metadata carries no signed_note")
    try:
        opened, _ = open_note(note, [verifier])
        fields = parse_metadata_text(opened.text)
    except MetadataError as exc:
        raise MetadataRefused(f"the peer's metadata is malformed: {exc}") from exc
    except NoteError as exc:
        raise MetadataRefused(
            f"the peer's metadata is not signed by the pinned key {verifier.name}: {exc}"
        ) from exc
    if fields["log_key"] != verifier.vkey or fields["log_origin"] != verifier.name:
        raise MetadataRefused(
            f"the peer's signed metadata names log {fields['log_origin']} with key "
            f"{fields['log_key']}, not the pinned {verifier.vkey}"
        )
    return fields, note
