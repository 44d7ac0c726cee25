"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from collections.abc import Callable

import redis
import sqlalchemy as sa
from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from app.api.deps import ContainerDep
from app.api.problems import problem_body, problem_response
from app.container import Container
from app.errors import SetupError
from app.services.ledger.log import anchoring_health
from app.storage.schema import schema_status

router = APIRouter(tags=["operations"])
ReadinessCheck = Callable[[Container], str | None]


def _database(container: Container) -> str | None:
    try:
        with container.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:
        return f"database unreachable: {type(exc).__name__}"
    return None


def _schema(container: Container) -> str | None:
    try:
        return schema_status(container.engine).problem
    except SetupError as exc:
        return str(exc)


def _broker(container: Container) -> str | None:
    url = container.settings.broker_url
    if not url:
        return None
    try:
        client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        client.ping()
        client.close()
    except Exception as exc:
        return f"broker unreachable: {type(exc).__name__}"
    return None


def _ledger(container: Container) -> str | None:
    try:
        with container.uow() as uow:
            return anchoring_health(uow.session, container.settings)
    except Exception as exc:
        return f"ledger state unreadable: {type(exc).__name__}"


# Other components add their own checks here (a check returns None or why it fails).
READINESS_CHECKS: dict[str, ReadinessCheck] = {
    "database": _database,
    "schema": _schema,
    "broker": _broker,
    "ledger": _ledger,
}


@router.get("/healthz", summary="Liveness: the process answers")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="Readiness: database reachable and migrated, broker reachable, writes accepted",
)
def readyz(container: ContainerDep) -> Response:
    checks = {name: check(container) for name, check in READINESS_CHECKS.items()}
    failed = {name: reason for name, reason in checks.items() if reason}
    if failed:
        body = problem_body(
            503,
            "; ".join(failed.values()),
            "not-ready",
            checks={n: (r or "ok") for n, r in checks.items()},
        )
        return problem_response(503, body)
    return JSONResponse({"status": "ready", "checks": {name: "ok" for name in checks}})


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={
        200: {
            "description": "Prometheus text exposition format",
            "content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}},
        }
    },
)
def metrics(container: ContainerDep) -> Response:
    return Response(generate_latest(container.metrics), media_type=CONTENT_TYPE_LATEST)
