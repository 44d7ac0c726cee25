"""Bank B can neither see nor touch bank A's consents or the documents only A may read."""

from __future__ import annotations

import pytest

from tests.support import both_backends

pytestmark = [pytest.mark.integration]


@both_backends
def test_other_consumer_gets_404_on_every_consent_route(
    client, parties, request_consent, active_consent
):
    pending = request_consent()
    active = active_consent()
    for consent in (pending, active):
        cid = consent["id"]
        assert client.get(f"/v1/consents/{cid}", headers=parties.h("bank_b")).status_code == 404
        assert (
            client.get(f"/v1/consents/{cid}/artefact", headers=parties.h("bank_b")).status_code
            == 404
        )
        revoke = client.post(
            f"/v1/consents/{cid}/revoke", json={"reason": "x"}, headers=parties.h("bank_b")
        )
        assert revoke.status_code == 404
        listing = client.get("/v1/data/documents", headers=parties.h("bank_b", cid))
        assert listing.status_code == 404


@both_backends
def test_other_consumer_gets_404_on_documents_covered_only_by_a(
    client, parties, active_consent, make_document
):
    consent_a = active_consent()
    consent_b = active_consent(as_="bank_b", document_types=["uncefact.cii.invoice"])
    document = make_document(doc_type="dcsa.transport-document")
    mine = make_document(owner=parties.other_owner)
    for path in (f"/v1/data/documents/{document.id}", f"/v1/data/documents/{document.id}/content"):
        # With A's consent id: the consent is not B's, so it does not exist for B.
        assert client.get(path, headers=parties.h("bank_b", consent_a["id"])).status_code == 404
    # B's own consent from another owner does not reach this owner's documents either.
    consent_b_other = active_consent(
        as_="bank_b", approver="other_owner", owner_id=str(parties.other_owner.id)
    )
    for path in (f"/v1/data/documents/{document.id}", f"/v1/data/documents/{document.id}/content"):
        assert (
            client.get(path, headers=parties.h("bank_b", consent_b_other["id"])).status_code == 404
        )
    listed = client.get(
        "/v1/data/documents", headers=parties.h("bank_b", consent_b_other["id"])
    ).json()
    assert [d["id"] for d in listed["items"]] == [str(mine.id)]
    listed_b = client.get("/v1/data/documents", headers=parties.h("bank_b", consent_b["id"])).json()
    assert str(document.id) not in [d["id"] for d in listed_b["items"]]


def test_lists_never_contain_another_tenants_consents(
    client, parties, request_consent, active_consent
):
    a_ids = {request_consent()["id"], active_consent()["id"]}
    b_ids = {request_consent(as_="bank_b")["id"]}
    seen_b = {
        c["id"] for c in client.get("/v1/consents", headers=parties.h("bank_b")).json()["items"]
    }
    assert seen_b == b_ids
    filtered = client.get(
        "/v1/consents", params={"consumer_id": str(parties.bank_a.id)}, headers=parties.h("bank_b")
    ).json()["items"]
    assert filtered == []
    other_owner = {
        c["id"]
        for c in client.get("/v1/consents", headers=parties.h("other_owner")).json()["items"]
    }
    assert other_owner == set()
    admin = {
        c["id"] for c in client.get("/v1/consents", headers=parties.h("admin")).json()["items"]
    }
    assert a_ids | b_ids <= admin


@pytest.mark.parametrize("action", ["approve", "reject", "pause", "resume", "revoke"])
def test_an_owner_cannot_act_on_another_owners_consent(client, parties, request_consent, action):
    consent = request_consent()
    response = client.post(
        f"/v1/consents/{consent['id']}/{action}",
        json={"reason": "mine now"},
        headers=parties.h("other_owner"),
    )
    assert response.status_code == 404
    assert (
        client.get(f"/v1/consents/{consent['id']}", headers=parties.h("other_owner")).status_code
        == 404
    )


@both_backends
def test_audit_events_of_one_owner_are_invisible_to_another(
    client, parties, active_consent, make_document
):
    consent = active_consent()
    document = make_document()
    client.get(f"/v1/data/documents/{document.id}", headers=parties.h("bank_a", consent["id"]))
    theirs = client.get(
        "/v1/audit/events", params={"kind": "data.accessed"}, headers=parties.h("other_owner")
    )
    assert theirs.status_code == 200
    assert theirs.json()["items"] == []
    mine = client.get(
        "/v1/audit/events", params={"kind": "data.accessed"}, headers=parties.h("owner")
    )
    assert len(mine.json()["items"]) == 1
