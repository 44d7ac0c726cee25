"""The pull benchmark runs end to end against PostgreSQL (smoke mode; full run: `make bench`)."""

import pytest

from tests.support import run_benchmark_smoke

pytestmark = [pytest.mark.benchmark, pytest.mark.integration]


def test_pull_benchmark_smoke_reports_percentiles_and_ratio(pg_server_url):
    # pg_server_url proves PostgreSQL is reachable: skipped locally, a failure in CI.
    out = run_benchmark_smoke("pull.py")
    for figure in ("pull_p50_ms", "pull_p99_ms", "healthz_p50_ms", "healthz_p99_ms", "p99 ratio"):
        assert figure in out
