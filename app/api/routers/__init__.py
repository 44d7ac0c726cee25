"""Every API router, in the order they are mounted."""

from fastapi import APIRouter

from app.api.routers import documents, health, ledger, mandates, oauth, participants

ROUTERS: list[APIRouter] = [
    health.router,
    oauth.router,
    participants.router,
    mandates.router,
    documents.router,
    ledger.router,
]
