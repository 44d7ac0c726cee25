"""The notices benchmark runs end to end (smoke mode; full run: `make bench`)."""

import pytest

from tests.support import run_benchmark_smoke

pytestmark = [pytest.mark.benchmark]


def test_notices_benchmark_smoke_reports_latency_and_verification_times():
    out = run_benchmark_smoke("notices.py", timeout=300)
    for figure in ("receipt_verify_ES256_ms", "receipt_verify_PS256_ms", "notice_delivery_p50_ms"):
        assert figure in out
