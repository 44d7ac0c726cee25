"""Owners and admins read the access trail; the hash chain exposes edits and deletions."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.cli import cli
from app.services.common.events import record_event
from app.settings import get_settings
from app.storage.models import Event
from tests.support import both_backends, settings_env

pytestmark = [pytest.mark.integration]


def _pull_three(client, parties, active_consent, make_document):
    consent = active_consent()
    documents = [make_document() for _ in range(3)]
    for document in documents:
        response = client.get(
            f"/v1/data/documents/{document.id}", headers=parties.h("bank_a", consent["id"])
        )
        assert response.status_code == 200
    return consent, documents


@both_backends
def test_an_event_is_listed_before_the_sequencer_links_it(client, container, parties):
    with Session(container.engine) as session:  # no after-commit sequencing here
        record_event(
            session,
            kind="test.unlinked",
            actor="t",
            subject="s",
            payload={},
            participant_ids=[parties.owner.id],
        )
        session.commit()
    items = client.get(
        "/v1/audit/events", params={"kind": "test.unlinked"}, headers=parties.h("owner")
    ).json()["items"]
    assert [(e["seq"], e["prev_hash"], e["hash"]) for e in items] == [(None, None, None)]


@both_backends
def test_owner_lists_access_events_for_its_documents(
    client, parties, active_consent, make_document
):
    consent, documents = _pull_three(client, parties, active_consent, make_document)
    response = client.get(
        "/v1/audit/events", params={"kind": "data.accessed", "limit": 2}, headers=parties.h("owner")
    )
    assert response.status_code == 200
    page = response.json()
    assert len(page["items"]) == 2
    rest = client.get(
        "/v1/audit/events",
        params={"kind": "data.accessed", "cursor": page["next_cursor"]},
        headers=parties.h("owner"),
    ).json()
    events = page["items"] + rest["items"]
    assert [e["payload"]["documents"][0]["id"] for e in events] == [
        str(d.id) for d in reversed(documents)
    ]
    for newer, older in zip(events, events[1:], strict=False):
        assert newer["seq"] > older["seq"]
    assert all(e["hash"] and e["prev_hash"] for e in events)  # linked by the sequencer
    one = client.get(
        "/v1/audit/events",
        params={"subject": f"document:{documents[0].id}"},
        headers=parties.h("owner"),
    ).json()["items"]
    assert [e["payload"]["consent_id"] for e in one] == [consent["id"]]


@both_backends
def test_admin_sees_all_events_and_consumers_need_the_scope(
    client, parties, active_consent, make_document
):
    _pull_three(client, parties, active_consent, make_document)
    admin = client.get(
        "/v1/audit/events", params={"kind": "data.accessed"}, headers=parties.h("admin")
    )
    assert len(admin.json()["items"]) == 3
    assert client.get("/v1/audit/events", headers=parties.h("bank_a")).status_code == 403


def _verify(settings):
    env = settings_env(settings)
    get_settings.cache_clear()
    result = CliRunner().invoke(cli, ["audit", "verify", "--json"], env=env)
    return result.exit_code, json.loads(result.output.strip().splitlines()[-1])


def test_audit_verify_passes_on_an_untouched_chain(
    client, parties, active_consent, make_document, settings
):
    _pull_three(client, parties, active_consent, make_document)
    code, report = _verify(settings)
    assert code == 0
    assert report["intact"] is True
    assert report["checked"] > 3


def test_audit_verify_reports_an_edited_access_event(
    client, parties, active_consent, make_document, container, settings
):
    _pull_three(client, parties, active_consent, make_document)
    with container.uow() as uow:
        target = uow.session.execute(
            sa.select(Event).where(Event.kind == "data.accessed").order_by(Event.seq).limit(1)
        ).scalar_one()
        payload = dict(target.payload)
        payload["client_id"] = "someone-else"
        uow.session.execute(sa.update(Event).where(Event.id == target.id).values(payload=payload))
        uow.commit()
    code, report = _verify(settings)
    assert code == 1
    assert report["first_break"]["seq"] == target.seq
    assert report["first_break"]["event_id"] == str(target.id)


def test_audit_verify_reports_a_deleted_access_event(
    client, parties, active_consent, make_document, container, settings
):
    _pull_three(client, parties, active_consent, make_document)
    with container.uow() as uow:
        seqs = (
            uow.session.execute(
                sa.select(Event.seq).where(Event.kind == "data.accessed").order_by(Event.seq)
            )
            .scalars()
            .all()
        )
        uow.session.execute(sa.delete(Event).where(Event.seq == seqs[1]))
        uow.commit()
    code, report = _verify(settings)
    assert code == 1
    assert report["first_break"]["seq"] == seqs[1]
    assert report["first_break"]["reason"] == "missing_event"
