"""The purpose catalogue loads from the package or a configured file; a bad file fails fast."""

from __future__ import annotations

import json

import pytest

from app.domain.purposes import InvalidCatalogue
from app.services.consents.purposes import load_catalogue

pytestmark = pytest.mark.integration


def test_default_catalogue_ships_the_named_purposes():
    codes = {t.code for t in load_catalogue()}
    assert {
        "TRADE_FINANCE_APPLICATION",
        "CREDIT_ASSESSMENT",
        "ONGOING_MONITORING",
        "FRAUD_CHECK",
    } <= codes


def test_configured_file_replaces_the_default(tmp_path):
    path = tmp_path / "purposes.json"
    path.write_text(
        json.dumps(
            {
                "purposes": [
                    {
                        "code": "ONLY",
                        "text": "Only purpose",
                        "max_validity_days": 1,
                        "max_frequency": {"count": 1, "unit": "DAY"},
                        "max_data_range_days": 1,
                        "max_data_life_days": 1,
                        "document_types": ["t"],
                        "fetch_types": ["ONETIME"],
                    }
                ]
            }
        )
    )
    catalogue = load_catalogue(path)
    assert [t.code for t in catalogue] == ["ONLY"]


@pytest.mark.parametrize("text", ["{", "[]", '{"purposes": 3}'])
def test_unreadable_or_malformed_file_is_refused(tmp_path, text):
    path = tmp_path / "purposes.json"
    path.write_text(text)
    with pytest.raises(InvalidCatalogue):
        load_catalogue(path)


def test_missing_file_is_refused(tmp_path):
    with pytest.raises(InvalidCatalogue):
        load_catalogue(tmp_path / "absent.json")
