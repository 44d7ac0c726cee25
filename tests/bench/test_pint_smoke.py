"""The PINT benchmark runs end to end (smoke mode; real figures come from `make bench`)."""

import pytest

from tests.support import run_benchmark_smoke

pytestmark = pytest.mark.benchmark


def test_pint_benchmark_smoke():
    out = run_benchmark_smoke("pint.py", timeout=240)
    assert "envelope / bare JWS rate ratio" in out and "full transfer A -> B" in out
