"""A sending platform transfers eBLs to the hub over PINT 3.0.0; every response code is reached."""

from __future__ import annotations

import base64
import json
import uuid

import pytest
import sqlalchemy as sa

from app.storage.models import Document, EblVersion, Event, PintEnvelope
from tests.integration.pint.conftest import ACCOUNT, HUB, SENDER, SHIPPER, Peer
from tests.pint_peer import (
    Signatory,
    b64,
    entry,
    envelope,
    hs256_forgery,
    issuance_manifest,
    jcs_sha,
    party,
    resign,
    sha,
    transaction,
)
from tests.support import REFERENCE, both_backends

pytestmark = pytest.mark.integration

BASE = "/pint/v3/envelopes"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


PDF = b"%PDF-1.7 commercial invoice 4711"


def _start(client, env) -> object:  # noqa: ANN001
    return client.post(BASE, content=env.raw(), headers={"Content-Type": "application/json"})


def _upload(client, reference: str, content: bytes, checksum: str | None = None):  # noqa: ANN001, ANN202
    return client.put(
        f"{BASE}/{reference}/additional-documents/{checksum or sha(content)}",
        content=b64(content),
        headers={"Content-Type": "application/json"},
    )


def _finish(client, reference: str):  # noqa: ANN001, ANN202
    return client.put(f"{BASE}/{reference}/finish-transfer")


def _refused(client, peer: Peer, env, code: str = "BENV") -> dict:  # noqa: ANN001
    r = _start(client, env)
    assert r.status_code == 422, r.text
    signed = peer.response(r)
    assert signed["responseCode"] == code
    assert signed["lastEnvelopeTransferChainEntrySignedContentChecksum"] == env.last_checksum
    return signed


@both_backends
def test_an_ebl_with_a_supporting_document_is_received_end_to_end(client, container, peer):  # noqa: ANN001
    env = peer.envelope(documents={"invoice.pdf": PDF})
    r = _start(client, env)
    assert r.status_code == 201, r.text
    started = r.json()
    assert r.headers["API-Version"] == "3.0.0"
    assert started["missingAdditionalDocumentChecksums"] == [sha(PDF)]
    assert started["transportDocumentChecksum"] == jcs_sha(env.body["transportDocument"])
    reference = started["envelopeReference"]
    assert _upload(client, reference, PDF).status_code == 204
    r = _finish(client, reference)
    assert r.status_code == 200, r.text
    signed = peer.response(r)
    assert signed == {
        "lastEnvelopeTransferChainEntrySignedContentChecksum": env.last_checksum,
        "responseCode": "RECE",
        "receivedAdditionalDocumentChecksums": [sha(PDF)],
    }
    with container.uow() as uow:
        row = uow.session.scalars(sa.select(PintEnvelope)).one()
        document = uow.session.get(Document, row.document_id)
        assert document.owner_id == peer.account_participant.id
        assert document.doc_type == "dcsa.pint.envelope"
        assert document.provenance["ebl"]["label"] == "chain_verified"
        version = uow.session.scalars(sa.select(EblVersion)).one()
        assert version.holder == ACCOUNT and version.holder_platform == HUB
        accepted = uow.session.scalars(
            sa.select(Event).where(Event.kind == "pint.envelope_accepted")
        ).one()
        assert accepted.payload["additional_documents"] == [sha(PDF)]
        assert accepted.payload["transfer_chain"] == [sha(e.encode()) for e in env.chain]
    # the finished transfer answers the same again, and is not reopened by a resend
    assert peer.response(_finish(client, reference))["responseCode"] == "RECE"
    again = _start(client, env)
    assert again.status_code == 200 and peer.response(again)["responseCode"] == "DUPE"


def test_without_additional_documents_the_transfer_is_accepted_at_once(client, peer):  # noqa: ANN001
    r = _start(client, peer.envelope())
    assert r.status_code == 200 and peer.response(r)["responseCode"] == "RECE"


def test_signature_failures_are_bsig(client, peer):  # noqa: ANN001
    document = peer.document()
    stranger = Signatory("wave-2026", alg="PS256")  # same kid, other key
    forged = envelope(stranger, document, [peer.issue_entry(document)])
    assert _refused(client, peer, forged, "BSIG")["reason"]
    untrusted = Signatory("wave-unknown")
    env = envelope(untrusted, document, [entry(untrusted, SENDER, document, [])])
    _refused(client, peer, env, "BSIG")
    good = peer.envelope(document)
    body = dict(good.body)
    payload = {
        "transportDocumentChecksum": jcs_sha(document),
        "lastEnvelopeTransferChainEntrySignedContentChecksum": good.last_checksum,
    }
    # HS256 "signed" with the platform's public key material as the secret: key confusion
    secret = json.dumps(peer.platform.public_jwk()).encode()
    body["envelopeManifestSignedContent"] = hs256_forgery(payload, secret, "wave-2026")
    good.body = body
    assert _refused(client, peer, good, "BSIG")["reason"].startswith("manifest")
    carrier_forged = envelope(
        peer.platform,
        document,
        [
            entry(
                peer.platform,
                SENDER,
                document,
                [transaction("ISSUE", SHIPPER, SHIPPER), transaction("TRANSFER", SHIPPER, ACCOUNT)],
                issuance_manifest=issuance_manifest(Signatory("msc-2026"), document, SHIPPER),
            )
        ],
    )
    _refused(client, peer, carrier_forged, "BSIG")


def test_envelope_faults_are_benv(client, peer):  # noqa: ANN001
    document = peer.document()
    tampered = peer.envelope(document)
    tampered.body["transportDocument"] = {**document, "termsAndConditions": "changed"}
    assert "different transport document" in _refused(client, peer, tampered)["reason"]
    first = peer.issue_entry(document)
    unlinked = entry(
        peer.platform, SENDER, document, [transaction("TRANSFER", SHIPPER, ACCOUNT)], previous="x"
    )
    _refused(client, peer, envelope(peer.platform, document, [first, unlinked]))
    elsewhere = party("Importer Ltd", "BOLE", "IMP-001", provider=HUB)
    _refused(
        client, peer, envelope(peer.platform, document, [peer.issue_entry(document, elsewhere)])
    )
    stranger = party("Nobody", HUB, "NOBODY", provider=HUB)
    _refused(
        client, peer, envelope(peer.platform, document, [peer.issue_entry(document, stranger)])
    )
    no_issue = entry(
        peer.platform,
        SENDER,
        document,
        [transaction("TRANSFER", SHIPPER, ACCOUNT)],
        issuance_manifest=issuance_manifest(peer.carrier, document, SHIPPER),
    )
    _refused(client, peer, envelope(peer.platform, document, [no_issue]))
    broken_rules = peer.document(transportDocumentTypeCode="SWB")
    assert _refused(client, peer, peer.envelope(broken_rules))["reason"].startswith("R01")


def test_resends_are_dupe_and_a_conflicting_history_is_dise(client, peer):  # noqa: ANN001
    document = peer.document()
    first = peer.envelope(document)
    assert peer.response(_start(client, first))["responseCode"] == "RECE"
    resigned = envelope(peer.platform, document, [resign(peer.platform, first.chain[0])])
    assert resigned.last_checksum != first.last_checksum  # a new signature, the same entry
    r = _start(client, resigned)
    dupe = peer.response(r)
    assert r.status_code == 200 and dupe["responseCode"] == "DUPE"
    assert dupe["duplicateOfAcceptedEnvelopeTransferChainEntrySignedContent"] == first.chain[-1]
    other = party("Second buyer", HUB, "IMP-001", provider=HUB)
    rival = envelope(peer.platform, document, [peer.issue_entry(document, other)])
    r = _start(client, rival)
    assert r.status_code == 409 and peer.response(r)["responseCode"] == "DISE"


def test_missing_and_corrupted_documents_are_mdoc_and_incd(client, peer):  # noqa: ANN001
    env = peer.envelope(documents={"a.pdf": PDF, "b.pdf": PDF + b"2"})
    reference = _start(client, env).json()["envelopeReference"]
    r = _finish(client, reference)
    assert r.status_code == 409
    mdoc = peer.response(r)
    assert mdoc["responseCode"] == "MDOC"
    assert sorted(mdoc["missingAdditionalDocumentChecksums"]) == sorted([sha(PDF), sha(PDF + b"2")])
    r = _upload(client, reference, b"not the invoice", checksum=sha(PDF))
    assert r.status_code == 409 and peer.response(r)["responseCode"] == "INCD"
    r = _upload(client, reference, b"undeclared")
    assert r.status_code == 409 and peer.response(r)["responseCode"] == "INCD"
    assert _upload(client, reference, PDF).status_code == 204
    assert peer.response(_finish(client, reference))["missingAdditionalDocumentChecksums"] == [
        sha(PDF + b"2")
    ]


def test_unsigned_answers_for_what_is_not_an_envelope(client, peer):  # noqa: ANN001
    r = client.post(BASE, content=b'{"transportDocument": {}}')
    assert r.status_code == 400 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["type"] == "/problems/pint-envelope-invalid"
    r = _finish(client, "00000000-0000-0000-0000-000000000000")
    assert r.status_code == 404 and r.json()["type"] == "/problems/pint-envelope-not-found"
    r = _upload(client, "not-a-reference", PDF)
    assert r.status_code == 404


def test_the_official_example_envelope_passes_the_schema_but_not_the_signatures(client, peer):  # noqa: ANN001
    raw = (REFERENCE / "dcsa/examples/EblEnvelope_regularSTD.json").read_bytes()
    r = client.post(BASE, content=raw, headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and peer.response(r)["responseCode"] == "BSIG"


def test_receiver_validation_names_known_accounts_only(client, peer):  # noqa: ANN001
    url = "/pint/v3/receiver-validation"
    r = client.post(url, json={"codeListProvider": HUB, "partyCode": "IMP-001"})
    assert r.status_code == 200 and r.json() == {"partyName": "Importer Ltd"}
    r = client.post(url, json={"codeListProvider": HUB, "partyCode": "NOPE"})
    assert r.status_code == 404


def test_caps_on_size_and_documents(client, container, peer):  # noqa: ANN001
    limits = container.settings
    many = {f"d{i}.pdf": bytes([i]) * 3 for i in range(limits.pint_max_documents + 1)}
    assert _refused(client, peer, peer.envelope(documents=many))["reason"]
    huge = b"x" * (limits.pint_max_envelope_bytes + 1)
    assert client.post(BASE, content=huge).status_code == 413


def test_an_unfinished_transfer_expires(client, container, peer):  # noqa: ANN001
    env = peer.envelope(documents={"a.pdf": PDF})
    reference = _start(client, env).json()["envelopeReference"]
    with container.uow() as uow:
        row = uow.session.get(PintEnvelope, uuid.UUID(reference))
        row.expires_at = row.created_at
        uow.commit()
    assert _upload(client, reference, PDF).status_code == 404
    assert _finish(client, reference).status_code == 404
    # a new start opens a fresh transfer; the expired one is closed for good
    assert _start(client, env).status_code == 201
    with container.uow() as uow:
        states = sorted(uow.session.scalars(sa.select(PintEnvelope.state)))
    assert states == ["expired", "open"]


def test_accounts_are_managed_from_the_cli(container, make_participant):  # noqa: ANN001
    from typer.testing import CliRunner

    from app.cli import cli
    from tests.support import settings_env

    buyer = make_participant("Buyer", roles=("owner",))
    env = {**settings_env(container.settings), "TRADEGATE_PINT_PLATFORM_CODE": HUB}
    runner = CliRunner()
    r = runner.invoke(
        cli,
        ["pint", "accounts", "add", str(buyer.id), "--party-code", "BUY-9", "--name", "Buyer"],
        env=env,
    )
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["code_list_provider"] == HUB
    listed = json.loads(runner.invoke(cli, ["pint", "accounts", "list"], env=env).output)
    assert [a["party_code"] for a in listed] == ["BUY-9"]
    status = json.loads(runner.invoke(cli, ["pint", "status"], env=env).output)
    assert status["platform_code"] == HUB and status["endpoints"].endswith("/pint/v3")
    r = runner.invoke(cli, ["pint", "accounts", "remove", listed[0]["id"]], env=env)
    assert r.exit_code == 0
    unknown = str(uuid.uuid4())
    send = ["pint", "send", unknown, "--peer", unknown, "--to-code", "X", "--to-code-list", "BOLE"]
    r = runner.invoke(cli, [*send, "--to-name", "X", "--to-platform", "BOLE"], env=env)
    assert r.exit_code == 2 and "no eBL received over PINT" in r.output


def test_hostile_jws_contents_are_refused_not_crashed_on(client, peer):  # noqa: ANN001
    document = peer.document()
    deep = peer.platform.sign(b"[" * 50_000 + b"]" * 50_000)
    assert _refused(client, peer, envelope(peer.platform, document, [deep]))["reason"]
    odd_alg = peer.platform.sign({"eblPlatform": SENDER}).split(".")
    header = b64url(json.dumps({"alg": ["ES256"], "kid": "wave-2026"}).encode())
    token = ".".join([header, *odd_alg[1:]])
    _refused(client, peer, envelope(peer.platform, document, [token]), "BSIG")
