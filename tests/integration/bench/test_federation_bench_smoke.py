"""The federation benchmark runs on two real hubs (smoke mode) and prints its ratio."""

from __future__ import annotations

import json

import pytest

from bench import federation

pytestmark = [pytest.mark.integration, pytest.mark.benchmark]


def test_federation_bench_smoke_prints_both_p99s_and_the_ratio(pg_server_url, capsys):
    assert federation.main(["--smoke"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    figures = json.loads(lines[0])
    assert figures["hash_match_p99_ms"] > 0 and figures["healthz_p99_ms"] > 0
    assert "hash-match round trip p99 / local GET /healthz p99" in lines[1]
