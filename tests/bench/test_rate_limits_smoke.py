"""The noisy-neighbour benchmark runs on PostgreSQL and Redis (smoke mode; see make bench)."""

import pytest

from tests.support import run_benchmark_smoke

pytestmark = [pytest.mark.benchmark, pytest.mark.integration]


def test_noisy_neighbour_benchmark_smoke_reports_the_quiet_tenants_p95_both_ways(pg_server_url):
    # pg_server_url proves PostgreSQL is reachable: skipped locally, a failure in CI.
    out = run_benchmark_smoke("rate_limits.py", timeout=600)
    for figure in ("alone", "beside noisy", "refused with 429", "quiet p95 beside noisy / alone"):
        assert figure in out
