"""Interactive API reference served from vendored Swagger UI files (no CDN: works offline)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).parent / "static"


def mount_api_docs(app: FastAPI) -> None:
    app.mount("/static/api", StaticFiles(directory=STATIC), name="api-static")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title="Tradegate API",
            swagger_js_url="/static/api/vendor/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/api/vendor/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/api/vendor/swagger-ui/favicon.png",
        )
