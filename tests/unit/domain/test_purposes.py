"""Purpose templates cap validity, frequency, data range, data life, types and fetch types."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest

from app.domain.consent import FetchType, Frequency, FrequencyUnit, Interval
from app.domain.purposes import (
    InvalidCatalogue,
    PurposeCapExceeded,
    PurposeCatalogue,
    UnknownPurpose,
)

TEMPLATE = {
    "code": "CHECK",
    "text": "A check",
    "max_validity_days": 30,
    "max_frequency": {"count": 4, "unit": "DAY"},
    "max_data_range_days": 90,
    "max_data_life_days": 10,
    "document_types": ["dcsa.transport-document"],
    "fetch_types": ["PERIODIC"],
}


@pytest.fixture
def catalogue():
    return PurposeCatalogue.from_document({"purposes": [TEMPLATE]})


@pytest.fixture
def fitting(make_terms, now):
    """Terms exactly at every cap of TEMPLATE."""

    def build(**overrides):
        values = {
            "purpose_code": "CHECK",
            "validity": Interval(now, now + timedelta(days=30), "validity"),
            "data_range": Interval(now - timedelta(days=90), now, "data_range"),
            "frequency": Frequency(4, FrequencyUnit.DAY),
            "data_life_days": 10,
        }
        values.update(overrides)
        return make_terms(**values)

    return build


def test_terms_at_every_cap_are_accepted(catalogue, fitting):
    assert catalogue.check(fitting()).code == "CHECK"


def _cap_of(catalogue, terms):
    with pytest.raises(PurposeCapExceeded) as raised:
        catalogue.check(terms)
    return [v.cap for v in raised.value.violations]


def test_validity_beyond_cap_names_the_cap(catalogue, fitting, now):
    terms = fitting(validity=Interval(now, now + timedelta(days=30, seconds=1), "validity"))
    assert _cap_of(catalogue, terms) == ["max_validity_days"]


def test_frequency_beyond_cap_names_the_cap(catalogue, fitting):
    assert _cap_of(catalogue, fitting(frequency=Frequency(5, FrequencyUnit.DAY))) == [
        "max_frequency"
    ]


def test_hourly_frequency_is_compared_with_a_daily_cap(catalogue, fitting):
    assert _cap_of(catalogue, fitting(frequency=Frequency(1, FrequencyUnit.HOUR))) == [
        "max_frequency"
    ]


def test_data_range_beyond_cap_names_the_cap(catalogue, fitting, now):
    wide = Interval(now - timedelta(days=91), now, "data_range")
    assert _cap_of(catalogue, fitting(data_range=wide)) == ["max_data_range_days"]


def test_data_life_beyond_cap_names_the_cap(catalogue, fitting):
    assert _cap_of(catalogue, fitting(data_life_days=11)) == ["max_data_life_days"]


def test_document_type_outside_purpose_names_the_cap(catalogue, fitting):
    types = frozenset({"dcsa.transport-document", "uncefact.cii.invoice"})
    with pytest.raises(PurposeCapExceeded) as raised:
        catalogue.check(fitting(document_types=types))
    assert raised.value.violations[0].cap == "document_types"
    assert "uncefact.cii.invoice" in raised.value.violations[0].message


def test_fetch_type_outside_purpose_names_the_cap(catalogue, fitting):
    terms = fitting(fetch_type=FetchType.ONETIME, frequency=None)
    assert _cap_of(catalogue, terms) == ["fetch_types"]


def test_every_violated_cap_is_reported_at_once(catalogue, fitting):
    terms = fitting(data_life_days=99, frequency=Frequency(9, FrequencyUnit.HOUR))
    assert _cap_of(catalogue, terms) == ["max_frequency", "max_data_life_days"]


def test_unknown_purpose_is_refused(catalogue, fitting):
    with pytest.raises(UnknownPurpose) as raised:
        catalogue.check(fitting(purpose_code="MARKETING"))
    assert raised.value.purpose_code == "MARKETING"


def test_catalogue_lookup(catalogue):
    assert "CHECK" in catalogue
    assert catalogue.get("NOPE") is None
    assert [t.code for t in catalogue] == ["CHECK"]


def test_notice_window_defaults_to_a_day_and_deletion_waits_for_the_data_life(catalogue):
    template = catalogue.require("CHECK")
    assert template.notice_ack_window == timedelta(hours=24)
    assert template.delete_on_revocation is False


def test_a_purpose_may_shorten_the_notice_window_and_demand_deletion_at_revocation():
    entry = {**TEMPLATE, "notice_ack_hours": 4, "delete_on_revocation": True}
    template = PurposeCatalogue.from_document({"purposes": [entry]}).require("CHECK")
    assert template.notice_ack_window == timedelta(hours=4)
    assert template.delete_on_revocation is True


def _broken(**changes):
    entry = copy.deepcopy(TEMPLATE)
    for key, value in changes.items():
        if value is None:
            del entry[key]
        else:
            entry[key] = value
    return {"purposes": [entry]}


@pytest.mark.parametrize(
    "document",
    [
        {},
        {"purposes": []},
        {"purposes": ["CHECK"]},
        _broken(code=None),
        _broken(code=""),
        _broken(max_validity_days=0),
        _broken(max_validity_days=True),
        _broken(max_validity_days="30"),
        _broken(max_frequency={"count": 1, "unit": "WEEK"}),
        _broken(max_frequency={"count": 0, "unit": "DAY"}),
        _broken(document_types=[]),
        _broken(fetch_types=["SOMETIMES"]),
        _broken(fetch_types=[]),
        _broken(notice_ack_hours=0),
        _broken(delete_on_revocation="yes"),
        {"purposes": [TEMPLATE, TEMPLATE]},
    ],
)
def test_malformed_catalogue_is_refused(document):
    with pytest.raises(InvalidCatalogue):
        PurposeCatalogue.from_document(document)
