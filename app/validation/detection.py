"""Which registered type is this? Explicit type, then media type, then the content itself."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from lxml import etree

from app.validation.errors import UndeterminedDocumentType, UnparsableDocument, UnsupportedMediaType
from app.validation.locations import resolve
from app.validation.media import GENERIC_JSON, GENERIC_XML, UNSPECIFIC, parse_media_type
from app.validation.registry import DocumentType, Registry, Shape

Syntax = Literal["json", "xml"]


@dataclass(frozen=True, slots=True)
class Declared:
    """What the sender said: a registered type, or only a syntax, or nothing (``None``)."""

    doc_type: DocumentType | None
    syntax: Syntax | None


#: What most senders say: nothing, so the content decides.
_NOTHING_DECLARED = Declared(None, None)


def declared(registry: Registry, declared_type: str | None, media_type: str | None) -> Declared:
    """Interpret the explicit type and the media type; contradictions and unknowns are a 415."""
    by_type = registry.by_id(declared_type) if declared_type else None
    if not media_type:
        return Declared(by_type, by_type.syntax) if by_type else _NOTHING_DECLARED
    parsed = parse_media_type(media_type)
    if parsed.essence in UNSPECIFIC:
        syntax: Syntax | None = None
    elif parsed.essence in GENERIC_JSON:
        syntax = "json"
    elif parsed.essence in GENERIC_XML:
        syntax = "xml"
    else:
        by_media = registry.by_media_type(parsed)
        if by_media is None:
            raise UnsupportedMediaType(
                f"media type '{media_type}' names no registered document type",
                reason="unknown-media-type",
                candidates=[str(m) for t in registry.types for m in t.media_types],
            )
        if by_type is not None and by_type is not by_media:
            raise UnsupportedMediaType(
                f"media type '{media_type}' contradicts type '{declared_type}'",
                reason="type-conflict",
            )
        return Declared(by_media, by_media.syntax)
    if by_type is not None and syntax not in (None, by_type.syntax):
        raise UnsupportedMediaType(
            f"media type '{media_type}' cannot carry '{declared_type}'", reason="type-conflict"
        )
    return Declared(by_type, by_type.syntax if by_type else syntax)


def sniff_syntax(raw: bytes) -> Syntax:
    """JSON starts with ``{`` or ``[``, XML with ``<`` (after an optional BOM and blanks)."""
    head = raw[:1024].lstrip(b"\xef\xbb\xbf").lstrip()
    if head[:1] in (b"{", b"["):
        return "json"
    if head[:1] == b"<" or raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "xml"
    raise UnparsableDocument("the body is neither JSON nor XML", reason="unknown-syntax")


def _shape_matches(shape: Shape, document: Any) -> bool:
    # Plain loops: this runs for every shape of every type on every document.
    for ptr in shape.match_all:
        if not resolve(document, ptr)[0]:
            return False
    return not shape.match_any or any(resolve(document, p)[0] for p in shape.match_any)


def json_shape(doc_type: DocumentType, document: Any) -> Shape | None:
    """The first shape of ``doc_type`` the document has, ``None`` if none."""
    for shape in doc_type.shapes:
        if _shape_matches(shape, document):
            return shape
    return None


def detect_json(registry: Registry, document: Any) -> tuple[DocumentType, Shape]:
    """Find the one JSON type whose shape the document has."""
    found = [
        (doc_type, shape)
        for doc_type in registry.types
        if doc_type.syntax == "json" and (shape := json_shape(doc_type, document)) is not None
    ]
    if len(found) == 1:
        return found[0]
    candidates = [f"{t.id}@{t.version}" for t, _ in found] or [
        f"{t.id}@{t.version}" for t in registry.types if t.syntax == "json"
    ]
    raise UndeterminedDocumentType(
        "the document matches more than one registered type"
        if found
        else "the document matches no registered JSON document type",
        reason="ambiguous-type" if found else "unknown-type",
        candidates=candidates,
    )


def detect_xml(registry: Registry, tree: etree._ElementTree) -> DocumentType:
    """Find the XML type whose root element (namespace and local name) the document has."""
    qname = etree.QName(tree.getroot())
    for doc_type in registry.types:
        root = doc_type.xml_root
        if root and (root.namespace, root.local_name) == (qname.namespace, qname.localname):
            return doc_type
    raise UndeterminedDocumentType(
        f"no registered XML document type has the root element {qname.text}",
        reason="unknown-type",
        candidates=[f"{t.id}@{t.version}" for t in registry.types if t.syntax == "xml"],
    )
