"""The cross-hub duplicate-check benchmark runs end to end on two loopback hubs (smoke mode)."""

import pytest

from tests.support import run_benchmark_smoke

pytestmark = [pytest.mark.benchmark, pytest.mark.integration]


def test_cross_hub_check_benchmark_smoke_reports_latencies_and_ratio():
    out = run_benchmark_smoke("federation_financing.py", timeout=300)
    for figure in ("cross_hub_check_p99_ms", "healthz_p99_ms", "cross-hub check p99 ratio"):
        assert figure in out
