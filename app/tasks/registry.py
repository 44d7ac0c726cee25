"""Where outbox handlers and periodic jobs register themselves."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from app.storage.models import OutboxMessage

if TYPE_CHECKING:
    from app.tasks.context import TaskContext

OutboxHandler = Callable[[Session, OutboxMessage], None]


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    seconds: float
    fn: Callable[[TaskContext], Any]


_HANDLERS: dict[str, list[tuple[str, OutboxHandler]]] = {}
_PERIODIC: dict[str, PeriodicJob] = {}


def on_outbox(topic: str) -> Callable[[OutboxHandler], OutboxHandler]:
    """Run `fn(session, message)` once per message of `topic` (its receipt is its name)."""

    def register(fn: OutboxHandler) -> OutboxHandler:
        name = f"{fn.__module__}.{fn.__qualname__}"
        entries = _HANDLERS.setdefault(topic, [])
        if all(existing != name for existing, _ in entries):
            entries.append((name, fn))
        return fn

    return register


def periodic(name: str, *, seconds: float) -> Callable[[Callable[[TaskContext], Any]], Any]:
    """Run `fn(ctx)` every `seconds` (Celery beat, or the embedded scheduler)."""

    def register(fn: Callable[[TaskContext], Any]) -> Callable[[TaskContext], Any]:
        _PERIODIC[name] = PeriodicJob(name, seconds, fn)
        return fn

    return register


def handlers_for(topic: str) -> list[tuple[str, OutboxHandler]]:
    return list(_HANDLERS.get(topic, ()))


def periodic_jobs() -> dict[str, PeriodicJob]:
    return dict(_PERIODIC)


def task_context(session: Session) -> TaskContext:
    """The context a handler's session came from (settings, keys, metrics...)."""
    ctx: TaskContext = session.info["task_context"]
    return ctx
