"""Fixtures for validation tests: fresh copies of the official examples."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(scope="session")
def _examples(reference: Path) -> dict[str, Any]:
    folder = reference / "dcsa" / "examples"
    return {p.stem: json.loads(p.read_bytes()) for p in folder.glob("*.json")}


@pytest.fixture
def reefer_td(_examples: dict[str, Any]) -> dict[str, Any]:
    """A fresh copy of DCSA's reefer transport document (APPROVED, electronic, to order)."""
    return copy.deepcopy(_examples["TransportDocument_reefer_APPROVED"])


@pytest.fixture
def regular_td(_examples: dict[str, Any]) -> dict[str, Any]:
    """A fresh copy of DCSA's regular (dry) transport document (DRAFT, electronic, to order)."""
    return copy.deepcopy(_examples["TransportDocument_regularSTD_DRAFT"])


@pytest.fixture
def cii_example1(reference: Path) -> bytes:
    return (reference / "uncefact" / "examples" / "CII_example1.xml").read_bytes()
