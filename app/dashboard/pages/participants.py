"""Participants: register organisations, their roles, identifiers, API clients and users."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from app.api.deps import UowDep
from app.dashboard.web import PREFIX, Viewer, ViewerDep, WritingViewerDep, admin_viewer, render
from app.errors import NotFound, ProblemError, Unprocessable
from app.services.delivery.stats import instances_of
from app.services.participants import service as svc
from app.storage.base import utcnow
from app.storage.models import ApiClient, IdentifierScheme, Participant, Role

router = APIRouter(prefix="/participants")

PAGE_SIZE = 25
NOTICES = {
    "created": "Participant registered.",
    "roles": "Roles saved. Existing API clients keep their scopes until they are reissued.",
    "identifier-added": "Identifier added.",
    "identifier-removed": "Identifier removed.",
    "client-disabled": "Client disabled: its tokens can no longer be obtained.",
    "client-enabled": "Client enabled again.",
    "key-registered": "Public key registered: the client now signs assertions (private_key_jwt).",
    "user-added": "Dashboard user created.",
}


@router.get("", response_class=HTMLResponse)
def participant_list(
    request: Request,
    viewer: ViewerDep,
    uow: UowDep,
    q: Annotated[str, Query(max_length=200)] = "",
    role: Annotated[str, Query(max_length=16)] = "",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> HTMLResponse:
    rows = svc.list_participants(
        uow.session,
        viewer.principal,
        name=q or None,
        role=role or None,
        offset=(page - 1) * PAGE_SIZE,
        limit=PAGE_SIZE + 1,
    )
    return render(
        request,
        "participants/list.html",
        {
            "participants": rows[:PAGE_SIZE],
            "has_next": len(rows) > PAGE_SIZE,
            "page": page,
            "params": {"q": q, "role": role},
            "roles": [r.value for r in Role],
        },
    )


def _new_form(
    request: Request, *, values: dict[str, Any] | None = None, error: str | None = None
) -> HTMLResponse:
    return render(
        request,
        "participants/new.html",
        {
            "roles": [r.value for r in Role],
            "schemes": list(IdentifierScheme.__members__),
            "values": values or {"roles": []},
            "error": error,
        },
        status_code=422 if error else 200,
    )


@router.get("/new", response_class=HTMLResponse)
def new_participant_form(request: Request, viewer: ViewerDep) -> HTMLResponse:
    admin_viewer(viewer)
    return _new_form(request)


@router.post("")
def create_participant(
    request: Request,
    viewer: WritingViewerDep,
    uow: UowDep,
    name: Annotated[str, Form(max_length=200)],
    roles: Annotated[list[str] | None, Form()] = None,
    identifiers: Annotated[str, Form(max_length=2000)] = "",
    country: Annotated[str, Form(max_length=2)] = "",
) -> Response:
    admin_viewer(viewer)
    values = {"name": name, "roles": roles or [], "identifiers": identifiers, "country": country}
    ids = [line.strip() for line in identifiers.splitlines() if line.strip()]
    try:
        if not name.strip():
            raise Unprocessable("a participant needs a name", slug="invalid-name")
        if country and not (len(country) == 2 and country.isalpha()):
            raise Unprocessable("country is a two-letter ISO 3166 code", slug="invalid-country")
        participant = svc.create_participant(
            uow.session,
            name=name,
            roles=roles or [],
            identifiers=ids,
            country=country.upper() or None,
            actor=viewer.principal.actor,
        )
        uow.commit()
    except ProblemError as exc:
        return _new_form(request, values=values, error=exc.detail)
    return RedirectResponse(f"{PREFIX}/participants/{participant.id}?notice=created", 303)


def _readable(uow: UowDep, viewer: Viewer, participant_id: uuid.UUID) -> Participant:
    return svc.get_readable_participant(uow.session, viewer.principal, participant_id)


def _detail(
    request: Request,
    viewer: Viewer,
    uow: UowDep,
    participant: Participant,
    *,
    notice: str | None = None,
    error: str | None = None,
    secret: tuple[str, str] | None = None,
) -> HTMLResponse:
    return render(
        request,
        "participants/detail.html",
        {
            "p": participant,
            "clients": svc.list_clients(uow.session, participant),
            "users": svc.list_users(uow.session, participant) if viewer.is_admin else [],
            "instances": instances_of(uow.session, viewer.principal, participant.id),
            "roles": [r.value for r in Role],
            "schemes": list(IdentifierScheme.__members__),
            "allowed_scopes": sorted(svc.default_scopes(participant)),
            "notice": NOTICES.get(notice or ""),
            "error": error,
            "secret": secret,
            "now": utcnow(),
        },
        status_code=422 if error else 200,
    )


@router.get("/{participant_id}", response_class=HTMLResponse)
def participant_detail(
    request: Request,
    participant_id: uuid.UUID,
    viewer: ViewerDep,
    uow: UowDep,
    notice: str = "",
) -> HTMLResponse:
    return _detail(request, viewer, uow, _readable(uow, viewer, participant_id), notice=notice)


@dataclass
class ParticipantChange:
    """An admin's change to one participant, with what it takes to answer either way."""

    request: Request
    participant_id: uuid.UUID
    viewer: Viewer
    uow: UowDep

    @property
    def session(self) -> Session:
        return self.uow.session

    @property
    def actor(self) -> str:
        return self.viewer.principal.actor

    def apply(self, action: Callable[[Participant], object], notice: str) -> Response:
        """Run the change, then redirect with a notice, or re-show the page with the error."""
        admin_viewer(self.viewer)
        participant = svc.get_participant(self.session, self.participant_id)
        try:
            action(participant)
            self.uow.commit()
        except ProblemError as exc:
            self.uow.rollback()
            fresh = svc.get_participant(self.session, self.participant_id)
            return _detail(self.request, self.viewer, self.uow, fresh, error=exc.detail)
        return RedirectResponse(f"{PREFIX}/participants/{self.participant_id}?notice={notice}", 303)


def participant_change(
    request: Request, participant_id: uuid.UUID, viewer: WritingViewerDep, uow: UowDep
) -> ParticipantChange:
    return ParticipantChange(request, participant_id, viewer, uow)


ChangeDep = Annotated[ParticipantChange, Depends(participant_change)]


@router.post("/{participant_id}/roles")
def update_roles(change: ChangeDep, roles: Annotated[list[str] | None, Form()] = None) -> Response:
    return change.apply(
        lambda p: svc.set_roles(change.session, p, roles or [], actor=change.actor), "roles"
    )


@router.post("/{participant_id}/identifiers")
def add_identifier(
    change: ChangeDep,
    scheme: Annotated[str, Form(max_length=16)],
    value: Annotated[str, Form(max_length=100)],
) -> Response:
    return change.apply(
        lambda p: svc.add_identifier(change.session, p, f"{scheme}:{value}", actor=change.actor),
        "identifier-added",
    )


@router.post("/{participant_id}/identifiers/{identifier_id}/delete")
def remove_identifier(change: ChangeDep, identifier_id: uuid.UUID) -> Response:
    return change.apply(
        lambda p: svc.remove_identifier(change.session, p, identifier_id, actor=change.actor),
        "identifier-removed",
    )


def _parse_jwk(text: str) -> dict[str, Any] | None:
    if not text.strip():
        return None
    try:
        jwk = json.loads(text)
    except ValueError as exc:
        raise Unprocessable(f"the public key is not JSON: {exc}", slug="invalid-jwk") from exc
    if not isinstance(jwk, dict):
        raise Unprocessable("the public key must be one JWK object", slug="invalid-jwk")
    return jwk


@router.post("/{participant_id}/clients", response_class=HTMLResponse)
def create_client(
    request: Request,
    participant_id: uuid.UUID,
    viewer: WritingViewerDep,
    uow: UowDep,
    name: Annotated[str, Form(min_length=1, max_length=200)],
    scopes: Annotated[list[str] | None, Form()] = None,
    public_jwk: Annotated[str, Form(max_length=20_000)] = "",
) -> Response:
    """Issue a client; a generated secret is shown on this response only, never again."""
    admin_viewer(viewer)
    participant = svc.get_participant(uow.session, participant_id)
    try:
        new = svc.add_client(
            uow.session,
            participant,
            name=name,
            scopes=scopes or None,
            public_jwk=_parse_jwk(public_jwk),
            actor=viewer.principal.actor,
        )
        uow.commit()
    except ProblemError as exc:
        uow.rollback()
        return _detail(request, viewer, uow, participant, error=exc.detail)
    secret = (new.client.client_id, new.secret) if new.secret else None
    notice = None if secret else "key-registered"
    return _detail(request, viewer, uow, participant, secret=secret, notice=notice)


def _client(
    uow: UowDep, viewer: Viewer, participant_id: uuid.UUID, client_id: str
) -> tuple[Participant, ApiClient]:
    admin_viewer(viewer)
    participant = svc.get_participant(uow.session, participant_id)
    return participant, svc.get_client(uow.session, participant, client_id)


@router.post("/{participant_id}/clients/{client_id}/rotate", response_class=HTMLResponse)
def rotate_secret(
    request: Request,
    participant_id: uuid.UUID,
    client_id: str,
    viewer: WritingViewerDep,
    uow: UowDep,
) -> HTMLResponse:
    participant, client = _client(uow, viewer, participant_id, client_id)
    if client.public_jwk is not None:
        raise Unprocessable(
            "this client authenticates with a registered key; register a new key instead",
            slug="client-uses-key",
        )
    secret = svc.rotate_client_secret(uow.session, client, actor=viewer.principal.actor)
    uow.commit()
    return _detail(request, viewer, uow, participant, secret=(client.client_id, secret))


@router.post("/{participant_id}/clients/{client_id}/key")
def register_key(
    change: ChangeDep,
    client_id: str,
    public_jwk: Annotated[str, Form(min_length=2, max_length=20_000)],
) -> Response:
    def register(p: Participant) -> None:
        jwk = _parse_jwk(public_jwk)
        if jwk is None:
            raise Unprocessable("paste the client's public JWK", slug="invalid-jwk")
        client = svc.get_client(change.session, p, client_id)
        svc.register_client_key(change.session, client, jwk, actor=change.actor)

    return change.apply(register, "key-registered")


@router.post("/{participant_id}/clients/{client_id}/{state}")
def set_client_state(change: ChangeDep, client_id: str, state: str) -> Response:
    if state not in ("disable", "enable"):
        raise NotFound(f"no action {state!r} for clients")

    def apply(p: Participant) -> None:
        client = svc.get_client(change.session, p, client_id)
        svc.set_client_active(change.session, client, state == "enable", actor=change.actor)

    return change.apply(apply, f"client-{state}d")


@router.post("/{participant_id}/users")
def add_user(
    change: ChangeDep,
    email: Annotated[str, Form(min_length=3, max_length=254)],
    password: Annotated[str, Form(max_length=1024)],
    is_admin: Annotated[bool, Form()] = False,
) -> Response:
    return change.apply(
        lambda p: svc.add_user(
            change.session,
            p,
            email=email,
            password=password,
            is_admin=is_admin,
            actor=change.actor,
        ),
        "user-added",
    )
