"""Consents: filterable list, detail with artefact and history, confirmed lifecycle actions."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.api.deps import ContainerDep, UowDep
from app.dashboard.web import (
    PREFIX,
    Viewer,
    ViewerDep,
    WritingViewerDep,
    is_htmx,
    optional_uuid,
    render,
)
from app.domain.consent import ConsentStatus
from app.domain.consent_lifecycle import RULES, Action, ActorRole
from app.errors import BadRequest, NotFound, ProblemError
from app.services.consents import service as svc
from app.services.consents.purposes import catalogue_for
from app.services.consents.transitions import transition_consent
from app.services.participants.service import list_participants, names_of
from app.storage.base import utcnow
from app.storage.models import Consent

router = APIRouter(prefix="/consents")

PAGE_SIZE = 25
EXPIRING_SOON = timedelta(days=7)
# Expiry is the hub's own job, never a button.
HUMAN_ACTIONS = [a for a in Action if a is not Action.EXPIRE]
NOTICES = {a.value: f"Consent {RULES[a].target.value.lower()}." for a in HUMAN_ACTIONS}
NOTICES[Action.RESUME.value] = "Consent resumed: it is active again."


def _role(viewer: Viewer, consent: Consent) -> ActorRole | None:
    """The capacity the viewer acts in, mirroring the service's own rule."""
    if viewer.participant_id == consent.owner_id:
        return ActorRole.OWNER
    if viewer.participant_id == consent.consumer_id:
        return ActorRole.CONSUMER
    return ActorRole.ADMIN if viewer.is_admin else None


def available_actions(viewer: Viewer, consent: Consent) -> list[Action]:
    """Buttons worth showing: the service still decides, at the moment of the action."""
    role = _role(viewer, consent)
    status = ConsentStatus(consent.status)
    return [
        a
        for a in HUMAN_ACTIONS
        if role is not None and role in RULES[a].roles and status in RULES[a].sources
    ]


def _parse_status(value: str) -> ConsentStatus | None:
    if not value:
        return None
    try:
        return ConsentStatus(value.upper())
    except ValueError as exc:
        raise BadRequest(f"unknown consent status {value!r}", slug="invalid-filter") from exc


@router.get("", response_class=HTMLResponse)
def consent_list(
    request: Request,
    viewer: ViewerDep,
    uow: UowDep,
    container: ContainerDep,
    status: Annotated[str, Query(max_length=16)] = "",
    owner: Annotated[str, Query(max_length=36)] = "",
    consumer: Annotated[str, Query(max_length=36)] = "",
    purpose: Annotated[str, Query(max_length=64)] = "",
    expiring: Annotated[str, Query(max_length=8)] = "",
    cursor: Annotated[str, Query(max_length=500)] = "",
) -> HTMLResponse:
    now = utcnow()
    page = svc.list_consents(
        uow.session,
        viewer.principal,
        status=_parse_status(status),
        owner_id=optional_uuid(owner, "owner"),
        consumer_id=optional_uuid(consumer, "consumer"),
        purpose_code=purpose or None,
        valid_until_before=now + EXPIRING_SOON if expiring else None,
        valid_until_after=now if expiring else None,
        cursor=cursor or None,
        limit=PAGE_SIZE,
    )
    participants = list_participants(uow.session, viewer.principal)
    params = {
        "status": status,
        "owner": owner,
        "consumer": consumer,
        "purpose": purpose,
        "expiring": expiring,
        "cursor": cursor,
    }
    context = {
        "consents": page.items,
        "next_cursor": page.next_cursor,
        "params": params,
        "filtered": any(v for k, v in params.items() if k != "cursor"),
        "names": _party_names(uow, page.items),
        "owners": [p for p in participants if "owner" in p.role_names],
        "consumers": [p for p in participants if "consumer" in p.role_names],
        "statuses": [s.value for s in ConsentStatus],
        "purposes": sorted(t.code for t in catalogue_for(container.settings)),
        "soon": now + EXPIRING_SOON,
    }
    template = "consents/_results.html" if is_htmx(request) else "consents/list.html"
    return render(request, template, context)


def _party_names(uow: UowDep, consents: list[Consent]) -> dict[uuid.UUID, str]:
    return names_of(uow.session, {c.owner_id for c in consents} | {c.consumer_id for c in consents})


def _artefact_claims(token: str | None) -> str | None:
    """The signed payload, pretty-printed for people (the JWS itself is the evidence)."""
    if not token:
        return None
    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return json.dumps(claims, indent=2, sort_keys=True)


def _detail(
    request: Request, viewer: Viewer, uow: UowDep, consent: Consent, notice: str | None = None
) -> HTMLResponse:
    return render(
        request,
        "consents/detail.html",
        {
            "c": consent,
            "history": svc.transitions_of(uow.session, consent),
            "actions": available_actions(viewer, consent),
            "claims": _artefact_claims(consent.artefact_jws),
            "names": _party_names(uow, [consent]),
            "notice": NOTICES.get(notice or ""),
        },
    )


@router.get("/{consent_id}", response_class=HTMLResponse)
def consent_detail(
    request: Request, consent_id: uuid.UUID, viewer: ViewerDep, uow: UowDep, notice: str = ""
) -> HTMLResponse:
    consent = svc.get_consent(uow.session, viewer.principal, consent_id)
    return _detail(request, viewer, uow, consent, notice)


@router.get("/{consent_id}/artefact.jws")
def consent_artefact(consent_id: uuid.UUID, viewer: ViewerDep, uow: UowDep) -> Response:
    token = svc.consent_artefact(uow.session, viewer.principal, consent_id)
    return Response(
        token,
        media_type="application/jose",
        headers={"Content-Disposition": f'attachment; filename="consent-{consent_id}.jws"'},
    )


def _action(value: str) -> Action:
    try:
        action = Action(value)
    except ValueError:
        action = Action.EXPIRE
    if action is Action.EXPIRE:
        raise NotFound(f"no consent action {value!r}")
    return action


def _confirm_page(
    request: Request,
    viewer: Viewer,
    uow: UowDep,
    consent: Consent,
    action: Action,
    *,
    error: ProblemError | None = None,
    reason: str = "",
) -> HTMLResponse:
    return render(
        request,
        "consents/confirm.html",
        {
            "c": consent,
            "action": action.value,
            "target": RULES[action].target.value,
            "reason_required": RULES[action].reason_required,
            "names": _party_names(uow, [consent]),
            "error": error.detail if error else None,
            "reason": reason,
        },
        status_code=error.status if error else 200,
    )


@router.get("/{consent_id}/{action}", response_class=HTMLResponse)
def confirm_action(
    request: Request, consent_id: uuid.UUID, action: str, viewer: ViewerDep, uow: UowDep
) -> HTMLResponse:
    """Every lifecycle action is confirmed on its own page before anything changes."""
    chosen = _action(action)
    consent = svc.get_consent(uow.session, viewer.principal, consent_id)
    return _confirm_page(request, viewer, uow, consent, chosen)


@router.post("/{consent_id}/{action}")
def apply_action(
    request: Request,
    consent_id: uuid.UUID,
    action: str,
    viewer: WritingViewerDep,
    uow: UowDep,
    container: ContainerDep,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """The same service call as the API: state machine, event, outbox, artefact."""
    chosen = _action(action)
    try:
        transition_consent(
            uow.session,
            viewer.principal,
            consent_id,
            chosen,
            keys=container.keys,
            issuer=container.settings.issuer,
            reason=reason or None,
            now=container.clock(),
        )
        uow.commit()
    except ProblemError as exc:
        if exc.status == 404:
            raise
        uow.rollback()
        consent = svc.get_consent(uow.session, viewer.principal, consent_id)
        return _confirm_page(request, viewer, uow, consent, chosen, error=exc, reason=reason)
    return RedirectResponse(f"{PREFIX}/consents/{consent_id}?notice={chosen.value}", 303)
