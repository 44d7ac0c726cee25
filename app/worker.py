"""Celery entry point for workers and beat: `celery -A app.worker worker`."""

from app.container import bootstrap
from app.errors import SetupError
from app.settings import get_settings

try:
    container = bootstrap(get_settings())
except SetupError as exc:
    # Celery imports this module; one line says why the worker cannot start.
    raise SystemExit(f"error: {exc}") from None
celery = container.celery
