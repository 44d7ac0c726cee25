"""Fixtures for the cargox connector: the local CargoX stand-in and authorised instances."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from app.container import Container
from app.security.principal import SYSTEM
from app.services.delivery.connector_access import complete_authorization, start_authorization
from app.services.delivery.connector_instances import create_instance
from tests.cargox_standin import (
    CLIENT_ID,
    CLIENT_SECRET,
    INBOX,
    RECIPIENT_INBOX,
    StandInServer,
)
from tests.support import subscribed_instance

WEBHOOK_SECRET = "rule-shared-secret"  # noqa: S105 - a test credential


@pytest.fixture
def standin() -> Iterator[StandInServer]:
    with StandInServer() as server:
        yield server


def cargox_config(standin: StandInServer, **extra: Any) -> dict[str, Any]:
    return {
        "api_base_url": standin.url,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "inbox_id": INBOX,
        "recipient_inbox_id": RECIPIENT_INBOX,
        "webhook_secret": WEBHOOK_SECRET,
    } | extra


def consent_state(authorization_url: str) -> str:
    """The ``state`` the hub put in the consent URL, as CargoX hands it back."""
    return parse_qs(urlparse(authorization_url).query)["state"][0]


def authorize(container: Container, standin: StandInServer, instance_id: uuid.UUID) -> None:
    """The company's administrator consents at CargoX and the browser returns to the hub."""
    url = start_authorization(container, SYSTEM, instance_id)
    state = consent_state(url)
    complete_authorization(container, state=state, code=standin.state.consent(), error=None)


@pytest.fixture
def sending_instance(
    container: Container, standin: StandInServer, parties: dict[str, Any]
) -> Callable[..., uuid.UUID]:
    """The bank's authorised cargox instance, routed accepted documents with content."""

    def make(**config: Any) -> uuid.UUID:
        instance_id = subscribed_instance(
            container,
            parties["bank"].id,
            "cargox",
            cargox_config(standin, **config),
            include_content=True,
        )
        authorize(container, standin, instance_id)
        return instance_id

    return make


def cargox_instance(
    container: Container, standin: StandInServer, participant_id: uuid.UUID, **options: Any
) -> uuid.UUID:
    """A cargox instance for the participant, not yet authorised."""
    with container.uow() as uow:
        instance, _ = create_instance(
            uow.session,
            SYSTEM,
            connector="cargox",
            name="cargox",
            config=cargox_config(standin),
            participant_id=participant_id,
            **options,
        )
        uow.commit()
    return instance.id


@pytest.fixture
def receiving_instance(
    container: Container, standin: StandInServer, parties: dict[str, Any]
) -> uuid.UUID:
    """The carrier's authorised cargox instance, pushing received envelopes into intake."""
    instance_id = cargox_instance(container, standin, parties["provider"].id, poll_inbound=True)
    authorize(container, standin, instance_id)
    return instance_id
