"""Fixtures for domain tests: the reference standards shipped beside the repository."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REFERENCE = Path(
    os.environ.get(
        "TRADEGATE_REFERENCE_DIR", Path(__file__).resolve().parents[4] / "shared" / "reference"
    )
)


@pytest.fixture(scope="session")
def reference() -> Path:
    assert REFERENCE.is_dir(), f"reference standards not found at {REFERENCE}"
    return REFERENCE
