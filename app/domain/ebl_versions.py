"""The life of an eBL under one reference: which new version is a step and which a conflict."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

#: Statuses before issue: the carrier may still change the document freely.
DRAFTING = frozenset({"DRAFT", "APPROVED"})
#: Where an issued eBL may go next (DCSA eBL 3.0.3 transportDocumentStatus).
AFTER_ISSUE: dict[str, frozenset[str]] = {
    "ISSUED": frozenset(
        {
            "PENDING_SURRENDER_FOR_DELIVERY",
            "PENDING_SURRENDER_FOR_AMENDMENT",
            "SURRENDERED_FOR_DELIVERY",
            "SURRENDERED_FOR_AMENDMENT",
            "SURRENDERED",
            "VOIDED",
        }
    ),
    "PENDING_SURRENDER_FOR_DELIVERY": frozenset({"ISSUED", "SURRENDERED_FOR_DELIVERY", "VOIDED"}),
    "PENDING_SURRENDER_FOR_AMENDMENT": frozenset({"ISSUED", "SURRENDERED_FOR_AMENDMENT", "VOIDED"}),
    "SURRENDERED_FOR_DELIVERY": frozenset({"VOIDED"}),
    "SURRENDERED_FOR_AMENDMENT": frozenset({"VOIDED"}),
    "SURRENDERED": frozenset({"VOIDED"}),
    "VOIDED": frozenset(),
}


class Step(StrEnum):
    """What a newly received version means for the eBL's record."""

    SAME = "same"
    NEW = "new"
    ADVANCED = "advanced"
    CONFLICT = "conflict"


@dataclass(frozen=True)
class Version:
    """One version: its status, its checksum, and the checksum of everything but the status."""

    status: str
    checksum: str
    body_checksum: str


def judge(current: Version | None, incoming: Version) -> Step:
    """Whether ``incoming`` may become the current version.

    Before issue a carrier may send any new draft. From issue on, the document is fixed: only
    the same content with a status the issued eBL may move to is a step; anything else under
    the same reference (other content, a status going back) is a conflict.
    """
    if current is None:
        return Step.NEW
    if incoming.checksum == current.checksum:
        return Step.SAME
    if current.status in DRAFTING:
        return Step.ADVANCED
    allowed = AFTER_ISSUE.get(current.status, frozenset())
    if incoming.body_checksum == current.body_checksum and incoming.status in allowed:
        return Step.ADVANCED
    return Step.CONFLICT
