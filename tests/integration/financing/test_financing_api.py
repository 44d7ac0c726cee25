"""Lenders register financing and learn of double financing, never of each other."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from lxml import etree

from app.services.financing import transitions
from tests.integration.financing.conftest import TRANSPORT, ebl, registration
from tests.support import both_backends

pytestmark = [pytest.mark.integration, both_backends]


def _statuses(result: dict[str, Any]) -> dict[str, tuple[str, int]]:
    return {f["fingerprint"]: (f["status"], f["count"]) for f in result["fingerprints"]}


def _reformatted_ebl() -> bytes:
    """The same eBL as another provider sends it: other case, key order and layout."""
    td = ebl()
    td["carrierCode"] = td["carrierCode"].lower()
    td["transportDocumentReference"] = td["transportDocumentReference"].lower()
    for voyage in td["transports"]["vesselVoyages"]:
        voyage["vesselName"] = voyage["vesselName"].upper()
    return json.dumps(td, indent=3, sort_keys=True).encode()


def test_two_banks_financing_one_ebl_pushed_twice_learn_of_it_without_each_others_data(
    client, hub, consent, push_ebl, register
):
    consent("bank_a")
    consent("bank_b")
    first_copy = push_ebl("carrier")
    second_copy = push_ebl("platform", raw=_reformatted_ebl())
    assert first_copy != second_copy

    first = register("bank_a", first_copy, reference="ALPHA-LOAN-7731", amount="987654.32")
    assert first.status_code == 201, first.text
    assert first.json()["result"]["status"] == "CLEAR"

    second = register("bank_b", second_copy, reference="BETA-LOAN-0042", amount="555111.99")
    assert second.status_code == 201, second.text
    answer = second.json()["result"]
    assert answer["status"] == "DUPLICATE"
    assert _statuses(answer) == {
        "transport-document": ("DUPLICATE", 1),
        "equipment-voyage": ("DUPLICATE", 1),
    }

    feed = client.get("/v1/events?after=0", headers=hub.h("bank_a"))
    assert feed.status_code == 200, feed.text
    alerts = [e for e in feed.json()["items"] if e["type"] == "financing.duplicate_detected"]
    assert [a["data"]["registration_id"] for a in alerts] == [first.json()["id"]]
    assert alerts[0]["data"]["status"] == "DUPLICATE"

    feed_b = client.get("/v1/events?after=0", headers=hub.h("bank_b"))
    alerts_b = [e for e in feed_b.json()["items"] if e["type"] == "financing.duplicate_detected"]
    assert [a["data"]["registration_id"] for a in alerts_b] == [second.json()["id"]]
    # The whole feed (consent and document notifications too) names no other bank; the
    # financing answer and alerts do not even name the other bank's copy of the document.
    for secret in (str(hub.bank_a.id), hub.bank_a.name, "987654.32", "ALPHA-LOAN-7731"):
        assert secret.encode() not in second.content + feed_b.content
    assert first_copy.encode() not in second.content + json.dumps(alerts_b).encode()
    for secret in (str(hub.bank_b.id), hub.bank_b.name, "555111.99", "BETA-LOAN-0042"):
        assert secret.encode() not in feed.content
    assert second_copy.encode() not in json.dumps(alerts).encode()

    first_id = first.json()["id"]
    assert (
        client.post(f"/v1/financing/{first_id}/finance", headers=hub.h("bank_a")).status_code == 200
    )
    settled = client.post(
        f"/v1/financing/{first_id}/settle", json={"reason": "REPAID"}, headers=hub.h("bank_a")
    )
    assert settled.status_code == 200, settled.text
    assert settled.json()["state"] == "SETTLED"
    recheck = client.post(f"/v1/financing/check?document_id={second_copy}", headers=hub.h("bank_b"))
    assert recheck.json()["status"] == "DUPLICATE_SAME_LENDER"
    cancelled = client.post(
        f"/v1/financing/{second.json()['id']}/cancel",
        json={"reason": "DUPLICATE_FINANCING"},
        headers=hub.h("bank_b"),
    )
    assert cancelled.json()["state"] == "CANCELLED"
    recheck = client.post(f"/v1/financing/check?document_id={second_copy}", headers=hub.h("bank_b"))
    assert recheck.status_code == 200, recheck.text
    assert recheck.json()["status"] == "CLEAR"


def test_the_same_container_on_the_same_voyage_under_another_bl_is_similar(
    hub, consent, push_ebl, register
):
    consent("bank_a")
    consent("bank_b")
    assert register("bank_a", push_ebl()).status_code == 201
    other_bl = push_ebl(transportDocumentReference="XYZ000777")
    answer = register("bank_b", other_bl).json()["result"]
    assert answer["status"] == "SIMILAR"
    assert _statuses(answer) == {
        "transport-document": ("CLEAR", 0),
        "equipment-voyage": ("SIMILAR", 1),
    }


def _invoice(reference_xml: bytes, total: str) -> bytes:
    tree = etree.fromstring(reference_xml)
    ns = {
        "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
    }
    (element,) = tree.xpath("//ram:GrandTotalAmount", namespaces=ns)
    element.text = total
    return etree.tostring(tree)


def test_the_same_invoice_with_another_amount_is_similar(
    hub, consent, store_document, register, reference
):
    consent("bank_a")
    consent("bank_b")
    original = (reference / "uncefact/examples/CII_example1.xml").read_bytes()
    assert register("bank_a", store_document(original)).status_code == 201
    inflated = register("bank_b", store_document(_invoice(original, "2503.30"))).json()["result"]
    assert inflated["status"] == "SIMILAR"
    assert _statuses(inflated) == {
        "invoice-total": ("CLEAR", 0),
        "invoice": ("SIMILAR", 1),
        "invoice-number": ("SIMILAR", 1),
    }


def test_a_lender_without_a_covering_consent_gets_404_and_others_registrations_stay_hidden(
    client, hub, consent, push_ebl, register
):
    consent("bank_a")
    document = push_ebl()
    mine = register("bank_a", document).json()
    refused = register("bank_c", document)
    assert refused.status_code == 404
    assert refused.headers["content-type"] == "application/problem+json"
    assert client.get(f"/v1/financing/{mine['id']}", headers=hub.h("bank_c")).status_code == 404
    for action in ("finance", "cancel"):
        moved = client.post(
            f"/v1/financing/{mine['id']}/{action}",
            json={"reason": "REGISTERED_IN_ERROR"} if action == "cancel" else None,
            headers=hub.h("bank_c"),
        )
        assert moved.status_code == 404
    assert client.get("/v1/financing", headers=hub.h("bank_c")).json()["items"] == []
    assert [
        r["id"] for r in client.get("/v1/financing", headers=hub.h("bank_a")).json()["items"]
    ] == [mine["id"]]


def test_registrations_under_the_old_key_match_after_a_rotation(
    container, consent, push_ebl, register
):
    consent("bank_a")
    consent("bank_b")
    document = push_ebl()
    assert register("bank_a", document).status_code == 201
    container.keys.rotate_fingerprint_key()
    answer = register("bank_b", document).json()["result"]
    assert answer["status"] == "DUPLICATE"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"currency": "XXQ"}, "currency"),
        ({"amount": "-100.00"}, "amount"),
        ({"amount": "1e18"}, "amount"),
        ({"maturity": (date.today() - timedelta(days=1)).isoformat()}, "maturity"),
    ],
)
def test_bad_terms_are_422_and_store_nothing(
    client, hub, consent, push_ebl, register, change, field
):
    consent("bank_a")
    refused = register("bank_a", push_ebl(), **change)
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["type"] == "/problems/financing-invalid-terms"
    assert refused.json()["field"] == field
    assert client.get("/v1/financing", headers=hub.h("bank_a")).json()["items"] == []


def test_a_document_without_identifying_fields_is_422(
    client, hub, consent, store_document, register
):
    consent("bank_a")
    bare = store_document(b'{"transportDocumentStatus": "DRAFT"}', doc_type=TRANSPORT)
    refused = register("bank_a", bare)
    assert refused.status_code == 422
    assert refused.json()["type"] == "/problems/financing-unsupported-document"
    assert client.get("/v1/financing", headers=hub.h("bank_a")).json()["items"] == []


def test_an_idempotency_key_replays_its_answer_and_refuses_another_body(
    client, hub, consent, push_ebl
):
    consent("bank_a")
    body = registration(push_ebl())
    headers = hub.h("bank_a", key="reg-1")
    first = client.post("/v1/financing", json=body, headers=headers)
    again = client.post("/v1/financing", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    other = client.post("/v1/financing", json={**body, "amount": "1.00"}, headers=headers)
    assert other.status_code == 422
    assert other.json()["type"] == "/problems/idempotency-key-reused"
    missing = client.post("/v1/financing", json=body, headers=hub.h("bank_a"))
    assert missing.status_code == 400


def test_listing_pages_through_own_registrations_with_a_cursor(
    client, hub, consent, push_ebl, register
):
    consent("bank_a")
    document = push_ebl()
    made = [register("bank_a", document).json()["id"] for _ in range(3)]
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/v1/financing", params=params, headers=hub.h("bank_a")).json()
        seen.extend(r["id"] for r in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(made))


def test_illegal_transitions_are_409(client, hub, consent, push_ebl, register):
    consent("bank_a")
    made = register("bank_a", push_ebl()).json()
    settle = client.post(
        f"/v1/financing/{made['id']}/settle", json={"reason": "REPAID"}, headers=hub.h("bank_a")
    )
    assert settle.status_code == 409
    assert settle.json()["type"] == "/problems/financing-illegal-transition"
    wrong_reason = client.post(
        f"/v1/financing/{made['id']}/cancel", json={"reason": "REPAID"}, headers=hub.h("bank_a")
    )
    assert wrong_reason.status_code == 422


def test_checks_of_unreadable_documents_are_audited_and_limited(
    client, hub, container, consent, push_ebl
):
    container.settings.financing_probe_limit = 2
    consent("bank_a")
    documents = [push_ebl(transportDocumentReference=f"PROBE{i}") for i in range(3)]
    answers = [
        client.post(f"/v1/financing/check?document_id={d}", headers=hub.h("bank_c")).status_code
        for d in documents
    ]
    assert answers == [404, 404, 429]
    again = client.post(f"/v1/financing/check?document_id={documents[0]}", headers=hub.h("bank_c"))
    assert again.status_code == 429
    assert int(again.headers["retry-after"]) > 0
    audit = client.get("/v1/audit/events?kind=financing.checked", headers=hub.h("admin")).json()
    assert [e["actor"].endswith(str(hub.bank_c.id)) for e in audit["items"]] == [True] * 4
    assert [e["payload"].get("refused") for e in audit["items"]] == [
        "probe_limit",
        "probe_limit",
        "not_found",
        "not_found",
    ]
    readable = client.post(
        f"/v1/financing/check?document_id={documents[0]}", headers=hub.h("bank_a")
    )
    assert readable.status_code == 200
    assert readable.json()["status"] == "CLEAR"


def test_a_lender_holding_the_document_checks_it_by_content(
    client, hub, consent, push_ebl, register
):
    consent("bank_a")
    consent("bank_b")
    assert register("bank_a", push_ebl()).status_code == 201
    checked = client.post(
        "/v1/financing/check",
        content=_reformatted_ebl(),
        headers={**hub.h("bank_b"), "Content-Type": "application/json"},
    )
    assert checked.status_code == 200, checked.text
    assert checked.json()["status"] == "DUPLICATE"


def test_an_open_registration_expires_after_maturity_plus_grace(
    client, hub, container, consent, push_ebl, register
):
    consent("bank_a")
    consent("bank_b")
    document = push_ebl()
    made = register("bank_a", document, maturity=date.today().isoformat()).json()
    later = datetime.now(UTC) + container.settings.financing_grace + timedelta(days=2)
    with container.uow() as uow:
        assert transitions.expire_due(uow.session, later) == 1
        uow.commit()
    expired = client.get(f"/v1/financing/{made['id']}", headers=hub.h("bank_a")).json()
    assert expired["state"] == "EXPIRED" and expired["reason"] == "MATURED"
    kinds = client.get(
        f"/v1/audit/events?subject=financing:{made['id']}", headers=hub.h("admin")
    ).json()["items"]
    assert [e["kind"] for e in kinds] == ["financing.expired", "financing.registered"]
    answer = register("bank_b", document).json()["result"]
    assert answer["status"] == "CLEAR"
