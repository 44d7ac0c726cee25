"""Admins register which providers may name which owners; pushes honour it at once."""

from __future__ import annotations

import json
import threading

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.errors import Conflict
from app.security.principal import Principal
from app.services.documents import ingest
from app.settings import get_settings
from tests.support import REFERENCE, both_backends, push

INVOICE = REFERENCE / "uncefact/examples/CII_example3.xml"


@pytest.fixture
def cast(make_participant, auth_headers):  # noqa: ANN001, ANN201
    admin = make_participant("Hub", roles=("admin",))
    owner = make_participant("Exporter", roles=("owner",))
    provider = make_participant("Platform", roles=("provider",))
    return admin, owner, provider, auth_headers(admin), auth_headers(provider)


def _push(client, headers, owner, key):  # noqa: ANN001, ANN201
    return push(
        client,
        headers,
        INVOICE.read_bytes(),
        key=key,
        media_type="application/xml",
        owner=str(owner.id),
    )


@pytest.mark.integration
@both_backends
def test_granted_mandate_lets_the_provider_name_the_owner_until_revoked(client, cast):  # noqa: ANN001
    _, owner, provider, admin_headers, provider_headers = cast
    url = f"/v1/participants/{provider.id}/mandates"
    assert _push(client, provider_headers, owner, "a").status_code == 422
    r = client.post(url, json={"owner_id": str(owner.id)}, headers=admin_headers)
    assert r.status_code == 201 and r.json()["owner_id"] == str(owner.id)
    assert client.get(url, headers=admin_headers).json() == [r.json()]
    assert _push(client, provider_headers, owner, "b").status_code == 201
    assert client.delete(f"{url}/{owner.id}", headers=admin_headers).status_code == 204
    assert _push(client, provider_headers, owner, "c").status_code == 422


@pytest.mark.integration
@both_backends
def test_mandates_need_admin_and_the_right_roles(client, cast):  # noqa: ANN001
    admin, owner, provider, admin_headers, provider_headers = cast
    url = f"/v1/participants/{provider.id}/mandates"
    assert (
        client.post(url, json={"owner_id": str(owner.id)}, headers=provider_headers).status_code
        == 403
    )
    reversed_url = f"/v1/participants/{owner.id}/mandates"
    r = client.post(reversed_url, json={"owner_id": str(provider.id)}, headers=admin_headers)
    assert r.status_code == 422 and r.json()["type"] == "/problems/role-missing"


@pytest.mark.integration
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_concurrent_first_use_of_a_key_is_409_for_the_loser(container, cast):  # noqa: ANN001
    _, _, provider, _, _ = cast
    principal = Principal(participant_id=provider.id, client_id="c")
    outcome: list[object] = []
    with container.uow() as first:
        assert ingest.claim_idempotency_key(first.session, principal, "race", "d" * 64) is None

        def second() -> None:
            with container.uow() as uow:
                try:
                    outcome.append(
                        ingest.claim_idempotency_key(uow.session, principal, "race", "d" * 64)
                    )
                except Conflict as exc:
                    outcome.append(exc)

        thread = threading.Thread(target=second)
        thread.start()
        thread.join(timeout=0.5)
        assert thread.is_alive()  # blocked on the first claim's uncommitted key
        first.commit()
    thread.join(timeout=5)
    assert len(outcome) == 1 and isinstance(outcome[0], Conflict)


@pytest.mark.integration
def test_cli_grants_a_mandate(tmp_path, monkeypatch):  # noqa: ANN001
    monkeypatch.setenv("TRADEGATE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TRADEGATE_LOG_LEVEL", "WARNING")
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        assert runner.invoke(cli, ["migrate"]).exit_code == 0
        ids = []
        for name, role in (("Platform", "provider"), ("Exporter", "owner")):
            r = runner.invoke(cli, ["participants", "add", name, "--role", role])
            ids.append(json.loads(r.stdout)["id"])
        r = runner.invoke(cli, ["mandates", "grant", *ids])
        assert r.exit_code == 0, r.output
        assert runner.invoke(cli, ["mandates", "grant", ids[1], ids[0]]).exit_code == 2
        assert runner.invoke(cli, ["mandates", "revoke", *ids]).exit_code == 0
    finally:
        get_settings.cache_clear()
