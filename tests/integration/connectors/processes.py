"""Real server processes for reliability tests: API, beat, and a private Redis."""

from __future__ import annotations

import os
import shutil
import socket
import sys
from pathlib import Path

import httpx
import redis

from app.settings import Settings
from tests.support import ManagedProcess, settings_env, wait_until


def delivery_env(settings: Settings) -> dict[str, str]:
    """The delivery settings a subprocess needs besides those `settings_env` carries."""
    return {
        "TRADEGATE_DELIVERY_RETRY_BASE_SECONDS": str(settings.delivery_retry_base_seconds),
        "TRADEGATE_DELIVERY_RETRY_CAP_SECONDS": str(settings.delivery_retry_cap_seconds),
        "TRADEGATE_DELIVERY_MAX_ATTEMPTS": str(settings.delivery_max_attempts),
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ApiProcess(ManagedProcess):
    """`uvicorn app.asgi:app` on a free port, optionally armed to die after a commit."""

    def __init__(self, settings: Settings, crash_at_kick: int = 0, port: int | None = None) -> None:
        self.port = port or free_port()
        env = settings_env(settings) | delivery_env(settings)
        if crash_at_kick:
            env["TRADEGATE_TEST_CRASH_AT_KICK"] = str(crash_at_kick)
        module = "tests.integration.connectors.crashing_api"
        super().__init__(
            [sys.executable, "-m", module, str(self.port)],
            env,
            settings.data_dir / f"api-{self.port}.log",
        )
        self.url = f"http://127.0.0.1:{self.port}"

    def up(self) -> bool:
        try:
            return httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def start_and_wait(self) -> None:
        self.start()
        assert wait_until(self.up, timeout=60), f"API did not start, see {self.log}"


class BeatProcess(ManagedProcess):
    """`tradegate beat`: the periodic jobs (outbox sweep, stale deliveries) on the broker."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(
            [
                sys.executable,
                "-m",
                "app.cli",
                "beat",
                "--schedule",
                str(settings.data_dir / "beat-schedule"),
            ],
            settings_env(settings) | delivery_env(settings),
            settings.data_dir / "beat.log",
        )


class PrivateRedis(ManagedProcess):
    """A redis-server of our own on another port, with an append-only file, to stop at will.

    The append-only file keeps what the broker held across the stop, as a production
    Redis would; the machine's shared Redis is never touched.
    """

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        directory.mkdir(parents=True, exist_ok=True)
        binary = shutil.which("redis-server") or "redis-server"
        super().__init__(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--dir",
                str(directory),
            ],
            dict(os.environ),
            directory / "redis.log",
        )
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def ping(self) -> bool:
        try:
            client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)
            try:
                return bool(client.ping())
            finally:
                client.close()
        except redis.RedisError:
            return False

    def start_and_wait(self) -> None:
        self.start()
        assert wait_until(self.ping, timeout=20), f"redis did not start, see {self.log}"
