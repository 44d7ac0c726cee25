"""C2SP tlog-checkpoint bodies: origin, decimal tree size, base64 root hash, extension lines."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from app.domain.merkle import HASH_SIZE
from app.domain.note import (
    NoteError,
    NoteSigner,
    NoteVerifier,
    b64decode_strict,
    check_text,
    open_note,
    sign_note,
)

_SIZE = re.compile(r"0|[1-9][0-9]*")


class CheckpointError(NoteError):
    """The note text is not a well-formed checkpoint."""


@dataclass(frozen=True)
class Checkpoint:
    """A log's tree head: who (origin), how many leaves, which root."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin or "\n" in self.origin:
            raise CheckpointError("origin must be one non-empty line")
        if self.size < 0:
            raise CheckpointError("tree size must not be negative")
        if len(self.root_hash) != HASH_SIZE:
            raise CheckpointError(f"root hash must be {HASH_SIZE} bytes")
        if any(not line or "\n" in line for line in self.extensions):
            raise CheckpointError("extension lines must be single non-empty lines")

    def text(self) -> str:
        """The note text, each line ending in a newline (including the last)."""
        root = base64.b64encode(self.root_hash).decode("ascii")
        lines = [self.origin, str(self.size), root, *self.extensions]
        text = "".join(f"{line}\n" for line in lines)
        check_text(text)
        return text

    def sign(self, signers: Sequence[NoteSigner]) -> bytes:
        """The signed note carrying this checkpoint."""
        return sign_note(self.text(), signers)

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """Parse checkpoint note text strictly (no leading zeros, canonical base64, 32 bytes)."""
        try:
            check_text(text)
        except NoteError as exc:
            raise CheckpointError(str(exc)) from exc
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise CheckpointError("a checkpoint has at least three lines")
        origin, size, root, *extensions = lines
        if not _SIZE.fullmatch(size):
            raise CheckpointError(f"tree size {size!r} is not a canonical decimal")
        try:
            root_hash = b64decode_strict(root)
        except NoteError as exc:
            raise CheckpointError(str(exc)) from exc
        return cls(origin, int(size), root_hash, tuple(extensions))


def open_checkpoint(
    message: bytes | str, verifiers: Iterable[NoteVerifier], origin: str | None = None
) -> Checkpoint:
    """Verify a signed checkpoint note and return the checkpoint it carries.

    When ``origin`` is given the checkpoint must be for that log, so a valid checkpoint of
    another log signed by the same key cannot be passed off as ours.
    """
    note, _ = open_note(message, verifiers)
    checkpoint = Checkpoint.parse(note.text)
    if origin is not None and checkpoint.origin != origin:
        raise CheckpointError(f"checkpoint is for {checkpoint.origin!r}, not {origin!r}")
    return checkpoint
