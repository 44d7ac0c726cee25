"""Security rules that hold for every API route, generated from the app's own route table.

A new route is covered without touching this file, and one that escapes a rule fails here:
- it depends on a verified token, or it is listed in PUBLIC_OPERATIONS;
- without a token it answers 401 before looking at any parameter;
- without the scope it declares it answers 403;
- another tenant's object is not found: the same answer as for an id that does not exist,
  and nothing changes in the database.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from app.api.openapi import PUBLIC_OPERATIONS, Operation, api_operations
from app.api.routers import ROUTERS
from app.security.scopes import SCOPES
from app.services.participants.mandates import grant_mandate
from app.services.participants.service import ROLE_SCOPES
from app.storage.base import Base
from app.storage.models import Delivery, Peer, Subscription
from connectors.webhook.signing import generate_secret
from tests.support import reefer_transport_document, subscribed_instance, wait_until

pytestmark = pytest.mark.integration

LEI = "5493001KJTIIGC8Y1R12"
PARAM = re.compile(r"{(\w+)(?::\w+)?}")
TENANTS = ("owner", "other_owner", "provider", "other_provider", "bank_a", "bank_b")
#: Bodies that pass request validation, so a refusal comes from the object lookup.
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/v1/consents/{consent_id}/revoke"): {"reason": "no longer needed"},
    ("POST", "/v1/consents/{consent_id}/deletion-receipts"): {"jws": "e30.e30.c2ln"},
    ("POST", "/v1/participants/{participant_id}/clients"): {"name": "intruder"},
    ("POST", "/v1/participants/{provider_id}/mandates"): {"owner_id": str(uuid.uuid4())},
    ("PATCH", "/v1/connectors/instances/{instance_id}"): {"enabled": False},
    ("POST", "/v1/connectors/instances/{instance_id}/subscriptions"): {"topics": []},
    ("POST", "/v1/financing/{registration_id}/settle"): {"reason": "REPAID"},
    ("POST", "/v1/financing/{registration_id}/cancel"): {"reason": "REGISTERED_IN_ERROR"},
    ("POST", "/v1/federation/peers/{peer_name}/suspend"): {"reason": "audit pending"},
}


def _operations() -> list[Operation]:
    """The API's operations, from its routers alone (no hub needs to exist to list them)."""
    app = FastAPI()
    for router in ROUTERS:
        app.include_router(router)
    return list(api_operations(app))


def _name(op: Operation) -> str:
    return f"{op.method} {op.path}"


OPERATIONS = _operations()
#: Paths whose ids name objects held at a peer hub: the lender's hub forwards the call and
#: the peer judges it under its own tenancy (tested with two hubs in tests/integration/
#: crossings); here the peer is unreachable, so they have no local object to hide.
AT_PEER = re.compile(r"^/v1/federation/peers/\{peer_name\}/(consents|documents|notices)\b")
#: Operations on a tenant's objects. Hub-to-hub operations take no tenant's token at all (401
#: whatever the id); which consumer a peer may act for is tested with two hubs.
WITH_IDS = [
    op
    for op in OPERATIONS
    if op.authenticated
    and not op.peer_authenticated
    and not AT_PEER.match(op.path)
    and PARAM.search(op.path)
]


def _fill(path: str, ids: dict[str, Any]) -> str:
    return PARAM.sub(lambda m: str(ids[m.group(1)]), path)


def _counts(container) -> dict[str, int]:  # noqa: ANN001
    with container.uow() as uow:
        return {
            table.name: uow.session.execute(sa.select(sa.func.count()).select_from(table)).scalar()
            for table in Base.metadata.sorted_tables
        }


def test_every_scope_a_role_grants_or_a_route_needs_is_described():
    granted = set().union(*ROLE_SCOPES.values())
    needed = {scope for op in OPERATIONS for check in op.scope_checks for scope in check.scopes}
    assert granted | needed <= set(SCOPES)


def test_every_operation_needs_a_token_or_is_listed_public():
    for op in OPERATIONS:
        public = (op.method, op.path) in PUBLIC_OPERATIONS
        assert op.authenticated != public, f"{op.method} {op.path}: authenticated={public}"


@pytest.mark.parametrize("op", [o for o in OPERATIONS if o.authenticated], ids=_name)
def test_missing_token_is_401_before_any_parameter_is_checked(client, op):
    path = _fill(op.path, {name: uuid.uuid4() for name in PARAM.findall(op.path)})
    answer = client.request(
        op.method, path, params={"limit": "-1", "cursor": "%%"}, content=b"{not json"
    )
    assert answer.status_code == 401, (op.path, answer.text)
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize("op", [o for o in OPERATIONS if o.scope_checks], ids=_name)
def test_scope_protected_operation_is_403_without_its_scope(client, parties, auth_headers, op):
    withheld = {scope for check in op.scope_checks for scope in check.scopes}
    headers = auth_headers(parties.admin, set(SCOPES) - withheld)
    path = _fill(op.path, {name: uuid.uuid4() for name in PARAM.findall(op.path)})
    answer = client.request(op.method, path, headers=headers, json=BODIES.get((op.method, op.path)))
    assert answer.status_code == 403, (op.path, answer.text)
    assert answer.json()["type"] == "/problems/insufficient-scope"


@pytest.fixture
def settings(settings):
    """Deliveries give up at once, so no retry changes the database while a test counts rows."""
    return settings.model_copy(
        update={"delivery_retry_base_seconds": 0.05, "delivery_max_attempts": 1}
    )


@pytest.fixture
def tenant_objects(client, container, parties, active_consent, make_document) -> dict[str, Any]:
    """One object of each kind a path can name, all belonging to bank A or to the owner."""
    instance_id = subscribed_instance(
        container,
        parties.bank_a.id,
        "webhook",
        {
            "url": "http://127.0.0.1:9/hook",
            "secrets": [generate_secret()],
            "allow_internal": ["127.0.0.1"],
        },
    )
    consent = active_consent()
    paused = active_consent()
    client.post(f"/v1/consents/{paused['id']}/pause", headers=parties.h("owner"))
    (notice,) = client.get("/v1/notices", headers=parties.h("bank_a")).json()["items"]
    document = make_document(content=json.dumps(reefer_transport_document(LEI)).encode())
    with container.uow() as uow:
        grant_mandate(
            uow.session, provider_id=parties.provider.id, owner_id=parties.owner.id, actor="test"
        )
        uow.session.add(
            Peer(
                name="hub-b",
                issuer="https://hub-b.example",
                base_url="https://hub-b.example",
                jurisdiction="CN",
                log_origin="hub-b.example/log",
                log_key="hub-b.example/log+00000000+AA==",
                jwks={"keys": []},
                api_base="https://hub-b.example/federation/v1",
                metadata_note="(signed metadata)",
            )
        )
        uow.commit()

    def statuses() -> list[str]:
        container.runner.drain()
        with container.uow() as uow:
            return list(
                uow.session.scalars(
                    sa.select(Delivery.status).where(Delivery.instance_id == instance_id)
                )
            )

    # Every delivery has ended (dead at the closed port): nothing changes rows any more.
    assert wait_until(lambda: set(statuses()) == {"dead"}, timeout=30), statuses()
    with container.uow() as uow:
        subscription_id = uow.session.scalars(
            sa.select(Subscription.id).where(Subscription.instance_id == instance_id)
        ).one()
    registration = client.post(
        "/v1/financing",
        json={
            "document_id": str(document.id),
            "amount": "1000.00",
            "currency": "USD",
            "maturity": (date.today() + timedelta(days=90)).isoformat(),
            "reference": "LOAN-1",
        },
        headers={**parties.h("bank_a"), "Idempotency-Key": uuid.uuid4().hex},
    )
    assert registration.status_code == 201, registration.text
    return {
        # Objects that take a peer platform to create: an id of nobody's. The answer must
        # still be the not-found (or operator-only) one, with nothing changed.
        "transfer_id": uuid.uuid4(),
        # Peers are the operator's: every tenant gets the same answer as for no peer.
        "peer_name": "hub-b",
        "key_id": uuid.uuid4(),
        "registration_id": registration.json()["id"],
        "consent_id": consent["id"],
        "document_id": document.id,
        "participant_id": parties.owner.id,
        "provider_id": parties.provider.id,
        "owner_id": parties.owner.id,
        "instance_id": instance_id,
        "subscription_id": subscription_id,
        "delivery_id": _first(
            container, sa.select(Delivery.id).where(Delivery.instance_id == instance_id)
        ),
        "notice_id": notice["id"],
        # No receipt is filed here: under another tenant's consent any receipt id is unreachable.
        "receipt_id": uuid.uuid4(),
    }


def _first(container, query):  # noqa: ANN001, ANN202
    with container.uow() as uow:
        return uow.session.scalars(query).first()


def _parties_of(path: str) -> set[str]:
    """Who may reach the object a path names; everyone else must find nothing."""
    if path.startswith("/v1/data/"):
        return {"bank_a"}
    if "{consent_id}" in path or "{notice_id}" in path:
        return {"bank_a", "owner"}
    if "{document_id}" in path:
        return {"owner", "provider"}
    if path.startswith("/v1/participants/{participant_id}"):
        return {"owner"}
    if any(
        p in path
        for p in ("{instance_id}", "{subscription_id}", "{delivery_id}", "{registration_id}")
    ):
        return {"bank_a"}
    return set()  # mandates: the operator's alone


@pytest.mark.parametrize("op", WITH_IDS, ids=_name)
def test_other_tenants_object_is_not_found_and_untouched(
    client, container, parties, tenant_objects, op
):
    body = BODIES.get((op.method, op.path))
    request: Callable[[str, str], Any] = lambda who, path: client.request(  # noqa: E731
        op.method, path, headers=parties.h(who, tenant_objects["consent_id"]), json=body
    )
    unknown = {name: uuid.uuid4() for name in PARAM.findall(op.path)}
    for who in sorted(set(TENANTS) - _parties_of(op.path)):
        before = _counts(container)
        answer = request(who, _fill(op.path, tenant_objects))
        assert _counts(container) == before, f"{who} changed something via {op.path}"
        baseline = request(who, _fill(op.path, unknown))
        assert answer.status_code in (403, 404), (who, op.path, answer.text)
        assert (answer.status_code, answer.json()["type"]) == (
            baseline.status_code,
            baseline.json()["type"],
        ), f"{who} can tell that the object of {op.path} exists"
