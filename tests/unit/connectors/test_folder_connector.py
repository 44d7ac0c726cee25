"""The folder connector: rename-claimed pick-up, problem reports, atomic idempotent writes."""

import json
import os
import time
from datetime import UTC, datetime

import pytest

from connectors.folder.connector import FolderConfig, FolderConnector
from connectors.folder.inbound import original_name
from connectors.folder.layout import FolderLayout
from connectors.spi import (
    DeliveryContext,
    HealthState,
    IntakeResult,
    IntakeUnavailableError,
    OutboundMessage,
    TransientDeliveryError,
)

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


class RecordingIntake:
    """Accepts JSON, rejects anything else with a problem, like the real intake would."""

    def __init__(self):
        self.items = []

    def __call__(self, item):
        self.items.append(item)
        if item.media_type == "application/json":
            return IntakeResult(accepted=True, reference=f"doc-{len(self.items)}")
        problem = {"type": "/problems/unsupported-media-type", "status": 415, "title": "No"}
        return IntakeResult(accepted=False, problem=problem)


@pytest.fixture
def folder(tmp_path):
    layout = FolderLayout(tmp_path / "drop")
    layout.ensure()
    return layout


def drop(layout, name, content):
    """Writer side of the protocol: write *.tmp, then rename."""
    temp = layout.incoming / f"{name}.tmp"
    temp.write_bytes(content)
    os.rename(temp, layout.incoming / name)


def poll(layout, intake, **config):
    cfg = FolderConfig(path=layout.root, **config)
    return FolderConnector().poll(cfg, intake)


def names(directory):
    return sorted(original_name(p.name) for p in directory.iterdir())


def test_accepted_files_move_to_done(folder):
    drop(folder, "bl-1.json", b'{"a":1}')
    intake = RecordingIntake()
    report = poll(folder, intake)
    assert report.accepted == 1 and report.rejected == 0
    assert names(folder.done) == ["bl-1.json"]
    assert names(folder.incoming) == [] and names(folder.processing) == []
    (item,) = intake.items
    assert item.content == b'{"a":1}' and item.filename == "bl-1.json"
    assert item.media_type == "application/json"
    assert item.source == f"folder:{folder.root}"


def test_rejected_files_move_to_failed_with_their_problem_beside_them(folder):
    drop(folder, "invoice.pdf", b"%PDF")
    report = poll(folder, RecordingIntake())
    assert report.rejected == 1
    (failed,) = [p for p in folder.failed.iterdir() if not p.name.endswith(".problem.json")]
    problem = json.loads((folder.failed / f"{failed.name}.problem.json").read_text())
    assert problem["status"] == 415
    assert original_name(failed.name) == "invoice.pdf"


def test_files_still_being_written_and_hidden_files_are_left_alone(folder):
    (folder.incoming / "half.json.tmp").write_bytes(b'{"a"')
    (folder.incoming / ".hidden.json").write_bytes(b"{}")
    intake = RecordingIntake()
    assert poll(folder, intake).accepted == 0
    assert intake.items == []
    assert sorted(p.name for p in folder.incoming.iterdir()) == [".hidden.json", "half.json.tmp"]


def test_unavailable_intake_puts_the_file_back_for_the_next_poll(folder):
    drop(folder, "bl.json", b"{}")

    def unavailable(item):
        raise IntakeUnavailableError("database down")

    assert poll(folder, unavailable).deferred == 1
    assert names(folder.incoming) == ["bl.json"]
    assert poll(folder, RecordingIntake()).accepted == 1


def test_an_intake_crash_files_the_document_as_failed_not_lost(folder):
    drop(folder, "bl.json", b"{}")

    def crash(item):
        raise RuntimeError("bug")

    assert poll(folder, crash).rejected == 1
    assert "bl.json" in names(folder.failed)


def test_oversized_files_are_rejected_without_calling_intake(folder):
    drop(folder, "big.json", b"x" * 101)
    intake = RecordingIntake()
    assert poll(folder, intake, max_bytes=100).rejected == 1
    assert intake.items == []
    problem_files = [p for p in folder.failed.iterdir() if p.name.endswith(".problem.json")]
    assert json.loads(problem_files[0].read_text())["status"] == 413


def test_two_drops_with_one_name_are_both_processed(folder):
    intake = RecordingIntake()
    drop(folder, "same.json", b'{"n":1}')
    poll(folder, intake)
    drop(folder, "same.json", b'{"n":2}')
    poll(folder, intake)
    assert len(list(folder.done.iterdir())) == 2
    assert [i.content for i in intake.items] == [b'{"n":1}', b'{"n":2}']


def test_stale_claims_of_a_crashed_poller_are_retried(folder):
    claimed = folder.processing / "0123456789abcdef--bl.json"
    claimed.write_bytes(b"{}")
    old = time.time() - 3600
    os.utime(claimed, (old, old))
    fresh = folder.processing / "fedcba9876543210--other.json"
    fresh.write_bytes(b"{}")
    intake = RecordingIntake()
    assert poll(folder, intake, stale_claim_seconds=60).accepted == 1
    assert [i.filename for i in intake.items] == ["bl.json"]
    assert fresh.exists()


def test_reprocessing_the_same_file_offers_the_same_idempotency_key(folder):
    intake = RecordingIntake()
    for _ in range(2):
        drop(folder, "bl.json", b'{"a":1}')
        poll(folder, intake)
    drop(folder, "bl.json", b'{"a":2}')
    poll(folder, intake)
    keys = [i.idempotency_key for i in intake.items]
    assert keys[0] == keys[1] != keys[2]


def test_a_poll_processes_at_most_the_configured_number_of_files(folder):
    for n in range(5):
        drop(folder, f"{n}.json", b"{}")
    assert poll(folder, RecordingIntake(), max_files_per_poll=2).accepted == 2
    assert names(folder.incoming) == ["2.json", "3.json", "4.json"]


def message(key, body=b'{"v":1}', content_type="application/json"):
    return OutboundMessage(
        id=key,
        event_type="document.accepted",
        body=body,
        occurred_at=NOW,
        content_type=content_type,
    )


def deliver(layout, msg):
    ctx = DeliveryContext("inst", FolderConfig(path=layout.root), attempt=1, now=NOW)
    return FolderConnector().deliver(msg, ctx)


def test_outbound_delivery_is_named_after_the_idempotency_key(tmp_path):
    layout = FolderLayout(tmp_path / "out")
    receipt = deliver(layout, message("msg_1"))
    assert (layout.outgoing / "msg_1.json").read_bytes() == b'{"v":1}'
    assert receipt.detail == str(layout.outgoing / "msg_1.json")


def test_redelivery_overwrites_instead_of_duplicating(tmp_path):
    layout = FolderLayout(tmp_path / "out")
    deliver(layout, message("msg_1", b'{"v":1}'))
    deliver(layout, message("msg_1", b'{"v":2}'))
    assert [p.name for p in layout.outgoing.iterdir()] == ["msg_1.json"]
    assert (layout.outgoing / "msg_1.json").read_bytes() == b'{"v":2}'


def test_unsafe_keys_cannot_escape_the_folder(tmp_path):
    layout = FolderLayout(tmp_path / "out")
    deliver(layout, message("../../etc/passwd", content_type="application/xml"))
    (written,) = layout.outgoing.iterdir()
    assert written.suffix == ".xml" and len(written.stem) == 64
    assert not (tmp_path / "etc").exists()


def test_unwritable_folder_is_a_retryable_failure(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(TransientDeliveryError):
        deliver(FolderLayout(blocker), message("msg_1"))


def test_health_needs_an_existing_writable_directory(tmp_path):
    connector = FolderConnector()
    assert connector.health(FolderConfig(path=tmp_path)).state is HealthState.OK
    assert connector.health(FolderConfig(path=tmp_path / "nope")).state is HealthState.DOWN


def test_relative_paths_are_refused():
    with pytest.raises(ValueError):
        FolderConfig(path="relative/dir")
