"""Peers witness each other: adding a peer registers its log here and makes it our witness."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.services.federation.peers import add_peer
from app.services.ledger.log import log_verifier
from app.services.witness.cosigning import witness_endpoints
from app.services.witness.witnessing import add_witnessed_log
from app.settings import Settings
from app.storage.models import LedgerCosignature, WitnessedLog
from app.tasks.ledger import sequence
from app.tasks.witness import submit_checkpoints

pytestmark = pytest.mark.integration


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Hub A: no witness configured, peers allowed on loopback http."""
    return settings.model_copy(
        update={
            "issuer": "http://hub-a.test",
            "jurisdiction": "HK",
            "federation_allow_http_loopback": True,
        }
    )


def test_adding_a_peer_witnesses_its_log_and_makes_it_a_witness_of_ours(
    container, witness_hub, make_document, make_participant
):
    pin = log_verifier(witness_hub.container.settings, witness_hub.container.keys).vkey
    with container.uow() as uow:
        peer = add_peer(
            uow.session,
            container.settings,
            container.peer_client,
            url=witness_hub.base,
            pin=pin,
            actor="test",
        )
        uow.commit()
        peer_origin = peer.log_origin
    with container.uow() as uow:
        row = uow.session.get(WitnessedLog, peer_origin)
        assert row is not None and row.vkey == pin and row.size == 0
        (endpoint,) = witness_endpoints(uow.session, container.settings)
    assert endpoint.vkey == witness_hub.witness.vkey
    assert endpoint.url == f"{witness_hub.base}/federation/v1/witness"

    # Hub B witnesses A (as its own add_peer would register A's log there).
    with witness_hub.container.uow() as uow:
        origin = container.settings.effective_ledger_origin
        add_witnessed_log(
            uow.session, origin, log_verifier(container.settings, container.keys).vkey
        )
        uow.commit()
    make_document(make_participant("Carrier"), make_participant("Shipper", ("owner",)))
    sequence(container)
    (outcome,) = submit_checkpoints(container)
    assert outcome.status == "cosigned", outcome
    with container.uow() as uow:
        stored = uow.session.execute(sa.select(LedgerCosignature.witness_vkey)).scalars().all()
    assert stored == [witness_hub.witness.vkey]
