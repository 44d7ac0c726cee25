"""The federation benchmark runs on one pair of real hubs (smoke mode) and prints both p99s
against /healthz and their ratios."""

from __future__ import annotations

import json

import pytest

from bench import federation

pytestmark = [pytest.mark.integration, pytest.mark.benchmark]


def test_federation_bench_smoke_prints_hash_match_and_check_p99s_against_healthz(
    pg_server_url, capsys
):
    assert federation.main(["--smoke"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    figures = json.loads(lines[0])
    for name in ("healthz", "hash_match", "cross_hub_check"):
        assert figures[f"{name}_p99_ms"] >= figures[f"{name}_p50_ms"] > 0
    assert figures["hash_match_p99_ratio"] > 0 and figures["cross_hub_check_p99_ratio"] > 0
    assert lines[1].startswith("hash-match round trip p99 / local GET /healthz p99: ")
    assert lines[2].startswith("cross-hub duplicate check p99 / local GET /healthz p99: ")
