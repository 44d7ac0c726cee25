"""Two API replicas on one database agree on limits and revocations at once."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.container import Container
from app.main import create_app
from tests.support import both_backends

pytestmark = [pytest.mark.integration, both_backends]


@pytest.fixture
def second_replica(settings, container):
    other = Container(settings, keys=container.keys)
    with TestClient(create_app(container=other), raise_server_exceptions=False) as replica:
        yield replica
    other.close()


def _pull(client, parties, consent_id, document_id):
    return client.get(f"/v1/data/documents/{document_id}", headers=parties.h("bank_a", consent_id))


def test_frequency_limit_holds_across_replicas(
    client, second_replica, parties, active_consent, make_document
):
    consent = active_consent(frequency={"count": 3, "unit": "DAY"})
    document = make_document()
    replicas = [client, second_replica, client, second_replica, client]
    codes = [_pull(r, parties, consent["id"], document.id).status_code for r in replicas]
    assert codes == [200, 200, 200, 429, 429]


def test_revocation_on_one_replica_stops_the_other(
    client, second_replica, parties, active_consent, consent_action, make_document
):
    consent = active_consent()
    document = make_document()
    assert _pull(second_replica, parties, consent["id"], document.id).status_code == 200
    revoked = consent_action(consent["id"], "revoke", reason="withdrawn")
    assert revoked.status_code == 200
    refused = _pull(second_replica, parties, consent["id"], document.id)
    assert refused.status_code == 403
    assert refused.json()["reason"] == "consent_revoked"
