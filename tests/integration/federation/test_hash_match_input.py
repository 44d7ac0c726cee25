"""Bad input between hubs is a 4xx (or, for the lender, a 502) problem and stores nothing.

Hub A's side: a question that is unsigned, signed by another key, replayed, malformed or huge.
Hub B's side: an answer that is not signed by the pinned key or answers another question.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from app.domain.hash_match import HashMatchStatement
from app.domain.note import NoteSigner, sign_note
from app.ledger.leaf import leaf_time
from app.ledger.statement import HashMatchEvidence
from app.security.keys import KeyStore
from app.security.peer_tokens import issue_peer_assertion, peer_audience
from app.services.ledger.log import log_signer
from app.storage.base import Base, utcnow
from app.storage.models import Peer
from tests.support import both_backends

pytestmark = pytest.mark.integration

PEER_ISSUER = "https://hub-b.example"
PATH = "/federation/v1/hash-match"
SHA = hashlib.sha256(b"some document").hexdigest()
NONCE = "n" * 24


@pytest.fixture
def settings(settings):  # noqa: ANN001, ANN201
    return settings.model_copy(
        update={"hub_name": "hub-a", "jurisdiction": "HK", "federation_max_body_bytes": 2048}
    )


@pytest.fixture
def peer_keys() -> KeyStore:
    return KeyStore.generate()


@pytest.fixture
def peer(container, peer_keys: KeyStore) -> str:  # noqa: ANN001
    """Hub B as pinned at hub A (and, for B-side tests, A as pinned at this hub)."""
    with container.uow() as uow:
        uow.session.add(
            Peer(
                name="hub-b",
                issuer=PEER_ISSUER,
                base_url=PEER_ISSUER,
                jurisdiction="CN",
                log_origin="hub-b.example/log",
                log_key=NoteSigner("hub-b.example/log", peer_keys.log_signing_key())
                .verifier()
                .vkey,
                jwks=peer_keys.public_jwks(),
                api_base=peer_audience(PEER_ISSUER),
                metadata_note="(signed metadata)",
            )
        )
        uow.commit()
    return "hub-b"


def _headers(keys: KeyStore, container: Any) -> dict[str, str]:  # noqa: ANN401
    token = issue_peer_assertion(
        keys.current_signing_key(),
        issuer=PEER_ISSUER,
        subject="hub-b",
        audience=peer_audience(container.settings.issuer),
        method="POST",
        path=PATH,
    )
    return {"Authorization": f"Bearer {token}"}


def _counts(container: Any, *, besides: tuple[str, ...] = ()) -> dict[str, int]:  # noqa: ANN401
    with container.uow() as uow:
        return {
            t.name: uow.session.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
            for t in Base.metadata.sorted_tables
            if t.name not in besides
        }


@both_backends
def test_a_well_formed_question_from_the_peer_is_answered_and_audited(
    client, container, peer, peer_keys
) -> None:  # noqa: ANN001
    answer = client.post(
        PATH, json={"sha256": SHA, "nonce": NONCE}, headers=_headers(peer_keys, container)
    )
    assert answer.status_code == 200, answer.text
    evidence = HashMatchEvidence.model_validate(answer.json())
    assert "found no" in evidence.statement and "asked-by hub-b" in evidence.statement
    assert evidence.checkpoint is None


@pytest.mark.parametrize(
    "case", ["unsigned", "wrong-key", "replayed", "malformed", "extra-field", "huge", "not-json"]
)
def test_bad_input_from_a_peer_is_a_4xx_problem_and_stores_nothing(
    client, container, peer, peer_keys, case: str
) -> None:  # noqa: ANN001
    headers = _headers(peer_keys, container)
    body: dict[str, Any] = {"sha256": SHA, "nonce": NONCE}
    content: bytes | None = None
    expected = 401
    if case == "unsigned":
        headers = {"Authorization": headers["Authorization"].rsplit(".", 1)[0] + "."}
    elif case == "wrong-key":
        headers = _headers(KeyStore.generate(), container)
    elif case == "replayed":
        assert client.post(PATH, json=body, headers=headers).status_code == 200
    elif case == "malformed":
        body, expected = {"sha256": "XYZ", "nonce": NONCE}, 422
    elif case == "extra-field":
        body, expected = {"sha256": SHA, "nonce": NONCE, "owner": "who?"}, 422
    elif case == "huge":
        body, expected = {"sha256": SHA, "nonce": NONCE, "pad": "x" * 100_000}, 413
    elif case == "not-json":
        content, expected = b"sha256=" + SHA.encode(), 400
    before = _counts(container, besides=("peer_assertions",))
    if content is not None:
        answer = client.post(
            PATH, content=content, headers={**headers, "Content-Type": "text/plain"}
        )
    else:
        answer = client.post(
            PATH,
            content=json.dumps(body).encode(),
            headers={**headers, "Content-Type": "application/json"},
        )
    assert answer.status_code == expected, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert _counts(container, besides=("peer_assertions",)) == before


class FakePeer:
    """Hub A as hub B's client sees it: answers with whatever the test hands it."""

    def __init__(self, answer: Any) -> None:  # noqa: ANN401
        self.answer = answer
        self.sent: list[dict[str, Any]] = []

    def request(self, peer: Peer, method: str, path: str, **kwargs: Any) -> httpx.Response:  # noqa: ANN401
        self.sent.append(kwargs["json"])
        body = self.answer(kwargs["json"]) if callable(self.answer) else self.answer
        return httpx.Response(
            200, content=body if isinstance(body, bytes) else json.dumps(body).encode()
        )

    def close(self) -> None:
        """Nothing to release: no connection was opened."""


def _statement(signer: NoteSigner, question: dict[str, str], **changes: Any) -> dict[str, Any]:  # noqa: ANN401
    values: dict[str, Any] = {
        "origin": "hub-b.example/log",
        "hub": "hub-b",
        "jurisdiction": "CN",
        "asked_by": "hub-a",
        "nonce": question["nonce"],
        "sha256": question["sha256"],
        "issued_at": leaf_time(utcnow()),
    }
    values.update(changes)
    note = sign_note(HashMatchStatement(**values).text(), [signer])
    return {"format": "tradegate.hash-match-evidence/1", "statement": note.decode()}


@pytest.mark.parametrize(
    ("case", "slug"),
    [
        ("good", None),
        ("other-key", "peer-statement-invalid"),
        ("other-nonce", "peer-statement-invalid"),
        ("other-hash", "peer-statement-invalid"),
        ("other-asker", "peer-statement-invalid"),
        ("garbage", "peer-statement-invalid"),
        ("found-without-proof", "peer-statement-invalid"),
    ],
)
def test_the_asking_hub_answers_its_lender_only_what_verifies(
    client, container, parties, peer, peer_keys, case: str, slug: str | None
) -> None:  # noqa: ANN001
    pinned = NoteSigner("hub-b.example/log", peer_keys.log_signing_key())
    other = log_signer(container.settings, container.keys)

    def answer(question: dict[str, str]) -> Any:  # noqa: ANN401
        from app.domain.hash_match import Match

        match case:
            case "good":
                return _statement(pinned, question)
            case "other-key":
                return _statement(NoteSigner(pinned.name, other.private_key), question)
            case "other-nonce":
                return _statement(pinned, question, nonce="m" * 24)
            case "other-hash":
                return _statement(pinned, question, sha256="0" * 64)
            case "other-asker":
                return _statement(pinned, question, asked_by="hub-c")
            case "garbage":
                return b"<html>hello</html>"
            case _:
                match_ = Match(
                    "dcsa.transport-document",
                    "owner",
                    leaf_time(utcnow()),
                    None,
                    0,
                    "A" * 43 + "=",
                    1,
                )
                return _statement(pinned, question, match=match_)

    container.peer_client.close()
    container.peer_client = FakePeer(answer)
    before = _counts(container)
    reply = client.post(
        "/v1/federation/hash-matches",
        json={"peer": "hub-b", "sha256": SHA},
        headers=parties.h("bank_a"),
    )
    if slug is None:
        assert reply.status_code == 200, reply.text
        assert reply.json()["found"] is False
        return
    assert (reply.status_code, reply.json()["type"]) == (502, f"/problems/{slug}")
    assert _counts(container) == before
