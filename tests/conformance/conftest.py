"""Conformance tests read the official examples shipped beside the repository."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REFERENCE = Path(
    os.environ.get(
        "TRADEGATE_REFERENCE_DIR", Path(__file__).resolve().parents[3] / "shared" / "reference"
    )
)


@pytest.fixture(scope="session")
def reference() -> Path:
    assert REFERENCE.is_dir(), f"reference standards not found at {REFERENCE}"
    return REFERENCE
