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

from app.container import Container
from app.security.principal import SYSTEM
from app.security.tokens import issue_access_token
from app.services.delivery.connector_instances import create_instance
from app.services.participants.service import create_participant
from app.services.pint.accounts import add_account
from app.services.trust import store
from app.settings import Settings
from app.storage.migrate import upgrade
from tests.pint_peer import party
from tests.support import ManagedProcess, settings_env, wait_until


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
