"""Every dashboard page router, under one prefix and kept out of the OpenAPI schema."""

from fastapi import APIRouter

from app.dashboard.pages import (
    audit,
    auth,
    consents,
    crossings,
    deliveries,
    documents,
    federation,
    financing,
    ledger,
    notices,
    overview,
    participants,
    trust,
)
from app.dashboard.web import PREFIX

ROUTER = APIRouter(prefix=PREFIX, include_in_schema=False)
for module in (
    auth,
    overview,
    consents,
    notices,
    participants,
    documents,
    financing,
    crossings,
    deliveries,
    trust,
    federation,
    ledger,
    audit,
):
    ROUTER.include_router(module.router)
