"""A company grants the hub access by OAuth: single-use state, tokens encrypted, revocable."""

from __future__ import annotations

import logging
import threading
import uuid

import pytest
import sqlalchemy as sa

from app.services.common.connector_state import instance_state
from app.storage.models import ConnectorInstance, ConnectorStateEntry, Event
from connectors.registry import default_registry
from tests.cargox_standin import CLIENT_ID
from tests.integration.connectors.cargox.conftest import cargox_instance, consent_state


def new_instance(container, parties, standin) -> uuid.UUID:
    return cargox_instance(container, standin, parties["bank"].id)


def start(client, headers, instance_id):
    return client.post(f"/v1/connectors/instances/{instance_id}/authorization", headers=headers)


def callback(client, **query):
    return client.get("/v1/connectors/authorization/callback", params=query)


def test_the_consent_round_trip_stores_tokens_encrypted_and_never_logs_them(
    client, container, parties, standin, auth_headers, caplog
):
    caplog.set_level(logging.DEBUG)
    instance_id = new_instance(container, parties, standin)
    headers = auth_headers(parties["bank"])
    started = start(client, headers, instance_id)
    assert started.status_code == 200, started.text
    url = started.json()["authorization_url"]
    assert url.startswith(f"{standin.url}/oauth/authorize/?response_type=code")
    assert f"client_id={CLIENT_ID}" in url
    assert (
        started.json()["redirect_uri"] == "http://testserver/v1/connectors/authorization/callback"
    )
    done = callback(client, state=consent_state(url), code=standin.state.consent())
    assert done.status_code == 200, done.text
    (access_token,) = standin.state.access
    (refresh_token,) = standin.state.refresh
    with container.uow() as uow:
        stored = " ".join(
            v or "" for v in uow.session.execute(sa.select(ConnectorStateEntry.value)).scalars()
        )
        kinds = set(uow.session.execute(sa.select(Event.kind)).scalars())
    assert access_token not in stored and refresh_token not in stored
    assert access_token not in caplog.text and refresh_token not in caplog.text
    assert "connector.authorized" in kinds
    health = client.get(f"/v1/connectors/instances/{instance_id}/health", headers=headers)
    assert health.json() == {"state": "ok", "detail": "authorised; 1 contact(s)"}


def test_a_state_is_single_use_and_a_forged_one_is_refused(
    client, container, parties, standin, auth_headers
):
    instance_id = new_instance(container, parties, standin)
    url = start(client, auth_headers(parties["bank"]), instance_id).json()["authorization_url"]
    state = consent_state(url)
    forged = callback(client, state=f"{instance_id}.guessed", code=standin.state.consent())
    assert forged.status_code == 400 and forged.json()["type"] == "/problems/authorization-state"
    assert callback(client, state=state, code=standin.state.consent()).status_code == 200
    replayed = callback(client, state=state, code=standin.state.consent())
    assert replayed.status_code == 400


def test_a_refused_consent_or_code_is_a_400_problem(
    client, container, parties, standin, auth_headers
):
    instance_id = new_instance(container, parties, standin)
    headers = auth_headers(parties["bank"])
    denied = callback(
        client,
        state=consent_state(start(client, headers, instance_id).json()["authorization_url"]),
        error="access_denied",
    )
    assert denied.status_code == 400 and denied.json()["type"] == "/problems/authorization-denied"
    bad_code = callback(
        client,
        state=consent_state(start(client, headers, instance_id).json()["authorization_url"]),
        code="not-issued",
    )
    assert bad_code.status_code == 400
    assert bad_code.json()["type"] == "/problems/authorization-refused"


def test_another_tenant_cannot_start_a_grant_for_the_instance(
    client, container, parties, standin, auth_headers
):
    instance_id = new_instance(container, parties, standin)
    answer = start(client, auth_headers(parties["other_bank"]), instance_id)
    assert answer.status_code == 404


def test_revocation_revokes_at_cargox_forgets_the_tokens_and_health_says_so(
    client, container, parties, standin, auth_headers
):
    instance_id = new_instance(container, parties, standin)
    headers = auth_headers(parties["bank"])
    url = start(client, headers, instance_id).json()["authorization_url"]
    callback(client, state=consent_state(url), code=standin.state.consent())
    revoked = client.delete(
        f"/v1/connectors/instances/{instance_id}/authorization", headers=headers
    )
    assert revoked.status_code == 200 and "revoked" in revoked.json()["detail"]
    assert standin.state.access == {} and standin.state.refresh == set()
    health = client.get(f"/v1/connectors/instances/{instance_id}/health", headers=headers)
    assert health.json()["state"] == "down" and "not authorised" in health.json()["detail"]


def test_health_is_down_when_cargox_cannot_be_reached(
    client, container, parties, standin, auth_headers
):
    instance_id = new_instance(container, parties, standin)
    headers = auth_headers(parties["bank"])
    url = start(client, headers, instance_id).json()["authorization_url"]
    callback(client, state=consent_state(url), code=standin.state.consent())
    standin.__exit__()
    health = client.get(f"/v1/connectors/instances/{instance_id}/health", headers=headers)
    assert health.json()["state"] == "down" and "unusable" in health.json()["detail"]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
def test_replicas_finding_the_token_expired_at_once_refresh_it_once(
    container, standin, receiving_instance
):
    connector = default_registry().get("cargox")
    with container.uow() as uow:
        config = connector.config_model.model_validate(
            uow.session.get(ConnectorInstance, receiving_instance).config
        )
    standin.state.expire_access_tokens()
    barrier = threading.Barrier(4)
    results = []

    def replica() -> None:
        state = instance_state(container, receiving_instance)
        barrier.wait()
        results.append(connector.health(config, state=state).state.value)

    threads = [threading.Thread(target=replica) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["ok"] * 4
    assert standin.state.token_grants.count("refresh_token") == 1
