"""Hostile XML and JSON are refused quickly, without reading files or opening connections."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from app.validation import DocumentTooLarge, IntakeError, validate

CANARY = "tradegate-canary-7f3a9c"


@pytest.fixture
def canary(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(CANARY)
    return path


@pytest.fixture
def listener() -> Iterator[tuple[int, list[bytes]]]:
    """A loopback TCP server that records every connection made to it."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.05)
    seen: list[bytes] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(0.2)
                try:
                    seen.append(conn.recv(1024) or b"<connected>")
                except OSError:
                    seen.append(b"<connected>")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], seen
    stop.set()
    thread.join(timeout=1)
    server.close()


def _xxe_file(canary: Path, port: int) -> bytes:
    return (
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file://{canary}">]><r>&x;</r>'
    ).encode()


def _xxe_parameter(canary: Path, port: int) -> bytes:
    return (
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY % p SYSTEM "file://{canary}">'
        f'<!ENTITY % q SYSTEM "http://127.0.0.1:{port}/p.dtd">%p;%q;]><r/>'
    ).encode()


def _external_dtd(canary: Path, port: int) -> bytes:
    return f'<?xml version="1.0"?><!DOCTYPE r SYSTEM "http://127.0.0.1:{port}/x.dtd"><r/>'.encode()


def _billion_laughs(canary: Path, port: int) -> bytes:
    entities = '<!ENTITY l0 "lol">' + "".join(
        f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10)
    )
    return f'<?xml version="1.0"?><!DOCTYPE r [{entities}]><r>&l9;</r>'.encode()


def _quadratic_blowup(canary: Path, port: int) -> bytes:
    return (
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "{"x" * 50_000}">]><r>{"&a;" * 5_000}</r>'
    ).encode()


def _deep_xml(canary: Path, port: int) -> bytes:
    return b"<a>" * 5_000 + b"</a>" * 5_000


def _xinclude(canary: Path, port: int) -> bytes:
    return (
        '<r xmlns:xi="http://www.w3.org/2001/XInclude">'
        f'<xi:include href="file://{canary}" parse="text"/>'
        f'<xi:include href="http://127.0.0.1:{port}/x.xml"/></r>'
    ).encode()


def _schema_location(canary: Path, port: int) -> bytes:
    return (
        '<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:'
        'CrossIndustryInvoice:100" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100 '
        f'http://127.0.0.1:{port}/cii.xsd"/>'
    ).encode()


def _duplicate_keys(canary: Path, port: int) -> bytes:
    return b'{"transportDocumentReference": "A", "transportDocumentReference": "B"}'


def _deep_json(canary: Path, port: int) -> bytes:
    return b"[" * 100_000 + b"]" * 100_000


def _invalid_utf8(canary: Path, port: int) -> bytes:
    return b'{"transportDocumentReference": "\xff\xfe"}'


def _nan(canary: Path, port: int) -> bytes:
    return b'{"transportDocumentStatus": "DRAFT", "declaredValue": NaN}'


def _huge_string(canary: Path, port: int) -> bytes:
    return b'{"transportDocumentReference": "' + b"A" * (20 * 1024 * 1024) + b'"}'


HOSTILE: dict[str, Callable[[Path, int], bytes]] = {
    "xxe-file": _xxe_file,
    "xxe-parameter-entities": _xxe_parameter,
    "external-dtd": _external_dtd,
    "billion-laughs": _billion_laughs,
    "quadratic-blowup": _quadratic_blowup,
    "deep-xml-5000": _deep_xml,
    "xinclude": _xinclude,
    "schema-location-hint": _schema_location,
    "json-duplicate-keys": _duplicate_keys,
    "json-depth": _deep_json,
    "json-invalid-utf8": _invalid_utf8,
    "json-nan": _nan,
    "json-20mb-string": _huge_string,
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_input_is_refused_fast_without_file_or_network_access(
    name: str, canary: Path, listener: tuple[int, list[bytes]]
) -> None:
    port, connections = listener
    raw = HOSTILE[name](canary, port)
    validate(b"{}", declared_type="dcsa.transport-document")  # warm the registry
    started = time.perf_counter()
    try:
        report = validate(raw)
    except IntakeError as exc:
        elapsed = time.perf_counter() - started
        assert 400 <= exc.status < 500
        assert CANARY not in exc.detail
        if name == "json-20mb-string":
            assert isinstance(exc, DocumentTooLarge)
    else:
        elapsed = time.perf_counter() - started
        # Only the schemaLocation hint is well-formed; it is judged by the pinned schema.
        assert name == "schema-location-hint"
        assert not report.valid
        assert CANARY.encode() not in report.canonical
    # Loose on purpose (shared machines): a network fetch would wait for its timeout.
    assert elapsed < 1.0, f"{name} took {elapsed * 1000:.1f} ms"
    time.sleep(0.06)
    assert connections == []


def test_any_doctype_is_refused_even_a_harmless_one() -> None:
    with pytest.raises(IntakeError) as caught:
        validate(b'<?xml version="1.0"?>\n<!-- hi -->\n<!DOCTYPE r><r/>')
    assert caught.value.reason == "doctype"


def test_doctype_in_utf16_is_refused_after_parsing() -> None:
    raw = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE r><r/>'.encode("utf-16")
    with pytest.raises(IntakeError) as caught:
        validate(raw)
    assert caught.value.reason == "doctype"


def test_listener_fixture_would_notice_a_connection(listener: tuple[int, list[bytes]]) -> None:
    port, connections = listener
    with socket.create_connection(("127.0.0.1", port)) as conn:
        conn.sendall(b"ping")
    time.sleep(0.1)
    assert connections == [b"ping"]
