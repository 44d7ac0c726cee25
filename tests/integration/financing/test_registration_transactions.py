"""A registration is one transaction: its Idempotency-Key claim, rows, event and answer."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from app.domain.financing import FinancingState, Terms
from app.security.principal import Principal
from app.services.documents.ingest import claim_idempotency_key
from app.services.financing import registrations
from app.storage.models import Event, FinancingFingerprint, FinancingRegistration, IdempotencyKey
from tests.integration.financing.conftest import registration
from tests.support import both_backends

pytestmark = [pytest.mark.integration]


def _count(container, model: Any, *where: Any) -> int:
    with container.uow() as uow:
        return int(uow.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where)))


@both_backends
def test_a_refused_registration_leaves_nothing_and_its_key_free(
    client, container, hub, consent, push_ebl
):
    document = push_ebl()
    body = registration(document)
    headers = hub.h("bank_a", key="after-consent")
    refused = client.post("/v1/financing", json=body, headers=headers)
    assert refused.status_code == 404
    assert _count(container, IdempotencyKey, IdempotencyKey.key == "after-consent") == 0
    assert _count(container, Event, Event.kind == "financing.registered") == 0
    consent("bank_a")
    first = client.post("/v1/financing", json=body, headers=headers)
    again = client.post("/v1/financing", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert _count(container, FinancingRegistration) == 1
    assert _count(container, Event, Event.kind == "financing.registered") == 1
    fingerprints = _count(
        container,
        FinancingFingerprint,
        FinancingFingerprint.registration_id == uuid.UUID(first.json()["id"]),
    )
    assert fingerprints >= 2


@both_backends
def test_a_registration_commits_once_and_postgresql_gets_its_writes_in_one_statement(
    client, container, hub, consent, push_ebl, backend
):
    consent("bank_a")
    document = push_ebl()
    sent: list[tuple[int, str]] = []

    def statement(conn, cursor, text, *_: Any) -> None:
        sent.append((threading.get_ident(), " ".join(text.split())[:80]))

    sa.event.listen(container.engine, "before_cursor_execute", statement)

    def commit(conn) -> None:
        sent.append((threading.get_ident(), "COMMIT"))

    sa.event.listen(container.engine, "commit", commit)
    try:
        answer = client.post(
            "/v1/financing", json=registration(document), headers=hub.h("bank_a", key="once")
        )
    finally:
        sa.event.remove(container.engine, "before_cursor_execute", statement)
        sa.event.remove(container.engine, "commit", commit)
    assert answer.status_code == 201, answer.text
    start = next(i for i, (_, s) in enumerate(sent) if "idempotency_keys" in s)
    worker = sent[start][0]
    ours = []
    for ident, text in sent[start:]:
        if ident != worker:
            continue
        if text == "COMMIT":
            break
        ours.append(text)
    # PostgreSQL: the claim with the document and its consents, the fingerprint locks with
    # the open matches, then every write in one statement.
    if backend == "postgresql":
        assert len(ours) == 3, ours
        assert ours[0].startswith("WITH claim AS (INSERT INTO idempotency_keys")
        assert ours[1].startswith("SELECT fp_value, fp_key_id, fp_registration_id")
        assert ours[-1].startswith("WITH step_0 AS (INSERT INTO financing_registrations")
    else:
        kinds = [s.split(" (")[0].split(" SET")[0] for s in ours]
        first = kinds.index("INSERT INTO financing_registrations")
        assert set(kinds[first + 1 : -2]) == {
            "INSERT INTO financing_fingerprints",
            "INSERT INTO financing_oprf_outputs",
        }
        assert kinds[-2:] == ["INSERT INTO events", "UPDATE idempotency_keys"]


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_retry_while_the_first_is_in_flight_waits_and_replays_its_answer(
    container, hub, consent, push_ebl
):
    consent("bank_a")
    request = registrations.FinancingRequest(
        document_id=uuid.UUID(push_ebl()),
        state=FinancingState.INTENDED,
        terms=Terms(Decimal("125000.00"), "USD", date.today() + timedelta(days=90)),
        reference="LOAN-RACE",
    )
    principal = Principal(participant_id=hub.bank_a.id, client_id="bank-a")
    now = datetime.now(UTC)
    outcome: list[tuple[int, dict[str, Any]]] = []
    with container.uow() as first:
        digest = registrations.registration_digest(request)
        assert claim_idempotency_key(first.session, principal, "race", digest) is None
        made = registrations.register(
            first.session,
            principal,
            request,
            keyring=container.keys.fingerprint_keyring(),
            oprf_key=container.keys.oprf_keyring().current,
            grace=container.settings.financing_grace,
            now=now,
            idempotency_key="race",
        )

        def retry() -> None:
            outcome.append(
                registrations.register_once(container, principal, request, key="race", now=now)
            )

        thread = threading.Thread(target=retry)
        thread.start()
        thread.join(timeout=0.5)
        assert thread.is_alive()  # waits on the first request's uncommitted claim
        first.commit()
    thread.join(timeout=10)
    assert outcome == [(201, registrations.registration_body(made))]
    assert _count(container, FinancingRegistration) == 1


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_two_lenders_registering_one_document_at_once_see_each_other(
    container, hub, consent, push_ebl
):
    """The second waits on the first's fingerprint locks, then reads what it committed."""
    consent("bank_a")
    consent("bank_b")
    document = uuid.UUID(push_ebl())
    now = datetime.now(UTC)

    def request(reference: str) -> registrations.FinancingRequest:
        return registrations.FinancingRequest(
            document_id=document,
            state=FinancingState.INTENDED,
            terms=Terms(Decimal("125000.00"), "USD", date.today() + timedelta(days=90)),
            reference=reference,
        )

    bank_a = Principal(participant_id=hub.bank_a.id, client_id="bank-a")
    bank_b = Principal(participant_id=hub.bank_b.id, client_id="bank-b")
    outcome: list[tuple[int, dict[str, Any]]] = []
    with container.uow() as first:
        made = registrations.register(
            first.session,
            bank_a,
            request("LOAN-A"),
            keyring=container.keys.fingerprint_keyring(),
            oprf_key=container.keys.oprf_keyring().current,
            grace=container.settings.financing_grace,
            now=now,
        )
        assert made.assessment["status"] == "CLEAR"

        def second() -> None:
            outcome.append(
                registrations.register_once(container, bank_b, request("LOAN-B"), key="b", now=now)
            )

        thread = threading.Thread(target=second)
        thread.start()
        thread.join(timeout=0.5)
        assert thread.is_alive()  # waits on the first registration's fingerprint locks
        first.commit()
    thread.join(timeout=10)
    [(code, body)] = outcome
    assert code == 201
    assert body["result"]["status"] == "DUPLICATE"
    with container.uow() as uow:
        alerted = uow.session.scalars(
            sa.select(Event.subject).where(Event.kind == "financing.duplicate_detected")
        ).all()
    # The first lender is alerted about its own registration, the second about its own.
    assert sorted(alerted) == sorted([f"financing:{made.id}", f"financing:{body['id']}"])


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_readable_check_is_two_reads_and_an_audit_insert_without_begin_or_commit(
    client, container, hub, consent, push_ebl
):
    consent("bank_a")
    document = push_ebl()
    sent: list[tuple[int, bool, str]] = []

    def statement(conn, cursor, text, *_: Any) -> None:
        autocommit = conn.connection.dbapi_connection.autocommit
        sent.append((threading.get_ident(), autocommit, " ".join(text.split())[:80]))

    sa.event.listen(container.engine, "before_cursor_execute", statement)
    try:
        checked = client.post(
            f"/v1/financing/check?document_id={document}", headers=hub.h("bank_a")
        )
    finally:
        sa.event.remove(container.engine, "before_cursor_execute", statement)
    assert checked.status_code == 200, checked.text
    start = next(i for i, (_, _, s) in enumerate(sent) if s.startswith("SELECT documents."))
    worker = sent[start][0]
    ours = [(autocommit, s) for ident, autocommit, s in sent[start:] if ident == worker][:3]
    assert [s.split(" ")[:3] for _, s in ours] == [
        ["SELECT", "documents.id,", "documents.doc_type,"],
        ["SELECT", "financing_fingerprints.value,", "financing_fingerprints.key_id,"],
        ["INSERT", "INTO", "events"],
    ]
    assert all(autocommit for autocommit, _ in ours)
    assert _count(container, Event, Event.kind == "financing.checked") == 1
