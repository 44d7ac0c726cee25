"""The validation benchmark runs end to end (smoke mode; real figures come from `make bench`)."""

import os
import subprocess
import sys

import pytest

from tests.support import REPO

pytestmark = pytest.mark.benchmark


def test_validation_benchmark_smoke_reports_ratios_and_agreeing_verdicts():
    result = subprocess.run(
        [sys.executable, "bench/validation.py", "--smoke"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert result.returncode == 0, result.stderr
    assert "verdicts agree on all 30 documents: yes" in result.stdout
    assert "eBL valid" in result.stdout and "CII valid" in result.stdout
