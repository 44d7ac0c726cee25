"""Bring documents in through inbound connectors, by the same intake pipeline as the API."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
import structlog
from sqlalchemy.exc import SQLAlchemyError

from app.errors import Conflict, ProblemError
from app.security.principal import Principal
from app.services.common.connector_state import StateUnreadableError, instance_state
from app.services.common.events import record_event
from app.services.documents import ingest
from app.storage.models import ConnectorInstance, ParticipantRole
from connectors.registry import ConnectorRegistry, UnknownConnectorError
from connectors.spi import (
    InboundConnector,
    InboundItem,
    Intake,
    IntakeResult,
    IntakeUnavailableError,
    PollReport,
    is_stateful,
)

if TYPE_CHECKING:
    from app.services.common.context import ServiceContext

log = structlog.get_logger(__name__)


def connector_principal(container: ServiceContext, instance: ConnectorInstance) -> Principal:
    """The instance's participant pushing as a provider, named after the instance."""
    with container.uow() as uow:
        roles = uow.session.execute(
            sa.select(ParticipantRole.role).where(
                ParticipantRole.participant_id == instance.participant_id
            )
        ).scalars()
        return Principal(
            participant_id=instance.participant_id,
            client_id=f"connector:{instance.id}",
            scopes=frozenset({"documents:write"}),
            roles=frozenset(r for r in roles if r != "admin"),
        )


def document_intake(container: ServiceContext, principal: Principal) -> Intake:
    """An intake callable for connectors: `ingest.push` with the item's idempotency key.

    A rejection comes back as the problem document the API would have answered; a key
    still in flight or a database failure means "try again later", never a rejection.
    """

    def intake(item: InboundItem) -> IntakeResult:
        try:
            status, body = ingest.push(
                container,
                principal,
                item.content,
                key=item.idempotency_key,
                media_type=item.media_type,
                declared_type=None,
                owner=None,
            )
        except Conflict as exc:
            raise IntakeUnavailableError(exc.detail) from exc
        except ProblemError as exc:
            return IntakeResult(accepted=False, problem=exc.to_problem())
        except SQLAlchemyError as exc:
            raise IntakeUnavailableError(f"database unavailable: {type(exc).__name__}") from exc
        if status == 201 and item.metadata:
            record_provenance(container, principal, str(body.get("id")), item)
        return IntakeResult(accepted=status == 201, reference=str(body.get("id")), problem=None)

    return intake


def record_provenance(
    container: ServiceContext, principal: Principal, document_id: str, item: InboundItem
) -> None:
    """Keep where an inbound document came from (a remote envelope, its sender, its hash).

    An event, and so a ledger leaf: the origin a connector reported is then as tamper-evident
    as the document's own acceptance.
    """
    with container.uow() as uow:
        record_event(
            uow.session,
            kind="document.provenance",
            actor=principal.actor,
            subject=f"document:{document_id}",
            payload={"source": item.source, **dict(item.metadata)},
            participant_ids=[principal.participant_id],
        )
        uow.commit()


def poll_instances(container: ServiceContext, registry: ConnectorRegistry) -> dict[str, PollReport]:
    """Poll every enabled instance marked for inbound; one failing instance stops no other."""
    with container.uow() as uow:
        instances = list(
            uow.session.execute(
                sa.select(ConnectorInstance).where(
                    ConnectorInstance.enabled.is_(True), ConnectorInstance.poll_inbound.is_(True)
                )
            ).scalars()
        )
    reports: dict[str, PollReport] = {}
    for instance in instances:
        try:
            connector = registry.get(instance.connector)
            if not isinstance(connector, InboundConnector):
                continue
            config = connector.config_model.model_validate(instance.config)
            intake = document_intake(container, connector_principal(container, instance))
            if is_stateful(connector):
                state = instance_state(container, instance.id)
                report = connector.poll(config, intake, state=state)  # type: ignore[call-arg]
            else:
                report = connector.poll(config, intake)
            reports[str(instance.id)] = report
        except (UnknownConnectorError, ValueError, OSError, StateUnreadableError) as exc:
            log.warning("inbound_poll_failed", instance=str(instance.id), error=str(exc))
    return reports
