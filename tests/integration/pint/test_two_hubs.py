"""Two hubs on loopback transfer an eBL A -> B -> A with a supporting document; title moves."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from app.storage.models import Document, EblVersion
from tests.pint_hubs import Hub, linked_hubs, transfer

pytestmark = pytest.mark.integration

PDF = b"%PDF-1.7 packing list"


def _holder(hub: Hub) -> tuple[str | None, str | None]:
    with hub.container.uow() as uow:
        row = uow.session.scalars(sa.select(EblVersion)).one()
        return (row.holder or {}).get("partyName"), row.holder_platform


def _latest_document(hub: Hub) -> Document:
    with hub.container.uow() as uow:
        return uow.session.scalars(
            sa.select(Document)
            .options(sa.orm.undefer(Document.content))
            .order_by(Document.received_at.desc())
            .limit(1)
        ).one()


def test_an_ebl_goes_from_hub_a_to_hub_b_and_back_with_its_document(tmp_path):  # noqa: ANN001
    with linked_hubs(tmp_path) as hubs:
        a, b = hubs.a, hubs.b
        received_at_a = hubs.issue_to_a({"packing-list.pdf": PDF})
        assert _holder(a) == (a.account["partyName"], "TGTA")

        done = transfer(a, received_at_a, hubs.to_b, b.account)
        assert (done["state"], done["response_code"]) == ("accepted", "RECE"), done
        assert _holder(a) == (b.account["partyName"], "TGTB")
        at_b = _latest_document(b)
        assert at_b.provenance["ebl"]["label"] == "chain_verified"
        assert _holder(b) == (b.account["partyName"], "TGTB")
        assert len(json.loads(at_b.content)["envelopeTransferChain"]) == 2

        refused = transfer(a, received_at_a, hubs.to_b, b.account)
        assert refused["type"] == "/problems/pint-not-holder"

        back = transfer(b, at_b.id, hubs.to_a, a.account)
        assert (back["state"], back["response_code"]) == ("accepted", "RECE"), back
        assert _holder(a) == (a.account["partyName"], "TGTA")
        assert _holder(b) == (a.account["partyName"], "TGTA")
        returned = _latest_document(a)
        assert len(json.loads(returned.content)["envelopeTransferChain"]) == 3
        assert returned.id != received_at_a
