"""The token benchmark runs end to end (smoke mode; real figures come from `make bench`)."""

import pytest

from tests.support import run_benchmark_smoke

pytestmark = pytest.mark.benchmark


def test_token_benchmark_smoke():
    assert "token endpoint / healthz rate ratio" in run_benchmark_smoke("tokens.py")
