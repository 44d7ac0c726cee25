"""Two hubs on loopback, peered: the same eBL financed at both is a cross-border DUPLICATE,
with no identity in either hub's answers, and the first hub's lender is alerted."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from app.storage.models import Event, FinancingOprfOutput
from tests.integration.financing.conftest import ebl
from tests.integration.financing.http_hubs import ServedHub, served_hubs
from tests.support import wait_until

pytestmark = pytest.mark.integration

EVALUATE = "/federation/v1/financing/evaluate"


@pytest.fixture(scope="module")
def hubs(tmp_path_factory):
    with served_hubs(tmp_path_factory.mktemp("hubs")) as made:
        for hub in made.values():
            hub.consent("bank_1")
            hub.consent("bank_2")
        yield made


def _peer(result: dict[str, Any], name: str) -> dict[str, Any]:
    [answer] = [a for a in result["cross_border"] if a["peer"] == name]
    return answer


def _statuses(answer: dict[str, Any]) -> dict[str, tuple[str, int]]:
    return {f["fingerprint"]: (f["status"], f["count"]) for f in answer["fingerprints"]}


def _identity(hub: ServedHub, bank: str, *extra: str) -> list[bytes]:
    lender = hub.participants[bank]
    return [s.encode() for s in (str(lender.id), lender.name, *extra)]


def _events(hub: ServedHub, kind: str) -> list[Event]:
    with hub.container.uow() as uow:
        rows = uow.session.scalars(sa.select(Event).where(Event.kind == kind)).all()
        for row in rows:
            uow.session.expunge(row)
    return list(rows)


def test_the_same_ebl_financed_at_both_hubs_is_a_duplicate_without_identities(hubs):
    a, b = hubs["hub-a"], hubs["hub-b"]
    at_a = a.register("bank_1", a.push_ebl(), reference="ALPHA-HK-7731", amount="987654.32")
    assert at_a.status_code == 201, at_a.text
    assert _peer(at_a.json()["result"], "hub-b")["status"] == "CLEAR"

    at_b = b.register("bank_1", b.push_ebl(), reference="BETA-CN-0042", amount="555111.99")
    assert at_b.status_code == 201, at_b.text
    answer = _peer(at_b.json()["result"], "hub-a")
    assert answer == {
        "peer": "hub-a",
        "jurisdiction": "HK",
        "status": "DUPLICATE",
        "fingerprints": [
            {
                "fingerprint": "transport-document",
                "class": "duplicate",
                "status": "DUPLICATE",
                "count": 1,
            },
            {
                "fingerprint": "equipment-voyage",
                "class": "similar",
                "status": "SIMILAR",
                "count": 1,
            },
        ],
    }
    # Neither hub's answer carries anything of the other hub's lender.
    for secret in _identity(a, "bank_1", "987654.32", "ALPHA-HK-7731", at_a.json()["id"]):
        assert secret not in at_b.content
    for secret in _identity(b, "bank_1", "555111.99", "BETA-CN-0042", at_b.json()["id"]):
        assert secret not in at_a.content

    # Hub B reports the match; hub A alerts its own lender, about its own registration.
    def alerted() -> list[dict[str, Any]]:
        return [
            e
            for e in a.events("bank_1")
            if e["type"] == "financing.duplicate_detected" and "cross_border" in e["data"]
        ]

    assert wait_until(lambda: bool(alerted()), timeout=30)
    [alert] = alerted()
    assert alert["data"]["registration_id"] == at_a.json()["id"]
    assert alert["data"]["status"] == "DUPLICATE"
    assert alert["data"]["cross_border"] == {"peer": "hub-b", "jurisdiction": "CN"}
    for secret in _identity(b, "bank_1", "555111.99", "BETA-CN-0042", at_b.json()["id"]):
        assert secret not in json.dumps(alert).encode()
    # Hub B's lender hears of the cross-border duplicate too.
    mine = [e for e in b.events("bank_1") if e["type"] == "financing.duplicate_detected"]
    assert mine and mine[-1]["data"]["cross_border"][0]["status"] == "DUPLICATE"

    # Both hubs recorded the check.
    assert _events(a, "federation.financing.evaluated")
    assert _events(a, "federation.financing.bucket_served")
    assert _events(a, "federation.financing.match_reported")
    assert _events(b, "federation.financing.checked")


def test_the_same_equipment_and_voyage_under_another_bl_is_similar_across_the_border(hubs):
    a, b = hubs["hub-a"], hubs["hub-b"]
    at_a = a.register("bank_2", a.push_ebl(transportDocumentReference="SIMI000001"))
    assert at_a.status_code == 201, at_a.text
    checked = b.check("bank_2", b.push_ebl(transportDocumentReference="SIMI000002"))
    assert checked.status_code == 200, checked.text
    answer = _peer(checked.json(), "hub-a")
    assert answer["status"] == "SIMILAR"
    assert _statuses(answer)["transport-document"] == ("CLEAR", 0)
    assert _statuses(answer)["equipment-voyage"][0] == "SIMILAR"


def _own_container(reference: str, equipment: str) -> dict[str, Any]:
    """eBL members: its own BL reference and container, so nothing else matches it."""
    td = json.loads(json.dumps(ebl()).replace("KKFU6671914", equipment))
    return {
        "transportDocumentReference": reference,
        "utilizedTransportEquipments": td["utilizedTransportEquipments"],
        "consignmentItems": td["consignmentItems"],
    }


def test_settling_at_one_hub_makes_the_other_hubs_recheck_clear(hubs):
    a, b = hubs["hub-a"], hubs["hub-b"]
    members = _own_container("SETTLE0001", "TGHU1234567")
    at_a = a.register("bank_2", a.push_ebl(**members), state="FINANCED")
    assert at_a.status_code == 201, at_a.text
    document = b.push_ebl(**members)
    assert _peer(b.check("bank_2", document).json(), "hub-a")["status"] == "DUPLICATE"

    settled = httpx.post(
        f"{a.base}/v1/financing/{at_a.json()['id']}/settle",
        json={"reason": "REPAID"},
        headers=a.h("bank_2"),
    )
    assert settled.status_code == 200, settled.text
    with a.container.uow() as uow:
        left = uow.session.scalar(
            sa.select(sa.func.count())
            .select_from(FinancingOprfOutput)
            .where(FinancingOprfOutput.registration_id == uuid.UUID(at_a.json()["id"]))
        )
    assert left == 0
    answer = _peer(b.check("bank_2", document).json(), "hub-a")
    assert answer["status"] == "CLEAR"
    assert {f["status"] for f in answer["fingerprints"]} == {"CLEAR"}


@pytest.mark.parametrize(
    ("elements", "slug"),
    [
        (["zz" * 32], "federation-invalid-element"),  # not hex
        (["00" * 32], "federation-invalid-element"),  # the identity
        (["ff" * 32], "federation-invalid-element"),  # not a canonical encoding
        (["e2" * 32] * 513, None),  # oversize batch: refused by the request model
    ],
    ids=["not-hex", "identity", "not-a-point", "oversize"],
)
def test_bad_input_from_a_peer_is_a_4xx_problem_and_stores_nothing(hubs, elements, slug):
    a, b = hubs["hub-a"], hubs["hub-b"]
    before = len(_events(a, "federation.financing.evaluated"))
    refused = httpx.post(
        f"{a.base}{EVALUATE}", json={"elements": elements}, headers=b.assertion_for(a, EVALUATE)
    )
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    if slug is not None:
        assert refused.json()["type"] == f"/problems/{slug}"
    assert len(_events(a, "federation.financing.evaluated")) == before


def test_an_unsigned_call_to_the_peer_api_is_refused(hubs):
    a = hubs["hub-a"]
    refused = httpx.post(f"{a.base}{EVALUATE}", json={"elements": ["e2" * 32]})
    assert refused.status_code == 401
    assert refused.headers["content-type"].startswith("application/problem+json")
