"""C2SP tlog-witness ``add-checkpoint``: the request body, and what a witness decides about it.

The decision is pure: given the latest checkpoint the witness cosigned for a log (size and
root) and a verified request, it says cosign, conflict (with the size to report), a bad
proof, or malformed. Storage and signing live elsewhere.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from app.domain.merkle import EMPTY_ROOT, HASH_SIZE, ProofError, verify_consistency
from app.domain.note import NoteError, b64decode_strict

#: A client MUST NOT send more consistency proof lines than this.
MAX_PROOF_LINES = 63
SIZE_CONTENT_TYPE = "text/x.tlog.size"
_OLD = re.compile(r"old (0|[1-9][0-9]{0,18})")


class RequestError(ValueError):
    """The request body is not an add-checkpoint request (400)."""


@dataclass(frozen=True)
class AddCheckpointRequest:
    """``old N``, the consistency proof from N, and the signed checkpoint note (bytes)."""

    old_size: int
    proof: tuple[bytes, ...]
    checkpoint: bytes

    def encode(self) -> bytes:
        """The request body as a client sends it."""
        lines = [f"old {self.old_size}"] + [base64.b64encode(h).decode() for h in self.proof]
        return ("".join(f"{line}\n" for line in lines) + "\n").encode() + self.checkpoint

    @classmethod
    def parse(cls, body: bytes) -> AddCheckpointRequest:
        head, sep, note = body.partition(b"\n\n")
        if not sep or not note:
            raise RequestError("the body needs an old size line, proof lines, a blank line, a note")
        try:
            lines = head.decode("ascii").split("\n")
        except UnicodeDecodeError as exc:
            raise RequestError("the old size and proof lines must be ASCII") from exc
        match = _OLD.fullmatch(lines[0])
        if match is None:
            raise RequestError("the first line must be 'old <size>' in canonical decimal")
        if len(lines) - 1 > MAX_PROOF_LINES:
            raise RequestError(f"more than {MAX_PROOF_LINES} consistency proof lines")
        proof = []
        for line in lines[1:]:
            try:
                digest = b64decode_strict(line)
            except NoteError as exc:
                raise RequestError(f"proof line is not base64: {line[:60]!r}") from exc
            if len(digest) != HASH_SIZE:
                raise RequestError(f"proof line is not a {HASH_SIZE}-byte hash")
            proof.append(digest)
        return cls(int(match.group(1)), tuple(proof), note)


class Verdict(StrEnum):
    """What the witness answers, after the origin is known and the signature verified."""

    COSIGN = "cosign"
    #: ``old`` is not the size the witness last cosigned (409 with that size).
    STALE_OLD_SIZE = "stale_old_size"
    #: Same size as the last cosigned checkpoint, another root: two histories (409, alarm).
    FORK = "fork"
    #: The consistency proof from the last cosigned checkpoint does not verify (422, alarm).
    INCONSISTENT = "inconsistent"
    #: The log says it is at the cosigned size yet presents a smaller tree (400, alarm).
    ROLLBACK = "rollback"
    #: A consistency proof between equal sizes must be empty (422, no alarm: same tree).
    BAD_PROOF = "bad_proof"
    #: ``old`` is above the checkpoint's size (400).
    OLD_ABOVE_SIZE = "old_above_size"
    #: A proof was sent from size 0, where it must be empty (400).
    PROOF_FROM_ZERO = "proof_from_zero"
    #: A size-0 checkpoint whose root is not the empty tree's (422).
    BAD_EMPTY_ROOT = "bad_empty_root"


#: Verdicts that show the log presenting histories that cannot both be true.
ALARMS = frozenset({Verdict.FORK, Verdict.INCONSISTENT, Verdict.ROLLBACK})


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    detail: str = ""


def decide(
    latest_size: int,
    latest_root: bytes | None,
    old_size: int,
    proof: Sequence[bytes],
    size: int,
    root: bytes,
) -> Decision:
    """Apply tlog-witness's checks in its order to a checkpoint whose signature verified."""
    if old_size > size:
        if old_size == latest_size and latest_size > 0:
            return Decision(
                Verdict.ROLLBACK,
                f"the log claims size {old_size}, which was cosigned, but signed size {size}",
            )
        return Decision(Verdict.OLD_ABOVE_SIZE, f"old size {old_size} exceeds size {size}")
    if old_size != latest_size:
        return Decision(Verdict.STALE_OLD_SIZE, f"the latest cosigned size is {latest_size}")
    if old_size == 0:
        if proof:
            return Decision(Verdict.PROOF_FROM_ZERO, "the proof must be empty when old is 0")
        if size == 0 and root != EMPTY_ROOT:
            return Decision(Verdict.BAD_EMPTY_ROOT, "an empty tree has the empty string's hash")
        return Decision(Verdict.COSIGN)
    if latest_root is None:  # a size without a root is never stored
        raise ValueError("a cosigned size needs its root")
    if old_size == size:
        if root != latest_root:
            return Decision(
                Verdict.FORK, f"size {size} was cosigned with another root hash: a fork"
            )
        if proof:
            return Decision(Verdict.BAD_PROOF, "equal sizes need an empty consistency proof")
        return Decision(Verdict.COSIGN)
    try:
        verify_consistency(old_size, size, proof, latest_root, root)
    except ProofError as exc:
        return Decision(Verdict.INCONSISTENT, str(exc))
    return Decision(Verdict.COSIGN)
