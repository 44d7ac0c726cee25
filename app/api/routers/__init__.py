"""Every API router, in the order they are mounted."""

from fastapi import APIRouter

from app.api.routers import (
    audit,
    connectors,
    consents,
    data,
    deletion_receipts,
    deliveries,
    documents,
    events,
    financing,
    health,
    ledger,
    mandates,
    notices,
    oauth,
    participants,
    pint_transfers,
    purposes,
    trust,
    witness,
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
    notices.router,
    deletion_receipts.router,
    data.router,
    audit.router,
    mandates.router,
    documents.router,
    financing.router,
    ledger.router,
    ledger.well_known,
    trust.router,
    pint_transfers.router,
    witness.router,
]
