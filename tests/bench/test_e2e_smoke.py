"""The end-to-end benchmark runs on PostgreSQL, Redis and a worker (smoke mode; see make bench)."""

import pytest

from tests.support import run_benchmark_smoke

pytestmark = [pytest.mark.benchmark, pytest.mark.integration]


def test_e2e_benchmark_smoke_reports_rates_ratios_and_worker_memory(pg_server_url):
    # pg_server_url proves PostgreSQL is reachable: skipped locally, a failure in CI.
    out = run_benchmark_smoke("e2e.py", timeout=900)
    for figure in ("push/bare rate", "pull p99 / healthz p99", "API CPU ms/req", "RSS start"):
        assert figure in out
    assert "errors:                    0" in out
