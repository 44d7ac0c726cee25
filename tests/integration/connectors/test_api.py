"""HTTP API for connector instances, routing rules, deliveries and the events feed."""

import uuid

import sqlalchemy as sa

from app.storage.models import Delivery
from connectors.webhook.signing import generate_secret
from tests.integration.connectors.routing_support import accept_document
from tests.support import subscribed_instance


def make_instance(client, headers, secret=None, **extra):
    config = {"url": "https://hooks.bank.example/in"}
    if secret:
        config["secrets"] = [secret]
    body = {"connector": "webhook", "name": "main", "config": config} | extra
    return client.post("/v1/connectors/instances", json=body, headers=headers)


def test_installed_connectors_are_listed_with_their_config_schema(client, parties, auth_headers):
    response = client.get("/v1/connectors", headers=auth_headers(parties["bank"]))
    assert response.status_code == 200
    by_name = {c["name"]: c for c in response.json()}
    assert {"webhook", "folder", "memory"} <= set(by_name)
    assert "broken" not in by_name
    assert "url" in by_name["webhook"]["config_schema"]["properties"]


def test_a_generated_secret_is_shown_once_then_masked(client, parties, auth_headers):
    headers = auth_headers(parties["bank"])
    created = make_instance(client, headers)
    assert created.status_code == 201, created.text
    (secret,) = created.json()["config"]["secrets"]
    assert secret.startswith("whsec_")
    shown = client.get(f"/v1/connectors/instances/{created.json()['id']}", headers=headers)
    assert secret not in shown.text and shown.json()["config"]["secrets"] == ["**********"]


def test_bad_configurations_get_a_422_problem_with_every_error(client, parties, auth_headers):
    headers = auth_headers(parties["bank"])
    body = {"connector": "webhook", "name": "x", "config": {"url": "ftp://x", "secrets": ["pw"]}}
    response = client.post("/v1/connectors/instances", json=body, headers=headers)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"] == "/problems/invalid-connector-config"
    assert {e["location"] for e in problem["errors"]} >= {"url", "secrets"}
    unknown = client.post(
        "/v1/connectors/instances",
        json={"connector": "pigeon", "name": "x", "config": {}},
        headers=headers,
    )
    assert unknown.status_code == 422 and "webhook" in unknown.json()["installed"]


def test_only_the_operator_may_allow_internal_targets(
    client, parties, auth_headers, make_participant
):
    loop = {
        "name": "loop",
        "config": {"url": "http://127.0.0.1:8080/", "allow_internal": ["127.0.0.1"]},
    }
    response = make_instance(client, auth_headers(parties["bank"]), **loop)
    assert response.status_code == 403
    assert response.json()["type"] == "/problems/operator-only-setting"
    admin = make_participant("Hub", roles=("admin",))
    response = make_instance(
        client, auth_headers(admin), **loop, participant_id=str(parties["bank"].id)
    )
    assert response.status_code == 201
    assert response.json()["participant_id"] == str(parties["bank"].id)


def test_another_tenants_instance_is_not_found(client, parties, auth_headers):
    created = make_instance(client, auth_headers(parties["bank"])).json()
    other = auth_headers(parties["other_bank"])
    for method, path in [
        ("get", f"/v1/connectors/instances/{created['id']}"),
        ("patch", f"/v1/connectors/instances/{created['id']}"),
        ("delete", f"/v1/connectors/instances/{created['id']}"),
        ("get", f"/v1/connectors/instances/{created['id']}/health"),
        ("post", f"/v1/connectors/instances/{created['id']}/subscriptions"),
    ]:
        kwargs = {"json": {}} if method in ("patch", "post") else {}
        response = getattr(client, method)(path, headers=other, **kwargs)
        assert response.status_code == 404, (method, path)
    assert client.get("/v1/connectors/instances", headers=other).json() == []


def test_managing_connectors_needs_the_scope(client, parties, auth_headers):
    headers = auth_headers(parties["bank"], scopes={"data:read"})
    assert make_instance(client, headers).status_code == 403
    assert client.get("/v1/deliveries", headers=headers).status_code == 403


def test_rotation_and_disabling_through_patch(client, parties, auth_headers, secret):
    headers = auth_headers(parties["bank"])
    created = make_instance(client, headers, secret).json()
    new = generate_secret()
    patched = client.patch(
        f"/v1/connectors/instances/{created['id']}",
        json={"config": {"url": "https://hooks.bank.example/in", "secrets": [new, secret]}},
        headers=headers,
    )
    assert patched.status_code == 200 and patched.json()["config"]["secrets"] == [new, secret]
    disabled = client.patch(
        f"/v1/connectors/instances/{created['id']}", json={"enabled": False}, headers=headers
    )
    assert disabled.json()["enabled"] is False and disabled.json()["disabled_reason"]


def test_subscriptions_validate_topics(client, parties, auth_headers):
    headers = auth_headers(parties["bank"])
    created = make_instance(client, headers).json()
    path = f"/v1/connectors/instances/{created['id']}/subscriptions"
    bad = client.post(path, json={"topics": ["document.deleted"]}, headers=headers)
    assert bad.status_code == 422
    good = client.post(path, json={"topics": ["document.accepted"]}, headers=headers)
    assert good.status_code == 201
    listed = client.get("/v1/connectors/subscriptions", headers=headers).json()
    assert [s["id"] for s in listed] == [good.json()["id"]]
    gone = client.delete(f"/v1/connectors/subscriptions/{good.json()['id']}", headers=headers)
    assert gone.status_code == 204


def test_dead_deliveries_are_listed_and_replayed(
    client, container, parties, consents, auth_headers, secret
):
    consents.grant(parties["owner"], parties["bank"])
    subscribed_instance(
        container,
        parties["bank"].id,
        "webhook",
        {"url": "http://10.0.0.1/hook", "secrets": [secret]},
        name="internal",
    )
    accept_document(container, parties["owner"], parties["provider"])
    headers = auth_headers(parties["bank"])
    dead = client.get("/v1/deliveries?status=dead", headers=headers).json()
    assert len(dead) == 1 and dead[0]["webhook_id"].startswith("msg_")
    assert client.get("/v1/deliveries", headers=auth_headers(parties["other_bank"])).json() == []
    other = client.post(
        f"/v1/deliveries/{dead[0]['id']}/replay", headers=auth_headers(parties["other_bank"])
    )
    assert other.status_code == 404
    replayed = client.post(f"/v1/deliveries/{dead[0]['id']}/replay", headers=headers)
    assert replayed.status_code == 200
    with container.uow() as uow:
        (delivery,) = uow.session.execute(sa.select(Delivery)).scalars()
        assert delivery.status == "dead" and delivery.attempts == 1
    assert client.post("/v1/deliveries/replay-dead", headers=headers).json() == {"replayed": 1}
    missing = client.post(f"/v1/deliveries/{uuid.uuid4()}/replay", headers=headers)
    assert missing.status_code == 404


def test_events_feed_pages_in_order_and_acknowledges(
    client, container, parties, consents, auth_headers
):
    consents.grant(parties["owner"], parties["bank"])
    documents = [
        accept_document(container, parties["owner"], parties["provider"]) for _ in range(3)
    ]
    headers = auth_headers(parties["bank"])
    first = client.get("/v1/events?limit=2", headers=headers).json()
    assert [i["cursor"] for i in first["items"]] == [1, 2] and first["has_more"]
    assert [i["data"]["document_id"] for i in first["items"]] == [str(d) for d in documents[:2]]
    assert first["items"][0]["type"] == "document.accepted"
    rest = client.get(f"/v1/events?after={first['next_cursor']}", headers=headers).json()
    assert [i["cursor"] for i in rest["items"]] == [3] and not rest["has_more"]
    ack = client.post("/v1/events/ack", json={"cursor": 2}, headers=headers)
    assert ack.json() == {"acknowledged": 2}
    resumed = client.get("/v1/events", headers=headers).json()
    assert [i["cursor"] for i in resumed["items"]] == [3] and resumed["acknowledged"] == 2
    assert client.post("/v1/events/ack", json={"cursor": 1}, headers=headers).json() == {
        "acknowledged": 2
    }
    beyond = client.post("/v1/events/ack", json={"cursor": 99}, headers=headers)
    assert beyond.status_code == 422
    assert (
        client.get("/v1/events", headers=auth_headers(parties["other_bank"])).json()["items"] == []
    )
    assert client.get("/v1/events?after=-1", headers=headers).status_code == 422
