"""Peering by admins: listed, suspended and resumed through the API; bad URLs refused first."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.storage.models import Event, Peer
from tests.federation_hubs import store_peer

pytestmark = pytest.mark.integration


@pytest.fixture
def peer(container) -> None:  # noqa: ANN001
    store_peer(container)


def _kinds(container) -> list[str]:  # noqa: ANN001
    with container.uow() as uow:
        return list(
            uow.session.scalars(
                sa.select(Event.kind).where(Event.kind.like("federation.%")).order_by(Event.time)
            )
        )


def test_an_admin_lists_suspends_and_resumes_a_peer(client, parties, container, peer) -> None:  # noqa: ANN001
    listed = client.get("/v1/federation/peers", headers=parties.h("admin"))
    assert [(p["name"], p["status"]) for p in listed.json()] == [("hub-b", "ACTIVE")]
    suspended = client.post(
        "/v1/federation/peers/hub-b/suspend",
        json={"reason": "audit pending"},
        headers=parties.h("admin"),
    )
    assert suspended.status_code == 200, suspended.text
    assert (suspended.json()["status"], suspended.json()["status_reason"]) == (
        "SUSPENDED",
        "audit pending",
    )
    again = client.post("/v1/federation/peers/hub-b/suspend", json={}, headers=parties.h("admin"))
    assert (again.status_code, again.json()["type"]) == (409, "/problems/peer-suspended")
    resumed = client.post("/v1/federation/peers/hub-b/resume", headers=parties.h("admin"))
    assert resumed.json()["status"] == "ACTIVE"
    assert _kinds(container) == ["federation.peer.suspended", "federation.peer.resumed"]


def test_a_lender_may_list_peers_but_not_change_them(client, parties, peer) -> None:  # noqa: ANN001
    assert client.get("/v1/federation/peers", headers=parties.h("bank_a")).status_code == 200
    answer = client.post("/v1/federation/peers/hub-b/resume", headers=parties.h("bank_a"))
    assert answer.status_code == 403


def test_an_unknown_peer_is_not_found(client, parties) -> None:  # noqa: ANN001
    answer = client.post("/v1/federation/peers/hub-x/resume", headers=parties.h("admin"))
    assert (answer.status_code, answer.json()["type"]) == (404, "/problems/peer-not-found")


@pytest.mark.parametrize(
    ("url", "slug"),
    [
        ("http://hub-b.example", "peer-url-not-https"),
        ("http://127.0.0.1:9", "peer-url-not-https"),
        ("ftp://hub-b.example", "bad-peer-url"),
    ],
)
def test_a_peer_url_that_is_not_https_is_refused_before_any_call(
    client,  # noqa: ANN001
    parties,  # noqa: ANN001
    container,  # noqa: ANN001
    url: str,
    slug: str,
) -> None:
    answer = client.post(
        "/v1/federation/peers",
        json={"url": url, "pin": "hub-b.example/log+00000000+AA=="},
        headers=parties.h("admin"),
    )
    assert (answer.status_code, answer.json()["type"]) == (422, f"/problems/{slug}")
    assert _kinds(container) == []


def test_an_unreachable_peer_is_a_bad_gateway(client, parties, container) -> None:  # noqa: ANN001
    container.settings = container.settings.model_copy(
        update={"federation_allow_http_loopback": True}
    )
    container.peer_client._settings = container.settings  # noqa: SLF001
    answer = client.post(
        "/v1/federation/peers",
        json={"url": "http://127.0.0.1:9", "pin": "hub-b.example/log+00000000+AA=="},
        headers=parties.h("admin"),
    )
    assert (answer.status_code, answer.json()["type"]) == (502, "/problems/peer-unreachable")
    with container.uow() as uow:
        assert uow.session.scalar(sa.select(sa.func.count()).select_from(Peer)) == 0
