"""Participants and their API clients (admin), and who-am-I for any client."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from app.api.deps import AdminPrincipal, CurrentPrincipal, UowDep
from app.api.schemas.participants import (
    ClientCreate,
    ClientRead,
    ParticipantCreate,
    ParticipantRead,
    WhoAmI,
)
from app.services.participants import service as svc

router = APIRouter(prefix="/v1", tags=["participants"])


@router.get("/me", response_model=WhoAmI, summary="The caller's participant, scopes and roles")
def me(principal: CurrentPrincipal) -> WhoAmI:
    return WhoAmI(
        participant_id=principal.participant_id,
        client_id=principal.client_id,
        scopes=sorted(principal.scopes),
        roles=sorted(principal.roles),
    )


@router.post("/participants", response_model=ParticipantRead, status_code=status.HTTP_201_CREATED)
def create_participant(
    body: ParticipantCreate, principal: AdminPrincipal, uow: UowDep
) -> ParticipantRead:
    participant = svc.create_participant(
        uow.session,
        name=body.name,
        roles=body.roles,
        identifiers=body.identifiers,
        country=body.country,
        actor=principal.actor,
    )
    uow.commit()
    return ParticipantRead.of(svc.get_participant(uow.session, participant.id))


@router.get("/participants", response_model=list[ParticipantRead])
def list_participants(principal: CurrentPrincipal, uow: UowDep) -> list[ParticipantRead]:
    return [ParticipantRead.of(p) for p in svc.list_participants(uow.session, principal)]


@router.get("/participants/{participant_id}", response_model=ParticipantRead)
def get_participant(
    participant_id: uuid.UUID, principal: CurrentPrincipal, uow: UowDep
) -> ParticipantRead:
    return ParticipantRead.of(svc.get_readable_participant(uow.session, principal, participant_id))


@router.post(
    "/participants/{participant_id}/clients",
    response_model=ClientRead,
    status_code=status.HTTP_201_CREATED,
)
def create_client(
    participant_id: uuid.UUID, body: ClientCreate, principal: AdminPrincipal, uow: UowDep
) -> ClientRead:
    participant = svc.get_participant(uow.session, participant_id)
    new = svc.add_client(
        uow.session,
        participant,
        name=body.name,
        scopes=body.scopes,
        public_jwk=body.public_jwk,
        actor=principal.actor,
    )
    uow.commit()
    return ClientRead.of(new.client, new.secret)
