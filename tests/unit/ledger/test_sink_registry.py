"""Anchor sink registry: built-in aliases, entry-point plugins, broken plugins skipped."""

import logging
from importlib.metadata import EntryPoint

import pytest

from app.ledger.sinks import (
    AnchorVerificationError,
    TrustAnchors,
    by_url,
    receipt_from_json,
    registry,
)
from app.ledger.sinks.none import NoneReceipt, NoneSink
from app.ledger.sinks.registry import UnknownSinkError, available_sinks


@pytest.fixture
def plugins(monkeypatch):
    """Replace the installed entry points with the given ones for one test."""

    def install(*eps):
        monkeypatch.setattr(registry, "entry_points", lambda group: list(eps))
        available_sinks.cache_clear()

    yield install
    available_sinks.cache_clear()


class DemoSink(NoneSink):
    kind = "demo"


def test_builtin_schemes_are_available(plugins):
    plugins()
    assert {"none", "rfc3161+http", "rfc3161+https", "evm+http", "evm+https"} <= set(
        available_sinks()
    )


def test_none_url_gives_a_sink_whose_receipts_never_verify(plugins):
    plugins()
    sink = by_url("none://")
    receipt = sink.anchor(b"checkpoint\n")
    assert isinstance(receipt, NoneReceipt)
    with pytest.raises(AnchorVerificationError):
        sink.verify(b"checkpoint\n", receipt, TrustAnchors())


def test_rfc3161_url_posts_to_the_url_without_the_prefix(plugins):
    plugins()
    sink = by_url("rfc3161+https://tsa.example/stamp")
    assert sink.url == "https://tsa.example/stamp"


def test_entry_point_plugins_are_found_by_scheme(plugins):
    plugins(EntryPoint("demo", f"{__name__}:DemoSink", registry.ENTRY_POINT_GROUP))
    assert isinstance(by_url("demo://anything"), DemoSink)


def test_a_broken_plugin_logs_a_warning_and_is_skipped(plugins, caplog):
    plugins(
        EntryPoint("broken", "no_such_module_anywhere:Sink", registry.ENTRY_POINT_GROUP),
        EntryPoint("demo", f"{__name__}:DemoSink", registry.ENTRY_POINT_GROUP),
    )
    with caplog.at_level(logging.WARNING):
        sinks = available_sinks()
    assert "broken" not in sinks and "demo" in sinks
    assert any("broken" in r.getMessage() for r in caplog.records)


def test_unknown_scheme_is_refused(plugins):
    plugins()
    with pytest.raises(UnknownSinkError):
        by_url("carrier-pigeon://coop")


def test_receipts_of_unknown_kind_or_shape_do_not_verify(plugins):
    plugins()
    with pytest.raises(AnchorVerificationError) as info:
        receipt_from_json({"kind": "carrier-pigeon", "checkpoint_sha256": "00"})
    assert info.value.reason == "anchor_unknown_kind"
    with pytest.raises(AnchorVerificationError) as info:
        receipt_from_json({"kind": "rfc3161", "checkpoint_sha256": "00"})
    assert info.value.reason == "anchor_malformed"
