"""The admin dashboard: server-rendered pages under /dashboard, in the same app as the API."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app.dashboard.errors import install_error_pages
from app.dashboard.headers import DashboardHeadersMiddleware
from app.dashboard.pages import ROUTER
from app.dashboard.web import PREFIX


def install_dashboard(app: FastAPI) -> None:
    """Mount pages, vendored static assets, HTML error pages and security headers."""
    app.include_router(ROUTER)
    app.mount(
        PREFIX + "/static",
        StaticFiles(directory=Path(__file__).parent / "static"),
        name="dashboard-static",
    )
    install_error_pages(app)
    app.add_middleware(DashboardHeadersMiddleware, prefix=PREFIX)
