"""A provider's drop folder feeds the same intake pipeline as the API: done/, failed/, once only."""

import json
import os

import pytest
import sqlalchemy as sa

from app.security.principal import SYSTEM
from app.services.delivery.connector_instances import create_instance
from app.services.documents.inbound import poll_instances
from app.storage.models import Document, Event
from connectors.registry import default_registry
from tests.integration.connectors.reliability import LEI, transport_document

pytestmark = pytest.mark.integration


@pytest.fixture
def drop_folder(container, make_participant, tmp_path):
    make_participant("Exporter", roles=("owner",), identifiers=(f"LEI:{LEI}",))
    carrier = make_participant("Carrier", roles=("provider",))
    root = tmp_path / "carrier-drop"
    with container.uow() as uow:
        create_instance(
            uow.session,
            SYSTEM,
            connector="folder",
            name="drop",
            config={"path": str(root)},
            poll_inbound=True,
            participant_id=carrier.id,
        )
        uow.commit()
    (root / "incoming").mkdir(parents=True)
    return root, carrier


def drop(root, name, content):
    temp = root / "incoming" / f"{name}.tmp"
    temp.write_bytes(content)
    os.rename(temp, root / "incoming" / name)


def documents(container):
    with container.uow() as uow:
        return list(uow.session.execute(sa.select(Document)).scalars())


def test_a_valid_drop_is_stored_and_an_invalid_one_gets_its_problem_report(container, drop_folder):
    root, carrier = drop_folder
    drop(root, "bl-1.json", transport_document(1))
    drop(root, "broken.json", b'{"transportDocumentReference": ')
    (report,) = poll_instances(container, default_registry()).values()
    assert (report.accepted, report.rejected) == (1, 1)
    (document,) = documents(container)
    assert document.provider_id == carrier.id and document.reference == "CRASH0000001"
    assert [p.name.split("--", 1)[1] for p in (root / "done").iterdir()] == ["bl-1.json"]
    problems = list((root / "failed").glob("*.problem.json"))
    problem = json.loads(problems[0].read_text())
    assert problem["status"] in (400, 422) and problem["type"].startswith("/problems/")
    with container.uow() as uow:
        kinds = uow.session.execute(sa.select(Event.kind)).scalars().all()
    assert "document.rejected" in kinds and "document.accepted" in kinds


def test_the_same_file_dropped_again_is_not_stored_twice(container, drop_folder):
    root, _ = drop_folder
    for _ in range(2):
        drop(root, "bl-1.json", transport_document(1))
        (report,) = poll_instances(container, default_registry()).values()
        assert report.accepted == 1
    assert len(documents(container)) == 1
    assert len(list((root / "done").iterdir())) == 2


def test_instances_not_marked_inbound_are_not_polled(container, make_participant, tmp_path):
    carrier = make_participant("Carrier", roles=("provider",))
    with container.uow() as uow:
        create_instance(
            uow.session,
            SYSTEM,
            connector="folder",
            name="outbox-only",
            config={"path": str(tmp_path / "x")},
            participant_id=carrier.id,
        )
        uow.commit()
    assert poll_instances(container, default_registry()) == {}
