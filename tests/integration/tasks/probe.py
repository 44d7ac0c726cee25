"""A task module loaded into worker subprocesses by the Celery round-trip test."""

from app.services.common.events import record_event
from app.tasks.registry import on_outbox


@on_outbox("probe.ping")
def record_ping(session, message):  # type: ignore[no-untyped-def]
    record_event(
        session,
        kind="probe.handled",
        actor="worker",
        subject=message.key,
        payload=dict(message.payload),
    )


@on_outbox("probe.flaky")
def fail_on_first_publish(session, message):  # type: ignore[no-untyped-def]
    if message.publish_attempts < 2:
        raise RuntimeError("the first attempt fails")
    record_ping(session, message)
