"""Hardened XML parsing: no DOCTYPE at all, no entities, no network, no XInclude, bounded depth."""

from __future__ import annotations

import functools
import threading

from lxml import etree

from app.validation.errors import UnparsableDocument

_BLANKS = b" \t\r\n"


def _doctype_in_prolog(raw: bytes) -> bool:
    """True when a DOCTYPE precedes the root element of a UTF-8 (or ASCII) document.

    The prolog may hold an XML declaration, comments, processing instructions and blanks; a
    DOCTYPE can only appear there, so spotting one is a cheap refusal that never lets libxml2
    read an internal subset. Linear: each construct is skipped with one ``find``.
    """
    i = 3 if raw.startswith(b"\xef\xbb\xbf") else 0
    while True:
        while i < len(raw) and raw[i] in _BLANKS:
            i += 1
        for opener, closer in ((b"<?", b"?>"), (b"<!--", b"-->")):
            if raw.startswith(opener, i):
                end = raw.find(closer, i + len(opener))
                if end < 0:
                    return False
                i = end + len(closer)
                break
        else:
            return raw.startswith(b"<!DOCTYPE", i)


def _parser() -> etree.XMLParser:
    # Entities are never substituted, no DTD is loaded or validated, nothing is fetched,
    # and libxml2 keeps its default size/depth limits (huge_tree off).
    return etree.XMLParser(
        resolve_entities=False,
        load_dtd=False,
        dtd_validation=False,
        attribute_defaults=False,
        no_network=True,
        huge_tree=False,
        remove_blank_text=False,
        collect_ids=False,
    )


# lxml parsers must not be shared between threads (the API serves requests from a pool).
_local = threading.local()


def _thread_parser() -> etree.XMLParser:
    parser: etree.XMLParser | None = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = _parser()
    return parser


@functools.cache
def _deeper_than(limit: int) -> etree.XPath:
    # An XPath step per level, evaluated inside libxml2: no Python recursion, stops early.
    # Compiled once per limit (lxml serialises concurrent calls of one XPath object).
    return etree.XPath("boolean(/*" + "/*" * limit + ")")


def _too_deep(root: etree._Element, limit: int) -> bool:
    return bool(_deeper_than(limit)(root))


def parse_xml(raw: bytes, *, max_depth: int) -> etree._ElementTree:
    """Parse ``raw`` as a standalone XML document or raise :class:`UnparsableDocument`.

    ``xsi:schemaLocation`` hints stay inert: validation always uses the registry's schema.
    XInclude elements stay plain elements: ``xinclude()`` is never called.
    """
    if _doctype_in_prolog(raw):
        raise UnparsableDocument("a DOCTYPE is not accepted", reason="doctype")
    try:
        root = etree.fromstring(raw, parser=_thread_parser())
    except etree.XMLSyntaxError as exc:
        raise UnparsableDocument(
            f"not well-formed XML: {exc.msg}", reason="syntax", line=exc.lineno
        ) from exc
    except ValueError as exc:  # e.g. a str with an encoding declaration
        raise UnparsableDocument(f"not XML: {exc}", reason="syntax") from exc
    tree = root.getroottree()
    info = tree.docinfo
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
        raise UnparsableDocument("a DOCTYPE is not accepted", reason="doctype")
    if _too_deep(root, max_depth):
        raise UnparsableDocument(f"elements nest deeper than {max_depth} levels", reason="too-deep")
    return tree
