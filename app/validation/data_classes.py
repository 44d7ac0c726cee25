"""Which residency data classes a document holds: its paths evaluated on the parsed bytes."""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from typing import Any

from lxml import etree

from app.domain.residency import ResidencyRuleError, ResidencyRules
from app.validation.safe_json import parse_json
from app.validation.safe_xml import parse_xml

#: A pointer token that stands for every item of an array or every member of an object.
EVERY = "*"


def _tokens(pointer: str) -> list[str]:
    return [raw.replace("~1", "/").replace("~0", "~") for raw in pointer[1:].split("/")]


def _json_nodes(node: Any, tokens: list[str]) -> Iterator[Any]:
    if not tokens:
        yield node
        return
    token, rest = tokens[0], tokens[1:]
    if token == EVERY:
        children = (
            node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        )
        for child in children:
            yield from _json_nodes(child, rest)
    elif isinstance(node, dict) and token in node:
        yield from _json_nodes(node[token], rest)
    elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
        yield from _json_nodes(node[int(token)], rest)


def _filled(value: Any) -> bool:
    """Absent, null and empty (string, array, object) hold nothing; anything else does."""
    if value is None:
        return False
    if isinstance(value, str | list | dict):
        return bool(value)
    return True


@functools.lru_cache(maxsize=256)
def _xpath(expression: str, namespaces: tuple[tuple[str, str], ...]) -> etree.XPath:
    return etree.XPath(expression, namespaces=dict(namespaces))


def _xml_filled(result: Any) -> bool:
    if isinstance(result, list):
        return any(_xml_filled(item) for item in result)
    if isinstance(result, etree._Element):
        return len(result) > 0 or bool("".join(result.itertext()).strip())
    if isinstance(result, bool):
        return result
    if isinstance(result, str):
        return bool(result.strip())
    if isinstance(result, float):
        return result != 0
    return False


def check_xpaths(rules: ResidencyRules, syntax_of: Mapping[str, str]) -> None:
    """Refuse a rule file whose XPath expressions do not compile with its namespaces."""
    namespaces = tuple(sorted(rules.namespaces.items()))
    for rule in rules.rules:
        if rule.data_class is None:
            continue
        for doc_type, paths in rule.data_class.paths.items():
            if syntax_of.get(doc_type) != "xml":
                continue
            for path in paths:
                try:
                    _xpath(path, namespaces)
                except etree.XPathError as exc:
                    raise ResidencyRuleError(
                        f"{rule.id}.data_class.paths.{doc_type}", f"XPath {path!r}: {exc}"
                    ) from exc


def held_classes(
    content: bytes,
    syntax: str,
    classes: Mapping[str, tuple[str, ...]],
    namespaces: Mapping[str, str],
    *,
    max_depth: int,
) -> frozenset[str]:
    """The names in `classes` whose paths reach a non-empty value in `content`.

    The bytes are a stored document, so they passed the same hardened parsers at intake.
    """
    if not classes:
        return frozenset()
    held: set[str] = set()
    if syntax == "xml":
        tree = parse_xml(content, max_depth=max_depth)
        ns = tuple(sorted(namespaces.items()))
        for name, paths in classes.items():
            if any(_xml_filled(_xpath(path, ns)(tree)) for path in paths):
                held.add(name)
        return frozenset(held)
    document = parse_json(content, max_depth=max_depth).value
    for name, paths in classes.items():
        if any(_filled(node) for path in paths for node in _json_nodes(document, _tokens(path))):
            held.add(name)
    return frozenset(held)
