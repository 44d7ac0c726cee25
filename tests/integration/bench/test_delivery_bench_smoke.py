"""The delivery benchmark runs end to end on small numbers and prints its ratio."""

from __future__ import annotations

import json

import pytest

from bench import delivery

pytestmark = [pytest.mark.integration, pytest.mark.benchmark]


def test_delivery_bench_smoke_prints_both_rates_and_the_ratio(pg_server_url, redis_url, capsys):
    assert delivery.main(["--smoke"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    figures = json.loads(lines[0])
    assert figures["one_worker_per_s"] > 0 and figures["two_workers_per_s"] > 0
    assert figures["rejected_signatures"] == 0
    assert "ratio (2 workers / 1 worker)" in lines[1]
