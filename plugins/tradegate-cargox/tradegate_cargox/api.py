"""Every CargoX Platform API v3 path, field and header this connector relies on, in one place.

Each item says whether CargoX's public developer documentation shows it ("documented")
or whether this connector chose it where the documentation is silent ("assumed"). When
CargoX confirms or corrects an assumption, this module is the only one to change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

DEFAULT_BASE_URL = "https://cargox.digital"

# documented: the token endpoint, client credentials by HTTP Basic, Bearer tokens with
# `expires_in` (600 s in the examples) and `refresh_token`, scope "read write".
TOKEN_PATH = "/oauth/token/"  # noqa: S105 - a path, not a secret
DEFAULT_SCOPE = "read write"
# assumed: the authorisation and revocation endpoints sit beside the token endpoint, as
# the documented `/oauth/token/` path suggests (authorise: RFC 6749 4.1; revoke: RFC 7009).
AUTHORIZE_PATH = "/oauth/authorize/"
REVOKE_PATH = "/oauth/revoke_token/"

# documented: contacts of the consenting company, each with `their_inbox_id` and
# `their_inbox.ethereum_address` (the inbox's blockchain address).
CONTACTS_PATH = "/api/v3/companies/self/contacts/list/"


def envelopes_path(inbox_id: str) -> str:
    """documented: POST creates a draft (multipart, field `documents` per file); assumed:
    GET lists the inbox's envelopes, filtered by the query parameters below."""
    return f"/api/v3/companies/self/inboxes/by-id/{inbox_id}/envelopes/"


def envelope_path(inbox_id: str, envelope_id: str) -> str:
    """assumed: one envelope of the inbox, with its attachments, sender and state flags."""
    return f"{envelopes_path(inbox_id)}by-id/{envelope_id}/"


def seal_path(inbox_id: str, envelope_id: str) -> str:
    """assumed: seals a draft (the documented `sealed` / `can_be_sealed` flags turn true)."""
    return f"{envelope_path(inbox_id, envelope_id)}seal/"


def send_path(inbox_id: str, envelope_id: str) -> str:
    """assumed: sends a sealed envelope to its `recipient_id` (`sent` gets a timestamp)."""
    return f"{envelope_path(inbox_id, envelope_id)}send/"


def download_path(document_id: str) -> str:
    """assumed: the original bytes of a document the company may read."""
    return f"/api/v3/documents/by-id/{document_id}/download/"


# documented draft fields: `recipient_id` (the recipient's inbox) and `message`.
DRAFT_RECIPIENT_FIELD = "recipient_id"
DRAFT_MESSAGE_FIELD = "message"
DRAFT_DOCUMENTS_FIELD = "documents"

# assumed: list filters. Outgoing envelopes are searched by the reference this connector
# writes into `message`; incoming ones are read oldest first from a delivery time on.
LIST_TYPE = "type"
LIST_SEARCH = "search"
LIST_DELIVERED_FROM = "delivered_from"
LIST_ORDERING = "ordering"
LIST_PAGE_SIZE = "page_size"

# documented: rules fire on `envelope_received`. assumed: a rule action of type
# `call_webhook` POSTs JSON {"event", "envelope_id", "inbox_id"} and signs it with the
# rule's shared secret as below (hex HMAC-SHA256 over "<timestamp>.<body>").
EVENT_ENVELOPE_RECEIVED = "envelope_received"
RULES_PATH_TEMPLATE = "/api/v3/companies/{company_id}/rules/"
WEBHOOK_ACTION = "call_webhook"
SIGNATURE_HEADER = "x-cargox-signature"
TIMESTAMP_HEADER = "x-cargox-timestamp"
SIGNATURE_PREFIX = "sha256="
SIGNATURE_TOLERANCE_SECONDS = 300

# assumed: `hash` on a document is the hex SHA-256 of its bytes that CargoX notarises on
# chain; the connector refuses a download whose bytes do not match it.
DOCUMENT_HASH_ALGORITHM = "sha256"


def authorize_url(
    base_url: str, *, client_id: str, redirect_uri: str, scope: str, state: str
) -> str:
    """The consent page for the company's administrator (RFC 6749 section 4.1.1)."""
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "scope": scope,
            "state": state,
        }
    )
    return f"{base_url.rstrip('/')}{AUTHORIZE_PATH}?{query}"


def reference_marker(key: str) -> str:
    """The text put in an outbound envelope's message so a retry can find the envelope."""
    return f"[tradegate:{key}]"


@dataclass(frozen=True)
class RemoteDocument:
    """One document in an envelope, as far as this connector reads it."""

    id: str
    name: str
    mime_type: str
    hash: str | None


@dataclass(frozen=True)
class Envelope:
    """The envelope fields this connector reads (documented unless marked)."""

    id: str
    is_draft: bool
    sealed: bool
    sent: str | None
    delivered: str | None
    message: str | None
    sender_company: str
    sender_company_id: str
    documents: tuple[RemoteDocument, ...]


def parse_envelope(data: Mapping[str, Any]) -> Envelope:
    """Read an envelope answer; unknown fields are ignored, missing optional ones are None."""
    sender = data.get("sender") or {}
    company = sender.get("company") or {}
    documents = []
    for attachment in data.get("attachments") or []:
        token = attachment.get("document_token") or {}
        document = token.get("document") or {}
        documents.append(
            RemoteDocument(
                id=str(document.get("id") or token.get("document_id")),
                # assumed: `name` and `mime_type` on the document (the examples are cut off)
                name=str(document.get("name") or f"{document.get('id')}.bin"),
                mime_type=str(document.get("mime_type") or "application/octet-stream"),
                hash=document.get("hash"),
            )
        )
    return Envelope(
        id=str(data["id"]),
        is_draft=bool(data.get("is_draft")),
        sealed=bool(data.get("sealed")),
        sent=data.get("sent"),
        delivered=data.get("delivered"),
        message=data.get("message"),
        sender_company=str(company.get("name") or ""),
        sender_company_id=str(company.get("id") or sender.get("company_id") or ""),
        documents=tuple(documents),
    )


def page_items(data: Any) -> tuple[list[Mapping[str, Any]], bool]:
    """Items of a list answer and whether a next page exists.

    assumed: lists are either a bare JSON array (as the documented contacts list is) or
    a paginated object {"results": [...], "next": url-or-null}.
    """
    if isinstance(data, list):
        return data, False
    return list(data.get("results") or []), bool(data.get("next"))
