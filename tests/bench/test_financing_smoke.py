"""The financing benchmark runs end to end on PostgreSQL (smoke mode; full run: `make bench`)."""

import pytest

from tests.support import run_benchmark_smoke

pytestmark = [pytest.mark.benchmark, pytest.mark.integration]


def test_financing_benchmark_smoke_reports_latencies_ratios_and_size(pg_server_url, redis_url):
    # The fixtures prove PostgreSQL and Redis are reachable: skipped locally, a failure in CI.
    out = run_benchmark_smoke("financing.py", timeout=600)
    for figure in (
        "check_p99_ms",
        "register_p99_ms",
        "healthz_p99_ms",
        "db_mib_per_million",
        "check p99 ratio",
        "register p99 ratio",
    ):
        assert figure in out
