"""What the benchmarks and the tests share: service addresses, a database, servers, documents."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
import redis

from app.settings import Settings

PG_ADMIN_URL = os.environ.get("TRADEGATE_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TRADEGATE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
REPO = Path(__file__).resolve().parent.parent
_SHARED = REPO.parent / "shared" / "reference"
#: The official DCSA and UN/CEFACT examples (the shared copy when present, else the test copy).
REFERENCE = Path(
    os.environ.get(
        "TRADEGATE_REFERENCE_DIR",
        _SHARED if _SHARED.is_dir() else REPO / "tests" / "data" / "reference",
    )
)


def worker_command(queue: str, *options: str) -> list[str]:
    """`tradegate worker` on one queue, solo pool, without cluster chatter; `options` add to it."""
    return [
        sys.executable,
        "-m",
        "app.cli",
        "worker",
        "--pool=solo",
        "-Q",
        queue,
        "--without-gossip",
        "--without-mingle",
        *options,
    ]


@contextmanager
def private_database() -> Iterator[str]:
    """A throwaway PostgreSQL database (empty), dropped afterwards whatever happens."""
    name = f"tg_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@dataclass(frozen=True)
class Running:
    """An HTTP server started for a benchmark: where it answers and its process id."""

    base: str
    pid: int


def stop(proc: subprocess.Popen[bytes], timeout: float) -> None:
    """Stop a process this benchmark started, by its own id, killing it if it lingers."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()


class HttpServer:
    """An HTTP server in a subprocess, ready once `/healthz` answers 200; stopped and started
    again at will (a restart keeps its port and log)."""

    def __init__(
        self,
        command: list[str],
        env: dict[str, str],
        port: int,
        log: Path,
        *,
        startup_seconds: float = 300,
    ) -> None:
        self.command, self.env, self.log = command, env, log
        self.base = f"http://127.0.0.1:{port}"
        self.startup_seconds = startup_seconds
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.proc is not None, "not started"
        return self.proc.pid

    def start(self) -> None:
        with open(self.log, "ab") as handle:
            self.proc = subprocess.Popen(
                self.command, env=self.env, cwd=REPO, stdout=handle, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + self.startup_seconds
        while True:
            try:
                if httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                tail = self.log.read_text(errors="replace")[-2000:]
                raise SystemExit(f"server did not start: {' '.join(self.command)}\n{tail}")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            stop(self.proc, timeout=10)


@contextmanager
def http_server(
    command: list[str], env: dict[str, str], port: int, log: Path, *, startup_seconds: float = 300
) -> Iterator[Running]:
    """An HTTP server in a subprocess, ready once `/healthz` answers 200, stopped afterwards."""
    server = HttpServer(command, env, port, log, startup_seconds=startup_seconds)
    try:
        server.start()
        yield Running(server.base, server.pid)
    finally:
        server.stop()


def serve_command(port: int, *options: str) -> list[str]:
    """`tradegate serve` on a loopback port."""
    return [sys.executable, "-m", "app.cli", "serve", "--port", str(port), *options]


@contextmanager
def worker(env: dict[str, str], log: Path, *, enabled: bool) -> Iterator[None]:
    """The production shape: a Celery worker on the environment's queue (dropped afterwards)."""
    if not enabled:
        yield
        return
    queue = env["TRADEGATE_CELERY_QUEUE"]
    with open(log, "ab") as handle:
        proc = subprocess.Popen(
            worker_command(queue, "--without-heartbeat"),
            env=env,
            cwd=REPO,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    try:
        yield
    finally:
        stop(proc, timeout=15)
        redis.Redis.from_url(REDIS_URL).delete(queue)


def reefer_transport_document(lei: str, **members: Any) -> dict[str, Any]:
    """DCSA's reefer example with the shipper identified by `lei`; `members` replace its own."""
    td = json.loads(
        (REFERENCE / "dcsa/examples/TransportDocument_reefer_APPROVED.json").read_bytes()
    )
    td["documentParties"]["shipper"]["identifyingCodes"] = [
        {"codeListProvider": "GLEIF", "codeListName": "LEI", "partyCode": lei}
    ]
    td.update(members)
    return td


def settings_env(settings: Settings) -> dict[str, str]:
    """The environment that gives a subprocess the same configuration as `settings`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADEGATE_")}
    env.update(
        {
            "PYTHONPATH": str(REPO),
            "TRADEGATE_ENV": settings.env,
            "TRADEGATE_DATA_DIR": str(settings.data_dir),
            "TRADEGATE_DATABASE_URL": settings.effective_database_url,
            "TRADEGATE_CELERY_QUEUE": settings.celery_queue,
            "TRADEGATE_CELERY_VISIBILITY_TIMEOUT": str(settings.celery_visibility_timeout),
            "TRADEGATE_OUTBOX_REDELIVER_SECONDS": str(settings.outbox_redeliver_seconds),
            "TRADEGATE_LOG_LEVEL": "WARNING",
            "TRADEGATE_ISSUER": settings.issuer,
        }
    )
    if settings.broker_url:
        env["TRADEGATE_BROKER_URL"] = settings.broker_url
    if settings.task_modules:
        env["TRADEGATE_TASK_MODULES"] = (
            "[" + ",".join(f'"{m}"' for m in settings.task_modules) + "]"
        )
    return env


def iso(moment: datetime) -> str:
    """RFC 3339 with a Z, as consent requests carry their times."""
    return moment.isoformat().replace("+00:00", "Z")


def consent_request_body(owner_id: uuid.UUID, /, **overrides: Any) -> dict[str, Any]:
    """A consent request that fits TRADE_FINANCE_APPLICATION; keyword arguments override fields."""
    now = datetime.now(UTC)
    body: dict[str, Any] = {
        "owner_id": str(owner_id),
        "document_types": ["dcsa.transport-document"],
        "purpose": "TRADE_FINANCE_APPLICATION",
        "data_range": {"from": iso(now - timedelta(days=200)), "to": iso(now + timedelta(days=30))},
        "validity": {
            "from": iso(now - timedelta(minutes=1)),
            "until": iso(now + timedelta(days=30)),
        },
        "fetch_type": "PERIODIC",
        "frequency": {"count": 10, "unit": "DAY"},
        "data_life_days": 30,
    }
    body.update(overrides)
    return body


def wait_until(
    predicate: Callable[[], object], timeout: float = 30.0, interval: float = 0.1
) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())
