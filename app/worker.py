"""Celery entry point for workers and beat: `celery -A app.worker worker`."""

from app.container import bootstrap
from app.settings import get_settings

container = bootstrap(get_settings())
celery = container.celery
