"""Connector discovery: built-in aliases plus the ``tradegate.connectors`` entry-point group."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache
from importlib.metadata import EntryPoint, entry_points

from pydantic import BaseModel

from connectors.spi import Connector, ConnectorKind

logger = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "tradegate.connectors"

BUILTIN_CONNECTORS: Mapping[str, str] = {
    "webhook": "connectors.webhook.connector:WebhookConnector",
    "folder": "connectors.folder.connector:FolderConnector",
    "pint": "connectors.pint.connector:PintConnector",
}


class UnknownConnectorError(LookupError):
    """No installed connector has this name."""


class InvalidConnectorError(TypeError):
    """A plugin object does not implement the connector SPI."""


def _import(target: str) -> object:
    module_name, _, attribute = target.partition(":")
    obj: object = importlib.import_module(module_name)
    for part in attribute.split("."):
        obj = getattr(obj, part)
    return obj


def _instantiate(name: str, obj: object) -> Connector:
    """Accept a connector class (instantiated without arguments) or a ready instance."""
    connector = obj() if isinstance(obj, type) else obj
    if not isinstance(connector, Connector):
        raise InvalidConnectorError(f"{name}: does not implement the connector SPI")
    if connector.name != name:
        raise InvalidConnectorError(f"{name}: declares the name {connector.name!r}")
    if not isinstance(connector.kind, ConnectorKind):
        raise InvalidConnectorError(f"{name}: kind must be a ConnectorKind")
    if not (
        isinstance(connector.config_model, type) and issubclass(connector.config_model, BaseModel)
    ):
        raise InvalidConnectorError(f"{name}: config_model must be a pydantic model")
    if connector.kind.sends and not callable(getattr(connector, "deliver", None)):
        raise InvalidConnectorError(f"{name}: an outbound connector must implement deliver()")
    if connector.kind.receives and not callable(getattr(connector, "poll", None)):
        raise InvalidConnectorError(f"{name}: an inbound connector must implement poll()")
    return connector


class ConnectorRegistry:
    """The connectors installed in this process, by name."""

    def __init__(self, connectors: Mapping[str, Connector]) -> None:
        self._connectors = dict(sorted(connectors.items()))

    @classmethod
    def discover(cls, plugins: Iterable[EntryPoint] | None = None) -> ConnectorRegistry:
        """Load built-ins, then plugins; a plugin that fails to load is logged and skipped.

        Built-in names cannot be taken over by a plugin: the project's own pyproject
        declares the built-ins in the same group, and a stray package must not replace them.
        """
        found: dict[str, Connector] = {
            name: _instantiate(name, _import(target)) for name, target in BUILTIN_CONNECTORS.items()
        }
        group = entry_points(group=ENTRY_POINT_GROUP) if plugins is None else plugins
        for entry in group:
            if entry.name in BUILTIN_CONNECTORS:
                if entry.value != BUILTIN_CONNECTORS[entry.name]:
                    logger.warning(
                        "connector plugin %r (%s) ignored: the name is built in",
                        entry.name,
                        entry.value,
                    )
                continue
            if entry.name in found:
                logger.warning(
                    "connector plugin %r (%s) ignored: duplicate", entry.name, entry.value
                )
                continue
            try:
                found[entry.name] = _instantiate(entry.name, entry.load())
            except Exception as exc:
                logger.warning(
                    "connector plugin %r (%s) skipped: %s: %s",
                    entry.name,
                    entry.value,
                    type(exc).__name__,
                    exc,
                )
        return cls(found)

    def names(self) -> list[str]:
        """Installed connector names, sorted."""
        return list(self._connectors)

    def get(self, name: str) -> Connector:
        """The connector called ``name``; ``UnknownConnectorError`` when not installed."""
        try:
            return self._connectors[name]
        except KeyError:
            raise UnknownConnectorError(f"no connector named {name!r} is installed") from None

    def __iter__(self) -> Iterator[Connector]:
        return iter(self._connectors.values())


@lru_cache(maxsize=1)
def default_registry() -> ConnectorRegistry:
    """The process-wide registry, discovered once."""
    return ConnectorRegistry.discover()
