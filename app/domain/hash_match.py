"""The hash-match statement: what a hub says about a hash it was asked about, as note text.

A C2SP signed-note text, signed with the answering hub's Ed25519 log key. The first line names
the format and its version; every other line is ``key value``, in a fixed order, so the text
has one spelling and a verifier can refuse anything else. It states the hash and whether the
hub holds a document with that canonical SHA-256; if it does, the document type, the kind of
provider (never who), when it was accepted and anchored, and the log leaf that recorded it.
No content and no owner or provider identity is in it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields

from app.domain.note import NoteError, check_text

STATEMENT_FORMAT = "tradegate.hash-match/1"
#: How the kind of provider is told without saying who: the owner itself, a third party
#: pushing under the owner's mandate (a carrier, forwarder or platform), or an eBL platform
#: transferring the document over DCSA PINT.
PROVIDER_KINDS = ("owner", "provider", "ebl-platform")

_HEX64 = re.compile(r"[0-9a-f]{64}")
_NONCE = re.compile(r"[A-Za-z0-9_-]{16,64}")
_JURISDICTION = re.compile(r"[A-Z]{2}")
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?\+00:00")
_B64_HASH = re.compile(r"[A-Za-z0-9+/]{43}=")
_COUNT = re.compile(r"0|[1-9][0-9]*")
_VALUE = re.compile(r"\S(?:[^\n]*\S)?")


class StatementError(NoteError):
    """The note text is not a well-formed hash-match statement."""


def provider_kind(actor: str, *, self_submitted: bool) -> str:
    """The provider kind of a document from its acceptance event's actor and its parties."""
    if actor.startswith("pint:"):
        return "ebl-platform"
    return "owner" if self_submitted else "provider"


@dataclass(frozen=True)
class Match:
    """What the statement says of a document that was found."""

    document_type: str
    provider_kind: str
    accepted_at: str
    anchored_at: str | None
    leaf_index: int
    leaf_hash: str
    tree_size: int


@dataclass(frozen=True)
class HashMatchStatement:
    """One answer by one hub (``origin``) to one question by one peer (``asked_by``)."""

    origin: str
    hub: str
    jurisdiction: str
    asked_by: str
    nonce: str
    sha256: str
    issued_at: str
    match: Match | None = None

    @property
    def found(self) -> bool:
        return self.match is not None

    def text(self) -> str:
        """The note text, checked as the parser would check it."""
        lines = [
            STATEMENT_FORMAT,
            f"origin {self.origin}",
            f"hub {self.hub}",
            f"jurisdiction {self.jurisdiction}",
            f"asked-by {self.asked_by}",
            f"nonce {self.nonce}",
            f"sha256 {self.sha256}",
            f"found {'yes' if self.match else 'no'}",
        ]
        if self.match is not None:
            m = self.match
            lines += [
                f"type {m.document_type}",
                f"provider-kind {m.provider_kind}",
                f"accepted-at {m.accepted_at}",
                f"anchored-at {m.anchored_at or '-'}",
                f"leaf {m.leaf_index}",
                f"leaf-hash {m.leaf_hash}",
                f"tree-size {m.tree_size}",
            ]
        lines.append(f"issued-at {self.issued_at}")
        text = "".join(f"{line}\n" for line in lines)
        if parse_statement(text) != self:
            raise StatementError("the statement does not survive its own parser")
        return text


_COMMON = ("origin", "hub", "jurisdiction", "asked-by", "nonce", "sha256", "found")
_MATCH = ("type", "provider-kind", "accepted-at", "anchored-at", "leaf", "leaf-hash", "tree-size")


def _pairs(text: str) -> list[tuple[str, str]]:
    try:
        check_text(text)
    except NoteError as exc:
        raise StatementError(str(exc)) from exc
    lines = text[:-1].split("\n")
    if lines[0] != STATEMENT_FORMAT:
        raise StatementError(f"statement format {lines[0][:60]!r} is not {STATEMENT_FORMAT}")
    pairs = []
    for line in lines[1:]:
        key, sep, value = line.partition(" ")
        if not sep or not _VALUE.fullmatch(value):
            raise StatementError(f"statement line {line[:60]!r} is not 'key value'")
        pairs.append((key, value))
    return pairs


def _check(value: str, pattern: re.Pattern[str], what: str) -> str:
    if not pattern.fullmatch(value):
        raise StatementError(f"statement {what} {value[:80]!r} is malformed")
    return value


def parse_statement(text: str) -> HashMatchStatement:
    """Parse statement text strictly: every line, in order, each value in its one spelling."""
    pairs = _pairs(text)
    keys = [k for k, _ in pairs]
    values = dict(pairs)
    found = values.get("found")
    expected = [*_COMMON, *(_MATCH if found == "yes" else ()), "issued-at"]
    if keys != expected or found not in ("yes", "no"):
        raise StatementError(f"statement lines are {keys}, expected {expected}")
    match = None
    if found == "yes":
        kind = values["provider-kind"]
        if kind not in PROVIDER_KINDS:
            raise StatementError(f"statement provider-kind {kind[:40]!r} is unknown")
        anchored = values["anchored-at"]
        match = Match(
            document_type=values["type"],
            provider_kind=kind,
            accepted_at=_check(values["accepted-at"], _TIME, "accepted-at"),
            anchored_at=None if anchored == "-" else _check(anchored, _TIME, "anchored-at"),
            leaf_index=int(_check(values["leaf"], _COUNT, "leaf")),
            leaf_hash=_check(values["leaf-hash"], _B64_HASH, "leaf-hash"),
            tree_size=int(_check(values["tree-size"], _COUNT, "tree-size")),
        )
        if match.leaf_index >= match.tree_size:
            raise StatementError("statement leaf is not in its tree")
    return HashMatchStatement(
        origin=values["origin"],
        hub=values["hub"],
        jurisdiction=_check(values["jurisdiction"], _JURISDICTION, "jurisdiction"),
        asked_by=values["asked-by"],
        nonce=_check(values["nonce"], _NONCE, "nonce"),
        sha256=_check(values["sha256"], _HEX64, "sha256"),
        issued_at=_check(values["issued-at"], _TIME, "issued-at"),
        match=match,
    )


def statement_fields(statement: HashMatchStatement) -> dict[str, object]:
    """The statement as a flat dict, for answers and events."""
    flat: dict[str, object] = {
        f.name: getattr(statement, f.name) for f in fields(statement) if f.name != "match"
    }
    flat["found"] = statement.found
    if statement.match is not None:
        flat.update({f.name: getattr(statement.match, f.name) for f in fields(statement.match)})
    return flat
