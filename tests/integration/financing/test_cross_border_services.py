"""Cross-border duplicate checks between two hubs' services (each its own database and keys):
the real OPRF exchange, with the peer's serving functions standing in for its HTTP API."""

from __future__ import annotations

import json
import time
import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from app.domain.financing import FinancingState, Terms
from app.services.financing import cross_border
from app.services.financing.federation import checking, outputs
from app.services.financing.registrations import FinancingRequest
from app.storage.base import utcnow
from app.storage.models import Event, FinancingOprfOutput, OutboxMessage
from tests.integration.financing.two_hubs import ServiceTransport, local_hubs
from tests.support import run_coroutine

pytestmark = pytest.mark.integration


@pytest.fixture
def hubs(tmp_path, sqlite_template):
    with local_hubs(tmp_path, sqlite_template) as made:
        for hub in made.values():
            hub.consent("bank_1")
            hub.consent("bank_2")
        yield made


def _request(document_id: str, reference: str, amount: str = "125000.00") -> FinancingRequest:
    return FinancingRequest(
        document_id=uuid.UUID(document_id),
        state=FinancingState.INTENDED,
        terms=Terms(Decimal(amount), "USD", date.today() + timedelta(days=90)),
        reference=reference,
    )


def _register_at_b(hubs, document_id: str, reference: str = "B-LOAN-1") -> dict[str, Any]:
    b, a = hubs["hub-b"], hubs["hub-a"]
    peers = cross_border.Peers((a.ref,), ServiceTransport(hubs, caller=b))
    code, body = run_coroutine(
        cross_border.register(
            b.container,
            b.principal("bank_1"),
            _request(document_id, reference),
            key=uuid.uuid4().hex,
            now=utcnow(),
            peers=peers,
        )
    )
    assert code == 201
    return body


def _check_at_b(hubs, document_id: str) -> dict[str, Any]:
    b, a = hubs["hub-b"], hubs["hub-a"]
    peers = cross_border.Peers((a.ref,), ServiceTransport(hubs, caller=b))
    request = cross_border.checks.CheckRequest(document_id=uuid.UUID(document_id))
    return run_coroutine(
        cross_border.check(b.container, b.principal("bank_1"), request, now=utcnow(), peers=peers)
    )


def _peer(result: dict[str, Any]) -> dict[str, Any]:
    [answer] = result["cross_border"]
    return answer


def _statuses(answer: dict[str, Any]) -> dict[str, tuple[str, int]]:
    return {f["fingerprint"]: (f["status"], f["count"]) for f in answer["fingerprints"]}


def _send_reports(hubs) -> int:
    """Run hub B's queued match reports against hub A (what the outbox handler does)."""
    b, a = hubs["hub-b"], hubs["hub-a"]
    transport = ServiceTransport(hubs, caller=b)
    with b.container.uow() as uow:
        messages = uow.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.topic == checking.REPORT_TOPIC)
        ).all()
        payloads = [dict(m.payload) for m in messages]
    for payload in payloads:
        checking.send_report(transport, a.ref, payload)
    return len(payloads)


def test_the_same_ebl_financed_at_both_hubs_is_a_cross_border_duplicate(hubs):
    a, b = hubs["hub-a"], hubs["hub-b"]
    at_a = a.register("bank_1", a.push_ebl(), reference="ALPHA-HK-7731", amount="987654.32")
    assert at_a.status_code == 201, at_a.text

    body = _register_at_b(hubs, b.push_ebl(), reference="BETA-CN-0042")
    answer = _peer(body["result"])
    assert answer["peer"] == "hub-a" and answer["jurisdiction"] == "HK"
    assert answer["status"] == "DUPLICATE"
    assert _statuses(answer) == {
        "transport-document": ("DUPLICATE", 1),
        "equipment-voyage": ("SIMILAR", 1),
    }
    assert body["result"]["status"] == "CLEAR"  # nothing open at hub B itself

    raw = json.dumps(body).encode()
    lender_a = a.participants["bank_1"]
    for secret in (
        str(lender_a.id),
        lender_a.name,
        "987654.32",
        "ALPHA-HK-7731",
        at_a.json()["id"],
    ):
        assert secret.encode() not in raw

    assert _send_reports(hubs) == 1
    alerts = a.client.get("/v1/events?after=0", headers=a.h("bank_1")).json()["items"]
    [alert] = [e for e in alerts if e["type"] == "financing.duplicate_detected"]
    assert alert["data"]["registration_id"] == at_a.json()["id"]
    assert alert["data"]["status"] == "DUPLICATE"
    assert alert["data"]["cross_border"] == {"peer": "hub-b", "jurisdiction": "CN"}
    alert_bytes = json.dumps(alert).encode()
    lender_b = b.participants["bank_1"]
    for secret in (str(lender_b.id), lender_b.name, "BETA-CN-0042", body["id"]):
        assert secret.encode() not in alert_bytes

    assert _send_reports(hubs) == 1  # a retried report alerts nobody twice
    again = a.client.get("/v1/events?after=0", headers=a.h("bank_1")).json()["items"]
    assert len([e for e in again if e["type"] == "financing.duplicate_detected"]) == 1

    with a.container.uow() as uow:
        kinds = set(uow.session.scalars(sa.select(Event.kind)))
    assert {
        "federation.financing.evaluated",
        "federation.financing.bucket_served",
        "federation.financing.match_reported",
    } <= kinds
    with b.container.uow() as uow:
        checked = uow.session.scalars(
            sa.select(Event).where(Event.kind == "federation.financing.checked")
        ).one()
    assert checked.payload["peers"][0]["status"] == "DUPLICATE"


def test_the_same_container_on_the_same_voyage_under_another_bl_is_similar_across_the_border(
    hubs,
):
    a, b = hubs["hub-a"], hubs["hub-b"]
    assert a.register("bank_1", a.push_ebl()).status_code == 201
    other_bl = b.push_ebl(transportDocumentReference="XYZ000777")
    answer = _peer(_check_at_b(hubs, other_bl))
    assert answer["status"] == "SIMILAR"
    assert _statuses(answer) == {
        "transport-document": ("CLEAR", 0),
        "equipment-voyage": ("SIMILAR", 1),
    }


def test_settling_at_one_hub_clears_the_other_hubs_recheck(hubs):
    a, b = hubs["hub-a"], hubs["hub-b"]
    at_a = a.register("bank_1", a.push_ebl(), state="FINANCED")
    assert at_a.status_code == 201, at_a.text
    document = b.push_ebl()
    assert _peer(_check_at_b(hubs, document))["status"] == "DUPLICATE"

    settled = a.client.post(
        f"/v1/financing/{at_a.json()['id']}/settle",
        json={"reason": "REPAID"},
        headers=a.h("bank_1"),
    )
    assert settled.status_code == 200, settled.text
    with a.container.uow() as uow:
        assert uow.session.scalar(sa.select(sa.func.count()).select_from(FinancingOprfOutput)) == 0
    answer = _peer(_check_at_b(hubs, document))
    assert answer["status"] == "CLEAR"
    assert {f["status"] for f in answer["fingerprints"]} == {"CLEAR"}


def test_a_peer_that_does_not_answer_in_time_is_unavailable_and_the_registration_goes_ahead(
    hubs, monkeypatch
):
    b = hubs["hub-b"]

    class Silent:
        def post(self, peer: checking.PeerRef, path: str, body: dict[str, Any]) -> dict[str, Any]:
            time.sleep(2)
            raise checking.PeerUnavailable("too late")

    monkeypatch.setattr(b.container.settings, "federation_financing_timeout_seconds", 0.2)
    peers = cross_border.Peers((hubs["hub-a"].ref,), Silent())
    started = time.monotonic()
    code, body = run_coroutine(
        cross_border.register(
            b.container,
            b.principal("bank_1"),
            _request(b.push_ebl(), "B-LOAN-9"),
            key=uuid.uuid4().hex,
            now=utcnow(),
            peers=peers,
        )
    )
    elapsed = time.monotonic() - started
    assert code == 201
    assert elapsed < 1.5
    assert _peer(body["result"]) == {
        "peer": "hub-a",
        "jurisdiction": "HK",
        "status": "UNAVAILABLE",
        "fingerprints": [],
    }


def test_rotating_the_oprf_key_keeps_registrations_visible_until_rekeyed(hubs):
    a, b = hubs["hub-a"], hubs["hub-b"]
    assert a.register("bank_1", a.push_ebl()).status_code == 201
    old = a.container.keys.oprf_keyring().current.kid
    a.container.keys.rotate_oprf_key()
    document = b.push_ebl()
    assert _peer(_check_at_b(hubs, document))["status"] == "DUPLICATE"  # under the old key

    with a.container.uow() as uow:
        assert outputs.registrations_only_under(uow.session, old) == 1
        assert outputs.rekey(uow.session, a.container.keys.oprf_keyring()) == 1
        uow.commit()
    with a.container.uow() as uow:
        assert outputs.registrations_only_under(uow.session, old) == 0
    a.container.keys.retire(old)
    assert _peer(_check_at_b(hubs, document))["status"] == "DUPLICATE"  # under the new key


@pytest.mark.parametrize(
    ("path", "body", "slug"),
    [
        (checking.EVALUATE_PATH, {"elements": ["00" * 32]}, "federation-invalid-element"),
        (checking.EVALUATE_PATH, {"elements": ["ff" * 32]}, "federation-invalid-element"),
        (checking.EVALUATE_PATH, {"elements": ["zz" * 32]}, "federation-invalid-element"),
        (checking.EVALUATE_PATH, {"elements": ["ab" * 33]}, "federation-invalid-element"),
        (checking.EVALUATE_PATH, {"elements": []}, "federation-empty-batch"),
        (checking.EVALUATE_PATH, {"elements": ["e2" * 32] * 513}, "federation-batch-too-large"),
        (checking.BUCKET_PATH, {"key_id": "nope", "prefixes": ["abcd"]}, "federation-unknown-key"),
        (
            checking.BUCKET_PATH,
            {"key_id": None, "prefixes": ["abcdef"]},
            "federation-invalid-prefix",
        ),
    ],
)
def test_bad_input_from_a_peer_is_a_422_problem_and_stores_nothing(hubs, path, body, slug):
    a, b = hubs["hub-a"], hubs["hub-b"]
    if body.get("key_id", "") is None:
        body = {**body, "key_id": a.container.keys.oprf_keyring().current.kid}
    with a.container.uow() as uow:
        before = uow.session.scalar(sa.select(sa.func.count()).select_from(Event))
    with pytest.raises(checking.PeerUnavailable) as refused:
        ServiceTransport(hubs, caller=b).post(a.ref, path, body)
    problem = refused.value.__cause__
    assert getattr(problem, "status", None) == 422
    assert getattr(problem, "slug", None) == slug
    with a.container.uow() as uow:
        assert uow.session.scalar(sa.select(sa.func.count()).select_from(Event)) == before
