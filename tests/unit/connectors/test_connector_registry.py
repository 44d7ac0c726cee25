"""Connector discovery: built-ins, third-party entry points, and broken plugins skipped."""

import logging
from datetime import UTC, datetime
from importlib.metadata import EntryPoint

import pytest
from pydantic import BaseModel

from connectors.registry import (
    ENTRY_POINT_GROUP,
    ConnectorRegistry,
    UnknownConnectorError,
)
from connectors.spi import ConnectorKind, DeliveryContext, OutboundMessage

SPI = "connectors.spi"


def ep(name, value):
    return EntryPoint(name=name, value=value, group=ENTRY_POINT_GROUP)


class NamedWrong:
    name = "other"
    kind = ConnectorKind.OUTBOUND
    config_model = dict

    def health(self, config):
        raise AssertionError


class NoDeliver:
    config_model = BaseModel
    name = "nodeliver"
    kind = ConnectorKind.OUTBOUND

    def health(self, config):
        raise AssertionError


def test_builtins_are_always_there():
    registry = ConnectorRegistry.discover(plugins=[])
    assert registry.names() == ["folder", "pint", "webhook"]
    assert registry.get("webhook").kind is ConnectorKind.OUTBOUND
    assert registry.get("folder").kind is ConnectorKind.BOTH
    assert registry.get("pint").kind is ConnectorKind.OUTBOUND


def test_unknown_names_raise_a_typed_error():
    with pytest.raises(UnknownConnectorError):
        ConnectorRegistry.discover(plugins=[]).get("carrier-pigeon")


@pytest.mark.parametrize(
    ("entry", "why"),
    [
        (ep("ghost", "no_such_module_anywhere:Connector"), "ModuleNotFoundError"),
        (ep("attr", "connectors.spi:NoSuchClass"), "AttributeError"),
        (ep("notaconnector", "connectors.spi:OutboundMessage"), "TypeError"),
        (ep("other2", f"{__name__}:NamedWrong"), "declares the name"),
        (ep("nodeliver", f"{__name__}:NoDeliver"), "must implement deliver"),
    ],
)
def test_a_broken_plugin_is_skipped_with_a_warning(caplog, entry, why):
    good = ep("memory", "tradegate_example_connector:MemoryConnector")
    with caplog.at_level(logging.WARNING, logger="connectors.registry"):
        registry = ConnectorRegistry.discover(plugins=[entry, good])
    assert entry.name not in registry.names()
    assert "memory" in registry.names()
    assert any(entry.name in r.getMessage() and why in r.getMessage() for r in caplog.records)


def test_a_plugin_cannot_replace_a_builtin(caplog):
    hijack = ep("webhook", "tradegate_example_connector:MemoryConnector")
    with caplog.at_level(logging.WARNING, logger="connectors.registry"):
        registry = ConnectorRegistry.discover(plugins=[hijack])
    assert type(registry.get("webhook")).__name__ == "WebhookConnector"
    assert "built in" in caplog.text


def test_the_projects_own_builtin_entry_points_are_not_reported(caplog):
    own = [
        ep("webhook", "connectors.webhook.connector:WebhookConnector"),
        ep("folder", "connectors.folder.connector:FolderConnector"),
    ]
    with caplog.at_level(logging.WARNING, logger="connectors.registry"):
        ConnectorRegistry.discover(plugins=own)
    assert caplog.records == []


def test_installed_third_party_package_is_discovered_and_the_broken_one_skipped(caplog):
    """Needs tests/plugins/* pip-installed, as the test environment does."""
    with caplog.at_level(logging.WARNING, logger="connectors.registry"):
        registry = ConnectorRegistry.discover()
    assert "memory" in registry.names()
    assert "broken" not in registry.names()
    assert "'broken'" in caplog.text


def test_a_third_party_connector_delivers_without_touching_the_core():
    from tradegate_example_connector import MAILBOXES

    connector = ConnectorRegistry.discover().get("memory")
    config = connector.config_model.model_validate({"mailbox": "bank-a"})
    now = datetime.now(UTC)
    message = OutboundMessage(id="msg_1", event_type="t", body=b"{}", occurred_at=now)
    connector.deliver(message, DeliveryContext("i", config, attempt=1, now=now))
    assert MAILBOXES["bank-a"] == {"msg_1": b"{}"}
