"""Two hubs served by `tradegate serve` on loopback, each its own database and keys, peered.

Each hub is its own process, as in production: its embedded task loop sends the match
reports its outbox queues. The test keeps a container on each database to set the hub up
and to read what happened; everything between the hubs goes over HTTP.
"""

from __future__ import annotations

import json
import sys
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from app.container import Container
from app.security.peer_tokens import issue_peer_assertion, peer_audience
from app.security.tokens import issue_access_token
from app.services.federation.metadata import metadata_fields
from app.services.federation.peers import add_peer
from app.services.participants.service import create_participant, default_scopes, get_participant
from app.settings import Settings
from app.storage.migrate import upgrade
from app.storage.models import Participant
from tests.integration.financing.conftest import LEI, ebl, registration
from tests.support import (
    ManagedProcess,
    consent_request_body,
    free_port,
    settings_env,
    wait_until,
)

TYPES = ["dcsa.transport-document", "uncefact.cii.invoice"]


@dataclass
class ServedHub:
    """One running hub: where it answers, a container on its database, its participants."""

    name: str
    jurisdiction: str
    base: str
    container: Container
    participants: dict[str, Participant] = field(default_factory=dict)
    headers: dict[str, dict[str, str]] = field(default_factory=dict)

    def add(self, key: str, name: str, roles: tuple[str, ...], ids: tuple[str, ...] = ()) -> None:
        with self.container.uow() as uow:
            made = create_participant(uow.session, name=name, roles=roles, identifiers=ids)
            uow.commit()
        with self.container.uow() as uow:
            participant = get_participant(uow.session, made.id)
        self.participants[key] = participant
        settings = self.container.settings
        issued = issue_access_token(
            self.container.keys,
            issuer=settings.issuer,
            audience=settings.audience,
            ttl=600,
            client_id=f"test-{participant.id}",
            participant_id=str(participant.id),
            scopes=sorted(default_scopes(participant)),
            roles=sorted(participant.role_names),
        )
        self.headers[key] = {"Authorization": f"Bearer {issued.token}"}

    def h(self, key: str, idempotency: str | None = None) -> dict[str, str]:
        headers = dict(self.headers[key])
        if idempotency is not None:
            headers["Idempotency-Key"] = idempotency
        return headers

    def consent(self, bank: str) -> None:
        body = consent_request_body(self.participants["owner"].id, document_types=TYPES)
        requested = httpx.post(f"{self.base}/v1/consents", json=body, headers=self.h(bank))
        assert requested.status_code == 201, requested.text
        url = f"{self.base}/v1/consents/{requested.json()['id']}/approve"
        assert httpx.post(url, headers=self.h("owner")).status_code == 200

    def push_ebl(self, **members: Any) -> str:
        pushed = httpx.post(
            f"{self.base}/v1/documents",
            content=json.dumps(ebl(**members)).encode(),
            headers={
                **self.h("carrier", uuid.uuid4().hex),
                "Content-Type": "application/json",
            },
        )
        assert pushed.status_code == 201, pushed.text
        return str(pushed.json()["id"])

    def register(self, bank: str, document_id: str, **overrides: Any) -> httpx.Response:
        return httpx.post(
            f"{self.base}/v1/financing",
            json=registration(document_id, **overrides),
            headers=self.h(bank, uuid.uuid4().hex),
            timeout=30,
        )

    def check(self, bank: str, document_id: str) -> httpx.Response:
        return httpx.post(
            f"{self.base}/v1/financing/check",
            params={"document_id": document_id},
            headers=self.h(bank),
            timeout=30,
        )

    def events(self, bank: str) -> list[dict[str, Any]]:
        feed = httpx.get(f"{self.base}/v1/events", params={"after": 0}, headers=self.h(bank))
        assert feed.status_code == 200, feed.text
        return list(feed.json()["items"])

    def assertion_for(self, other: ServedHub, path: str) -> dict[str, str]:
        """A valid peer assertion of this hub for one call to ``other`` (tests of refusals)."""
        settings = self.container.settings
        token = issue_peer_assertion(
            self.container.keys.current_signing_key(),
            issuer=settings.issuer,
            subject=settings.effective_hub_name,
            audience=peer_audience(other.container.settings.issuer),
            method="POST",
            path=path,
        )
        return {"Authorization": f"Bearer {token}"}


@contextmanager
def _served(stack: ExitStack, tmp: Path, name: str, jurisdiction: str) -> Iterator[ServedHub]:
    tmp.mkdir()
    port = free_port()
    settings = Settings(
        env="test",
        data_dir=tmp,
        database_url=f"sqlite:///{tmp / 'hub.db'}",
        embedded_scheduler=False,
        log_level="WARNING",
        issuer=f"http://127.0.0.1:{port}",
        hub_name=name,
        jurisdiction=jurisdiction,
        federation_allow_http_loopback=True,
    )
    upgrade(settings.effective_database_url)
    container = Container(settings)
    stack.callback(container.close)
    env = {
        **settings_env(settings),
        "TRADEGATE_HUB_NAME": name,
        "TRADEGATE_JURISDICTION": jurisdiction,
        "TRADEGATE_FEDERATION_ALLOW_HTTP_LOOPBACK": "true",
    }
    server = stack.enter_context(
        ManagedProcess(
            [sys.executable, "-m", "app.cli", "serve", "--port", str(port)], env, tmp / "serve.log"
        )
    )
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    assert wait_until(up, timeout=90), (tmp / "serve.log").read_text()[-2000:]
    assert server.alive
    hub = ServedHub(name, jurisdiction, base, container)
    hub.add("owner", f"Exporter {name}", ("owner",), (f"LEI:{LEI}",))
    hub.add("carrier", f"Carrier {name}", ("provider",))
    hub.add("bank_1", f"First Bank of {name}", ("consumer",))
    hub.add("bank_2", f"Second Bank of {name}", ("consumer",))
    yield hub


def _peer(hub: ServedHub, other: ServedHub) -> None:
    """``hub`` pins ``other`` by its log key, fetching its signed metadata over HTTP."""
    pin = metadata_fields(other.container.settings, other.container.keys)["log_key"]
    with hub.container.uow() as uow:
        add_peer(
            uow.session,
            hub.container.settings,
            hub.container.peer_client,
            url=other.base,
            pin=pin,
            actor="test",
        )
        uow.commit()


@contextmanager
def served_hubs(tmp: Path) -> Iterator[dict[str, ServedHub]]:
    """hub-a (HK) and hub-b (CN) on loopback, each the other's ACTIVE peer."""
    with ExitStack() as stack:
        a = stack.enter_context(_served(stack, tmp / "a", "hub-a", "HK"))
        b = stack.enter_context(_served(stack, tmp / "b", "hub-b", "CN"))
        _peer(a, b)
        _peer(b, a)
        yield {"hub-a": a, "hub-b": b}
