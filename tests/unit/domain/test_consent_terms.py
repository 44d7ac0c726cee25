"""Consent terms refuse inconsistent values before any purpose cap is consulted."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from app.domain.consent import (
    FetchType,
    Frequency,
    FrequencyUnit,
    Interval,
    InvalidConsentTerms,
)


def test_valid_terms_build(make_terms):
    terms = make_terms()
    assert terms.fetch_type is FetchType.PERIODIC


def test_owner_cannot_be_its_own_consumer(make_terms):
    terms = make_terms()
    with pytest.raises(InvalidConsentTerms) as raised:
        make_terms(consumer_id=terms.owner_id)
    assert raised.value.field == "consumer"


def test_at_least_one_document_type_is_required(make_terms):
    with pytest.raises(InvalidConsentTerms, match="document_types"):
        make_terms(document_types=frozenset())


def test_periodic_consent_needs_a_frequency(make_terms):
    with pytest.raises(InvalidConsentTerms, match="frequency"):
        make_terms(frequency=None)


def test_onetime_consent_needs_no_frequency(make_terms):
    assert make_terms(fetch_type=FetchType.ONETIME, frequency=None).frequency is None


def test_negative_data_life_is_refused(make_terms):
    with pytest.raises(InvalidConsentTerms, match="data_life_days"):
        make_terms(data_life_days=-1)


def test_empty_purpose_is_refused(make_terms):
    with pytest.raises(InvalidConsentTerms, match="purpose"):
        make_terms(purpose_code="")


@pytest.mark.parametrize("count", [0, -3])
def test_frequency_count_must_be_positive(count):
    with pytest.raises(InvalidConsentTerms, match="frequency.count"):
        Frequency(count, FrequencyUnit.HOUR)


def test_interval_end_must_follow_start(now):
    with pytest.raises(InvalidConsentTerms, match="validity"):
        Interval(now, now, "validity")


def test_naive_datetimes_are_refused(now):
    with pytest.raises(InvalidConsentTerms, match="time zone"):
        Interval(datetime(2026, 1, 1), now, "data_range")


def test_interval_contains_both_ends(now):
    interval = Interval(now, now + timedelta(days=1))
    assert interval.contains(now)
    assert interval.contains(now + timedelta(days=1))
    assert not interval.contains(now - timedelta(microseconds=1))
    assert not interval.contains(now + timedelta(days=1, microseconds=1))


def test_empty_provider_set_covers_any_provider(make_terms, make_document):
    assert make_terms().covers_provider(make_document().provider_id)


def test_named_providers_cover_only_themselves(make_terms, make_document):
    document = make_document()
    terms = make_terms(provider_ids=frozenset({document.provider_id}))
    assert terms.covers_provider(document.provider_id)
    assert not terms.covers_provider(document.owner_id)


@pytest.mark.parametrize(
    ("mine", "cap", "exceeds"),
    [
        (Frequency(10, FrequencyUnit.DAY), Frequency(10, FrequencyUnit.DAY), False),
        (Frequency(11, FrequencyUnit.DAY), Frequency(10, FrequencyUnit.DAY), True),
        (Frequency(1, FrequencyUnit.HOUR), Frequency(24, FrequencyUnit.DAY), False),
        (Frequency(2, FrequencyUnit.HOUR), Frequency(24, FrequencyUnit.DAY), True),
        (Frequency(30, FrequencyUnit.MONTH), Frequency(1, FrequencyUnit.DAY), False),
        (Frequency(31, FrequencyUnit.MONTH), Frequency(1, FrequencyUnit.DAY), True),
        (Frequency(1, FrequencyUnit.DAY), Frequency(20, FrequencyUnit.MONTH), True),
    ],
)
def test_frequencies_compare_by_rate_across_units(mine, cap, exceeds):
    assert mine.exceeds(cap) is exceeds
