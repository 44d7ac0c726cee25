"""Deliveries page: instance health, failures with their last error, retrying dead letters."""

from __future__ import annotations

import socket
import time

import pytest
import sqlalchemy as sa

from app.storage.models import ConnectorInstance, Delivery, Event, Participant
from connectors.webhook.signing import generate_secret
from tests.cargox_standin import StandInServer
from tests.integration.connectors.cargox.conftest import cargox_instance
from tests.support import subscribed_instance


@pytest.fixture
def settings(settings):
    return settings.model_copy(
        update={"delivery_retry_base_seconds": 0.05, "delivery_max_attempts": 1}
    )


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _webhook(container, participant) -> None:
    """A webhook to a port nobody listens on, subscribed to everything."""
    subscribed_instance(
        container,
        participant.id,
        "webhook",
        {
            "url": f"http://127.0.0.1:{_closed_port()}/hook",
            "secrets": [generate_secret()],
            "allow_internal": ["127.0.0.1"],
        },
        name="treasury",
    )


def _dead_delivery(container, timeout: float = 10.0) -> Delivery:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        container.runner.drain()
        with container.uow() as uow:
            dead = uow.session.execute(
                sa.select(Delivery).where(Delivery.status == "dead")
            ).scalar()
        if dead is not None:
            return dead
        time.sleep(0.05)
    raise AssertionError("no delivery died")


def _failed_delivery(  # noqa: ANN001
    admin_browser, container, make_participant, pending_consent
) -> tuple[Participant, Delivery]:
    """A bank whose webhook is down, approved for an owner: its first delivery dies."""
    owner = make_participant("Exporter", roles=("owner",))
    bank = make_participant("Harbour Bank", roles=("consumer",))
    _webhook(container, bank)
    consent = pending_consent(owner, bank)
    admin_browser.post(f"/dashboard/consents/{consent['id']}/approve")
    return bank, _dead_delivery(container)


def test_failed_delivery_shows_its_error_and_can_be_retried(
    admin_browser, container, make_participant, pending_consent
):
    bank, dead = _failed_delivery(admin_browser, container, make_participant, pending_consent)

    page = admin_browser.get("/dashboard/deliveries").text
    assert "treasury" in page and bank.name in page
    assert str(dead.id) in page and dead.last_error and dead.last_error[:20] in page
    assert "0.0%" in page  # nothing settled was delivered

    retried = admin_browser.post(f"/dashboard/deliveries/{dead.id}/retry")
    assert "queued again" in retried.text
    with container.uow() as uow:
        replayed = uow.session.execute(
            sa.select(Event).where(
                Event.kind == "delivery.replayed", Event.subject == f"delivery:{dead.id}"
            )
        ).scalar_one()
    assert replayed.actor.startswith("user:")


def test_deliveries_page_is_for_operators(browser, make_participant, make_user):
    browser.login(make_user(make_participant("Owner", roles=("owner",))))
    assert browser.get("/dashboard/deliveries").status_code == 404


def test_participant_page_lists_its_connector_instances(admin_browser, container, make_participant):
    bank = make_participant("Harbour Bank", roles=("consumer",))
    _webhook(container, bank)
    page = admin_browser.get(f"/dashboard/participants/{bank.id}").text
    assert "Connector instances" in page and "treasury" in page and "webhook" in page


def test_overview_shows_the_delivery_success_rate(
    admin_browser, container, make_participant, pending_consent
):
    _failed_delivery(admin_browser, container, make_participant, pending_consent)
    page = admin_browser.get("/dashboard/").text
    assert "Share of settled deliveries that were delivered: treasury 0%" in page


def test_an_operator_runs_the_connector_health_check_on_demand(
    admin_browser, container, make_participant
):
    bank = make_participant("Harbour Bank", roles=("consumer",))
    _webhook(container, bank)
    page = admin_browser.get("/dashboard/deliveries").text
    with container.uow() as uow:
        (instance_id,) = uow.session.execute(sa.select(ConnectorInstance.id)).scalars()
    assert f'hx-get="/dashboard/deliveries/instances/{instance_id}/health"' in page
    check = admin_browser.get(f"/dashboard/deliveries/instances/{instance_id}/health").text
    assert "<strong>ok</strong>: target resolves to an acceptable address" in check


def test_an_operator_starts_an_oauth_grant_from_the_deliveries_page(
    admin_browser, container, make_participant
):
    bank = make_participant("Harbour Bank", roles=("consumer",))
    _webhook(container, bank)
    with StandInServer() as standin:
        instance_id = cargox_instance(container, standin, bank.id)
        page = admin_browser.get("/dashboard/deliveries").text
        assert page.count("/authorize") == 1  # the webhook instance takes no grant
        assert f'action="/dashboard/deliveries/instances/{instance_id}/authorize"' in page
        answer = admin_browser.post(
            f"/dashboard/deliveries/instances/{instance_id}/authorize", follow_redirects=False
        )
    assert answer.status_code == 303
    assert answer.headers["location"].startswith(f"{standin.url}/oauth/authorize/?")
