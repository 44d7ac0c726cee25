"""The webhook connector: signed POSTs, strict 2xx success, 410/429/503 and timeouts."""

from datetime import UTC, datetime

import httpx
import pytest
from pydantic import ValidationError

from connectors.spi import (
    DeliveryContext,
    EndpointGoneError,
    HealthState,
    OutboundMessage,
    PermanentDeliveryError,
    TransientDeliveryError,
)
from connectors.webhook.connector import WebhookConfig, WebhookConnector
from connectors.webhook.signing import generate_secret
from connectors.webhook.verify import verify

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
SECRET = generate_secret()
MESSAGE = OutboundMessage(
    id="msg_0f3c",
    event_type="document.accepted",
    body=b'{"type":"document.accepted"}',
    occurred_at=NOW,
)


def public(host, port):
    return ["93.184.216.34"]


def connector_answering(handler, resolver=public):
    seen = []

    def record(request):
        seen.append(request)
        return handler(request)

    return WebhookConnector(resolver=resolver, transport=httpx.MockTransport(record)), seen


def context(**config):
    cfg = WebhookConfig.model_validate(
        {"url": "https://hooks.bank.example/tradegate", "secrets": [SECRET]} | config
    )
    return DeliveryContext(instance_id="inst-1", config=cfg, attempt=1, now=NOW)


def test_delivery_is_a_signed_post_to_the_pinned_address():
    connector, seen = connector_answering(lambda r: httpx.Response(204))
    receipt = connector.deliver(MESSAGE, context())
    assert receipt.status_code == 204 and receipt.delivered_at == NOW
    (request,) = seen
    assert request.method == "POST"
    assert str(request.url) == "https://93.184.216.34/tradegate"
    assert request.headers["host"] == "hooks.bank.example"
    assert request.extensions["sni_hostname"] == "hooks.bank.example"
    assert request.headers["webhook-id"] == "msg_0f3c"
    assert request.headers["webhook-timestamp"] == str(int(NOW.timestamp()))
    assert request.content == MESSAGE.body
    assert verify(request.content, request.headers, [SECRET], now=NOW) == "msg_0f3c"


def test_rotation_signs_with_both_secrets():
    old, new = generate_secret(), generate_secret()
    connector, seen = connector_answering(lambda r: httpx.Response(200))
    connector.deliver(MESSAGE, context(secrets=[new, old]))
    headers = seen[0].headers
    assert len(headers["webhook-signature"].split(" ")) == 2
    assert verify(MESSAGE.body, headers, [old], now=NOW) == MESSAGE.id
    assert verify(MESSAGE.body, headers, [new], now=NOW) == MESSAGE.id


@pytest.mark.parametrize("status", [100, 301, 302, 304, 400, 404, 500, 502, 504])
def test_anything_but_2xx_is_a_retryable_failure(status):
    connector, seen = connector_answering(
        lambda r: httpx.Response(status, headers={"location": "https://elsewhere.example/"})
    )
    with pytest.raises(TransientDeliveryError) as caught:
        connector.deliver(MESSAGE, context())
    assert caught.value.status_code == status
    assert caught.value.retry_after is None
    assert len(seen) == 1


def test_gone_disables_the_endpoint():
    connector, _ = connector_answering(lambda r: httpx.Response(410))
    with pytest.raises(EndpointGoneError):
        connector.deliver(MESSAGE, context())


@pytest.mark.parametrize(
    ("status", "retry_after", "expected"),
    [
        (429, "120", 120.0),
        (503, "Sat, 28 Nov 2026 12:05:00 GMT", 300.0),
        (503, "whenever", None),
        (500, "120", None),
    ],
)
def test_retry_after_is_honoured_on_429_and_503(status, retry_after, expected):
    connector, _ = connector_answering(
        lambda r: httpx.Response(status, headers={"retry-after": retry_after})
    )
    with pytest.raises(TransientDeliveryError) as caught:
        connector.deliver(MESSAGE, context())
    assert caught.value.retry_after == expected


def test_error_detail_keeps_only_the_start_of_the_body():
    connector, _ = connector_answering(lambda r: httpx.Response(500, content=b"x" * 100_000))
    with pytest.raises(TransientDeliveryError) as caught:
        connector.deliver(MESSAGE, context())
    assert caught.value.detail.startswith("HTTP 500: xxx")
    assert len(caught.value.detail) < 400


def test_timeouts_and_connection_errors_are_retryable():
    def timeout(request):
        raise httpx.ReadTimeout("slow", request=request)

    def refused(request):
        raise httpx.ConnectError("refused", request=request)

    for handler in (timeout, refused):
        connector, _ = connector_answering(handler)
        with pytest.raises(TransientDeliveryError):
            connector.deliver(MESSAGE, context())


def test_internal_target_is_refused_without_a_request():
    connector, seen = connector_answering(lambda r: httpx.Response(200), lambda h, p: ["10.0.0.7"])
    with pytest.raises(PermanentDeliveryError):
        connector.deliver(MESSAGE, context())
    assert seen == []


def test_allow_listed_loopback_receiver_is_reached():
    connector, seen = connector_answering(lambda r: httpx.Response(200), lambda h, p: ["127.0.0.1"])
    ctx = context(url="http://127.0.0.1:8099/hook", allow_internal=["127.0.0.1"])
    connector.deliver(MESSAGE, ctx)
    assert str(seen[0].url) == "http://127.0.0.1:8099/hook"
    assert "sni_hostname" not in seen[0].extensions


def test_health_reports_a_refused_target_as_down():
    ok, _ = connector_answering(lambda r: httpx.Response(200))
    down, _ = connector_answering(lambda r: httpx.Response(200), lambda h, p: ["127.0.0.1"])
    assert ok.health(context().config).state is HealthState.OK
    assert down.health(context().config).state is HealthState.DOWN


@pytest.mark.parametrize(
    "config",
    [
        {"url": "https://a.example/", "secrets": []},
        {"url": "https://a.example/", "secrets": ["plain-password"]},
        {"url": "https://a.example/", "secrets": [SECRET, SECRET, SECRET]},
        {"url": "ftp://a.example/", "secrets": [SECRET]},
        {"url": "https://a.example/", "secrets": [SECRET], "timeout_seconds": 0},
        {"url": "https://a.example/", "secrets": [SECRET], "surprise": 1},
    ],
)
def test_invalid_configurations_are_rejected(config):
    with pytest.raises(ValidationError):
        WebhookConfig.model_validate(config)


def test_secrets_never_appear_in_the_config_repr():
    assert SECRET not in repr(context().config)
