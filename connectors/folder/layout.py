"""Directory layout of a drop folder and the atomic file operations both directions share."""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

TEMP_SUFFIX = ".tmp"
PROBLEM_SUFFIX = ".problem.json"
_SAFE_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,149}")


@dataclass(frozen=True)
class FolderLayout:
    """``incoming/`` is where writers drop files; the hub owns the other directories."""

    root: Path

    @property
    def incoming(self) -> Path:
        """Writers create ``*.tmp`` here, then rename to the final name when complete."""
        return self.root / "incoming"

    @property
    def processing(self) -> Path:
        """Files claimed by a poller and being handed to intake."""
        return self.root / "processing"

    @property
    def done(self) -> Path:
        """Files intake accepted."""
        return self.root / "done"

    @property
    def failed(self) -> Path:
        """Files intake rejected, each with a ``<name>.problem.json`` beside it."""
        return self.root / "failed"

    @property
    def outgoing(self) -> Path:
        """Deliveries the hub writes for the folder's owner."""
        return self.root / "outgoing"

    def ensure(self) -> None:
        """Create the directories that do not exist yet."""
        for directory in (self.incoming, self.processing, self.done, self.failed, self.outgoing):
            directory.mkdir(parents=True, exist_ok=True)


def safe_file_stem(key: str) -> str:
    """A file name stem for ``key``: the key itself when harmless, else its SHA-256."""
    if _SAFE_NAME.fullmatch(key) and key not in (".", ".."):
        return key
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def fsync_directory(directory: Path) -> None:
    """Make a rename in ``directory`` durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomically(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` so readers see the old file or the whole new one.

    The temporary file lives in the same directory (a rename is only atomic within one
    file system) and is fsynced before the rename, and the directory after it.
    """
    temp = target.with_name(f".{target.name}.{uuid.uuid4().hex}{TEMP_SUFFIX}")
    try:
        with open(temp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    fsync_directory(target.parent)
