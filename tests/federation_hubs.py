"""Two federated hubs on loopback (bench/hubs.py starts them) and what the tests ask of them
beyond the benchmark's needs: a peer assertion forged for a refusal test, a lender's event
feed, a statement kept for offline verification."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import httpx

from app.container import Container
from app.security.keys import KeyStore
from app.security.peer_tokens import issue_peer_assertion, peer_audience
from app.storage.models import Peer
from bench.hubs import FederatedHub as FederatedHub
from bench.hubs import FinancingStory as FinancingStory
from bench.hubs import federated_hubs as federated_hubs
from bench.hubs import register_peer as register_peer


def assertion_for(caller: FederatedHub, callee: FederatedHub, path: str) -> dict[str, str]:
    """A valid peer assertion of `caller` for one POST to `callee` at `path`."""
    settings = caller.container.settings
    token = issue_peer_assertion(
        caller.container.keys.current_signing_key(),
        issuer=settings.issuer,
        subject=settings.effective_hub_name,
        audience=peer_audience(callee.container.settings.issuer),
        method="POST",
        path=path,
    )
    return {"Authorization": f"Bearer {token}"}


def feed(story: FinancingStory, lender: str) -> list[dict[str, Any]]:
    """What `lender` reads in its event feed at the story's hub."""
    answer = httpx.get(
        f"{story.hub.base}/v1/events", params={"after": 0}, headers=story.h(lender), timeout=30
    )
    assert answer.status_code == 200, answer.text
    return list(answer.json()["items"])


def statement_file(tmp: Path, answer: dict[str, Any]) -> Path:
    """Where a lender keeps the evidence its hub handed over, for offline verification."""
    path = tmp / f"statement-{uuid.uuid4().hex[:8]}.json"
    path.write_text(json.dumps(answer["evidence"]))
    return path


def store_peer(container: Container, name: str = "hub-b") -> None:
    """A peer row as `peers add` leaves it, for tests of one hub that need no live peer."""
    with container.uow() as uow:
        uow.session.add(
            Peer(
                name=name,
                issuer=f"https://{name}.example",
                base_url=f"https://{name}.example",
                jurisdiction="CN",
                log_origin=f"{name}.example/log",
                log_key=f"{name}.example/log+00000000+AA==",
                jwks=KeyStore.generate().public_jwks(),
                api_base=f"https://{name}.example/federation/v1",
                metadata_note="(signed metadata)",
            )
        )
        uow.commit()
