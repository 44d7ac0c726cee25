"""Two hubs in two jurisdictions, peered on loopback: hash match found and not found, the
statement verified offline, a suspended peer and a wrong pin refused."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator

import httpx
import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.domain.note import NoteSigner
from app.security.keys import KeyStore
from app.storage.models import Document
from tests.federation_hubs import FederatedHub, federated_hubs, register, statement_file
from tests.support import wait_until

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def hubs(
    tmp_path_factory: pytest.TempPathFactory, pg_server_url: str
) -> Iterator[tuple[FederatedHub, FederatedHub]]:
    with federated_hubs(tmp_path_factory.mktemp("federation")) as pair:
        yield pair


@pytest.fixture(scope="module")
def document_at_a(hubs: tuple[FederatedHub, FederatedHub]) -> Document:
    return hubs[0].accept_document()


def _ask(hub: FederatedHub, peer: str, sha256: str, headers: dict[str, str] | None = None):  # noqa: ANN202
    return httpx.post(
        f"{hub.base}/v1/federation/hash-matches",
        json={"peer": peer, "sha256": sha256},
        headers=headers or hub.lender(),
        timeout=30,
    )


def test_each_hub_lists_the_other_as_an_active_peer(hubs) -> None:  # noqa: ANN001
    a, b = hubs
    for hub, peer in ((a, b), (b, a)):
        listed = httpx.get(f"{hub.base}/v1/federation/peers", headers=hub.lender()).json()
        assert [(p["name"], p["jurisdiction"], p["status"]) for p in listed] == [
            (peer.name, peer.jurisdiction, "ACTIVE")
        ]
        assert listed[0]["log_key"] == peer.log_key


def test_a_lender_at_b_learns_that_a_holds_the_document(hubs, document_at_a, tmp_path) -> None:  # noqa: ANN001
    a, b = hubs
    answer = _ask(b, "hub-a", document_at_a.canonical_sha256)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["found"] is True
    assert (body["peer"], body["jurisdiction"], body["hub"]) == ("hub-a", "HK", "hub-a")
    assert body["document_type"] == document_at_a.doc_type
    assert body["provider_kind"] == "provider"
    assert body["asked_by"] == "hub-b"
    assert body["leaf_index"] < body["tree_size"]
    # Nothing but hashes crossed: no content, no owner, no provider, no reference.
    raw = answer.text
    for secret in (
        str(document_at_a.owner_id),
        str(document_at_a.provider_id),
        str(document_at_a.reference),
        "Exporter",
        "Carrier",
        "5493001KJTIIGC8Y1R12",
    ):
        assert secret not in raw
    asked = [e for e in b.events() if e.payload["sha256"] == document_at_a.canonical_sha256]
    answered = [e for e in a.events() if e.payload["sha256"] == document_at_a.canonical_sha256]
    assert [e.kind for e in asked] == ["federation.hash_match.asked"]
    assert [e.kind for e in answered] == ["federation.hash_match.answered"]
    assert asked[0].payload["statement_sha256"] == answered[0].payload["statement_sha256"]
    assert answered[0].participant_ids == [str(document_at_a.owner_id)]

    evidence = statement_file(tmp_path, body)
    verified = CliRunner().invoke(
        cli, ["verify", "--statement", str(evidence), "--log-key", a.log_key, "--json"]
    )
    assert verified.exit_code == 0, verified.output
    report = json.loads(verified.stdout)
    assert report["verified"] is True
    assert [c["check"] for c in report["checks"]] == [
        "statement",
        "leaf",
        "checkpoint",
        "inclusion",
    ]
    assert report["statement"]["sha256"] == document_at_a.canonical_sha256

    wrong_key = CliRunner().invoke(
        cli, ["verify", "--statement", str(evidence), "--log-key", b.log_key, "--json"]
    )
    assert wrong_key.exit_code == 1
    assert json.loads(wrong_key.stdout)["reasons"] == ["bad_statement_signature"]


def test_a_lender_at_b_learns_that_a_does_not_hold_a_hash(hubs, tmp_path) -> None:  # noqa: ANN001
    a, b = hubs
    unknown = hashlib.sha256(b"a document nobody pushed").hexdigest()
    answer = _ask(b, "hub-a", unknown)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["found"], body["document_type"], body["leaf_index"]) == (False, None, None)
    assert body["evidence"]["checkpoint"] is None
    verified = CliRunner().invoke(
        cli,
        [
            "verify",
            "--statement",
            str(statement_file(tmp_path, body)),
            "--log-key",
            a.log_key,
            "--sha256",
            unknown,
        ],
    )
    assert verified.exit_code == 0, verified.output
    assert "found" in verified.stdout and "False" in verified.stdout
    assert [e.payload["found"] for e in a.events() if e.payload["sha256"] == unknown] == [False]


def test_a_question_to_a_peer_b_suspended_is_refused_at_b(hubs) -> None:  # noqa: ANN001
    a, b = hubs
    admin = b.admin()
    before = len(a.events())
    suspended = httpx.post(
        f"{b.base}/v1/federation/peers/hub-a/suspend", json={"reason": "audit"}, headers=admin
    )
    assert suspended.status_code == 200, suspended.text
    try:
        answer = _ask(b, "hub-a", "0" * 64)
        assert (answer.status_code, answer.json()["type"]) == (409, "/problems/peer-suspended")
    finally:
        httpx.post(f"{b.base}/v1/federation/peers/hub-a/resume", headers=admin)
    assert len(a.events()) == before


def test_a_hub_that_suspended_its_asker_refuses_to_answer(hubs) -> None:  # noqa: ANN001
    a, b = hubs
    admin = a.admin()
    before = (len(a.events()), len(b.events()))
    httpx.post(f"{a.base}/v1/federation/peers/hub-b/suspend", json={}, headers=admin)
    try:
        answer = _ask(b, "hub-a", "0" * 64)
    finally:
        httpx.post(f"{a.base}/v1/federation/peers/hub-b/resume", headers=admin)
    assert (answer.status_code, answer.json()["type"]) == (502, "/problems/peer-refused")
    assert "peer-suspended" in answer.json()["detail"]
    assert (len(a.events()), len(b.events())) == before


def test_a_wrong_pin_is_refused_and_nothing_is_stored(hubs) -> None:  # noqa: ANN001
    a, b = hubs
    impostor = NoteSigner(
        b.container.settings.effective_ledger_origin, KeyStore.generate().log_signing_key()
    )
    before = a.events("federation.peer")
    for pin in (a.log_key, impostor.verifier().vkey):
        answer = register(a, b, pin=pin)
        assert answer.status_code == 422, answer.text
        assert answer.json()["type"] == "/problems/peer-metadata-refused"
        assert "not signed by the pinned key" in answer.json()["detail"]
    # The right pin gets as far as the register, which holds hub-b already.
    again = register(a, b)
    assert (again.status_code, again.json()["type"]) == (409, "/problems/peer-exists")
    assert len(a.events("federation.peer")) == len(before)


def test_an_unknown_peer_is_not_found(hubs) -> None:  # noqa: ANN001
    _, b = hubs
    answer = _ask(b, "hub-z", "0" * 64)
    assert (answer.status_code, answer.json()["type"]) == (404, "/problems/peer-not-found")


def test_a_peer_that_rotated_its_key_is_admitted_again_once_refreshed(hubs) -> None:  # noqa: ANN001
    a, b = hubs
    keys = KeyStore.load(b.container.settings.effective_keys_file)
    keys.rotate()
    keys.save()
    b.server.stop()
    b.server.start()
    assert wait_until(lambda: _up(b), timeout=120), "hub-b did not restart"
    refused = _ask(b, "hub-a", "0" * 64)
    assert (refused.status_code, refused.json()["type"]) == (502, "/problems/peer-refused")
    assert "not in the peer's pinned JWKS" in refused.json()["detail"]
    refreshed = httpx.post(f"{a.base}/v1/federation/peers/hub-b/refresh", headers=a.admin())
    assert refreshed.status_code == 200, refreshed.text
    assert _ask(b, "hub-a", "0" * 64).status_code == 200
    assert [e.payload["kids"] for e in a.events("federation.peer.refreshed")] == [
        sorted(k["kid"] for k in keys.public_jwks()["keys"])
    ]


def _up(hub: FederatedHub) -> bool:
    try:
        return httpx.get(f"{hub.base}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False
