"""Anchoring policy: interval or leaf count, exponential backoff, re-anchoring to a new sink."""

from datetime import timedelta

import pytest

from app.ledger import store
from app.ledger.sinks import AnchorError, TrustAnchors, by_url
from app.services.common.events import chain_pending, record_event
from app.services.ledger import log as svc
from app.services.ledger.anchoring import (
    AnchorOutcome,
    plan_anchoring,
    plan_reanchoring,
    record_outcome,
    run_plan,
)
from app.storage.base import utcnow

pytestmark = pytest.mark.integration


def events(container, count):
    with container.uow() as uow:
        for i in range(count):
            record_event(uow.session, kind="test.event", actor="t", subject=f"s:{i}", payload={})
        uow.commit()


def plan(container, now, **kwargs):
    with container.uow() as uow:
        return plan_anchoring(uow.session, container.settings, now, **kwargs)


def record(container, the_plan, outcome, now):
    with container.uow() as uow:
        record_outcome(uow.session, container.settings, the_plan, outcome, now)
        uow.commit()


def state(container):
    with container.uow() as uow:
        return store.peek_state(uow.session)


def test_first_checkpoint_is_anchored_at_once_then_every_interval_or_n_leaves(container):
    container.settings.ledger_anchor_interval_seconds = 60
    container.settings.ledger_anchor_max_leaves = 10
    assert plan(container, utcnow()) is None
    events(container, 3)
    now = utcnow()
    first = plan(container, now)
    assert first is not None and first.size == 3 and first.sinks == ("none://",)
    record(container, first, run_plan(first, by_url), now)
    assert state(container).anchored_size == 3
    events(container, 4)
    assert plan(container, now + timedelta(seconds=30)) is None
    assert plan(container, now + timedelta(seconds=61)).size == 7
    events(container, 6)
    assert plan(container, now + timedelta(seconds=1)).size == 13


class Failing:
    def anchor(self, checkpoint):
        raise AnchorError("notary down")


def test_failures_back_off_exponentially_and_lag_grows_until_success(container):
    events(container, 2)
    now = utcnow()
    for attempt in range(1, 4):
        the_plan = plan(container, now)
        assert the_plan is not None
        outcome = run_plan(the_plan, lambda url: Failing())
        assert outcome.errors == {"none://": "notary down"}
        record(container, the_plan, outcome, now)
        current = state(container)
        assert current.anchor_failures == attempt
        assert current.next_anchor_attempt_at == now + timedelta(seconds=2**attempt)
        assert plan(container, now + timedelta(seconds=2**attempt - 1)) is None
        now += timedelta(seconds=2**attempt)
    with container.uow() as uow:
        assert svc.anchoring_lag_seconds(uow.session, now) >= 14
        container.settings.ledger_anchor_max_lag_seconds = 10
        assert "anchoring stalled" in svc.anchoring_health(uow.session, container.settings, now)
    the_plan = plan(container, now)
    record(container, the_plan, run_plan(the_plan, by_url), now)
    assert state(container).anchor_failures == 0
    with container.uow() as uow:
        assert svc.anchoring_lag_seconds(uow.session, now) == 0
        assert svc.anchoring_health(uow.session, container.settings, now) is None


def test_lag_counts_from_the_first_leaf_the_anchor_did_not_cover(container):
    events(container, 2)
    now = utcnow()
    the_plan = plan(container, now)
    events(container, 1)
    record(
        container,
        the_plan,
        AnchorOutcome({"none://": by_url("none://").anchor(the_plan.note)}, {}),
        now,
    )
    current = state(container)
    assert current.anchored_size == 2 and current.size == 3
    assert current.unanchored_since is not None


def test_reanchoring_adds_a_receipt_from_a_new_sink_and_old_ones_stay_verifiable(
    tsa_container, local_tsa
):
    from web3 import EthereumTesterProvider, Web3

    from app.ledger.sinks import receipt_from_json, verify_receipt
    from app.ledger.sinks.evm import EvmSink, deploy_contract
    from app.storage.models.ledger import LedgerAnchor

    container = tsa_container
    events(container, 5)
    first = plan(container, utcnow())
    record(
        container,
        first,
        run_plan(first, lambda url: by_url(url, trust=TrustAnchors([local_tsa.root]))),
        utcnow(),
    )
    web3 = Web3(EthereumTesterProvider())
    address = deploy_contract(web3)
    chain_url = f"evm+http://chain.invalid/?chain_id={web3.eth.chain_id}&contract={address}"
    with container.uow() as uow:
        again = plan_reanchoring(uow.session, chain_url)
    assert again.size == 5 and again.sinks == (chain_url,)
    evm = EvmSink(web3, chain_id=web3.eth.chain_id, contract=address)
    record(container, again, run_plan(again, lambda url: evm), utcnow())
    with container.uow() as uow:
        anchors = uow.session.query(LedgerAnchor).all()
        assert sorted(a.kind for a in anchors) == ["evm", "rfc3161"]
        assert plan_reanchoring(uow.session, chain_url).sinks == ()
        checkpoint = svc.current_checkpoint(uow.session).note.encode()
    trust = TrustAnchors(certificates=[local_tsa.root], evm_nodes={web3.eth.chain_id: web3})
    for stored in anchors:
        assert verify_receipt(checkpoint, receipt_from_json(stored.receipt), trust)


def test_a_broken_event_chain_stops_the_sequencer_and_then_writes(container):
    from sqlalchemy import text
    from sqlalchemy.orm import Session

    from app.services.ledger.log import LedgerGapError, integrate_pending

    with Session(container.engine) as session:
        for i in range(3):
            record_event(session, kind="test.event", actor="t", subject=f"g:{i}", payload={})
        chain_pending(session, 10)  # linked, but not in the log yet
        session.commit()
        session.execute(text("DELETE FROM events WHERE seq = 2"))
        session.commit()
    with container.uow() as uow, pytest.raises(LedgerGapError):
        integrate_pending(uow.session, container.settings, container.keys)
    container.settings.ledger_anchor_max_lag_seconds = 60
    with container.uow() as uow:
        assert svc.anchoring_health(uow.session, container.settings) is None
        later = utcnow() + timedelta(seconds=61)
        assert "sequencing stalled" in svc.anchoring_health(uow.session, container.settings, later)
