"""Every API router, in the order they are mounted."""

from fastapi import APIRouter

from app.api.routers import (
    audit,
    connectors,
    consents,
    data,
    deliveries,
    documents,
    events,
    health,
    ledger,
    mandates,
    oauth,
    participants,
    pint_transfers,
    purposes,
    trust,
)

ROUTERS: list[APIRouter] = [
    health.router,
    oauth.router,
    participants.router,
    connectors.router,
    deliveries.router,
    events.router,
    purposes.router,
    consents.router,
    data.router,
    audit.router,
    mandates.router,
    documents.router,
    ledger.router,
    trust.router,
    pint_transfers.router,
]
