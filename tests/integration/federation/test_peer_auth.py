"""Hub-to-hub calls: a peer's per-call assertion verified against its pinned keys, once."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from app.security.keys import KeyStore
from app.security.peer_tokens import issue_peer_assertion, peer_audience
from app.services.federation.peers import suspend_peer
from app.storage.models import Event, Peer, PeerAssertion
from tests.support import both_backends

pytestmark = pytest.mark.integration

PEER_ISSUER = "https://hub-b.example"
HELLO = "/federation/v1/hello"


@pytest.fixture
def settings(settings):  # noqa: ANN001, ANN201
    return settings.model_copy(update={"hub_name": "hub-a", "jurisdiction": "HK"})


@pytest.fixture
def peer_keys() -> KeyStore:
    return KeyStore.generate()


@pytest.fixture
def peer(container, peer_keys: KeyStore) -> Peer:  # noqa: ANN001
    """Hub B as hub A pinned it (its metadata already verified)."""
    with container.uow() as uow:
        row = Peer(
            name="hub-b",
            issuer=PEER_ISSUER,
            base_url=PEER_ISSUER,
            jurisdiction="CN",
            log_origin="hub-b.example/log",
            log_key="hub-b.example/log+00000000+AA==",
            jwks=peer_keys.public_jwks(),
            api_base=peer_audience(PEER_ISSUER),
            metadata_note="(signed metadata)",
        )
        uow.session.add(row)
        uow.commit()
        uow.session.refresh(row)
        uow.session.expunge(row)
    return row


def _assertion(keys: KeyStore, container: Any, **changes: Any) -> dict[str, str]:  # noqa: ANN401
    values: dict[str, Any] = {
        "issuer": PEER_ISSUER,
        "subject": "hub-b",
        "audience": peer_audience(container.settings.issuer),
        "method": "GET",
        "path": HELLO,
    }
    values.update(changes)
    token = issue_peer_assertion(keys.current_signing_key(), **values)
    return {"Authorization": f"Bearer {token}"}


def _spent(container: Any) -> int:  # noqa: ANN401
    with container.uow() as uow:
        return int(uow.session.scalar(sa.select(sa.func.count()).select_from(PeerAssertion)))


@both_backends
def test_a_pinned_peer_is_admitted_as_itself(client, container, peer, peer_keys) -> None:  # noqa: ANN001
    answer = client.get(HELLO, headers=_assertion(peer_keys, container))
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "hub": "hub-a",
        "jurisdiction": "HK",
        "caller": "hub-b",
        "caller_jurisdiction": "CN",
    }


@both_backends
def test_a_replayed_assertion_is_refused(client, container, peer, peer_keys) -> None:  # noqa: ANN001
    headers = _assertion(peer_keys, container)
    assert client.get(HELLO, headers=headers).status_code == 200
    again = client.get(HELLO, headers=headers)
    assert again.status_code == 401
    assert again.json()["type"] == "/problems/peer-assertion-replayed"
    assert _spent(container) == 1


def test_a_replay_is_refused_by_another_replica(client, container, peer, peer_keys) -> None:  # noqa: ANN001
    from fastapi.testclient import TestClient

    from app.container import Container
    from app.main import create_app

    headers = _assertion(peer_keys, container)
    assert client.get(HELLO, headers=headers).status_code == 200
    replica = Container(container.settings, keys=container.keys)
    try:
        with TestClient(create_app(container=replica)) as other:
            answer = other.get(HELLO, headers=headers)
    finally:
        replica.close()
    assert (answer.status_code, answer.json()["type"]) == (
        401,
        "/problems/peer-assertion-replayed",
    )


@pytest.mark.parametrize(
    ("case", "slug"),
    [
        ("missing", "peer-assertion-missing"),
        ("garbage", "peer-assertion-invalid"),
        ("unknown-hub", "peer-unknown"),
        ("wrong-key", "peer-assertion-invalid"),
        ("other-path", "peer-assertion-invalid"),
        ("other-audience", "peer-assertion-invalid"),
        ("unsigned", "peer-assertion-invalid"),
    ],
)
def test_a_call_not_made_by_the_pinned_peer_is_refused_and_spends_nothing(
    client,  # noqa: ANN001
    container,  # noqa: ANN001
    peer,  # noqa: ANN001
    peer_keys,  # noqa: ANN001
    case: str,
    slug: str,
) -> None:
    stranger = KeyStore.generate()
    headers: dict[str, str] = {
        "missing": {},
        "garbage": {"Authorization": "Bearer not.a.jwt"},
        "unknown-hub": _assertion(stranger, container, issuer="https://hub-c.example"),
        "wrong-key": _assertion(stranger, container),
        "other-path": _assertion(peer_keys, container, path="/federation/v1/other"),
        "other-audience": _assertion(
            peer_keys, container, audience=peer_audience("https://hub-c.example")
        ),
        "unsigned": {
            "Authorization": _assertion(peer_keys, container)["Authorization"].rsplit(".", 1)[0]
            + "."
        },
    }[case]
    answer = client.get(HELLO, headers=headers)
    assert answer.status_code == 401, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"] == f"/problems/{slug}"
    assert _spent(container) == 0


def test_a_suspended_peer_is_refused(client, container, peer, peer_keys) -> None:  # noqa: ANN001
    with container.uow() as uow:
        suspend_peer(uow.session, "hub-b", reason="audit pending", actor="test")
        uow.commit()
    answer = client.get(HELLO, headers=_assertion(peer_keys, container))
    assert answer.status_code == 403
    assert answer.json()["type"] == "/problems/peer-suspended"
    with container.uow() as uow:
        kinds = uow.session.scalars(sa.select(Event.kind).where(Event.subject == f"peer:{peer.id}"))
        assert list(kinds) == ["federation.peer.suspended"]


def test_a_peer_over_its_rate_is_refused_with_retry_after(
    client, container, peer, peer_keys
) -> None:  # noqa: ANN001, E501
    container.settings = container.settings.model_copy(
        update={"federation_rate_limit_peer": 1.0, "rate_limit_burst_seconds": 1.0}
    )
    assert client.get(HELLO, headers=_assertion(peer_keys, container)).status_code == 200
    answer = client.get(HELLO, headers=_assertion(peer_keys, container))
    assert answer.status_code == 429
    assert int(answer.headers["retry-after"]) >= 1
    # Charged once verified and spent: a caller makes a fresh assertion for every call.
    assert _spent(container) == 2
