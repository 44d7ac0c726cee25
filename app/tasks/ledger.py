"""Ledger jobs: the sequencer (every second and after commits) and the anchoring policy."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

import structlog
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from app.ledger import store
from app.services.common.events import EVENTS_APPENDED
from app.services.ledger.anchoring import (
    AnchorOutcome,
    build_sink,
    plan_anchoring,
    record_outcome,
    run_plan,
)
from app.services.ledger.log import (
    anchoring_lag_seconds,
    integrate_pending,
    sequencing_lag_seconds,
)
from app.storage.base import utcnow
from app.storage.uow import after_commit_when
from app.tasks.registry import periodic

if TYPE_CHECKING:
    from app.tasks.context import TaskContext

log = structlog.get_logger(__name__)

SEQUENCE_JOB = "ledger.sequence"
ANCHOR_JOB = "ledger.anchor"
MAX_BATCHES_PER_RUN = 100


@periodic(SEQUENCE_JOB, seconds=1)
def sequence(ctx: TaskContext) -> int:
    """Integrate every pending event (batch by batch); returns how many leaves were added."""
    added = 0
    for _ in range(MAX_BATCHES_PER_RUN):
        with ctx.uow() as uow:
            checkpoint = integrate_pending(uow.session, ctx.settings, ctx.keys)
            uow.commit()
        if checkpoint is None:
            break
        added = checkpoint.size
    return added


@periodic(ANCHOR_JOB, seconds=0.5)
def anchor(ctx: TaskContext) -> AnchorOutcome | None:
    """Anchor the latest checkpoint when the policy says so; no transaction spans the network."""
    settings = ctx.settings
    with ctx.uow() as uow:
        plan = plan_anchoring(uow.session, settings, utcnow())
    if plan is None:
        return None
    outcome = run_plan(plan, lambda url: build_sink(url, settings))
    with ctx.uow() as uow:
        record_outcome(uow.session, settings, plan, outcome, utcnow())
        uow.commit()
    if outcome.errors:
        log.warning("ledger_anchoring_failed", size=plan.size, errors=dict(outcome.errors))
    return outcome


class LedgerMetrics(Collector):
    """Reads the log's state from the database at scrape time, so every replica reports it."""

    def __init__(self, ctx: TaskContext) -> None:
        self._ctx = ctx

    def collect(self) -> Iterator[GaugeMetricFamily]:
        with self._ctx.uow() as uow:
            state = store.peek_state(uow.session)
            lag = anchoring_lag_seconds(uow.session)
            waiting = sequencing_lag_seconds(uow.session)
        values: dict[str, tuple[str, float]] = {
            "tradegate_ledger_anchor_lag_seconds": (
                "Seconds since the oldest leaf no anchor covers was integrated",
                lag,
            ),
            "tradegate_ledger_sequencing_lag_seconds": (
                "Age of the oldest recorded event not yet in the log",
                waiting,
            ),
            "tradegate_ledger_tree_size": ("Leaves in the log", state.size if state else 0),
            "tradegate_ledger_anchored_size": (
                "Leaves covered by the last fully anchored checkpoint",
                state.anchored_size if state else 0,
            ),
            "tradegate_ledger_anchor_failures": (
                "Consecutive failed anchoring attempts",
                state.anchor_failures if state else 0,
            ),
        }
        for name, (documentation, value) in values.items():
            yield GaugeMetricFamily(name, documentation, value=value)


class _Trigger:
    """After a commit that recorded events: sequence, then anchor if due (at most once a second).

    Embedded inline mode sequences in the committing thread and leaves anchoring to its job,
    so a request never waits on a notary. Otherwise the committing thread only raises a flag:
    one background thread per process does the work (in-process, or by sending the two jobs
    to the workers), so no request pays for a broker round trip. Once a second per process
    keeps a busy API from flooding the workers with sequencing passes that would each find
    a handful of events.
    """

    SPACING_SECONDS = 1.0

    def __init__(self, ctx: TaskContext) -> None:
        self._ctx = ctx
        self._wanted = threading.Event()
        self._lock = threading.Lock()
        self._owner_pid: int | None = None

    def __call__(self) -> None:
        settings = self._ctx.settings
        if settings.embedded and settings.inline_tasks:
            sequence(self._ctx)
            return
        self._wanted.set()
        if self._owner_pid != os.getpid():
            self._start_thread()

    def _start_thread(self) -> None:
        # A forked child inherits the flag but not the thread: it starts its own.
        with self._lock:
            if self._owner_pid == os.getpid():
                return
            self._owner_pid = os.getpid()
            threading.Thread(target=self._run, name="ledger-trigger", daemon=True).start()

    def _run(self) -> None:
        while True:
            self._wanted.wait()
            self._wanted.clear()
            try:
                self._kick()
            except Exception:  # the periodic jobs catch up
                log.exception("ledger_trigger_failed")
            time.sleep(self.SPACING_SECONDS)

    def _kick(self) -> None:
        settings = self._ctx.settings
        if settings.embedded:
            if sequence(self._ctx):
                anchor(self._ctx)
            return
        from app.tasks.celery_app import PERIODIC_TASK

        for job in (SEQUENCE_JOB, ANCHOR_JOB):
            self._ctx.celery.send_task(PERIODIC_TASK, args=[job], queue=settings.celery_queue)


def install(ctx: TaskContext) -> None:
    """Wire the after-commit trigger and the metrics (called by the composition root)."""
    after_commit_when(ctx.session_factory, EVENTS_APPENDED, _Trigger(ctx))
    ctx.metrics.register(LedgerMetrics(ctx))
