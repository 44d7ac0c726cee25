"""Participants pages: registration, roles, identifiers, clients and tenant isolation."""

from __future__ import annotations

import base64
import json
import re

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric import ec
from joserfc.jwk import ECKey

from app.storage.models import ApiClient, Participant


def _created_id(response) -> str:
    match = re.search(r"/dashboard/participants/([0-9a-f-]{36})", str(response.url))
    assert match, response.url
    return match.group(1)


def test_admin_registers_a_participant_with_roles_and_identifiers(admin_browser, container):
    response = admin_browser.post(
        "/dashboard/participants",
        {"name": "Harbour Bank", "roles": ["consumer"], "identifiers": "BIC:HRBKHKHH\n"},
    )
    assert response.status_code == 200
    assert "Participant registered." in response.text
    assert "BIC:HRBKHKHH" in response.text
    with container.uow() as uow:
        names = uow.session.execute(sa.select(Participant.name)).scalars().all()
    assert "Harbour Bank" in names


def test_invalid_registration_shows_the_form_with_the_reason(admin_browser):
    response = admin_browser.post(
        "/dashboard/participants", {"name": "X", "roles": ["owner"], "identifiers": "NOPE:1"}
    )
    assert response.status_code == 422
    assert "known scheme" in response.text
    assert 'value="X"' in response.text


def test_issued_secret_is_shown_once_and_works_at_the_token_endpoint(admin_browser, client):
    created = admin_browser.post("/dashboard/participants", {"name": "Bank", "roles": ["consumer"]})
    pid = _created_id(created)
    page = admin_browser.post(f"/dashboard/participants/{pid}/clients", {"name": "treasury"})
    assert page.status_code == 200
    client_id = re.search(r"New client secret for <code>(tg_[0-9a-f]+)</code>", page.text).group(1)
    secret = re.search(r'id="secret-value" class="mono" readonly value="([^"]+)"', page.text).group(
        1
    )
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    token = client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert token.status_code == 200
    assert secret not in admin_browser.get(f"/dashboard/participants/{pid}").text


def test_rotation_replaces_the_secret_and_disable_refuses_tokens(admin_browser, client, container):
    pid = _created_id(
        admin_browser.post("/dashboard/participants", {"name": "Bank", "roles": ["consumer"]})
    )
    first = admin_browser.post(f"/dashboard/participants/{pid}/clients", {"name": "t"})
    client_id = re.search(r"New client secret for <code>(tg_[0-9a-f]+)</code>", first.text).group(1)
    old = re.search(r'readonly value="([^"]+)"', first.text).group(1)
    rotated = admin_browser.post(f"/dashboard/participants/{pid}/clients/{client_id}/rotate")
    new = re.search(r'readonly value="([^"]+)"', rotated.text).group(1)
    assert new != old

    def token(secret: str) -> int:
        basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
        return client.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            headers={"Authorization": f"Basic {basic}"},
        ).status_code

    assert token(old) == 401 and token(new) == 200
    admin_browser.post(f"/dashboard/participants/{pid}/clients/{client_id}/disable")
    assert token(new) == 401


def test_registering_a_public_key_switches_the_client_to_private_key_jwt(admin_browser, container):
    pid = _created_id(
        admin_browser.post("/dashboard/participants", {"name": "Bank", "roles": ["consumer"]})
    )
    first = admin_browser.post(f"/dashboard/participants/{pid}/clients", {"name": "t"})
    client_id = re.search(r"New client secret for <code>(tg_[0-9a-f]+)</code>", first.text).group(1)
    public = ECKey.import_key(ec.generate_private_key(ec.SECP256R1())).as_dict(private=False)
    response = admin_browser.post(
        f"/dashboard/participants/{pid}/clients/{client_id}/key",
        {"public_jwk": json.dumps(public)},
    )
    assert "Public key registered" in response.text
    with container.uow() as uow:
        stored = uow.session.execute(
            sa.select(ApiClient).where(ApiClient.client_id == client_id)
        ).scalar_one()
    assert stored.public_jwk is not None and stored.secret_hash is None


def test_private_key_material_is_refused(admin_browser):
    pid = _created_id(
        admin_browser.post("/dashboard/participants", {"name": "Bank", "roles": ["consumer"]})
    )
    private = ECKey.import_key(ec.generate_private_key(ec.SECP256R1())).as_dict(private=True)
    response = admin_browser.post(
        f"/dashboard/participants/{pid}/clients", {"name": "k", "public_jwk": json.dumps(private)}
    )
    assert response.status_code == 422
    assert "private key" in response.text


def test_roles_and_identifiers_can_be_changed(admin_browser):
    pid = _created_id(
        admin_browser.post("/dashboard/participants", {"name": "Shipper", "roles": ["owner"]})
    )
    page = admin_browser.post(
        f"/dashboard/participants/{pid}/roles", {"roles": ["owner", "provider"]}
    )
    assert "Roles saved" in page.text
    page = admin_browser.post(
        f"/dashboard/participants/{pid}/identifiers",
        {"scheme": "LEI", "value": "5493001KJTIIGC8Y1R12"},
    )
    assert "LEI:5493001KJTIIGC8Y1R12" in page.text
    duplicate = admin_browser.post(
        f"/dashboard/participants/{pid}/identifiers",
        {"scheme": "LEI", "value": "5493001KJTIIGC8Y1R12"},
    )
    assert duplicate.status_code == 422 and "already registered" in duplicate.text
    identifier_id = re.search(r"/identifiers/([0-9a-f-]{36})/delete", page.text).group(1)
    removed = admin_browser.post(
        f"/dashboard/participants/{pid}/identifiers/{identifier_id}/delete"
    )
    assert "Identifier removed." in removed.text and "5493001KJTIIGC8Y1R12" not in removed.text


def test_admin_adds_a_dashboard_user_and_enables_a_disabled_client(admin_browser, container):
    pid = _created_id(
        admin_browser.post("/dashboard/participants", {"name": "Bank", "roles": ["consumer"]})
    )
    added = admin_browser.post(
        f"/dashboard/participants/{pid}/users",
        {"email": "clerk@bank.example", "password": "a long enough passphrase"},
    )
    assert "Dashboard user created." in added.text and "clerk@bank.example" in added.text
    issued = admin_browser.post(f"/dashboard/participants/{pid}/clients", {"name": "t"})
    client_id = re.search(r"New client secret for <code>(tg_[0-9a-f]+)</code>", issued.text).group(
        1
    )
    admin_browser.post(f"/dashboard/participants/{pid}/clients/{client_id}/disable")
    enabled = admin_browser.post(f"/dashboard/participants/{pid}/clients/{client_id}/enable")
    assert "Client enabled again." in enabled.text
    with container.uow() as uow:
        assert uow.session.execute(
            sa.select(ApiClient.active).where(ApiClient.client_id == client_id)
        ).scalar_one()


def test_owner_sees_only_its_own_participant_and_cannot_register(
    browser, make_participant, make_user
):
    own = make_participant("Owner", roles=("owner",))
    other = make_participant("Other", roles=("owner",))
    browser.login(make_user(own))
    listing = browser.get("/dashboard/participants").text
    assert own.name in listing and other.name not in listing
    assert browser.get(f"/dashboard/participants/{other.id}").status_code == 404
    assert browser.get(f"/dashboard/participants/{own.id}").status_code == 200
    assert browser.get("/dashboard/participants/new").status_code == 404
    refused = browser.post("/dashboard/participants", {"name": "Mine", "roles": ["owner"]})
    assert refused.status_code == 404


def test_participant_list_paginates(admin_browser, make_participant):
    for i in range(27):
        make_participant(f"Firm {i:02d}", roles=("owner",))
    first = admin_browser.get("/dashboard/participants")
    assert 'rel="next"' in first.text
    second = admin_browser.get("/dashboard/participants?page=2")
    assert "Page 2" in second.text and 'rel="prev"' in second.text
