"""A hub's metadata as the text of a signed note: a versioned first line, then one JSON line.

The note is signed with the hub's Ed25519 log key, so a peer that pinned the log verifier key
out of band can trust every other field (name, jurisdiction, JWKS, endpoints) from it. The
JSON line is RFC 8785 canonical, which holds no control character, as note text requires.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from app.domain.canonical import canonical_json
from app.domain.note import NoteError, check_text

METADATA_FORMAT = "tradegate.hub-metadata/1"
_JURISDICTION = re.compile(r"[A-Z]{2}")
REQUIRED_FIELDS = (
    "name",
    "jurisdiction",
    "issuer",
    "api_base",
    "peer_api_base",
    "log_origin",
    "log_key",
    "jwks",
)


class MetadataError(NoteError):
    """The note text is not well-formed hub metadata."""


def metadata_text(fields: Mapping[str, Any]) -> str:
    """The note text for ``fields`` (which must hold every required field)."""
    missing = [name for name in REQUIRED_FIELDS if name not in fields]
    if missing:
        raise MetadataError(f"metadata lacks {', '.join(missing)}")
    text = f"{METADATA_FORMAT}\n{canonical_json(dict(fields)).decode()}\n"
    check_text(text)
    return text


def parse_metadata_text(text: str) -> dict[str, Any]:
    """The fields of a metadata note text, refusing another format or a malformed body."""
    lines = text.split("\n")
    if len(lines) != 3 or lines[2] != "":
        raise MetadataError("hub metadata is a format line and one JSON line")
    if lines[0] != METADATA_FORMAT:
        raise MetadataError(f"hub metadata format {lines[0][:60]!r} is not {METADATA_FORMAT}")
    try:
        fields = json.loads(lines[1])
    except ValueError as exc:
        raise MetadataError("hub metadata is not JSON") from exc
    if not isinstance(fields, dict):
        raise MetadataError("hub metadata is not a JSON object")
    missing = [name for name in REQUIRED_FIELDS if name not in fields]
    if missing:
        raise MetadataError(f"hub metadata lacks {', '.join(missing)}")
    jurisdiction = fields["jurisdiction"]
    if jurisdiction is not None and not (
        isinstance(jurisdiction, str) and _JURISDICTION.fullmatch(jurisdiction)
    ):
        raise MetadataError("hub metadata jurisdiction must be an ISO 3166-1 alpha-2 code")
    strings = [
        n
        for n in REQUIRED_FIELDS
        if n not in ("jwks", "jurisdiction") and not isinstance(fields[n], str)
    ]
    if strings:
        raise MetadataError(f"hub metadata fields {', '.join(strings)} must be strings")
    if not isinstance(fields["jwks"], dict) or not isinstance(fields["jwks"].get("keys"), list):
        raise MetadataError("hub metadata jwks must be a JWKS object")
    return fields
