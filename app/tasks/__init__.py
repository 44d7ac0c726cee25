"""Celery app, outbox relay and the task modules that wrap services."""

import importlib

TASK_MODULES: list[str] = [
    "app.tasks.maintenance",
    "app.tasks.delivery",
    "app.tasks.consents",
    "app.tasks.financing",
    "app.tasks.notices",
    "app.tasks.ledger",
    "app.tasks.pint",
    "app.tasks.witness",
]


def load_task_modules(extra: list[str] | None = None) -> None:
    """Import every module that registers outbox handlers or periodic jobs."""
    for name in [*TASK_MODULES, *(extra or [])]:
        importlib.import_module(name)
