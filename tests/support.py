"""Helpers shared by test modules."""

import asyncio
import hashlib
import os
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from pathlib import Path
from typing import Any, Self, TypeVar

import httpx
import pytest
from fastapi.testclient import TestClient

from app.container import Container
from app.security.principal import SYSTEM
from app.services.delivery.connector_instances import create_instance, subscribe
from app.settings import Settings
from app.storage.models import Document
from bench.support import consent_request_body as consent_request_body
from bench.support import iso as iso
from bench.support import reefer_transport_document as reefer_transport_document
from bench.support import settings_env as settings_env
from bench.support import wait_until as wait_until
from bench.support import worker_command

both_backends = pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)


REPO = Path(__file__).resolve().parent.parent
#: The official DCSA and UN/CEFACT examples shipped beside the repository.
_SHARED_REFERENCE = REPO.parent / "shared" / "reference"
REFERENCE = Path(
    os.environ.get(
        "TRADEGATE_REFERENCE_DIR",
        _SHARED_REFERENCE if _SHARED_REFERENCE.is_dir() else REPO / "tests" / "data" / "reference",
    )
)


def push(
    client: TestClient,
    headers: dict[str, str],
    body: bytes,
    *,
    key: str | None = "k-1",
    media_type: str | None = "application/json",
    **params: str,
) -> httpx.Response:
    """POST `body` to /v1/documents; a `None` key or media type leaves that header out."""
    extra = {"Idempotency-Key": key, "Content-Type": media_type}
    return client.post(
        "/v1/documents",
        content=body,
        params=params,
        headers={**headers, **{name: v for name, v in extra.items() if v is not None}},
    )


def save_document(
    container: Container,
    content: bytes,
    *,
    owner_id: uuid.UUID,
    provider_id: uuid.UUID,
    reference: str,
    doc_type: str,
    version: str,
    media_type: str,
    document_date: date | None,
    received_at: datetime,
) -> Document:
    """Store `content` as an accepted document straight in the database, bypassing intake."""
    digest = hashlib.sha256(content).hexdigest()
    document = Document(
        doc_type=doc_type,
        version=version,
        media_type=media_type,
        owner_id=owner_id,
        provider_id=provider_id,
        reference=reference,
        document_date=document_date,
        received_at=received_at,
        size=len(content),
        sha256=digest,
        canonical_sha256=digest,
        content=content,
        provenance={"schema": "test"},
        warnings=[],
    )
    with container.uow() as uow:
        uow.session.add(document)
        uow.commit()
    return document


def subscribed_instance(
    container: Container,
    participant_id: uuid.UUID,
    connector: str,
    config: dict[str, Any],
    *,
    name: str = "main",
    **rule: Any,
) -> uuid.UUID:
    """Create a connector instance for the participant, subscribed to `rule` (all topics)."""
    with container.uow() as uow:
        instance, _ = create_instance(
            uow.session,
            SYSTEM,
            connector=connector,
            name=name,
            config=config,
            participant_id=participant_id,
        )
        subscribe(uow.session, SYSTEM, instance.id, **rule)
        uow.commit()
    return instance.id


class ManagedProcess:
    """A subprocess in its own process group, so a kill takes its children with it."""

    #: How long `stop` lets the process finish its work before killing it.
    stop_timeout: float = 20

    def __init__(self, args: list[str], env: dict[str, str], log: Path, cwd: Path = REPO) -> None:
        self.args, self.env, self.log, self.cwd = args, env, log, cwd
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        handle = open(self.log, "ab")  # noqa: SIM115 - owned by the subprocess
        self.proc = subprocess.Popen(
            self.args,
            env=self.env,
            cwd=self.cwd,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        if self.alive:
            assert self.proc is not None
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.alive:
            assert self.proc is not None
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=self.stop_timeout)
            except subprocess.TimeoutExpired:
                self.kill()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class WorkerProcess(ManagedProcess):
    """A real `tradegate worker` subprocess that tests can start, SIGKILL and restart."""

    stop_timeout = 15

    def __init__(self, settings: Settings, *extra: str, log: Path | None = None) -> None:
        super().__init__(
            worker_command(settings.celery_queue, "--without-heartbeat", *extra),
            settings_env(settings),
            log or (settings.data_dir / "worker.log"),
        )


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_benchmark_smoke(script: str, *args: str, timeout: float = 120) -> str:
    """Run `bench/<script> --smoke` as a user would and return what it printed."""
    result = subprocess.run(
        [sys.executable, f"bench/{script}", "--smoke", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


T = TypeVar("T")


def run_coroutine(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run on a thread of its own: the browser tests' session keeps a loop running on the
    main thread, where `asyncio.run` would refuse."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
