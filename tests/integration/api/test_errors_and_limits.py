"""Every error is problem+json; body and depth limits hold; operations endpoints answer."""

import sqlalchemy as sa

from tests.support import both_backends

PROBLEM = "application/problem+json"


def test_unknown_route_is_404_problem(client):
    r = client.get("/v1/nothing-here")
    assert r.status_code == 404 and r.headers["content-type"] == PROBLEM
    assert r.json()["type"] == "/problems/not-found"


def test_wrong_method_is_405_problem(client):
    r = client.delete("/healthz")
    assert r.status_code == 405 and r.headers["content-type"] == PROBLEM


def test_fifty_mebibyte_body_is_413_by_content_length(client):
    r = client.post(
        "/v1/participants",
        content=b"x" * (50 * 1024 * 1024),
        headers={"content-type": "application/octet-stream"},
    )
    assert r.status_code == 413 and r.headers["content-type"] == PROBLEM


def test_chunked_upload_is_cut_at_the_cap(client):
    sent = 0

    def chunks():
        nonlocal sent
        for _ in range(50):
            sent += 1
            yield b"y" * (1024 * 1024)

    r = client.post(
        "/v1/participants", content=chunks(), headers={"content-type": "application/json"}
    )
    assert r.status_code == 413
    assert client.get("/healthz").status_code == 200


def test_ten_thousand_deep_json_is_400(client):
    r = client.post(
        "/v1/participants",
        content=b"[" * 10_000 + b"]" * 10_000,
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 400 and r.json()["type"] == "/problems/json-too-deep"
    assert client.get("/healthz").status_code == 200


def test_malformed_json_is_400(client, make_participant, auth_headers):
    admin = make_participant(roles=("admin",))
    r = client.post(
        "/v1/participants",
        content=b'{"name": ',
        headers={"content-type": "application/json", **auth_headers(admin)},
    )
    assert r.status_code == 400 and r.headers["content-type"] == PROBLEM


def test_invalid_body_is_422_with_locations(client, make_participant, auth_headers):
    admin = make_participant(roles=("admin",))
    r = client.post("/v1/participants", json={"name": "", "roles": []}, headers=auth_headers(admin))
    assert r.status_code == 422
    assert {e["location"] for e in r.json()["errors"]} >= {"/body/name", "/body/roles"}


def test_conflict_is_409(client, make_participant, auth_headers):
    admin = make_participant(roles=("admin",))
    body = {"name": "Shipper", "roles": ["owner"], "identifiers": ["LEI:529900T8BM49AURSDO55"]}
    assert (
        client.post("/v1/participants", json=body, headers=auth_headers(admin)).status_code == 201
    )
    r = client.post("/v1/participants", json=body, headers=auth_headers(admin))
    assert r.status_code == 409 and r.json()["type"] == "/problems/identifier-taken"


def test_request_id_is_echoed_or_generated(client):
    assert (
        client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"]
        == "abc-123"
    )
    generated = client.get("/healthz", headers={"X-Request-ID": "bad id\n"}).headers["x-request-id"]
    assert generated and generated != "bad id\n"


def test_readyz_and_metrics(client):
    assert client.get("/readyz").json()["status"] == "ready"
    client.get("/healthz")
    text = client.get("/metrics").text
    assert 'tradegate_http_requests_total{method="GET",route="/healthz",status="200"}' in text
    assert "tradegate_http_request_duration_seconds_bucket" in text


def test_unexpected_errors_are_500_problems(client, container, monkeypatch):
    from app.api.routers import health

    def boom(_):
        raise RuntimeError("kaput")

    monkeypatch.setitem(health.READINESS_CHECKS, "database", boom)
    r = client.get("/readyz")
    assert r.status_code == 500 and r.headers["content-type"] == PROBLEM
    assert "kaput" not in r.text


def test_readyz_reports_an_unreachable_broker(client, container, monkeypatch):
    monkeypatch.setattr(container.settings, "broker_url", "redis://127.0.0.1:1/0")
    r = client.get("/readyz")
    assert r.status_code == 503 and r.json()["checks"]["broker"].startswith("broker unreachable")


def test_api_docs_are_served_without_a_cdn(client):
    page = client.get("/docs").text
    assert "/static/api/vendor/swagger-ui/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower()
    js = client.get("/static/api/vendor/swagger-ui/swagger-ui-bundle.js")
    assert js.status_code == 200 and len(js.content) > 100_000
    assert client.get("/openapi.json").json()["info"]["title"] == "Tradegate"


@both_backends
def test_readyz_says_not_migrated_when_the_schema_is_behind(client, container):
    set_version = sa.text("UPDATE alembic_version SET version_num = :v")
    with container.engine.begin() as conn:
        head = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one()
        conn.execute(set_version, {"v": "0007"})
    try:
        r = client.get("/readyz")
    finally:  # the PostgreSQL database is shared by the whole run
        with container.engine.begin() as conn:
            conn.execute(set_version, {"v": head})
    assert r.status_code == 503
    assert r.json()["checks"]["schema"].startswith("the database is not migrated (at 0007")
    assert "run `tradegate migrate`" in r.json()["detail"]
