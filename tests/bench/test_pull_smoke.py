"""The pull benchmark runs end to end against PostgreSQL (smoke mode; full run: bench/pull.py)."""

import os
import subprocess
import sys

import pytest

from tests.support import REPO

pytestmark = [pytest.mark.benchmark, pytest.mark.integration]


def test_pull_benchmark_smoke(pg_server_url):
    # pg_server_url only proves PostgreSQL is reachable (skip locally, fail in CI otherwise).
    result = subprocess.run(
        [sys.executable, "bench/pull.py", "--smoke"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert result.returncode == 0, result.stderr
    for figure in ("pull_p50_ms", "pull_p99_ms", "healthz_p50_ms", "healthz_p99_ms", "p99 ratio"):
        assert figure in result.stdout
