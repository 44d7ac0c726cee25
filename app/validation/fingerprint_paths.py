"""Where a fingerprint's fields are: JSON Pointers with ``*`` for every item, or XPath."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from lxml import etree

from app.domain.fingerprints import FingerprintSet, RawField
from app.validation.errors import RegistryError
from app.validation.locations import resolve

#: A pointer token that stands for every item of an array.
EVERY_ITEM = "*"


@functools.lru_cache(maxsize=256)
def _xpath(expression: str, namespaces: tuple[tuple[str, str], ...]) -> etree.XPath:
    return etree.XPath(expression, namespaces=dict(namespaces))


def _compiled(expression: str, namespaces: Mapping[str, str]) -> etree.XPath:
    return _xpath(expression, tuple(sorted(namespaces.items())))


def check_paths(fingerprints: FingerprintSet) -> FingerprintSet:
    """Refuse a set whose pointers are malformed or whose XPath does not compile."""
    for definition in fingerprints.definitions:
        for field in definition.fields:
            paths = [field.at, *(part.at for part in field.components())]
            for path in paths:
                where = f"fingerprint {fingerprints.name}/{definition.name}/{field.name}"
                if fingerprints.syntax == "json" and path and not path.startswith("/"):
                    raise RegistryError(f"{where}: {path!r} is not a JSON Pointer")
                if fingerprints.syntax == "xml" and path:
                    try:
                        _compiled(path, fingerprints.namespaces)
                    except etree.XPathError as exc:
                        raise RegistryError(f"{where}: XPath {path!r}: {exc}") from exc
    return fingerprints


def _json_nodes(document: Any, path: str) -> list[Any]:
    """Every value ``path`` reaches; ``*`` fans out over an array's items."""
    head, star, tail = path.partition("/" + EVERY_ITEM)
    found, value = resolve(document, head)
    if not found:
        return []
    if not star:
        return [value]
    if not isinstance(value, list):
        return []
    return [node for item in value for node in _json_nodes(item, tail)]


def _json_text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _xml_text(result: Any) -> str | None:
    if isinstance(result, list):
        result = result[0] if result else None
    if isinstance(result, etree._Element):
        return "".join(result.itertext())
    return str(result) if isinstance(result, str) else None


def raw_fields(fingerprints: FingerprintSet, subject: Any) -> dict[str, RawField]:
    """The raw text of every field part, node by node, from a JSON subject or an XML tree."""
    found: dict[str, RawField] = {}
    for definition in fingerprints.definitions:
        for field in definition.fields:
            if field.name in found:
                continue
            parts = field.components()
            if fingerprints.syntax == "json":
                found[field.name] = [
                    [_json_text(resolve(node, part.at)[1]) for part in parts]
                    for node in _json_nodes(subject, field.at)
                ]
            else:
                ns = fingerprints.namespaces
                nodes = _compiled(field.at, ns)(subject)
                found[field.name] = [
                    [_xml_text(_compiled(p.at, ns)(node) if p.at else node) for p in parts]
                    for node in (nodes if isinstance(nodes, list) else [nodes])
                ]
    return found
