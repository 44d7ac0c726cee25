"""Every API router, in the order they are mounted."""

from fastapi import APIRouter

from app.api.routers import (
    audit,
    consents,
    data,
    documents,
    health,
    ledger,
    mandates,
    oauth,
    participants,
    purposes,
)

ROUTERS: list[APIRouter] = [
    health.router,
    oauth.router,
    participants.router,
    purposes.router,
    consents.router,
    data.router,
    audit.router,
    mandates.router,
    documents.router,
    ledger.router,
]
