"""A local stand-in for the CargoX Platform API v3, built from its public documentation.

It is not CargoX: it answers the endpoints the cargox connector calls, the way the
connector's `tradegate_cargox.api` module says CargoX does (documented or assumed), keeps
everything in memory, and lets a test expire or revoke tokens and inject 429/5xx answers.
It runs as a real HTTP server on 127.0.0.1 so the hub reaches it through its normal paths.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

INBOX = "96bf8b27-65fb-4c46-9f10-067441916eaa"
RECIPIENT_INBOX = "dd41e532-f1a2-4662-bd4a-bd16c96e8a17"
CLIENT_ID = "tradegate-hub"
CLIENT_SECRET = "stand-in-client-secret"  # noqa: S105 - a test credential


@dataclass
class Fault:
    """Answer the next request whose path contains ``path`` with ``status``."""

    path: str
    status: int
    retry_after: str | None = None


@dataclass
class StandInState:
    """Everything the stand-in knows; tests read and change it directly."""

    access_ttl: float = 600.0
    codes: set[str] = field(default_factory=set)
    access: dict[str, float] = field(default_factory=dict)
    refresh: set[str] = field(default_factory=set)
    envelopes: dict[str, dict[str, Any]] = field(default_factory=dict)
    documents: dict[str, bytes] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    calls: list[tuple[str, str]] = field(default_factory=list)
    token_grants: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def consent(self) -> str:
        """The company's administrator approves the application: a one-time code."""
        code = secrets.token_urlsafe(12)
        self.codes.add(code)
        return code

    def revoke_all(self) -> None:
        """The company withdraws its consent at CargoX."""
        self.access.clear()
        self.refresh.clear()

    def expire_access_tokens(self) -> None:
        for token in self.access:
            self.access[token] = 0.0

    def outgoing(self) -> list[dict[str, Any]]:
        return [e for e in self.envelopes.values() if e["type"] == "outgoing"]

    def receive(self, documents: list[tuple[str, str, bytes]], *, sender: str = "Carrier") -> str:
        """An envelope another company sent to INBOX, with a hash per document."""
        attachments = []
        for name, mime, content in documents:
            document_id = str(uuid.uuid4())
            self.documents[document_id] = content
            attachments.append(_attachment(document_id, name, mime, content))
        envelope = _envelope("incoming", message=None, attachments=attachments)
        envelope.update(
            sealed=True,
            is_draft=False,
            sent=_now(),
            delivered=_now(),
            sender={"company": {"id": str(uuid.uuid4()), "name": sender}},
        )
        self.envelopes[envelope["id"]] = envelope
        return str(envelope["id"])


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def _attachment(document_id: str, name: str, mime: str, content: bytes) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "document_token": {
            "id": str(uuid.uuid4()),
            "document_id": document_id,
            "document": {
                "id": document_id,
                "name": name,
                "mime_type": mime,
                "hash": hashlib.sha256(content).hexdigest(),
            },
        },
    }


def _envelope(kind: str, *, message: str | None, attachments: list[Any]) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "owner_id": INBOX,
        "recipient_id": None,
        "message": message,
        "type": kind,
        "created": _now(),
        "sent": None,
        "delivered": None,
        "sealed": False,
        "is_draft": True,
        "sender": None,
        "attachments": attachments,
    }


def _problem(status: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


def build_app(state: StandInState) -> Starlette:
    """The ASGI app: OAuth endpoints and the inbox, envelope and document endpoints."""

    def client_ok(request: Request) -> bool:
        header = request.headers.get("authorization", "")
        expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        return header == f"Basic {expected}"

    def issue(grant: str) -> JSONResponse:
        access, refresh = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
        state.access[access] = time.time() + state.access_ttl
        state.refresh.add(refresh)
        state.token_grants.append(grant)
        body = {
            "access_token": access,
            "refresh_token": refresh,
            "expires_in": state.access_ttl,
            "token_type": "Bearer",
            "scope": "read write",
        }
        return JSONResponse(body)

    async def token(request: Request) -> Response:
        if not client_ok(request):
            return _problem(401, "invalid client")
        form = await request.form()
        with state.lock:
            if form.get("grant_type") == "authorization_code":
                code = str(form.get("code"))
                if code not in state.codes:
                    return JSONResponse({"error": "invalid_grant"}, status_code=400)
                state.codes.discard(code)
                return issue("authorization_code")
            if form.get("grant_type") == "refresh_token":
                presented = str(form.get("refresh_token"))
                if presented not in state.refresh:
                    return JSONResponse({"error": "invalid_grant"}, status_code=400)
                state.refresh.discard(presented)  # refresh tokens rotate
                return issue("refresh_token")
        return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)

    async def revoke(request: Request) -> Response:
        if not client_ok(request):
            return _problem(401, "invalid client")
        state.revoke_all()
        return Response(status_code=200)

    def guard(request: Request) -> Response | None:
        state.calls.append((request.method, request.url.path))
        for fault in list(state.faults):
            if fault.path in request.url.path:
                state.faults.remove(fault)
                headers = {"retry-after": fault.retry_after} if fault.retry_after else None
                return _problem(fault.status, "injected fault", headers)
        scheme, _, token_value = request.headers.get("authorization", "").partition(" ")
        expires = state.access.get(token_value)
        if scheme != "Bearer" or expires is None or expires < time.time():
            return _problem(401, "invalid or expired token")
        return None

    async def contacts(request: Request) -> Response:
        if (refused := guard(request)) is not None:
            return refused
        return JSONResponse(
            [
                {
                    "my_inbox_id": INBOX,
                    "their_inbox_id": RECIPIENT_INBOX,
                    "their_inbox": {
                        "id": RECIPIENT_INBOX,
                        "ethereum_address": "0x29B4E3715E9926D50eAbDfAE3619d097128926C5",
                    },
                    "status": "accepted",
                }
            ]
        )

    async def envelopes(request: Request) -> Response:
        if (refused := guard(request)) is not None:
            return refused
        if request.path_params["inbox"] != INBOX:
            return _problem(404, "no such inbox")
        if request.method == "POST":
            form = await request.form()
            attachments = []
            for upload in form.getlist("documents"):
                content = await upload.read()  # type: ignore[union-attr]
                document_id = str(uuid.uuid4())
                state.documents[document_id] = content
                name, mime = upload.filename, upload.content_type  # type: ignore[union-attr]
                attachments.append(_attachment(document_id, str(name), str(mime), content))
            envelope = _envelope("outgoing", message=form.get("message"), attachments=attachments)  # type: ignore[arg-type]
            envelope["recipient_id"] = form.get("recipient_id")
            envelope["can_be_sealed"] = bool(attachments)
            state.envelopes[envelope["id"]] = envelope
            return JSONResponse(envelope, status_code=201)
        kind = request.query_params.get("type")
        found = [e for e in state.envelopes.values() if e["type"] == kind]
        if search := request.query_params.get("search"):
            found = [e for e in found if search in (e["message"] or "")]
        if since := request.query_params.get("delivered_from"):
            found = [e for e in found if e["delivered"] and e["delivered"] >= since]
        found.sort(key=lambda e: e["delivered"] or e["created"])
        size = int(request.query_params.get("page_size", "50"))
        return JSONResponse({"count": len(found), "next": None, "results": found[:size]})

    def envelope_of(request: Request) -> dict[str, Any] | None:
        return state.envelopes.get(request.path_params["envelope"])

    async def envelope(request: Request) -> Response:
        if (refused := guard(request)) is not None:
            return refused
        found = envelope_of(request)
        return JSONResponse(found) if found else _problem(404, "no such envelope")

    async def seal(request: Request) -> Response:
        if (refused := guard(request)) is not None:
            return refused
        found = envelope_of(request)
        if found is None:
            return _problem(404, "no such envelope")
        if found["sealed"] or not found["attachments"]:
            return _problem(409, "cannot be sealed")
        found.update(sealed=True, is_draft=False)
        return JSONResponse(found)

    async def send(request: Request) -> Response:
        if (refused := guard(request)) is not None:
            return refused
        found = envelope_of(request)
        if found is None:
            return _problem(404, "no such envelope")
        if not found["sealed"] or found["sent"]:
            return _problem(409, "not sealed, or already sent")
        found.update(sent=_now(), delivered=_now())
        return JSONResponse(found)

    async def download(request: Request) -> Response:
        if (refused := guard(request)) is not None:
            return refused
        content = state.documents.get(request.path_params["document"])
        if content is None:
            return _problem(404, "no such document")
        return Response(content, media_type="application/octet-stream")

    envelopes_base = "/api/v3/companies/self/inboxes/by-id/{inbox}/envelopes/"
    return Starlette(
        routes=[
            Route("/oauth/token/", token, methods=["POST"]),
            Route("/oauth/revoke_token/", revoke, methods=["POST"]),
            Route("/api/v3/companies/self/contacts/list/", contacts),
            Route(envelopes_base, envelopes, methods=["GET", "POST"]),
            Route(envelopes_base + "by-id/{envelope}/", envelope),
            Route(envelopes_base + "by-id/{envelope}/seal/", seal, methods=["POST"]),
            Route(envelopes_base + "by-id/{envelope}/send/", send, methods=["POST"]),
            Route("/api/v3/documents/by-id/{document}/download/", download),
        ]
    )


class StandInServer:
    """Serves the stand-in on 127.0.0.1 at a free port, in a thread, for one test."""

    def __init__(self) -> None:
        self.state = StandInState()
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        config = uvicorn.Config(
            build_app(self.state), log_level="warning", lifespan="off", access_log=False
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    def __enter__(self) -> StandInServer:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started and time.monotonic() < deadline:
            time.sleep(0.01)
        return self

    def __exit__(self, *_: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()


def serve() -> Iterator[StandInServer]:
    with StandInServer() as server:
        yield server
