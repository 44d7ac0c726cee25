"""RFC 3161 sink against a real `openssl ts` authority on the loopback interface."""

import base64
import hashlib
import json

import pytest

from app.ledger.sinks import (
    AnchorError,
    AnchorVerificationError,
    TrustAnchors,
    by_url,
    receipt_from_json,
    verify_receipt,
)
from app.ledger.sinks.rfc3161 import Rfc3161Receipt, Rfc3161Sink

pytestmark = pytest.mark.integration

CHECKPOINT = (
    b"tradegate.example/log\n3\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n\xe2\x80\x94 x\n"
)


def _sink(tsa) -> Rfc3161Sink:
    sink = by_url("rfc3161+" + tsa.url, trust=TrustAnchors(certificates=[tsa.root]))
    assert isinstance(sink, Rfc3161Sink)
    return sink


def test_anchor_returns_a_receipt_that_verifies_offline(local_tsa):
    receipt = _sink(local_tsa).anchor(CHECKPOINT)
    restored = receipt_from_json(json.loads(receipt.model_dump_json()))
    assert isinstance(restored, Rfc3161Receipt)
    verified = verify_receipt(CHECKPOINT, restored, TrustAnchors(certificates=[local_tsa.root]))
    assert verified == receipt.gen_time
    assert restored.policy == "1.3.6.1.4.1.99999.1"


def test_receipt_does_not_verify_for_another_checkpoint(local_tsa):
    receipt = _sink(local_tsa).anchor(CHECKPOINT)
    with pytest.raises(AnchorVerificationError) as info:
        verify_receipt(CHECKPOINT + b"x", receipt, TrustAnchors(certificates=[local_tsa.root]))
    assert info.value.reason == "anchor_checkpoint_mismatch"


def test_receipt_does_not_verify_without_the_tsa_root(local_tsa, foreign_tsa_root):
    receipt = _sink(local_tsa).anchor(CHECKPOINT)
    with pytest.raises(AnchorVerificationError) as info:
        verify_receipt(CHECKPOINT, receipt, TrustAnchors(certificates=[foreign_tsa_root]))
    assert info.value.reason == "anchor_untrusted"
    with pytest.raises(AnchorVerificationError):
        verify_receipt(CHECKPOINT, receipt, TrustAnchors())


def test_a_token_moved_onto_another_checkpoint_is_rejected(local_tsa):
    receipt = _sink(local_tsa).anchor(CHECKPOINT)
    other = CHECKPOINT.replace(b"\n3\n", b"\n4\n")
    moved = receipt.model_copy(update={"checkpoint_sha256": hashlib.sha256(other).hexdigest()})
    with pytest.raises(AnchorVerificationError) as info:
        verify_receipt(other, moved, TrustAnchors([local_tsa.root]))
    assert info.value.reason == "anchor_imprint_mismatch"


def test_edited_token_bytes_are_detected(local_tsa):
    receipt = _sink(local_tsa).anchor(CHECKPOINT)
    token = bytearray(base64.b64decode(receipt.token))
    token[-1] ^= 1
    edited = receipt.model_copy(update={"token": base64.b64encode(bytes(token)).decode()})
    with pytest.raises(AnchorVerificationError) as info:
        verify_receipt(CHECKPOINT, edited, TrustAnchors([local_tsa.root]))
    assert info.value.reason == "anchor_tampered"


def test_tampered_reply_is_refused_at_anchor_time(local_tsa):
    local_tsa.mode = "tampered"
    with pytest.raises(AnchorError, match="signature"):
        _sink(local_tsa).anchor(CHECKPOINT)


def test_reply_over_another_imprint_is_refused(local_tsa):
    local_tsa.mode = "wrong_imprint"
    with pytest.raises(AnchorError, match="imprint"):
        _sink(local_tsa).anchor(CHECKPOINT)


def test_reply_with_another_nonce_is_refused(local_tsa):
    local_tsa.mode = "wrong_nonce"
    with pytest.raises(AnchorError, match="nonce"):
        _sink(local_tsa).anchor(CHECKPOINT)


def test_unreachable_tsa_is_an_anchor_error():
    sink = by_url("rfc3161+http://127.0.0.1:9/tsa", timeout=2.0)
    with pytest.raises(AnchorError):
        sink.anchor(CHECKPOINT)
