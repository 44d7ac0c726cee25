"""C2SP signed-note and tlog-checkpoint: byte-exact encoding, parsing and verification."""

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.domain.checkpoint import Checkpoint, CheckpointError, open_checkpoint
from app.domain.note import (
    NoteError,
    NoteSigner,
    NoteVerifier,
    UnverifiedNoteError,
    ed25519_key_id,
    open_note,
    parse_note,
    sign_note,
)

# The published example of golang.org/x/mod/sumdb/note: an independent implementation.
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_NOTE = (
    GO_TEXT + "\n— PeterNeumann "
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)

ROOT = base64.b64decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")


def _signer(name: str = "tradegate.example/log") -> NoteSigner:
    return NoteSigner(name, Ed25519PrivateKey.generate())


def test_signing_reproduces_the_published_go_note_byte_for_byte():
    signer = NoteSigner.from_skey(GO_SKEY)
    assert signer.verifier().vkey == GO_VKEY
    assert sign_note(GO_TEXT, [signer]) == GO_NOTE.encode()


def test_published_go_note_opens_with_its_verifier_key():
    note, signed_by = open_note(GO_NOTE, [NoteVerifier.from_vkey(GO_VKEY)])
    assert note.text == GO_TEXT
    assert signed_by == ["PeterNeumann"]


def test_edited_text_fails_verification():
    with pytest.raises(NoteError):
        open_note(
            GO_NOTE.replace("cryptography", "cryptographY"), [NoteVerifier.from_vkey(GO_VKEY)]
        )


def test_key_id_is_sha256_of_name_newline_type_and_key():
    signer = _signer()
    public = signer.verifier().public_key.public_bytes_raw()
    expected = hashlib.sha256(b"tradegate.example/log\n\x01" + public).digest()[:4]
    assert ed25519_key_id("tradegate.example/log", public) == expected
    assert signer.verifier().key_id == expected
    vkey = signer.verifier().vkey
    assert vkey == (
        f"tradegate.example/log+{expected.hex()}+" + base64.b64encode(b"\x01" + public).decode()
    )
    assert NoteVerifier.from_vkey(vkey).key_id == expected


@pytest.mark.parametrize(
    "vkey",
    [
        "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a3+AhpcZQcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T",
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a3",
        "",
    ],
)
def test_malformed_or_mismatched_verifier_keys_are_refused(vkey):
    with pytest.raises(NoteError):
        NoteVerifier.from_vkey(vkey)


def test_signature_lines_start_with_em_dash_and_carry_key_id_then_signature():
    signer = _signer()
    message = sign_note("hello\n", [signer]).decode()
    text, blank, line = message.partition("\n\n")
    assert text == "hello" and blank
    assert line.startswith("\u2014 tradegate.example/log ")
    assert line.endswith("\n")
    blob = base64.b64decode(line.split(" ")[2])
    assert blob[:4] == signer.verifier().key_id
    signer.verifier().public_key.verify(blob[4:], b"hello\n")


def test_unknown_keys_are_ignored_but_a_trusted_signature_is_required():
    ours, theirs = _signer(), _signer("other.example/log")
    message = sign_note("hello\n", [theirs, ours])
    note, signed_by = open_note(message, [ours.verifier()])
    assert signed_by == ["tradegate.example/log"]
    with pytest.raises(UnverifiedNoteError):
        open_note(sign_note("hello\n", [theirs]), [ours.verifier()])


def test_same_name_different_key_is_treated_as_unknown():
    ours, impostor = _signer(), _signer()
    with pytest.raises(UnverifiedNoteError):
        open_note(sign_note("hello\n", [impostor]), [ours.verifier()])


def test_a_bad_signature_from_a_known_key_rejects_the_note():
    signer = _signer()
    note = parse_note(sign_note("hello\n", [signer]))
    forged = note.signatures[0].__class__(
        note.signatures[0].name, note.signatures[0].key_id, bytes(64)
    )
    message = note.__class__(note.text, (forged,)).encode()
    with pytest.raises(NoteError):
        open_note(message, [signer.verifier()])


@pytest.mark.parametrize(
    "message",
    [
        b"hello\n",
        b"hello\n\n",
        b"hello\n\n\xe2\x80\x94 name AAAAAAA=",
        b"hello\n\n- name AAAAAAAA\n",
        b"hello\n\n\xe2\x80\x94 name AAAA\n",
        b"hel\x01lo\n\n\xe2\x80\x94 name AAAAAAAA\n",
        b"\xff\n\n\xe2\x80\x94 name AAAAAAAA\n",
        b"hello\n\n\xe2\x80\x94 na+me AAAAAAAA\n",
    ],
)
def test_malformed_notes_are_refused(message):
    with pytest.raises(NoteError):
        parse_note(message)


def test_text_may_hold_blank_lines_and_splits_at_the_last_one():
    signer = _signer()
    message = sign_note("a\n\nb\n", [signer])
    note, _ = open_note(message, [signer.verifier()])
    assert note.text == "a\n\nb\n"


def test_checkpoint_text_is_byte_exact_to_c2sp():
    checkpoint = Checkpoint("example.com/behind-the-sofa", 20852163, ROOT)
    assert checkpoint.text() == (
        "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    )
    assert Checkpoint.parse(checkpoint.text()) == checkpoint


def test_checkpoint_extension_lines_round_trip():
    checkpoint = Checkpoint("log", 0, bytes(32), ("ext one", "ext two"))
    assert checkpoint.text().endswith("ext one\next two\n")
    assert Checkpoint.parse(checkpoint.text()) == checkpoint


@pytest.mark.parametrize(
    "text",
    [
        "log\n5\n",
        "log\n05\n" + base64.b64encode(ROOT).decode() + "\n",
        "log\n-1\n" + base64.b64encode(ROOT).decode() + "\n",
        "log\n5\n" + base64.b64encode(ROOT[:31]).decode() + "\n",
        "log\n5\n" + base64.b64encode(ROOT).decode().rstrip("=") + "\n",
        "log\n5\n" + base64.b64encode(ROOT).decode(),
        "log\n5\n" + base64.b64encode(ROOT).decode() + "\n\n",
        "\n5\n" + base64.b64encode(ROOT).decode() + "\n",
    ],
)
def test_malformed_checkpoints_are_refused(text):
    with pytest.raises(CheckpointError):
        Checkpoint.parse(text)


def test_signed_checkpoint_opens_only_for_its_origin_and_key():
    signer = _signer("tradegate.example/log")
    message = Checkpoint("tradegate.example/log", 3, ROOT).sign([signer])
    assert open_checkpoint(message, [signer.verifier()], "tradegate.example/log").size == 3
    with pytest.raises(CheckpointError):
        open_checkpoint(message, [signer.verifier()], "another.example/log")
    with pytest.raises(NoteError):
        open_checkpoint(message.replace(b"\n3\n", b"\n4\n"), [signer.verifier()])
