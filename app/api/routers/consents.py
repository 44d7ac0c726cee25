"""Consents: consumers request and revoke; owners approve, reject, pause, resume, revoke."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, Response, status

from app.api.deps import ContainerDep, UowDep, require_any_scope
from app.api.schemas.consents import ArtefactRead, ConsentCreate, ConsentPage, ConsentRead, ReasonIn
from app.domain.consent import ConsentStatus
from app.domain.consent_lifecycle import Action
from app.security.principal import Principal
from app.services.consents import service as svc
from app.services.consents import transitions as lifecycle
from app.services.consents.artefacts import artefact_sha256
from app.services.consents.purposes import catalogue_for
from app.services.consents.remote import remote_consumer_of

router = APIRouter(prefix="/v1/consents", tags=["consents"])

JOSE = "application/jose"


Reader = Annotated[Principal, Depends(require_any_scope("consents:read", "admin"))]
Requester = Annotated[Principal, Depends(require_any_scope("consents:write", "admin"))]
Manager = Annotated[Principal, Depends(require_any_scope("consents:manage", "admin"))]
Revoker = Annotated[
    Principal, Depends(require_any_scope("consents:write", "consents:manage", "admin"))
]
IdempotencyKey = Annotated[
    str | None, Header(alias="Idempotency-Key", min_length=1, max_length=200)
]


@router.post("", response_model=ConsentRead, status_code=status.HTTP_201_CREATED)
def request_consent(
    body: ConsentCreate,
    principal: Requester,
    uow: UowDep,
    container: ContainerDep,
    request: Request,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> ConsentRead:
    """Ask the owner for a consent; it starts PENDING. Retries with the same key are safe."""
    consent, _ = svc.request_consent(
        uow.session,
        principal,
        body.to_request(),
        catalogue=catalogue_for(container.settings),
        receipt_grace=container.settings.deletion_receipt_grace,
        idempotency_key=idempotency_key,
        now=container.clock(),
    )
    remote = remote_consumer_of(uow.session, consent.consumer_id)
    uow.commit()
    response.headers["Location"] = str(request.url_for("get_consent", consent_id=consent.id))
    return ConsentRead.of(consent, remote=remote)


@router.get("", response_model=ConsentPage)
def list_consents(
    principal: Reader,
    uow: UowDep,
    status_: Annotated[ConsentStatus | None, Query(alias="status")] = None,
    owner_id: uuid.UUID | None = None,
    consumer_id: uuid.UUID | None = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ConsentPage:
    """Consents the caller is party to (all, for an admin), newest first."""
    page = svc.list_consents(
        uow.session,
        principal,
        status=status_,
        owner_id=owner_id,
        consumer_id=consumer_id,
        cursor=cursor,
        limit=limit,
    )
    return ConsentPage(items=[ConsentRead.of(c) for c in page.items], next_cursor=page.next_cursor)


@router.get("/{consent_id}", response_model=ConsentRead, name="get_consent")
def get_consent(consent_id: uuid.UUID, principal: Reader, uow: UowDep) -> ConsentRead:
    """One consent with its transition history."""
    consent = svc.get_consent(uow.session, principal, consent_id)
    return ConsentRead.of(
        consent,
        svc.transitions_of(uow.session, consent),
        remote_consumer_of(uow.session, consent.consumer_id),
    )


@router.get(
    "/{consent_id}/artefact",
    responses={200: {"content": {JOSE: {}, "application/json": {}}}},
)
def get_artefact(
    consent_id: uuid.UUID, principal: Reader, uow: UowDep, request: Request
) -> Response:
    """The signed artefact: `application/jose` compact JWS, or JSON when asked for."""
    token = svc.consent_artefact(uow.session, principal, consent_id)
    if "application/json" in request.headers.get("accept", ""):
        body = ArtefactRead(consent_id=consent_id, jws=token, sha256=artefact_sha256(token))
        return Response(body.model_dump_json(), media_type="application/json")
    return Response(token, media_type=JOSE)


def _transition(
    action: Action,
    consent_id: uuid.UUID,
    principal: Principal,
    uow: UowDep,
    container: ContainerDep,
    body: ReasonIn | None,
) -> ConsentRead:
    consent = lifecycle.transition_consent(
        uow.session,
        principal,
        consent_id,
        action,
        keys=container.keys,
        issuer=container.settings.issuer,
        reason=body.reason if body else None,
        now=container.clock(),
    )
    uow.commit()
    return ConsentRead.of(consent, svc.transitions_of(uow.session, consent))


def _owner_action(action: Action, summary: str) -> None:
    """Route `POST /{consent_id}/<action>`: an owner or admin moves the consent on."""

    def handler(
        consent_id: uuid.UUID,
        principal: Manager,
        uow: UowDep,
        container: ContainerDep,
        body: ReasonIn | None = None,
    ) -> ConsentRead:
        return _transition(action, consent_id, principal, uow, container, body)

    handler.__doc__ = summary
    router.add_api_route(
        f"/{{consent_id}}/{action.value}",
        handler,
        methods=["POST"],
        response_model=ConsentRead,
        name=action.value,
    )


_owner_action(
    Action.APPROVE, "Owner or admin grants a PENDING consent; the hub signs its artefact."
)
_owner_action(Action.REJECT, "Owner or admin refuses a PENDING consent.")
_owner_action(
    Action.PAUSE, "Owner or admin suspends an ACTIVE consent; pulls are refused until resumed."
)
_owner_action(Action.RESUME, "Owner or admin reactivates a PAUSED consent.")


@router.post("/{consent_id}/revoke", response_model=ConsentRead)
def revoke(
    consent_id: uuid.UUID,
    body: ReasonIn,
    principal: Revoker,
    uow: UowDep,
    container: ContainerDep,
) -> ConsentRead:
    """Owner, consumer or admin ends an ACTIVE or PAUSED consent for good; a reason is required."""
    return _transition(Action.REVOKE, consent_id, principal, uow, container, body)
