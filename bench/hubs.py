"""Two federated hubs on loopback: real `tradegate serve` processes, each on its own PostgreSQL
database (created for them, dropped after), each registered as the other's peer.

The federation benchmark and the federation tests share them. A container on each hub's
database sets the hub up (participants, mandates) and reads what happened; everything a
lender, a provider or the other hub does goes over HTTP, as in production.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from app.container import Container
from app.ledger import store
from app.security.tokens import issue_access_token
from app.services.ledger.log import log_verifier
from app.services.participants.mandates import grant_mandate
from app.services.participants.service import create_participant, default_scopes
from app.settings import Settings
from app.storage.migrate import upgrade
from app.storage.models import Document, Event, Participant
from bench.support import (
    HttpServer,
    consent_request_body,
    free_port,
    private_database,
    reefer_transport_document,
    serve_command,
    settings_env,
    wait_until,
)

#: The shipper's LEI in every document the hubs receive; a financing owner is known by it.
LEI = "5493001KJTIIGC8Y1R12"
#: What a lender's consent covers in a financing story.
FINANCED_TYPES = ("dcsa.transport-document", "uncefact.cii.invoice")


def ebl(**members: Any) -> dict[str, Any]:
    """The owner's reefer eBL, shipped on board yesterday; `members` replace its own."""
    shipped = (date.today() - timedelta(days=1)).isoformat()
    return reefer_transport_document(LEI, **{"shippedOnBoardDate": shipped, **members})


def registration(document_id: str, **overrides: Any) -> dict[str, Any]:
    """A registration body: 125,000.00 USD for 90 days under a bank's own reference."""
    body: dict[str, Any] = {
        "document_id": document_id,
        "state": "INTENDED",
        "amount": "125000.00",
        "currency": "USD",
        "maturity": (date.today() + timedelta(days=90)).isoformat(),
        "reference": f"LOAN-{uuid.uuid4().hex[:8]}",
    }
    body.update(overrides)
    return body


@dataclass
class FederatedHub:
    """One running hub: its name, where it listens, a container on its database, and its
    server process (a test restarts it)."""

    name: str
    jurisdiction: str
    base: str
    container: Container
    server: HttpServer

    @property
    def log_key(self) -> str:
        """The verifier key its peers pin (what `tradegate ledger log-key` prints)."""
        return log_verifier(self.container.settings, self.container.keys).vkey

    def participant(self, name: str, *roles: str, identifiers: tuple[str, ...] = ()) -> Participant:
        with self.container.uow() as uow:
            made = create_participant(
                uow.session,
                name=f"{name} {uuid.uuid4().hex[:6]}",
                roles=roles,
                identifiers=identifiers,
            )
            uow.commit()
            uow.session.refresh(made, ["roles"])
            uow.session.expunge(made)
        return made

    def headers(
        self,
        participant: Participant,
        scopes: set[str] | None = None,
        *,
        idempotency: str | None = None,
    ) -> dict[str, str]:
        """A bearer token for `participant`, minted with this hub's key like its token endpoint."""
        settings = self.container.settings
        issued = issue_access_token(
            self.container.keys,
            issuer=settings.issuer,
            audience=settings.audience,
            ttl=3600,
            client_id=f"test-{participant.id}",
            participant_id=str(participant.id),
            scopes=sorted(scopes if scopes is not None else default_scopes(participant)),
            roles=sorted(participant.role_names),
        )
        headers = {"Authorization": f"Bearer {issued.token}"}
        if idempotency is not None:
            headers["Idempotency-Key"] = idempotency
        return headers

    def admin(self) -> dict[str, str]:
        return self.headers(self.participant("Operator", "admin"))

    def lender(self) -> dict[str, str]:
        return self.headers(self.participant("Bank", "consumer"))

    def push(
        self, provider: Participant, document: dict[str, Any], owner: uuid.UUID | None = None
    ) -> str:
        """`provider` pushes `document` through intake; its id. Without `owner`, the hub finds
        the owner by the shipper's identifier."""
        answer = httpx.post(
            f"{self.base}/v1/documents",
            content=json.dumps(document).encode(),
            params={"owner": str(owner)} if owner is not None else None,
            headers={
                **self.headers(provider, idempotency=uuid.uuid4().hex),
                "Content-Type": "application/json",
            },
            timeout=30,
        )
        assert answer.status_code == 201, answer.text
        return str(answer.json()["id"])

    def accept_document(self) -> Document:
        """A transport document pushed by a carrier for its owner, once its acceptance is in
        the hub's log (the server's task loop sequences it)."""
        owner = self.participant("Exporter", "owner")
        carrier = self.participant("Carrier", "provider")
        with self.container.uow() as uow:
            grant_mandate(uow.session, provider_id=carrier.id, owner_id=owner.id, actor="test")
            uow.commit()
        document = reefer_transport_document(
            LEI, transportDocumentReference=uuid.uuid4().hex[:20].upper()
        )
        document_id = uuid.UUID(self.push(carrier, document, owner=owner.id))
        assert wait_until(lambda: self._in_log(document_id), timeout=60), "never sequenced"
        with self.container.uow() as uow:
            stored = uow.session.get(Document, document_id)
            assert stored is not None
            uow.session.expunge(stored)
        return stored

    def _in_log(self, document_id: uuid.UUID) -> bool:
        with self.container.uow() as uow:
            seq = uow.session.scalar(
                sa.select(Event.seq).where(Event.subject == f"document:{document_id}")
            )
            state = store.peek_state(uow.session)
            return seq is not None and state is not None and state.size >= seq

    def events(self, prefix: str = "federation.hash_match") -> list[Event]:
        """The events this hub recorded whose kind starts with `prefix`, oldest first."""
        with self.container.uow() as uow:
            rows = uow.session.scalars(
                sa.select(Event).where(Event.kind.like(f"{prefix}%")).order_by(Event.time)
            ).all()
            for row in rows:
                uow.session.expunge(row)
            return list(rows)

    def financing(self, *lenders: str) -> FinancingStory:
        """An owner known by its LEI, its carrier, and `lenders` holding the owner's consent.

        One per hub: the owner's LEI identifies one participant.
        """
        story = FinancingStory(
            self,
            owner=self.participant("Exporter", "owner", identifiers=(f"LEI:{LEI}",)),
            carrier=self.participant("Carrier", "provider"),
        )
        for key in lenders:
            story.lenders[key] = self.participant(f"Bank {key}", "consumer")
            story.consent(key)
        return story


@dataclass
class FinancingStory:
    """At one hub: the eBLs a carrier pushes for an owner, and lenders who finance them."""

    hub: FederatedHub
    owner: Participant
    carrier: Participant
    lenders: dict[str, Participant] = field(default_factory=dict)

    def h(self, key: str, idempotency: str | None = None) -> dict[str, str]:
        """Bearer headers of a lender (or of ``owner``)."""
        who = self.owner if key == "owner" else self.lenders[key]
        return self.hub.headers(who, idempotency=idempotency)

    def consent(self, lender: str) -> str:
        base = self.hub.base
        body = consent_request_body(self.owner.id, document_types=list(FINANCED_TYPES))
        requested = httpx.post(f"{base}/v1/consents", json=body, headers=self.h(lender))
        assert requested.status_code == 201, requested.text
        consent_id = str(requested.json()["id"])
        approved = httpx.post(f"{base}/v1/consents/{consent_id}/approve", headers=self.h("owner"))
        assert approved.status_code == 200, approved.text
        return consent_id

    def push_ebl(self, **members: Any) -> str:
        return self.hub.push(self.carrier, ebl(**members))

    def register(
        self, lender: str, document_id: str, *, key: str | None = None, **overrides: Any
    ) -> httpx.Response:
        """POST /v1/financing under a fresh Idempotency-Key (or `key`, to replay one)."""
        return httpx.post(
            f"{self.hub.base}/v1/financing",
            json=registration(document_id, **overrides),
            headers=self.h(lender, key or uuid.uuid4().hex),
            timeout=30,
        )

    def check(self, lender: str, document_id: str) -> httpx.Response:
        return httpx.post(
            f"{self.hub.base}/v1/financing/check",
            params={"document_id": document_id},
            headers=self.h(lender),
            timeout=30,
        )


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
    server = HttpServer(serve_command(port), env, port, tmp / "serve.log", startup_seconds=120)
    try:
        server.start()
        yield FederatedHub(name, jurisdiction, server.base, container, server)
    finally:
        server.stop()
        container.close()


def register_peer(hub: FederatedHub, peer: FederatedHub, pin: str | None = None) -> httpx.Response:
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

    ``env`` adds TRADEGATE_* settings to both servers (the benchmark lifts the rate limits).
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
            answer = register_peer(hub, peer)
            assert answer.status_code == 201, answer.text
        yield a, b
