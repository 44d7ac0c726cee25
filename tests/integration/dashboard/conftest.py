"""A signed-in dashboard session over the TestClient, and users to sign in with."""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from app.services.participants.service import add_user
from app.storage.base import utcnow
from app.storage.models import Document, Participant
from tests.support import consent_request_body, reefer_transport_document, save_document

PASSWORD = "a long enough password"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "page has no CSRF field"
    return found.group(1)


@dataclass
class Browser:
    """A TestClient holding one user's cookies, like a browser tab."""

    client: TestClient
    csrf: str = ""

    def login(
        self, email: str, password: str = PASSWORD, *, next: str | None = None
    ) -> httpx.Response:
        """Sign in through the form; `next` is the page the form says to go back to."""
        page = self.client.get("/dashboard/login")
        data = {"email": email, "password": password, "csrf_token": csrf_of(page.text)}
        if next is not None:
            data["next"] = next
        response = self.client.post("/dashboard/login", data=data, follow_redirects=False)
        if response.status_code == 303:
            self.csrf = csrf_of(self.client.get("/dashboard/").text)
        return response

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.get(path, **kwargs)

    def post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> httpx.Response:
        return self.client.post(path, data={"csrf_token": self.csrf, **(data or {})}, **kwargs)


@pytest.fixture
def make_user(container) -> Callable[..., str]:
    def make(participant: Participant, *, admin: bool = False, email: str | None = None) -> str:
        address = email or f"user-{participant.id.hex[:8]}@example.test"
        with container.uow() as uow:
            add_user(uow.session, participant, email=address, password=PASSWORD, is_admin=admin)
            uow.commit()
        return address

    return make


@pytest.fixture
def browser(client) -> Browser:
    return Browser(client)


@pytest.fixture
def admin_browser(browser, make_participant, make_user) -> Browser:
    operator = make_participant("Operator", roles=("admin",))
    response = browser.login(make_user(operator, admin=True))
    assert response.status_code == 303
    return browser


@pytest.fixture
def store_document(container) -> Callable[..., Document]:
    """A stored document row, as intake would leave it (for pages that only read them)."""

    def store(
        owner: Participant,
        provider: Participant,
        *,
        doc_type: str = "dcsa.ebl",
        reference: str = "TDR-1",
        received_at: datetime | None = None,
    ) -> Document:
        content = json.dumps({"transportDocumentReference": reference}).encode()
        return save_document(
            container,
            content,
            owner_id=owner.id,
            provider_id=provider.id,
            reference=reference,
            doc_type=doc_type,
            version="3.0.3",
            media_type="application/json",
            document_date=utcnow().date() - timedelta(days=3),
            received_at=received_at or utcnow(),
        )

    return store


def transport_document(lei: str, reference: str | None = None) -> bytes:
    """DCSA's reefer example, shipped three days ago, with the shipper identified by `lei`."""
    td = reefer_transport_document(
        lei, shippedOnBoardDate=(utcnow().date() - timedelta(days=3)).isoformat()
    )
    if reference:
        td["transportDocumentReference"] = reference
    return json.dumps(td, indent=2).encode()


def new_lei() -> str:
    """A random LEI with valid ISO 17442 check digits (ISO 7064 mod 97-10)."""
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    body = "".join(alphabet[b % 36] for b in os.urandom(18))
    numeric = "".join(str(int(ch, 36)) for ch in body + "00")
    return f"{body}{98 - int(numeric) % 97:02d}"


@pytest.fixture
def push_document(client, auth_headers) -> Callable[..., dict[str, Any]]:
    """Push a transport document through the intake API, as a carrier would."""

    def push(provider: Participant, lei: str, reference: str | None = None) -> dict[str, Any]:
        response = client.post(
            "/v1/documents",
            content=transport_document(lei, reference),
            headers={
                **auth_headers(provider),
                "Idempotency-Key": uuid.uuid4().hex,
                "Content-Type": "application/json",
            },
        )
        assert response.status_code == 201, response.text
        return response.json()

    return push


@pytest.fixture
def pending_consent(client, auth_headers) -> Callable[..., dict[str, Any]]:
    """A consent the bank requested through the API, waiting for the owner."""

    def make(owner: Participant, bank: Participant, **overrides: Any) -> dict[str, Any]:
        response = client.post(
            "/v1/consents",
            json=consent_request_body(owner.id, **overrides),
            headers=auth_headers(bank),
        )
        assert response.status_code == 201, response.text
        return response.json()

    return make
