"""Application factory: `create_app(settings)` builds the gateway; nothing runs at import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app import __version__
from app.api.docs import mount_api_docs
from app.api.ledger_guard import LedgerWriteGuard
from app.api.middleware import BodyLimitMiddleware, RequestContextMiddleware
from app.api.openapi import install_openapi
from app.api.problems import install_problem_handlers
from app.api.rate_guard import RefusedCallerGuard
from app.api.routers import ROUTERS, pint
from app.container import Container, bootstrap
from app.dashboard import install_dashboard
from app.logs import configure_logging
from app.services.crossings.residency import check_rules
from app.settings import Settings, get_settings
from app.validation import default_registry


def create_app(settings: Settings | None = None, container: Container | None = None) -> FastAPI:
    settings = settings or (container.settings if container else get_settings())
    configure_logging(settings.log_level, settings.log_json)
    owns_container = container is None
    container = container or bootstrap(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Schema validators are compiled (and schema digests verified) before serving, not on
        # the first document: a tampered schema stops the start-up. So does a broken
        # residency rule file, before any document could cross under it.
        default_registry()
        check_rules(container.settings)
        container.runner.start()
        try:
            yield
        finally:
            if owns_container:
                container.close()
            else:
                container.runner.stop()

    app = FastAPI(
        title="Tradegate",
        version=__version__,
        summary="Consent-based trade-document interchange hub",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    mount_api_docs(app)
    app.state.container = container
    install_problem_handlers(app)
    install_openapi(app)
    for router in ROUTERS:
        app.include_router(router)
    if settings.pint_platform_code:
        app.include_router(pint.router, prefix=settings.pint_base_path)
    install_dashboard(app)
    app.add_middleware(LedgerWriteGuard, container=container)
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        max_depth=settings.max_json_depth,
        body_timeout=settings.body_timeout_seconds,
    )
    app.add_middleware(RefusedCallerGuard, container=container)
    app.add_middleware(RequestContextMiddleware, registry=container.metrics)
    return app
