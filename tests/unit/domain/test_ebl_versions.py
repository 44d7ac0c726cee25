"""Which new version of an eBL is a step, and which is a conflict that must be flagged."""

from app.domain.ebl_versions import Step, Version, judge


def v(status: str, checksum: str, body: str = "b") -> Version:
    return Version(status, checksum, body)


def test_drafts_may_change_freely_before_issue():
    assert judge(None, v("DRAFT", "1")) is Step.NEW
    assert judge(v("DRAFT", "1", "b1"), v("DRAFT", "2", "b2")) is Step.ADVANCED
    assert judge(v("DRAFT", "1"), v("ISSUED", "2", "other")) is Step.ADVANCED


def test_an_issued_ebl_only_moves_forward_with_the_same_content():
    issued = v("ISSUED", "1", "body")
    assert judge(issued, v("ISSUED", "1", "body")) is Step.SAME
    assert judge(issued, v("SURRENDERED_FOR_DELIVERY", "2", "body")) is Step.ADVANCED
    assert judge(issued, v("VOIDED", "3", "body")) is Step.ADVANCED
    assert judge(issued, v("ISSUED", "4", "rewritten")) is Step.CONFLICT
    assert judge(issued, v("DRAFT", "5", "body")) is Step.CONFLICT


def test_nothing_follows_a_void():
    assert judge(v("VOIDED", "1", "body"), v("ISSUED", "2", "body")) is Step.CONFLICT
