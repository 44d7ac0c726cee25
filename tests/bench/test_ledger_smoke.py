"""The ledger benchmark runs end to end (smoke mode; real figures come from `make bench`)."""

import os
import subprocess
import sys

import pytest

from tests.support import REPO

pytestmark = pytest.mark.benchmark


def test_ledger_benchmark_smoke():
    result = subprocess.run(
        [sys.executable, "bench/ledger.py", "--smoke"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert result.returncode == 0, result.stderr
    for figure in ("append", "proof", "checkpoint sign", "anchoring lag"):
        assert figure in result.stdout
