"""Vendored browser assets are exactly the pinned, documented files."""

import hashlib
from pathlib import Path

VENDOR = Path(__file__).resolve().parents[3] / "app" / "dashboard" / "static" / "vendor"


def test_htmx_matches_the_hash_recorded_in_the_vendor_readme():
    digest = hashlib.sha256((VENDOR / "htmx.min.js").read_bytes()).hexdigest()
    assert f"`{digest}`" in (VENDOR / "README.md").read_text()
    assert (VENDOR / "htmx.LICENSE").read_text().startswith("Zero-Clause BSD")
