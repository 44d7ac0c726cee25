"""Federation (admin): this hub's name and pin, its peer hubs, suspend and resume."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.api.deps import ContainerDep, UowDep
from app.dashboard.web import PREFIX, AdminViewerDep, WritingViewerDep, admin_viewer, render
from app.errors import ProblemError
from app.services.federation import peers as svc
from app.services.ledger.log import log_verifier

router = APIRouter(prefix="/federation")
NOTICES = {"suspended": "Peer suspended.", "resumed": "Peer resumed."}


def _page(
    request: Request, uow: UowDep, container: ContainerDep, *, notice: str = "", error: str = ""
) -> HTMLResponse:
    settings = container.settings
    return render(
        request,
        "federation/page.html",
        {
            "hub_name": settings.effective_hub_name,
            "jurisdiction": settings.jurisdiction,
            "log_key": log_verifier(settings, container.keys).vkey,
            "peers": svc.list_peers(uow.session),
            "notice": NOTICES.get(notice, ""),
            "error": error,
        },
        status_code=409 if error else 200,
    )


@router.get("", response_class=HTMLResponse)
def federation_page(
    request: Request,
    viewer: AdminViewerDep,
    uow: UowDep,
    container: ContainerDep,
    notice: str = "",
) -> HTMLResponse:
    return _page(request, uow, container, notice=notice)


@router.post("/peers/{peer_name}/suspend")
def suspend(
    request: Request,
    peer_name: str,
    viewer: WritingViewerDep,
    uow: UowDep,
    container: ContainerDep,
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    admin_viewer(viewer)
    try:
        svc.suspend_peer(uow.session, peer_name, reason=reason, actor=viewer.principal.actor)
        uow.commit()
    except ProblemError as exc:
        uow.rollback()
        return _page(request, uow, container, error=exc.detail)
    return RedirectResponse(f"{PREFIX}/federation?notice=suspended", 303)


@router.post("/peers/{peer_name}/resume")
def resume(
    request: Request, peer_name: str, viewer: WritingViewerDep, uow: UowDep, container: ContainerDep
) -> Response:
    admin_viewer(viewer)
    try:
        svc.resume_peer(uow.session, peer_name, actor=viewer.principal.actor)
        uow.commit()
    except ProblemError as exc:
        uow.rollback()
        return _page(request, uow, container, error=exc.detail)
    return RedirectResponse(f"{PREFIX}/federation?notice=resumed", 303)
