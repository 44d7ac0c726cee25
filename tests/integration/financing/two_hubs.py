"""Two hubs in one process, each with its own database and keys, for cross-border checks.

``ServiceTransport`` stands in for the HTTP peer client: it calls the peer hub's serving
functions in the peer's own unit of work, so the exchange is the real one minus the wire.
"""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from app.container import Container
from app.main import create_app
from app.security.principal import Principal
from app.security.tokens import issue_access_token
from app.services.financing.federation import checking, serving
from app.services.participants.service import (
    create_participant,
    default_scopes,
    get_participant,
)
from app.settings import Settings
from app.storage.base import utcnow
from app.storage.models import Participant
from tests.clock import FakeClock
from tests.integration.financing.conftest import LEI, ebl, registration
from tests.support import consent_request_body, push

TRANSPORT_TYPES = ["dcsa.transport-document", "uncefact.cii.invoice"]


@dataclass
class LocalHub:
    """One hub: its container, an API client, and the participants of a financing story."""

    name: str
    jurisdiction: str
    container: Container
    client: TestClient
    participants: dict[str, Participant] = field(default_factory=dict)
    headers: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def ref(self) -> checking.PeerRef:
        return checking.PeerRef(
            uuid.uuid5(uuid.NAMESPACE_DNS, self.name), self.name, self.jurisdiction
        )

    def add(
        self, key: str, name: str, roles: tuple[str, ...], identifiers: tuple[str, ...] = ()
    ) -> None:
        with self.container.uow() as uow:
            made = create_participant(uow.session, name=name, roles=roles, identifiers=identifiers)
            uow.commit()
        with self.container.uow() as uow:
            participant = get_participant(uow.session, made.id)
        self.participants[key] = participant
        issued = issue_access_token(
            self.container.keys,
            issuer=self.container.settings.issuer,
            audience=self.container.settings.audience,
            ttl=300,
            client_id=f"test-{participant.id}",
            participant_id=str(participant.id),
            scopes=sorted(default_scopes(participant)),
            roles=sorted(participant.role_names),
        )
        self.headers[key] = {"Authorization": f"Bearer {issued.token}"}

    def principal(self, key: str) -> Principal:
        participant = self.participants[key]
        return Principal(
            participant_id=participant.id,
            client_id=f"test-{participant.id}",
            scopes=frozenset(default_scopes(participant)),
            roles=frozenset(participant.role_names),
        )

    def h(self, key: str, idempotency: str | None = None) -> dict[str, str]:
        headers = dict(self.headers[key])
        if idempotency is not None:
            headers["Idempotency-Key"] = idempotency
        return headers

    def consent(self, bank: str) -> None:
        body = consent_request_body(self.participants["owner"].id, document_types=TRANSPORT_TYPES)
        requested = self.client.post("/v1/consents", json=body, headers=self.h(bank))
        assert requested.status_code == 201, requested.text
        consent_id = requested.json()["id"]
        approved = self.client.post(f"/v1/consents/{consent_id}/approve", headers=self.h("owner"))
        assert approved.status_code == 200, approved.text

    def push_ebl(self, **members: Any) -> str:
        raw = json.dumps(ebl(**members)).encode()
        pushed = push(self.client, self.h("carrier"), raw, key=uuid.uuid4().hex)
        assert pushed.status_code == 201, pushed.text
        return str(pushed.json()["id"])

    def register(self, bank: str, document_id: str, **overrides: Any) -> Any:
        return self.client.post(
            "/v1/financing",
            json=registration(document_id, **overrides),
            headers=self.h(bank, uuid.uuid4().hex),
        )


class ServiceTransport:
    """Calls to ``hub``'s federation endpoints as its serving functions, with ``caller`` as
    the verified peer; a refusal becomes PeerUnavailable as an HTTP 4xx would."""

    def __init__(self, hubs: dict[str, LocalHub], caller: LocalHub) -> None:
        self.hubs = hubs
        self.caller = caller
        self.calls: list[tuple[str, str]] = []

    def post(self, peer: checking.PeerRef, path: str, body: dict[str, Any]) -> dict[str, Any]:
        hub = self.hubs[peer.name]
        self.calls.append((peer.name, path))
        ref = self.caller.ref
        caller = serving.Caller(ref.peer_id, ref.name, ref.jurisdiction)
        settings = hub.container.settings
        keyring = hub.container.keys.oprf_keyring()
        with hub.container.uow() as uow:
            try:
                if path == checking.EVALUATE_PATH:
                    answer = serving.evaluate(
                        uow.session,
                        caller,
                        body["elements"],
                        keyring=keyring,
                        bucket_bytes=settings.federation_financing_bucket_bytes,
                    )
                elif path == checking.BUCKET_PATH:
                    answer = serving.bucket(
                        uow.session,
                        caller,
                        body["key_id"],
                        body["prefixes"],
                        keyring=keyring,
                        bucket_bytes=settings.federation_financing_bucket_bytes,
                        now=utcnow(),
                    )
                else:
                    answer = serving.report_matches(
                        uow.session,
                        caller,
                        body["key_id"],
                        uuid.UUID(body["check_id"]),
                        body["outputs"],
                        keyring=keyring,
                        now=utcnow(),
                    )
            except Exception as exc:
                raise checking.PeerUnavailable(str(exc)) from exc
            uow.commit()
        return json.loads(json.dumps(answer))


def _settings(root: Path, template: Path, name: str) -> Settings:
    root.mkdir()
    shutil.copy(template, root / "tradegate.db")
    return Settings(
        env="test",
        data_dir=root,
        database_url=f"sqlite:///{root / 'tradegate.db'}",
        inline_tasks=True,
        embedded_scheduler=False,
        log_level="WARNING",
        issuer=f"http://{name}.testserver",
    )


@contextmanager
def local_hubs(tmp_path: Path, template: Path) -> Iterator[dict[str, LocalHub]]:
    """Hub ``a`` (HK) and hub ``b`` (CN), each with an owner, a carrier and two banks."""
    hubs: dict[str, LocalHub] = {}
    with ExitStack() as stack:
        for name, jurisdiction in (("hub-a", "HK"), ("hub-b", "CN")):
            container = Container(_settings(tmp_path / name, template, name), clock=FakeClock())
            stack.callback(container.close)
            client = stack.enter_context(
                TestClient(create_app(container=container), raise_server_exceptions=False)
            )
            hub = LocalHub(name, jurisdiction, container, client)
            hub.add("owner", f"Exporter {name}", ("owner",), (f"LEI:{LEI}",))
            hub.add("carrier", f"Carrier {name}", ("provider",))
            hub.add("bank_1", f"First Bank {name}", ("consumer",))
            hub.add("bank_2", f"Second Bank {name}", ("consumer",))
            hubs[name] = hub
        yield hubs
