"""The pull benchmark runs end to end on small numbers and prints its ratio."""

from __future__ import annotations

import pytest

from bench import pull

pytestmark = [pytest.mark.integration, pytest.mark.benchmark]


def test_pull_bench_smoke_prints_percentiles_and_ratio(pg_server_url, capsys):
    assert pull.main(["--smoke"]) == 0
    out = capsys.readouterr().out
    assert "pull_p99_ms" in out
    assert "healthz_p99_ms" in out
    assert "p99 ratio" in out
