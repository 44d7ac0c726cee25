"""Deliveries: health per connector instance, failures with their last error, dead letters."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.api.deps import ContainerDep, UowDep
from app.dashboard.web import (
    PREFIX,
    AdminViewerDep,
    WritingViewerDep,
    admin_viewer,
    optional_uuid,
    render,
)
from app.errors import BadRequest
from app.services.delivery.connector_access import authorizing, start_authorization
from app.services.delivery.connector_access import instance_health as check_instance
from app.services.delivery.deliveries import list_deliveries, replay_dead, replay_delivery
from app.services.delivery.stats import instance_health
from app.services.participants.service import names_of
from app.storage.models import DeliveryStatus

router = APIRouter(prefix="/deliveries")

FAILURE_ROWS = 100
NOTICES = {
    "replayed": "Delivery queued again with a fresh retry budget.",
    "replayed-all": "Dead deliveries queued again.",
}


def _status(value: str) -> DeliveryStatus | None:
    if not value:
        return None
    try:
        return DeliveryStatus(value)
    except ValueError as exc:
        raise BadRequest(f"unknown delivery status {value!r}", slug="invalid-filter") from exc


@router.get("", response_class=HTMLResponse)
def deliveries_page(
    request: Request,
    viewer: AdminViewerDep,
    uow: UowDep,
    status: Annotated[str, Query(max_length=16)] = "",
    instance: Annotated[str, Query(max_length=36)] = "",
    notice: str = "",
) -> HTMLResponse:
    chosen = _status(status)
    wanted = [chosen] if chosen else [DeliveryStatus.FAILED, DeliveryStatus.DEAD]
    rows = sorted(
        (
            d
            for s in wanted
            for d in list_deliveries(
                uow.session,
                viewer.principal,
                status=s,
                instance_id=optional_uuid(instance, "instance"),
                limit=FAILURE_ROWS,
            )
        ),
        key=lambda d: d.created_at,
        reverse=True,
    )[:FAILURE_ROWS]
    health = instance_health(uow.session, viewer.principal)
    return render(
        request,
        "deliveries/page.html",
        {
            "health": health,
            "instances": {h.instance.id: h.instance for h in health},
            "authorizing": authorizing(h.instance for h in health),
            "names": names_of(uow.session, {h.instance.participant_id for h in health}),
            "deliveries": rows,
            "params": {"status": status, "instance": instance},
            "statuses": [s.value for s in DeliveryStatus],
            "notice": NOTICES.get(notice),
        },
    )


@router.post("/{delivery_id}/retry")
def retry_delivery(delivery_id: uuid.UUID, viewer: WritingViewerDep, uow: UowDep) -> Response:
    admin_viewer(viewer)
    replay_delivery(uow.session, viewer.principal, delivery_id)
    uow.commit()
    return RedirectResponse(f"{PREFIX}/deliveries?notice=replayed", 303)


@router.post("/retry-dead")
def retry_all_dead(viewer: WritingViewerDep, uow: UowDep) -> Response:
    admin_viewer(viewer)
    replay_dead(uow.session, viewer.principal)
    uow.commit()
    return RedirectResponse(f"{PREFIX}/deliveries?notice=replayed-all", 303)


@router.get("/instances/{instance_id}/health", response_class=HTMLResponse)
def instance_check(
    request: Request, instance_id: uuid.UUID, viewer: AdminViewerDep, container: ContainerDep
) -> HTMLResponse:
    """Run the connector's own health check now (a remote call: on demand, not on load)."""
    health = check_instance(container, viewer.principal, instance_id)
    return render(request, "deliveries/_health.html", {"health": health})


@router.post("/instances/{instance_id}/authorize")
def authorize_instance(
    instance_id: uuid.UUID, viewer: WritingViewerDep, container: ContainerDep
) -> Response:
    """Start the OAuth grant and send the operator on to the provider's consent page."""
    admin_viewer(viewer)
    return RedirectResponse(start_authorization(container, viewer.principal, instance_id), 303)
