"""What the benchmarks (and test subprocesses) share: service addresses, a database, servers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import redis

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


@contextmanager
def http_server(
    command: list[str], env: dict[str, str], port: int, log: Path, *, startup_seconds: float = 300
) -> Iterator[Running]:
    """An HTTP server in a subprocess, ready once `/healthz` answers 200, stopped afterwards."""
    with open(log, "ab") as handle:
        proc = subprocess.Popen(command, env=env, cwd=REPO, stdout=handle, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + startup_seconds
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                tail = log.read_text(errors="replace")[-2000:]
                raise SystemExit(f"server did not start: {' '.join(command)}\n{tail}")
            time.sleep(0.1)
        yield Running(base, proc.pid)
    finally:
        stop(proc, timeout=10)


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
