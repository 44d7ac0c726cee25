"""The token benchmark runs end to end (smoke mode; real figures come from `make bench`)."""

import os
import subprocess
import sys

import pytest

from tests.support import REPO

pytestmark = pytest.mark.benchmark


def test_token_benchmark_smoke():
    result = subprocess.run(
        [sys.executable, "bench/tokens.py", "--smoke"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert result.returncode == 0, result.stderr
    assert "token endpoint / healthz rate ratio" in result.stdout
