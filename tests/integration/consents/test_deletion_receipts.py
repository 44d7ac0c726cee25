"""When a consent's data life ends the bank owes a signed deletion receipt, or it gets no more."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.integration]


def test_a_receipt_is_owed_only_for_ended_consents_with_fetches(
    client, parties, active_consent, consent_action, bank_key
):
    untouched = active_consent()
    answer = client.post(
        f"/v1/consents/{untouched['id']}/deletion-receipts/nonce", headers=parties.h("bank_a")
    )
    assert answer.status_code == 409
    assert answer.json()["type"] == "/problems/deletion-receipt-not-owed"
    consent_action(untouched["id"], "revoke", reason="never used")
    answer = client.post(
        f"/v1/consents/{untouched['id']}/deletion-receipts/nonce", headers=parties.h("bank_a")
    )
    assert answer.status_code == 409


def test_receipts_are_private_to_the_consents_parties(client, parties, ended_consent):
    consent, _ = ended_consent
    for outsider in ("bank_b", "other_owner"):
        listed = client.get(
            f"/v1/consents/{consent['id']}/deletion-receipts", headers=parties.h(outsider)
        )
        assert listed.status_code == 404, outsider
    nonce = client.post(
        f"/v1/consents/{consent['id']}/deletion-receipts/nonce", headers=parties.h("bank_b")
    )
    assert nonce.status_code == 404
    by_owner = client.post(
        f"/v1/consents/{consent['id']}/deletion-receipts/nonce", headers=parties.h("owner")
    )
    assert by_owner.status_code == 403
