"""The hub's name and jurisdiction are stored with its identity and published, signed."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.container import Container
from app.services.federation.metadata import open_metadata
from app.services.hub.identity import IdentityMismatch
from app.services.ledger.log import log_verifier
from app.settings import Settings
from app.storage.models import HubIdentity
from tests.support import both_backends

pytestmark = pytest.mark.integration


def _later(settings: Settings, **configured: object) -> Settings:
    return Settings(
        env="test",
        data_dir=settings.data_dir,
        database_url=settings.effective_database_url,
        log_level="WARNING",
        **configured,
    )


@pytest.fixture
def settings(settings):  # noqa: ANN001, ANN201
    return settings.model_copy(update={"hub_name": "hub-a", "jurisdiction": "HK"})


@both_backends
def test_a_later_process_takes_the_stored_name_and_jurisdiction(container, settings) -> None:  # noqa: ANN001
    later = Container(_later(settings))
    try:
        assert later.settings.effective_hub_name == "hub-a"
        assert later.settings.jurisdiction == "HK"
    finally:
        later.close()


@pytest.mark.parametrize(
    ("configured", "said"),
    [
        ({"hub_name": "hub-z"}, "TRADEGATE_HUB_NAME is hub-z but this hub was created as hub-a"),
        ({"jurisdiction": "CN"}, "TRADEGATE_JURISDICTION is CN but this hub runs under HK"),
    ],
)
def test_renaming_or_moving_the_hub_is_refused(container, settings, configured, said) -> None:  # noqa: ANN001
    with pytest.raises(IdentityMismatch, match=said):
        Container(_later(settings, **configured))


def test_a_hub_created_before_federation_takes_its_name_and_jurisdiction_once(
    container,  # noqa: ANN001
    settings,  # noqa: ANN001
) -> None:
    with container.uow() as uow:
        uow.session.execute(sa.update(HubIdentity).values(name=None, jurisdiction=None))
        uow.commit()
    later = Container(_later(settings, jurisdiction="SG"))
    later.close()
    with container.uow() as uow:
        stored = uow.session.execute(sa.select(HubIdentity)).scalar_one()
        assert (stored.name, stored.jurisdiction) == ("testserver", "SG")


def test_the_metadata_is_public_and_verifies_against_the_log_key(client, container) -> None:  # noqa: ANN001
    answer = client.get("/.well-known/tradegate-hub")
    assert answer.status_code == 200
    pin = log_verifier(container.settings, container.keys).vkey
    fields, _ = open_metadata(answer.json(), pin)
    assert (fields["name"], fields["jurisdiction"]) == ("hub-a", "HK")
    assert fields["log_key"] == pin
    assert fields["peer_api_base"] == "http://testserver/federation/v1"
    assert fields["jwks"] == container.keys.public_jwks()
