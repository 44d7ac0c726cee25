"""Every API router, in the order they are mounted."""

from fastapi import APIRouter

from app.api.routers import (
    connectors,
    deliveries,
    documents,
    events,
    health,
    mandates,
    oauth,
    participants,
)

ROUTERS: list[APIRouter] = [
    health.router,
    oauth.router,
    participants.router,
    connectors.router,
    deliveries.router,
    events.router,
    mandates.router,
    documents.router,
]
