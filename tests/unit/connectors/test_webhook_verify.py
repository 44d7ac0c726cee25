"""Receiver-side verification: only authentic, fresh webhooks pass; bad input is a 4xx."""

from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient

from connectors.webhook.signing import generate_secret, signature_header
from connectors.webhook.verify import (
    MalformedHeaderError,
    MissingHeaderError,
    SignatureMismatchError,
    StaleTimestampError,
    WebhookVerificationError,
    verify,
)

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
BODY = b'{"type":"document.accepted","data":{"id":"1"}}'
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def signed(body=BODY, *, secrets=(SECRET,), msg_id="msg_abc", at=NOW):
    ts = int(at.timestamp())
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(ts),
        "webhook-signature": signature_header(list(secrets), msg_id, ts, body),
    }


def test_authentic_webhook_returns_its_id():
    assert verify(BODY, signed(), [SECRET], now=NOW) == "msg_abc"


def test_header_names_are_case_insensitive():
    headers = {k.upper(): v for k, v in signed().items()}
    assert verify(BODY, headers, [SECRET], now=NOW) == "msg_abc"


def test_tampered_body_is_rejected():
    with pytest.raises(SignatureMismatchError):
        verify(BODY.replace(b"1", b"2"), signed(), [SECRET], now=NOW)


def test_tampered_id_is_rejected():
    headers = signed() | {"webhook-id": "msg_other"}
    with pytest.raises(SignatureMismatchError):
        verify(BODY, headers, [SECRET], now=NOW)


def test_wrong_secret_is_rejected():
    with pytest.raises(SignatureMismatchError):
        verify(BODY, signed(), [generate_secret()], now=NOW)


@pytest.mark.parametrize("skew", [timedelta(minutes=5, seconds=1), -timedelta(minutes=6)])
def test_timestamps_outside_the_tolerance_are_rejected(skew):
    with pytest.raises(StaleTimestampError):
        verify(BODY, signed(at=NOW - skew), [SECRET], now=NOW)


def test_tolerance_is_configurable():
    old = signed(at=NOW - timedelta(minutes=9))
    assert verify(BODY, old, [SECRET], now=NOW, tolerance=timedelta(minutes=10)) == "msg_abc"


def test_any_matching_signature_passes_during_rotation():
    new = generate_secret()
    headers = signed(secrets=(SECRET, new))
    assert verify(BODY, headers, [new], now=NOW) == "msg_abc"
    assert verify(BODY, headers, [SECRET], now=NOW) == "msg_abc"


def test_unknown_versions_and_garbage_entries_are_skipped():
    good = signed()["webhook-signature"]
    headers = signed() | {"webhook-signature": f"v1a,AAAA v1,@@@ v2,{good[3:]} {good}"}
    assert verify(BODY, headers, [SECRET], now=NOW) == "msg_abc"


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_missing_headers_are_rejected(missing):
    headers = signed()
    del headers[missing]
    with pytest.raises(MissingHeaderError):
        verify(BODY, headers, [SECRET], now=NOW)


@pytest.mark.parametrize("value", ["hello", "-1", "1e9", "1614265330.5", "9" * 40])
def test_malformed_timestamps_are_rejected(value):
    with pytest.raises(MalformedHeaderError):
        verify(BODY, signed() | {"webhook-timestamp": value}, [SECRET], now=NOW)


@pytest.mark.parametrize("value", ["garbage", "v1", "v1,", ",abc", "   ,  "])
def test_malformed_signature_headers_are_rejected(value):
    with pytest.raises(MalformedHeaderError):
        verify(BODY, signed() | {"webhook-signature": value}, [SECRET], now=NOW)


def test_only_foreign_versions_means_no_match():
    headers = signed() | {"webhook-signature": "v1a,AAAA"}
    with pytest.raises(SignatureMismatchError):
        verify(BODY, headers, [SECRET], now=NOW)


def receiver_app(clock):
    """A bank's endpoint: verify, answer 4xx with the reason on failure, 204 on success."""
    app = FastAPI()

    @app.post("/hook")
    async def hook(request: Request):
        body = await request.body()
        try:
            msg_id = verify(body, request.headers, [SECRET], now=clock())
        except WebhookVerificationError as exc:
            status = 400 if isinstance(exc, MalformedHeaderError | MissingHeaderError) else 401
            return JSONResponse({"reason": exc.reason}, status_code=status)
        return JSONResponse({"id": msg_id}, status_code=200)

    return app


@pytest.mark.parametrize(
    ("mutate", "status", "reason"),
    [
        (lambda b, h: (b + b" ", h), 401, "signature-mismatch"),
        (
            lambda b, h: (b, h | {"webhook-timestamp": str(int(NOW.timestamp()) - 3600)}),
            401,
            "stale-timestamp",
        ),
        (lambda b, h: (b, h | {"webhook-signature": "not-a-signature"}), 400, "malformed-header"),
        (lambda b, h: (b, h | {"webhook-signature": "v1,%%%"}), 401, "signature-mismatch"),
        (
            lambda b, h: (b, {k: v for k, v in h.items() if k != "webhook-id"}),
            400,
            "missing-header",
        ),
    ],
    ids=["tampered-body", "stale-timestamp", "malformed-signature", "bad-base64", "no-id"],
)
def test_receiver_answers_bad_webhooks_with_4xx(mutate, status, reason):
    client = TestClient(receiver_app(lambda: NOW))
    body, headers = mutate(BODY, signed())
    response = client.post("/hook", content=body, headers=headers)
    assert response.status_code == status
    assert response.json() == {"reason": reason}


def test_receiver_accepts_a_good_webhook():
    client = TestClient(receiver_app(lambda: NOW))
    response = client.post("/hook", content=BODY, headers=signed())
    assert response.status_code == 200
    assert response.json() == {"id": "msg_abc"}
