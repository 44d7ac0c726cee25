"""The access policy refuses with the precise reason, judged at the moment of access."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from app.domain.consent import ConsentStatus, FetchType, Frequency, FrequencyUnit, Interval
from app.domain.consent_policy import (
    CONSENT_WIDE,
    ONETIME_WINDOW,
    DenyReason,
    Resource,
    check_coverage,
    check_notices,
    evaluate_access,
    fixed_window,
    quota_slots,
    retry_after_seconds,
    window_key,
)
from app.domain.notices import OverdueNotice
from app.domain.purposes import PurposeCatalogue


def _template(**overrides):
    """TRADE_FINANCE_APPLICATION with generous caps, unless overridden."""
    purpose = {
        "code": "TRADE_FINANCE_APPLICATION",
        "text": "Trade finance",
        "max_validity_days": 90,
        "max_frequency": {"count": 10, "unit": "DAY"},
        "max_data_range_days": 365,
        "max_data_life_days": 180,
        "document_types": ["dcsa.transport-document", "uncefact.cii.invoice"],
        "fetch_types": ["ONETIME", "PERIODIC"],
        **overrides,
    }
    catalogue = PurposeCatalogue.from_document({"purposes": [purpose]})
    return catalogue.require("TRADE_FINANCE_APPLICATION")


TEMPLATE = _template()


def _decide(terms, now, status=ConsentStatus.ACTIVE, document=None, template=TEMPLATE):
    return evaluate_access(status, terms, template, now, document)


def test_active_consent_covering_the_document_allows(make_terms, make_document, now):
    decision = _decide(make_terms(), now, document=make_document())
    assert decision.allowed
    assert decision.reason is None


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (ConsentStatus.PENDING, DenyReason.CONSENT_NOT_ACTIVE),
        (ConsentStatus.REJECTED, DenyReason.CONSENT_NOT_ACTIVE),
        (ConsentStatus.PAUSED, DenyReason.CONSENT_PAUSED),
        (ConsentStatus.REVOKED, DenyReason.CONSENT_REVOKED),
        (ConsentStatus.EXPIRED, DenyReason.CONSENT_EXPIRED),
    ],
)
def test_inactive_status_is_refused_with_its_reason(status, reason, make_terms, now):
    decision = _decide(make_terms(), now, status=status)
    assert not decision.allowed
    assert decision.reason is reason
    assert decision.reason.value == reason.value


def test_active_consent_past_valid_until_is_expired_before_the_job_runs(make_terms, now):
    terms = make_terms(validity=Interval(now - timedelta(days=2), now, "validity"))
    assert _decide(terms, now).reason is DenyReason.CONSENT_EXPIRED
    assert _decide(terms, now - timedelta(microseconds=1)).allowed


def test_consent_before_valid_from_is_not_yet_valid(make_terms, now):
    terms = make_terms(
        validity=Interval(now + timedelta(seconds=1), now + timedelta(days=2), "validity")
    )
    assert _decide(terms, now).reason is DenyReason.CONSENT_NOT_YET_VALID
    assert _decide(terms, now + timedelta(seconds=1)).allowed


def test_status_reason_takes_precedence_over_document_coverage(make_terms, make_document, now):
    foreign = make_document(owner_id=uuid.uuid4())
    decision = _decide(make_terms(), now, status=ConsentStatus.REVOKED, document=foreign)
    assert decision.reason is DenyReason.CONSENT_REVOKED


def test_purpose_removed_from_catalogue_is_refused_at_fetch(make_terms, now):
    decision = _decide(make_terms(), now, template=None)
    assert decision.reason is DenyReason.PURPOSE_CAP_EXCEEDED
    assert "TRADE_FINANCE_APPLICATION" in decision.detail


def test_tightened_cap_is_enforced_at_fetch(make_terms, now):
    tight = _template(
        max_frequency={"count": 1, "unit": "DAY"},
        document_types=["dcsa.transport-document"],
        fetch_types=["PERIODIC"],
    )
    decision = _decide(make_terms(), now, template=tight)
    assert decision.reason is DenyReason.PURPOSE_CAP_EXCEEDED
    assert "max_frequency" in decision.detail


def test_document_of_another_owner_is_an_owner_mismatch(make_terms, make_document):
    decision = check_coverage(make_terms(), make_document(owner_id=uuid.uuid4()))
    assert decision.reason is DenyReason.OWNER_MISMATCH


def test_uncovered_document_type_is_refused(make_terms, make_document):
    decision = check_coverage(make_terms(), make_document(doc_type="uncefact.cii.invoice"))
    assert decision.reason is DenyReason.TYPE_NOT_COVERED
    assert "uncefact.cii.invoice" in decision.detail


def test_uncovered_provider_is_refused(make_terms, make_document):
    terms = make_terms(provider_ids=frozenset({uuid.uuid4()}))
    assert check_coverage(terms, make_document()).reason is DenyReason.PROVIDER_NOT_COVERED


def test_named_provider_is_covered(make_terms, make_document):
    document = make_document()
    terms = make_terms(provider_ids=frozenset({document.provider_id, uuid.uuid4()}))
    assert check_coverage(terms, document).allowed


@pytest.mark.parametrize(
    ("offset", "inside"),
    [
        (timedelta(0), True),
        (timedelta(days=210), True),
        (-timedelta(microseconds=1), False),
        (timedelta(days=210, microseconds=1), False),
    ],
)
def test_data_range_bounds_are_inclusive(offset, inside, make_terms, make_document, now):
    start = now - timedelta(days=180)
    terms = make_terms(data_range=Interval(start, start + timedelta(days=210), "data_range"))
    decision = check_coverage(terms, make_document(received_at=start + offset))
    assert decision.allowed is inside
    if not inside:
        assert decision.reason is DenyReason.OUTSIDE_DATA_RANGE


def test_issue_date_wins_over_receipt_for_the_data_range(make_terms, make_document, now):
    terms = make_terms(data_range=Interval(now - timedelta(days=30), now, "data_range"))
    old_but_received_today = make_document(
        issued_at=now - timedelta(days=400), received_at=now - timedelta(hours=1)
    )
    assert check_coverage(terms, old_but_received_today).reason is DenyReason.OUTSIDE_DATA_RANGE


def test_coverage_checks_owner_before_anything_else(make_terms, make_document):
    document = make_document(
        owner_id=uuid.uuid4(), doc_type="other", received_at=datetime(2000, 1, 1, tzinfo=UTC)
    )
    assert check_coverage(make_terms(), document).reason is DenyReason.OWNER_MISMATCH


@pytest.mark.parametrize(
    ("moment", "unit", "start", "end"),
    [
        ("2026-03-10T12:30:15", FrequencyUnit.HOUR, "2026-03-10T12:00:00", "2026-03-10T13:00:00"),
        ("2026-03-10T23:59:59", FrequencyUnit.HOUR, "2026-03-10T23:00:00", "2026-03-11T00:00:00"),
        ("2026-03-10T12:30:15", FrequencyUnit.DAY, "2026-03-10T00:00:00", "2026-03-11T00:00:00"),
        ("2026-02-28T08:00:00", FrequencyUnit.DAY, "2026-02-28T00:00:00", "2026-03-01T00:00:00"),
        ("2026-03-10T12:30:15", FrequencyUnit.MONTH, "2026-03-01T00:00:00", "2026-04-01T00:00:00"),
        ("2026-12-31T23:00:00", FrequencyUnit.MONTH, "2026-12-01T00:00:00", "2027-01-01T00:00:00"),
    ],
)
def test_fixed_windows_are_utc_calendar_periods(moment, unit, start, end):
    parse = lambda text: datetime.fromisoformat(text).replace(tzinfo=UTC)  # noqa: E731
    assert fixed_window(parse(moment), unit) == (parse(start), parse(end))


def test_windows_are_computed_in_utc_whatever_the_callers_zone():
    from datetime import timezone

    hong_kong = timezone(timedelta(hours=8))
    moment = datetime(2026, 3, 11, 7, 0, tzinfo=hong_kong)  # 23:00 UTC on the 10th
    start, _ = fixed_window(moment, FrequencyUnit.DAY)
    assert start == datetime(2026, 3, 10, tzinfo=UTC)


def test_window_keys_are_distinct_per_unit(now):
    keys = {window_key(fixed_window(now, unit)[0], unit) for unit in FrequencyUnit}
    assert keys == {"HOUR:2026-03-10T12", "DAY:2026-03-10", "MONTH:2026-03"}


def test_retry_after_rounds_up_and_is_at_least_one_second(now):
    assert retry_after_seconds(now, now + timedelta(seconds=10, milliseconds=1)) == 11
    assert retry_after_seconds(now, now) == 1


def test_document_fetch_consumes_one_consent_wide_frequency_slot(make_terms, now):
    terms = make_terms(frequency=Frequency(3, FrequencyUnit.HOUR))
    for resource in (Resource.METADATA, Resource.CONTENT):
        (slot,) = quota_slots(terms, resource, now, uuid.uuid4())
        assert slot.document_key == CONSENT_WIDE
        assert slot.limit == 3
        assert slot.window_key == "HOUR:2026-03-10T12"
        assert slot.reason is DenyReason.FREQUENCY_EXCEEDED


def test_listing_consumes_no_frequency_slot(make_terms, now):
    terms = make_terms(frequency=Frequency(3, FrequencyUnit.HOUR))
    assert quota_slots(terms, Resource.LIST, now) == ()


def test_frequency_refusal_says_when_to_retry(make_terms, now):
    terms = make_terms(frequency=Frequency(3, FrequencyUnit.HOUR))
    (slot,) = quota_slots(terms, Resource.CONTENT, now, uuid.uuid4())
    refusal = slot.refusal(now)
    assert refusal.reason is DenyReason.FREQUENCY_EXCEEDED
    assert refusal.retry_after == 30 * 60


def test_daily_frequency_retry_after_reaches_midnight_utc(make_terms, now):
    (slot,) = quota_slots(make_terms(), Resource.METADATA, now, uuid.uuid4())
    assert slot.refusal(now).retry_after == 11 * 3600 + 30 * 60


def test_onetime_pull_consumes_a_per_document_slot(make_terms, now):
    terms = make_terms(fetch_type=FetchType.ONETIME, frequency=None)
    document_id = uuid.uuid4()
    (slot,) = quota_slots(terms, Resource.CONTENT, now, document_id)
    assert (slot.document_key, slot.resource, slot.window_key, slot.limit) == (
        document_id,
        "content",
        ONETIME_WINDOW,
        1,
    )
    refusal = slot.refusal(now)
    assert refusal.reason is DenyReason.ONETIME_ALREADY_FETCHED
    assert refusal.retry_after is None


def test_onetime_metadata_and_content_are_counted_apart(make_terms, now):
    terms = make_terms(fetch_type=FetchType.ONETIME, frequency=None)
    document_id = uuid.uuid4()
    (meta,) = quota_slots(terms, Resource.METADATA, now, document_id)
    (content,) = quota_slots(terms, Resource.CONTENT, now, document_id)
    assert meta.resource != content.resource


def test_onetime_listing_is_not_a_fetch(make_terms, now):
    terms = make_terms(fetch_type=FetchType.ONETIME, frequency=None)
    assert quota_slots(terms, Resource.LIST, now) == ()


def test_onetime_with_frequency_consumes_both_slots(make_terms, now):
    terms = make_terms(fetch_type=FetchType.ONETIME, frequency=Frequency(2, FrequencyUnit.DAY))
    reasons = [s.reason for s in quota_slots(terms, Resource.CONTENT, now, uuid.uuid4())]
    assert reasons == [DenyReason.ONETIME_ALREADY_FETCHED, DenyReason.FREQUENCY_EXCEEDED]


def test_onetime_document_pull_without_document_id_is_a_programming_error(make_terms, now):
    terms = make_terms(fetch_type=FetchType.ONETIME, frequency=None)
    with pytest.raises(ValueError):
        quota_slots(terms, Resource.CONTENT, now)


def test_no_overdue_notice_leaves_access_to_the_consent():
    assert check_notices(None).allowed


def test_an_overdue_notice_closes_access_and_names_the_notice(now):
    overdue = OverdueNotice(uuid.uuid4(), now - timedelta(minutes=1))
    decision = check_notices(overdue)
    assert decision.reason is DenyReason.NOTICE_UNACKNOWLEDGED
    assert str(overdue.notice_id) in decision.detail
