"""How tasks run: on Celery in production, on a thread of this process when embedded."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import TYPE_CHECKING

import structlog

from app.tasks.registry import periodic_jobs
from app.tasks.relay import redeliver_lost, relay_inline, relay_to_broker

if TYPE_CHECKING:
    from app.tasks.context import TaskContext

log = structlog.get_logger(__name__)


class TaskRunner:
    """Starts outbox processing after each commit and runs periodic jobs when embedded."""

    def __init__(self, ctx: TaskContext, *, inline: bool = False) -> None:
        self._ctx = ctx
        self._inline = inline
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_run: dict[str, float] = {}

    @property
    def embedded(self) -> bool:
        return self._ctx.settings.embedded

    def kick(self) -> None:
        """Called after a commit that wrote outbox rows."""
        if not self.embedded or self._inline or self._thread is None:
            self.relay_once()
        else:
            self._wake.set()

    def relay_once(self) -> int:
        limit = self._ctx.settings.outbox_batch_size
        if self.embedded:
            return relay_inline(self._ctx, limit)
        return relay_to_broker(self._ctx, self._ctx.publisher(), limit)

    def sweep(self) -> None:
        """Publish what an outage or a crash left behind, and what the broker lost."""
        self.relay_once()
        if not self.embedded:
            settings = self._ctx.settings
            redeliver_lost(
                self._ctx,
                self._ctx.publisher(),
                older_than=timedelta(seconds=settings.outbox_redeliver_seconds),
                limit=settings.outbox_batch_size,
            )

    def drain(self, timeout: float = 30.0) -> None:
        """Process outbox rows until none is left (tests, shutdown)."""
        deadline = time.monotonic() + timeout
        while self.relay_once() and time.monotonic() < deadline:
            pass

    def run_due_jobs(self) -> None:
        now = time.monotonic()
        for name, job in periodic_jobs().items():
            if now - self._last_run.get(name, 0.0) >= job.seconds:
                self._last_run[name] = now
                try:
                    job.fn(self._ctx)
                except Exception:
                    log.exception("periodic_job_failed", job=name)

    def start(self) -> None:
        """Embedded mode: one background thread for the outbox and the periodic jobs."""
        if not self.embedded or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, name="tradegate-tasks", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(timeout=0.5)
            self._wake.clear()
            try:
                while self.relay_once():
                    pass
                if self._ctx.settings.embedded_scheduler:
                    self.run_due_jobs()
            except Exception:
                log.exception("embedded_task_loop_failed")
