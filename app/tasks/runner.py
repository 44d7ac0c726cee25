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
        """Called after a commit that wrote outbox rows: wake the relay thread, or relay now.

        A serving process (see :meth:`start`) answers its request without waiting for the
        broker; a process without the thread (a worker, a command, a test) relays in the
        committing thread. Either way a crash before the relay leaves the rows to the sweep.
        """
        if self._inline or self._thread is None:
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
        """One background thread per serving process: the outbox relay after commits and,
        when embedded, the periodic jobs (in production Celery beat runs those)."""
        if self._thread is not None:
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
        # Embedded, the thread is also the scheduler; in production only a commit wakes it.
        poll = 0.5 if self.embedded else None
        while not self._stop.is_set():
            self._wake.wait(timeout=poll)
            self._wake.clear()
            try:
                while self.relay_once():
                    pass
                if self.embedded and self._ctx.settings.embedded_scheduler:
                    self.run_due_jobs()
            except Exception:
                log.exception("task_loop_failed")
