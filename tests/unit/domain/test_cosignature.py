"""C2SP tlog-cosignature cosignature/v1: key ids, signed message bytes, note lines."""

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from app.domain.checkpoint import Checkpoint
from app.domain.cosignature import (
    CosignatureSigner,
    CosignatureVerifier,
    add_signature_lines,
    cosignature_key_id,
    cosignatures_of,
    signed_message,
)
from app.domain.note import NoteError, NoteSignature, NoteSigner, parse_note

# A witness cosignature published in sigsum-go's proof tests (pkg/proof/proof_test.go,
# TestVerify): an independent implementation signing "cosignature/v1\ntime T\n" + checkpoint.
SIGSUM_WITNESS_SSH = "AAAAC3NzaC1lZDI1NTE5AAAAIMvjV+a0ZASecDt75siSARk6zCoYwJWwaRqvULmx4VeK"
SIGSUM_LOG_KEYHASH = "7c5fafc796c201e0fcd7567c5033a2777ec28363f54ea0ba97b57bece0d96acd"
SIGSUM_ROOT = "3ddc56fd46e71e517b6936b977a457da7d398108141fcdf5c8386cdd724ab7a8"
SIGSUM_TIME = 1683202758
SIGSUM_SIGNATURE = (
    "e8d6c447d7847d5c1431ef86f8c60fa0cbacd975388b2a8f202fe4b0f9d0d544"
    "989c9d9351752d86aae2df72b9d7135b6b09de2ccaa6d68edf638105d69be609"
)
# A cosignature/v1 verifier key in use, as published in transparency-dev/formats's tests.
PUBLISHED_VKEY = "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2"


def _sigsum_checkpoint() -> Checkpoint:
    return Checkpoint(f"sigsum.org/v1/tree/{SIGSUM_LOG_KEYHASH}", 4, bytes.fromhex(SIGSUM_ROOT))


def _sigsum_witness(name: str = "sigsum-test-witness") -> CosignatureVerifier:
    public = base64.b64decode(SIGSUM_WITNESS_SSH)[-32:]
    return CosignatureVerifier.from_public_key(name, Ed25519PublicKey.from_public_bytes(public))


def test_signed_message_is_header_time_then_checkpoint():
    text = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    assert signed_message(text, 1679315147) == (
        b"cosignature/v1\ntime 1679315147\n" + text.encode()
    )


def test_published_sigsum_cosignature_verifies_as_a_note_line():
    witness = _sigsum_witness()
    text = _sigsum_checkpoint().text()
    raw = SIGSUM_TIME.to_bytes(8, "big") + bytes.fromhex(SIGSUM_SIGNATURE)
    line = NoteSignature(witness.name, witness.key_id, raw).line()
    note = text + "\n" + line
    found = cosignatures_of(note, [witness])
    assert found[witness.name].timestamp == SIGSUM_TIME
    assert found[witness.name].line == line


def test_published_sigsum_cosignature_fails_on_another_time_or_tree():
    witness = _sigsum_witness()
    later = (SIGSUM_TIME + 1).to_bytes(8, "big") + bytes.fromhex(SIGSUM_SIGNATURE)
    assert witness.verify(_sigsum_checkpoint().text(), later) is None
    other = Checkpoint(_sigsum_checkpoint().origin, 5, bytes.fromhex(SIGSUM_ROOT))
    raw = SIGSUM_TIME.to_bytes(8, "big") + bytes.fromhex(SIGSUM_SIGNATURE)
    assert witness.verify(other.text(), raw) is None


def test_published_cosignature_vkey_parses_and_its_key_id_matches():
    verifier = CosignatureVerifier.from_vkey(PUBLISHED_VKEY)
    assert verifier.name == "remora.n621.de"
    assert verifier.key_id.hex() == "da77ade7"
    assert verifier.vkey == PUBLISHED_VKEY


def test_key_id_uses_algorithm_byte_4_not_the_note_signature_type():
    key = Ed25519PrivateKey.generate()
    signer = CosignatureSigner("witness.example/w1", key)
    note_key_id = NoteSigner("witness.example/w1", key).verifier().key_id
    assert signer.verifier().key_id != note_key_id
    public = signer.verifier().vkey.split("+", 2)[2]
    assert base64.b64decode(public)[0] == 0x04


def test_a_signed_note_vkey_is_not_a_witness_key():
    signer = NoteSigner("log.example/log", Ed25519PrivateKey.generate())
    with pytest.raises(NoteError, match="type 0x04"):
        CosignatureVerifier.from_vkey(signer.verifier().vkey)


def test_wrong_key_id_in_vkey_is_refused():
    name, _, key = PUBLISHED_VKEY.split("+", 2)
    with pytest.raises(NoteError, match="does not match"):
        CosignatureVerifier.from_vkey(f"{name}+00000000+{key}")


def test_cosign_then_verify_round_trip_with_extension_lines():
    signer = CosignatureSigner("witness.example/w1", Ed25519PrivateKey.generate())
    text = Checkpoint("log.example/log", 7, b"\1" * 32, ("ext line",)).text()
    line = signer.cosign(text, 1_700_000_000).line()
    raw = base64.b64decode(line.split(" ")[2])
    assert raw[:4] == cosignature_key_id("witness.example/w1", _raw(signer))
    assert int.from_bytes(raw[4:12], "big") == 1_700_000_000
    assert len(raw) == 4 + 8 + 64
    found = cosignatures_of(text + "\n" + line, [signer.verifier()])
    assert found["witness.example/w1"].timestamp == 1_700_000_000
    tampered = text.replace("ext line", "ext lime")
    assert cosignatures_of(tampered + "\n" + line, [signer.verifier()]) == {}


def _raw(signer: CosignatureSigner) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return signer.private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def test_lines_of_unknown_keys_and_bad_lines_of_a_known_key_are_ignored():
    log = NoteSigner("log.example/log", Ed25519PrivateKey.generate())
    witness = CosignatureSigner("witness.example/w1", Ed25519PrivateKey.generate())
    stranger = CosignatureSigner("witness.example/w2", Ed25519PrivateKey.generate())
    checkpoint = Checkpoint("log.example/log", 3, b"\2" * 32)
    note = checkpoint.sign([log]).decode()
    text = checkpoint.text()
    forged = NoteSignature(witness.name, witness.verifier().key_id, b"\0" * 72).line()
    with_lines = add_signature_lines(note, [stranger.cosign(text, 5).line(), forged])
    assert cosignatures_of(with_lines, [witness.verifier()]) == {}
    good = add_signature_lines(with_lines, [witness.cosign(text, 6).line()])
    assert set(cosignatures_of(good, [witness.verifier(), stranger.verifier()])) == {
        "witness.example/w1",
        "witness.example/w2",
    }
    # The log's own signature still opens the note with its extra lines.
    assert len(parse_note(good).signatures) == 4


def test_add_signature_lines_skips_duplicates_and_refuses_other_text():
    log = NoteSigner("log.example/log", Ed25519PrivateKey.generate())
    note = Checkpoint("log.example/log", 1, b"\3" * 32).sign([log]).decode()
    line = CosignatureSigner("w", Ed25519PrivateKey.generate()).cosign("x\n", 1).line()
    once = add_signature_lines(note, [line])
    assert add_signature_lines(once, [line]) == once
    with pytest.raises(NoteError):
        add_signature_lines(note, ["not a signature\n"])


def test_timestamp_above_2_pow_63_is_refused():
    with pytest.raises(NoteError):
        signed_message("x\n", 2**63)
    signer = CosignatureSigner("w", Ed25519PrivateKey.generate())
    assert signer.verifier().verify("x\n", (2**63).to_bytes(8, "big") + b"\0" * 64) is None
