"""Two Tradegate hubs served on loopback, each its own PINT platform, for transfer tests."""

from __future__ import annotations

import socket
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from app.container import Container
from app.security.principal import SYSTEM
from app.security.tokens import issue_access_token
from app.services.delivery.connector_instances import create_instance
from app.services.participants.service import create_participant
from app.services.pint.accounts import add_account
from app.services.trust import store
from app.settings import Settings
from app.storage.migrate import upgrade
from app.storage.models import PintEnvelope
from tests.pint_peer import (
    Signatory,
    b64,
    entry,
    envelope,
    issuance_manifest,
    party,
    sha,
    transaction,
)
from tests.support import ManagedProcess, reefer_transport_document, settings_env, wait_until

#: The platform the carrier issues on, before the eBL comes to the hubs.
ISSUER = "WAVE"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Hub:
    """One running hub: its platform code, its container and where it listens."""

    code: str
    container: Container
    base: str
    account: dict[str, Any]
    holder_id: Any

    @property
    def pint_url(self) -> str:
        return f"{self.base}/pint"

    def admin_headers(self) -> dict[str, str]:
        """A bearer token for an admin of this hub, minted with the hub's own key."""
        with self.container.uow() as uow:
            admin = create_participant(
                uow.session, name=f"Operator {uuid.uuid4().hex[:6]}", roles=("admin",)
            )
            uow.commit()
        settings = self.container.settings
        issued = issue_access_token(
            self.container.keys,
            issuer=settings.issuer,
            audience=settings.audience,
            ttl=300,
            client_id="operator",
            participant_id=str(admin.id),
            scopes=["admin"],
            roles=["admin"],
        )
        return {"Authorization": f"Bearer {issued.token}"}

    def jwks(self) -> dict[str, Any]:
        return httpx.get(f"{self.base}/.well-known/jwks.json").json()

    def trust(
        self, kind: str, code: str, jwks: dict[str, Any], provider: str | None = None
    ) -> None:
        with self.container.uow() as uow:
            store.import_jwks(
                uow.session,
                kind=kind,
                code=code,
                code_list_provider=provider,
                jwks=jwks,
                actor="test",
            )
            uow.commit()

    def peer_instance(self, other: Hub) -> Any:
        with self.container.uow() as uow:
            instance, _ = create_instance(
                uow.session,
                SYSTEM,
                connector="pint",
                name=f"to-{other.code}",
                config={"base_url": other.pint_url, "platform_code": other.code},
                participant_id=self.holder_id,
            )
            uow.commit()
        return instance.id


@contextmanager
def running_hub(tmp: Path, code: str, account_code: str) -> Iterator[Hub]:
    """A migrated hub served by `tradegate serve` on a free loopback port, with one account.

    Each hub is its own process, as in production: its embedded task loop sends transfers
    while the other hub answers them. The test keeps a container on the same database to set
    the hub up and to read what happened.
    """
    port = free_port()
    settings = Settings(
        env="test",
        data_dir=tmp,
        database_url=f"sqlite:///{tmp / 'hub.db'}",
        embedded_scheduler=False,
        log_level="WARNING",
        issuer=f"http://127.0.0.1:{port}",
        pint_platform_code=code,
    )
    upgrade(settings.effective_database_url)
    container = Container(settings)
    account = party(f"Holder at {code}", code, account_code, provider=code)
    with container.uow() as uow:
        holder = create_participant(uow.session, name=f"Holder {code}", roles=("owner",))
        add_account(
            uow.session,
            participant_id=holder.id,
            code_list_provider=code,
            party_code=account_code,
            party_name=account["partyName"],
            actor="test",
        )
        uow.commit()
        holder_id = holder.id
    env = {**settings_env(settings), "TRADEGATE_PINT_PLATFORM_CODE": code}
    server = ManagedProcess(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port)], env, tmp / "serve.log"
    )
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    with server:
        assert wait_until(up, timeout=60), f"hub {code} did not start"
        try:
            yield Hub(code, container, base, account, holder_id)
        finally:
            container.close()


@dataclass
class Linked:
    """Two hubs that trust each other, the issuing platform and carrier, and their peer links."""

    a: Hub
    b: Hub
    to_b: Any
    to_a: Any
    platform: Signatory
    carrier: Signatory

    def issue_to_a(self, documents: dict[str, bytes]) -> Any:
        """The issuing platform sends a fresh eBL to A's account; returns A's document id."""
        document = reefer_transport_document(
            "5493001KJTIIGC8Y1R12",
            transportDocumentStatus="ISSUED",
            issueDate="2023-12-21",
            transportDocumentReference=uuid.uuid4().hex[:20].upper(),
        )
        shipper = party("Exporter", ISSUER, "EXP-7")
        carrier_party = {
            "partyName": "Carrier",
            "eblPlatform": ISSUER,
            "identifyingCodes": [{"codeListProvider": "SMDG", "partyCode": "MSC"}],
        }
        first = entry(
            self.platform,
            ISSUER,
            document,
            [
                transaction("ISSUE", carrier_party, shipper),
                transaction("TRANSFER", shipper, self.a.account),
            ],
            issuance_manifest=issuance_manifest(self.carrier, document, shipper),
        )
        env = envelope(self.platform, document, [first], documents)
        started = httpx.post(f"{self.a.pint_url}/v3/envelopes", content=env.raw()).json()
        url = f"{self.a.pint_url}/v3/envelopes/{started['envelopeReference']}"
        for content in documents.values():
            httpx.put(f"{url}/additional-documents/{sha(content)}", content=b64(content))
        assert httpx.put(f"{url}/finish-transfer").status_code == 200
        with self.a.container.uow() as uow:
            row = uow.session.scalars(
                sa.select(PintEnvelope).where(PintEnvelope.last_entry_checksum == env.last_checksum)
            ).one()
            return row.document_id


def transfer(hub: Hub, document_id: Any, instance_id: Any, recipient: dict[str, Any]) -> dict:
    """Ask the hub over its API to send the eBL on, and wait for the peer's verdict."""
    headers = hub.admin_headers()
    r = httpx.post(
        f"{hub.base}/v1/pint/transfers",
        json={
            "document_id": str(document_id),
            "instance_id": str(instance_id),
            "action_code": "TRANSFER",
            "recipient": recipient,
        },
        headers=headers,
    )
    if r.status_code != 202:
        return dict(r.json())
    url = f"{hub.base}/v1/pint/transfers/{r.json()['id']}"
    assert wait_until(lambda: httpx.get(url, headers=headers).json()["state"] != "pending", 60)
    return dict(httpx.get(url, headers=headers).json())


@contextmanager
def linked_hubs(tmp: Path) -> Iterator[Linked]:
    """Hubs TGTA and TGTB on loopback, each trusting the other, the platform WAVE and MSC."""
    (tmp / "a").mkdir()
    (tmp / "b").mkdir()
    platform, carrier = Signatory("wave-1", alg="RS256"), Signatory("msc-1")
    with (
        running_hub(tmp / "a", "TGTA", "IMP-001") as a,
        running_hub(tmp / "b", "TGTB", "BANK-9") as b,
    ):
        for hub in (a, b):
            hub.trust("platform", ISSUER, platform.jwks())
            hub.trust("carrier", "MSC", carrier.jwks(), provider="SMDG")
        a.trust("platform", b.code, b.jwks())
        b.trust("platform", a.code, a.jwks())
        yield Linked(a, b, a.peer_instance(b), b.peer_instance(a), platform, carrier)
