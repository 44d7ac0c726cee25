"""Standard Webhooks signing, checked against the specification's published test vector."""

import base64
from datetime import UTC, datetime

import pytest

from connectors.webhook.signing import (
    InvalidSecretError,
    decode_secret,
    generate_secret,
    signature_header,
)
from connectors.webhook.verify import verify

VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
VECTOR_TIMESTAMP = 1614265330
VECTOR_BODY = b'{"test": 2432232314}'
VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_signature_matches_the_published_test_vector():
    assert (
        signature_header([VECTOR_SECRET], VECTOR_ID, VECTOR_TIMESTAMP, VECTOR_BODY)
        == VECTOR_SIGNATURE
    )


def test_rotation_sends_one_signature_per_secret_in_order():
    new = generate_secret()
    header = signature_header([new, VECTOR_SECRET], VECTOR_ID, VECTOR_TIMESTAMP, VECTOR_BODY)
    first, second = header.split(" ")
    assert first.startswith("v1,") and first != VECTOR_SIGNATURE
    assert second == VECTOR_SIGNATURE


def test_generated_secrets_are_whsec_base64_of_random_bytes():
    one, two = generate_secret(), generate_secret()
    assert one.startswith("whsec_") and one != two
    assert len(decode_secret(one)) == 32


def test_secret_prefix_is_optional_when_decoding():
    assert decode_secret(VECTOR_SECRET) == decode_secret(VECTOR_SECRET.removeprefix("whsec_"))


@pytest.mark.parametrize(
    "secret",
    [
        "whsec_not base64!",
        "whsec_" + base64.b64encode(b"x" * 23).decode(),
        "whsec_" + base64.b64encode(b"x" * 65).decode(),
    ],
)
def test_bad_secrets_are_refused(secret):
    with pytest.raises(InvalidSecretError):
        decode_secret(secret)


def test_ids_with_a_full_stop_cannot_be_signed():
    with pytest.raises(ValueError):
        signature_header([VECTOR_SECRET], "msg.1", VECTOR_TIMESTAMP, VECTOR_BODY)


def test_signing_needs_a_secret():
    with pytest.raises(InvalidSecretError):
        signature_header([], VECTOR_ID, VECTOR_TIMESTAMP, VECTOR_BODY)


def test_what_we_sign_our_verifier_accepts():
    secret = generate_secret()
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(VECTOR_TIMESTAMP),
        "webhook-signature": signature_header([secret], "msg_1", VECTOR_TIMESTAMP, b"{}"),
    }
    now = datetime.fromtimestamp(VECTOR_TIMESTAMP, UTC)
    assert verify(b"{}", headers, [secret], now=now) == "msg_1"
