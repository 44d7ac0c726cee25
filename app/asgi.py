"""ASGI entry point for uvicorn/gunicorn: `app.asgi:app`, configured from the environment."""

from app.errors import SetupError
from app.main import create_app

try:
    app = create_app()
except SetupError as exc:
    # The server refuses to start; one line says why, instead of an import traceback.
    raise SystemExit(f"error: {exc}") from None
