"""Every API router, in the order they are mounted."""

from fastapi import APIRouter

from app.api.routers import health, ledger, oauth, participants

ROUTERS: list[APIRouter] = [
    health.router,
    oauth.router,
    participants.router,
    ledger.router,
]
