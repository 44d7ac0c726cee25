"""The validation benchmark runs end to end (smoke mode; real figures come from `make bench`)."""

import pytest

from tests.support import run_benchmark_smoke

pytestmark = pytest.mark.benchmark


def test_validation_benchmark_smoke_reports_ratios_and_agreeing_verdicts():
    out = run_benchmark_smoke("validation.py")
    assert "verdicts agree on all 30 documents: yes" in out
    assert "eBL valid" in out and "CII valid" in out
