"""Hub metadata: a note signed by the log key, opened only against the pinned key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.domain.hub_metadata import MetadataError, metadata_text, parse_metadata_text
from app.domain.note import NoteSigner, parse_note, sign_note
from app.errors import Unprocessable
from app.security.keys import KeyStore
from app.services.federation.metadata import MetadataRefused, open_metadata, signed_metadata
from app.services.ledger.log import log_verifier
from app.settings import Settings


def _hub(tmp_path: Path, name: str, port: int) -> tuple[Settings, KeyStore]:
    settings = Settings(
        env="test",
        data_dir=tmp_path / name,
        issuer=f"https://{name}.example:{port}",
        hub_name=name,
        jurisdiction="HK",
    )
    return settings, KeyStore.generate()


def test_metadata_opens_against_the_pinned_log_key(tmp_path: Path) -> None:
    settings, keys = _hub(tmp_path, "hub-a", 8443)
    document = json.loads(json.dumps(signed_metadata(settings, keys)))
    fields, note = open_metadata(document, log_verifier(settings, keys).vkey)
    assert fields["name"] == "hub-a"
    assert fields["jurisdiction"] == "HK"
    assert fields["issuer"] == "https://hub-a.example:8443"
    assert fields["peer_api_base"] == "https://hub-a.example:8443/federation/v1"
    assert fields["jwks"] == keys.public_jwks()
    assert note == document["signed_note"]
    assert note.startswith("tradegate.hub-metadata/1\n")


def test_metadata_of_another_hub_is_refused_under_this_pin(tmp_path: Path) -> None:
    a_settings, a_keys = _hub(tmp_path, "hub-a", 8443)
    b_settings, b_keys = _hub(tmp_path, "hub-b", 8444)
    with pytest.raises(MetadataRefused, match="not signed by the pinned key"):
        open_metadata(signed_metadata(b_settings, b_keys), log_verifier(a_settings, a_keys).vkey)


def test_a_key_pinned_under_the_peers_origin_but_another_key_is_refused(tmp_path: Path) -> None:
    settings, keys = _hub(tmp_path, "hub-a", 8443)
    impostor = NoteSigner(settings.effective_ledger_origin, KeyStore.generate().log_signing_key())
    with pytest.raises(MetadataRefused, match="not signed by the pinned key"):
        open_metadata(signed_metadata(settings, keys), impostor.verifier().vkey)


def test_the_plain_fields_are_not_trusted_only_the_signed_note(tmp_path: Path) -> None:
    settings, keys = _hub(tmp_path, "hub-a", 8443)
    document = signed_metadata(settings, keys)
    document["jurisdiction"] = "CN"
    document["jwks"] = {"keys": []}
    fields, _ = open_metadata(document, log_verifier(settings, keys).vkey)
    assert fields["jurisdiction"] == "HK"
    assert fields["jwks"] == keys.public_jwks()


def test_a_tampered_note_is_refused(tmp_path: Path) -> None:
    settings, keys = _hub(tmp_path, "hub-a", 8443)
    document = signed_metadata(settings, keys)
    document["signed_note"] = document["signed_note"].replace('"HK"', '"CN"')
    with pytest.raises(MetadataRefused, match="does not verify"):
        open_metadata(document, log_verifier(settings, keys).vkey)


def test_a_note_signed_by_the_key_but_naming_another_key_is_refused(tmp_path: Path) -> None:
    settings, keys = _hub(tmp_path, "hub-a", 8443)
    signer = NoteSigner(settings.effective_ledger_origin, keys.log_signing_key())
    other = NoteSigner("elsewhere/log", KeyStore.generate().log_signing_key())
    fields = {**signed_metadata(settings, keys), "log_key": other.verifier().vkey}
    fields.pop("signed_note")
    document = {"signed_note": sign_note(metadata_text(fields), [signer]).decode()}
    with pytest.raises(MetadataRefused, match="not the pinned"):
        open_metadata(document, signer.verifier().vkey)


@pytest.mark.parametrize(
    "document", [None, [], {}, {"signed_note": 7}], ids=["null", "list", "empty", "not-text"]
)
def test_a_document_without_a_signed_note_is_refused(document: object, tmp_path: Path) -> None:
    settings, keys = _hub(tmp_path, "hub-a", 8443)
    with pytest.raises(MetadataRefused, match="no signed_note"):
        open_metadata(document, log_verifier(settings, keys).vkey)


def test_a_malformed_pin_is_refused_before_anything_is_read(tmp_path: Path) -> None:
    settings, keys = _hub(tmp_path, "hub-a", 8443)
    with pytest.raises(Unprocessable, match="not a log verifier key") as caught:
        open_metadata(signed_metadata(settings, keys), "not-a-vkey")
    assert caught.value.slug == "bad-pin"


def test_metadata_text_is_a_format_line_and_one_canonical_json_line(tmp_path: Path) -> None:
    settings, keys = _hub(tmp_path, "hub-a", 8443)
    note = parse_note(signed_metadata(settings, keys)["signed_note"])
    first, body, end = note.text.split("\n")
    assert (first, end) == ("tradegate.hub-metadata/1", "")
    assert body == json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("tradegate.hub-metadata/2\n{}\n", "is not tradegate.hub-metadata/1"),
        ("tradegate.hub-metadata/1\n[1]\n", "not a JSON object"),
        ("tradegate.hub-metadata/1\n{\n", "not JSON"),
        ("tradegate.hub-metadata/1\n{}\nextra\n", "a format line and one JSON line"),
        ("tradegate.hub-metadata/1\n{}\n", "lacks name"),
    ],
)
def test_malformed_metadata_text_is_refused(text: str, message: str) -> None:
    with pytest.raises(MetadataError, match=message):
        parse_metadata_text(text)


def test_a_jurisdiction_that_is_not_an_iso_code_is_refused(tmp_path: Path) -> None:
    settings, keys = _hub(tmp_path, "hub-a", 8443)
    note = parse_note(signed_metadata(settings, keys)["signed_note"])
    with pytest.raises(MetadataError, match="ISO 3166-1"):
        parse_metadata_text(note.text.replace('"HK"', '"Hong Kong"'))
