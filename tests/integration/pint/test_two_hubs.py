"""Two hubs on loopback transfer an eBL A -> B -> A with a supporting document; title moves."""

from __future__ import annotations

import json

import httpx
import pytest
import sqlalchemy as sa

from app.storage.models import Document, EblVersion
from tests.integration.pint.conftest import SENDER, Peer
from tests.pint_hubs import Hub, running_hub
from tests.pint_peer import Signatory, b64, envelope, sha
from tests.support import wait_until

pytestmark = pytest.mark.integration

PDF = b"%PDF-1.7 packing list"


@pytest.fixture
def hubs(tmp_path):  # noqa: ANN001, ANN201
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with (
        running_hub(tmp_path / "a", "TGTA", "IMP-001") as a,
        running_hub(tmp_path / "b", "TGTB", "BANK-9") as b,
    ):
        yield a, b


def _transfer(hub: Hub, document_id, instance_id, recipient) -> dict:  # noqa: ANN001
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
        return r.json()
    url = f"{hub.base}/v1/pint/transfers/{r.json()['id']}"
    assert wait_until(lambda: httpx.get(url, headers=headers).json()["state"] != "pending", 60)
    return httpx.get(url, headers=headers).json()


def _holder(hub: Hub) -> tuple[str | None, str | None]:
    with hub.container.uow() as uow:
        row = uow.session.scalars(sa.select(EblVersion)).one()
        return (row.holder or {}).get("partyName"), row.holder_platform


def _latest_document(hub: Hub):  # noqa: ANN202
    with hub.container.uow() as uow:
        return uow.session.scalars(
            sa.select(Document)
            .options(sa.orm.undefer(Document.content))
            .order_by(Document.received_at.desc())
            .limit(1)
        ).one()


def test_an_ebl_goes_from_hub_a_to_hub_b_and_back_with_its_document(hubs):  # noqa: ANN001
    a, b = hubs
    platform, carrier = Signatory("wave-1", alg="RS256"), Signatory("msc-1")
    for hub in (a, b):
        hub.trust("platform", SENDER, platform.jwks())
        hub.trust("carrier", "MSC", carrier.jwks(), provider="SMDG")
    a.trust("platform", b.code, b.jwks())
    b.trust("platform", a.code, a.jwks())
    to_b, to_a = a.peer_instance(b), b.peer_instance(a)

    # the issuing platform WAVE sends the eBL with a packing list to an account on hub A
    peer = Peer(platform, carrier, a.jwks(), None)
    document = peer.document()
    chain = [peer.issue_entry(document, a.account)]
    env = envelope(platform, document, chain, {"packing-list.pdf": PDF})
    started = httpx.post(f"{a.pint_url}/v3/envelopes", content=env.raw()).json()
    reference = started["envelopeReference"]
    url = f"{a.pint_url}/v3/envelopes/{reference}"
    assert httpx.put(f"{url}/additional-documents/{sha(PDF)}", content=b64(PDF)).status_code == 204
    assert httpx.put(f"{url}/finish-transfer").status_code == 200
    assert _holder(a) == (a.account["partyName"], "TGTA")
    received_at_a = _latest_document(a)

    # A -> B: the holder on A transfers to the bank on B
    done = _transfer(a, received_at_a.id, to_b, b.account)

    assert (done["state"], done["response_code"]) == ("accepted", "RECE"), done
    assert _holder(a) == (b.account["partyName"], "TGTB")
    at_b = _latest_document(b)
    assert at_b.provenance["ebl"]["label"] == "chain_verified"
    assert _holder(b) == (b.account["partyName"], "TGTB")
    assert len(json.loads(at_b.content)["envelopeTransferChain"]) == 2

    # A no longer holds title: a second send is refused
    refused = _transfer(a, received_at_a.id, to_b, b.account)
    assert refused["type"] == "/problems/pint-not-holder"

    # B -> A: back to the original holder, packing list and all
    back = _transfer(b, at_b.id, to_a, a.account)
    assert (back["state"], back["response_code"]) == ("accepted", "RECE"), back
    assert _holder(a) == (a.account["partyName"], "TGTA")
    assert _holder(b) == (a.account["partyName"], "TGTA")
    returned = _latest_document(a)
    chain = json.loads(returned.content)["envelopeTransferChain"]
    assert len(chain) == 3 and returned.id != received_at_a.id
