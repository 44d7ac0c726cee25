"""Two federated hubs on loopback: real `tradegate serve` processes, separate PostgreSQL
databases created for them and dropped after, each registered as the other's peer."""

from __future__ import annotations

import json
import sys
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from app.container import Container
from app.security.tokens import issue_access_token
from app.services.ledger.log import log_verifier
from app.services.participants.mandates import grant_mandate
from app.services.participants.service import create_participant, default_scopes
from app.settings import Settings
from app.storage.migrate import upgrade
from app.storage.models import Document, Event, Participant
from bench.support import private_database
from tests.support import (
    ManagedProcess,
    free_port,
    reefer_transport_document,
    settings_env,
    wait_until,
)


@dataclass
class FederatedHub:
    """One running hub: its name, where it listens, and a container on its database."""

    name: str
    jurisdiction: str
    base: str
    container: Container
    server: ManagedProcess

    @property
    def log_key(self) -> str:
        """The verifier key its peers pin (what `tradegate ledger log-key` prints)."""
        return log_verifier(self.container.settings, self.container.keys).vkey

    def participant(self, name: str, *roles: str) -> Participant:
        with self.container.uow() as uow:
            made = create_participant(
                uow.session, name=f"{name} {uuid.uuid4().hex[:6]}", roles=roles
            )
            uow.commit()
            uow.session.refresh(made, ["roles"])
            uow.session.expunge(made)
        return made

    def headers(self, participant: Participant, scopes: set[str] | None = None) -> dict[str, str]:
        """A bearer token for `participant`, minted with this hub's key like its token endpoint."""
        settings = self.container.settings
        issued = issue_access_token(
            self.container.keys,
            issuer=settings.issuer,
            audience=settings.audience,
            ttl=300,
            client_id=f"test-{participant.id}",
            participant_id=str(participant.id),
            scopes=sorted(scopes if scopes is not None else default_scopes(participant)),
            roles=sorted(participant.role_names),
        )
        return {"Authorization": f"Bearer {issued.token}"}

    def admin(self) -> dict[str, str]:
        return self.headers(self.participant("Operator", "admin"))

    def lender(self) -> dict[str, str]:
        return self.headers(self.participant("Bank", "consumer"))

    def accept_document(self) -> Document:
        """A transport document pushed by a carrier for its owner, once its acceptance is in
        the hub's log (the server's task loop sequences it)."""
        owner = self.participant("Exporter", "owner")
        carrier = self.participant("Carrier", "provider")
        with self.container.uow() as uow:
            grant_mandate(uow.session, provider_id=carrier.id, owner_id=owner.id, actor="test")
            uow.commit()
        document = reefer_transport_document(
            "5493001KJTIIGC8Y1R12", transportDocumentReference=uuid.uuid4().hex[:20].upper()
        )
        answer = httpx.post(
            f"{self.base}/v1/documents",
            content=json.dumps(document).encode(),
            params={"owner": str(owner.id)},
            headers={
                **self.headers(carrier),
                "Idempotency-Key": uuid.uuid4().hex,
                "Content-Type": "application/json",
            },
            timeout=30,
        )
        assert answer.status_code == 201, answer.text
        document_id = uuid.UUID(answer.json()["id"])
        assert wait_until(lambda: self._in_log(document_id), timeout=60), "never sequenced"
        with self.container.uow() as uow:
            stored = uow.session.get(Document, document_id)
            assert stored is not None
            uow.session.expunge(stored)
        return stored

    def _in_log(self, document_id: uuid.UUID) -> bool:
        from app.ledger import store

        with self.container.uow() as uow:
            seq = uow.session.scalar(
                sa.select(Event.seq).where(Event.subject == f"document:{document_id}")
            )
            state = store.peek_state(uow.session)
            return seq is not None and state is not None and state.size >= seq

    def events(self, prefix: str = "federation.hash_match") -> list[Event]:
        with self.container.uow() as uow:
            rows = uow.session.scalars(
                sa.select(Event).where(Event.kind.like(f"{prefix}%")).order_by(Event.time)
            ).all()
            for row in rows:
                uow.session.expunge(row)
            return list(rows)


@contextmanager
def _running(
    tmp: Path, name: str, jurisdiction: str, database_url: str, extra: dict[str, str]
) -> Iterator[FederatedHub]:
    port = free_port()
    settings = Settings(
        env="test",
        data_dir=tmp,
        database_url=database_url,
        embedded_scheduler=False,
        log_level="WARNING",
        issuer=f"http://127.0.0.1:{port}",
        hub_name=name,
        jurisdiction=jurisdiction,
        federation_allow_http_loopback=True,
    )
    upgrade(database_url)
    container = Container(settings)
    env = {
        **settings_env(settings),
        "TRADEGATE_HUB_NAME": name,
        "TRADEGATE_JURISDICTION": jurisdiction,
        "TRADEGATE_FEDERATION_ALLOW_HTTP_LOOPBACK": "true",
        **extra,
    }
    server = ManagedProcess(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port)], env, tmp / "serve.log"
    )
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        with server:
            assert wait_until(up, timeout=120), f"hub {name} did not start: see {tmp}/serve.log"
            yield FederatedHub(name, jurisdiction, base, container, server)
    finally:
        container.close()


def register(hub: FederatedHub, peer: FederatedHub, pin: str | None = None) -> httpx.Response:
    """Add `peer` at `hub` the way an operator does: its URL and its pinned log key."""
    return httpx.post(
        f"{hub.base}/v1/federation/peers",
        json={"url": peer.base, "pin": pin or peer.log_key},
        headers=hub.admin(),
        timeout=30,
    )


@contextmanager
def federated_hubs(
    tmp: Path, env: dict[str, str] | None = None
) -> Iterator[tuple[FederatedHub, FederatedHub]]:
    """Hub A (HK) and hub B (CN), each its own database and process, peered both ways.

    ``env`` adds TRADEGATE_* settings to both servers (benchmarks lift the rate limits).
    """
    with ExitStack() as stack:
        hubs = []
        for name, jurisdiction in (("hub-a", "HK"), ("hub-b", "CN")):
            (tmp / name).mkdir()
            url = stack.enter_context(private_database())
            hubs.append(
                stack.enter_context(_running(tmp / name, name, jurisdiction, url, env or {}))
            )
        a, b = hubs
        for hub, peer in ((a, b), (b, a)):
            answer = register(hub, peer)
            assert answer.status_code == 201, answer.text
        yield a, b


def statement_file(tmp: Path, answer: dict[str, Any]) -> Path:
    """Where a lender keeps the evidence its hub handed over, for offline verification."""
    path = tmp / f"statement-{uuid.uuid4().hex[:8]}.json"
    path.write_text(json.dumps(answer["evidence"]))
    return path
