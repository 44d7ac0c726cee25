"""Inbound pick-up: claim files by rename, hand them to intake, file them as done or failed."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from connectors.folder.layout import PROBLEM_SUFFIX, TEMP_SUFFIX, FolderLayout, write_atomically
from connectors.spi import InboundItem, Intake, IntakeUnavailableError, PollReport

logger = logging.getLogger(__name__)

MEDIA_TYPES = {".json": "application/json", ".xml": "application/xml"}
_CLAIM_SEPARATOR = "--"


def media_type_for(name: str) -> str:
    """Media type guessed from the file extension; intake decides whether it is acceptable."""
    return MEDIA_TYPES.get(Path(name).suffix.lower(), "application/octet-stream")


def _claim_name(name: str) -> str:
    """A unique name under ``processing/`` so two drops with one name never collide."""
    return f"{uuid.uuid4().hex[:16]}{_CLAIM_SEPARATOR}{name}"


def original_name(claimed: str) -> str:
    """The name the writer gave a claimed file."""
    prefix, sep, rest = claimed.partition(_CLAIM_SEPARATOR)
    return rest if sep and len(prefix) == 16 else claimed


def _is_candidate(path: Path) -> bool:
    name = path.name
    return not name.startswith(".") and not name.endswith(TEMP_SUFFIX) and path.is_file()


def recover_stale_claims(layout: FolderLayout, older_than_seconds: float) -> int:
    """Put back files a crashed poller claimed but never filed, so they are retried."""
    cutoff = time.time() - older_than_seconds
    recovered = 0
    for path in layout.processing.iterdir():
        try:
            if path.stat().st_mtime >= cutoff:
                continue
            os.rename(path, layout.incoming / original_name(path.name))
        except FileNotFoundError:
            continue
        recovered += 1
        logger.warning("recovered stale claim %s", path.name)
    return recovered


def _claim(layout: FolderLayout, path: Path) -> Path | None:
    claimed = layout.processing / _claim_name(path.name)
    try:
        os.rename(path, claimed)
    except FileNotFoundError:
        return None
    # The claim time, not the writer's mtime, decides when a claim counts as stale.
    os.utime(claimed)
    return claimed


def _problem(status: int, title: str, detail: str) -> dict[str, Any]:
    return {"type": "about:blank", "status": status, "title": title, "detail": detail}


def _file_failed(layout: FolderLayout, claimed: Path, problem: Mapping[str, Any]) -> None:
    """Write the problem report first so a file in ``failed/`` always has its report."""
    report = json.dumps(dict(problem), indent=2, sort_keys=True).encode("utf-8")
    write_atomically(layout.failed / f"{claimed.name}{PROBLEM_SUFFIX}", report)
    os.rename(claimed, layout.failed / claimed.name)


def _idempotency_key(name: str, content: bytes) -> str:
    """Stable across re-processing after a crash, so intake can drop the repeat."""
    digest = hashlib.sha256(name.encode("utf-8") + b"\0" + content).hexdigest()
    return f"folder-{digest[:40]}"


def process_one(
    layout: FolderLayout, claimed: Path, intake: Intake, *, source: str, max_bytes: int
) -> str:
    """Hand one claimed file to intake; returns "accepted", "rejected" or "deferred"."""
    name = original_name(claimed.name)
    if claimed.stat().st_size > max_bytes:
        detail = f"file is larger than {max_bytes} bytes"
        _file_failed(layout, claimed, _problem(413, "Payload too large", detail))
        return "rejected"
    content = claimed.read_bytes()
    item = InboundItem(
        content=content,
        filename=name,
        media_type=media_type_for(name),
        source=source,
        idempotency_key=_idempotency_key(name, content),
    )
    try:
        result = intake(item)
    except IntakeUnavailableError as exc:
        logger.info("intake unavailable for %s, will retry: %s", name, exc)
        os.rename(claimed, layout.incoming / name)
        return "deferred"
    except Exception:
        logger.exception("intake crashed on %s", name)
        crash = _problem(500, "Intake error", "the hub could not process this file")
        _file_failed(layout, claimed, crash)
        return "rejected"
    if result.accepted:
        os.rename(claimed, layout.done / claimed.name)
        return "accepted"
    _file_failed(layout, claimed, result.problem or _problem(422, "Rejected", "not accepted"))
    return "rejected"


def poll_folder(
    layout: FolderLayout,
    intake: Intake,
    *,
    source: str,
    max_bytes: int,
    max_files: int,
    stale_claim_seconds: float,
) -> PollReport:
    """One pass over ``incoming/``, oldest name first, at most ``max_files`` files."""
    layout.ensure()
    recover_stale_claims(layout, stale_claim_seconds)
    counts = {"accepted": 0, "rejected": 0, "deferred": 0}
    candidates = sorted(p for p in layout.incoming.iterdir() if _is_candidate(p))
    for path in candidates[:max_files]:
        claimed = _claim(layout, path)
        if claimed is None:
            continue
        counts[process_one(layout, claimed, intake, source=source, max_bytes=max_bytes)] += 1
    return PollReport(**counts)
