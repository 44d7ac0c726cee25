"""`tradegate demo`: a fresh hub with a shipper, a carrier, two banks, an operator and documents."""

from __future__ import annotations

import os
import secrets
import shutil
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from app.cli.server import serve
from app.container import Container, bootstrap
from app.domain.consent_lifecycle import Action
from app.errors import SetupError
from app.security.principal import Principal
from app.services.consents.purposes import catalogue_for
from app.services.consents.service import ConsentRequest, request_consent
from app.services.consents.transitions import transition_consent
from app.services.documents.ingest import submit_document
from app.services.participants.mandates import grant_mandate
from app.services.participants.service import add_client, add_user, create_participant
from app.settings import Settings, get_settings
from app.storage.base import utcnow
from app.storage.models import Participant
from app.tasks.ledger import anchor, sequence

#: The sample transport documents are dated December 2023; the purpose caps a range at 730 days.
DEMO_DATA_FROM = datetime(2023, 1, 1, tzinfo=UTC)

#: Sample documents shipped in app/data/samples: (file, media type, who pushes it).
DEMO_DOCUMENTS = [
    ("TransportDocument_regularSTD_DRAFT.json", "application/json", "carrier"),
    ("TransportDocument_reefer_APPROVED.json", "application/json", "carrier"),
    ("CII_example1.xml", "application/xml", "shipper"),
    ("CII_example2.xml", "application/xml", "shipper"),
]

DEMO_PARTICIPANTS = [
    ("Kowloon Export Trading Ltd", ["owner", "provider"], ["LEI:5493001KJTIIGC8Y1R12"], "HK"),
    ("Pacific Ocean Carrier Ltd", ["provider"], ["DUNS:081466849"], "HK"),
    ("Harbour Bank", ["consumer"], ["BIC:HRBKHKHH"], "HK"),
    ("Victoria Trade Bank", ["consumer"], ["BIC:VTBKHKHH"], "HK"),
    ("Tradegate Operator", ["admin"], [], "HK"),
]


@dataclass
class DemoReport:
    base_url: str
    clients: list[tuple[str, str, str]] = field(default_factory=list)
    users: list[tuple[str, str, str]] = field(default_factory=list)
    active_consent: str = ""

    def render(self) -> str:
        lines = [
            "Tradegate demo hub",
            "",
            f"API docs:   {self.base_url}/docs",
            f"Dashboard:  {self.base_url}/dashboard",
            "",
            "API clients",
        ]
        for name, cid, secret in self.clients:
            lines.append(f"  {name:<28} client_id={cid}  client_secret={secret}")
        lines += ["", "Dashboard users"]
        for name, email, password in self.users:
            lines.append(f"  {name:<28} {email}  password={password}")
        first = self.clients[2]
        lines += [
            "",
            f"Harbour Bank's ACTIVE consent: {self.active_consent}",
            "",
            "Try it:",
            f"  TOKEN=$(curl -s -u {first[1]}:{first[2]} -d grant_type=client_credentials "
            f"{self.base_url}/oauth/token | python3 -c "
            "'import json,sys; print(json.load(sys.stdin)[\"access_token\"])')",
            f'  curl -s -H "Authorization: Bearer $TOKEN" -H "Consent-Id: {self.active_consent}" '
            f"{self.base_url}/v1/data/documents",
        ]
        return "\n".join(lines)


def create_demo(settings: Settings) -> DemoReport:
    """Wipe `settings.data_dir`, create a new SQLite hub there and register the cast."""
    if settings.database_url is not None:
        raise SetupError(
            "the demo always creates its own SQLite hub in --data-dir: unset "
            "TRADEGATE_DATABASE_URL (to serve that database instead, run `tradegate serve`)"
        )
    shutil.rmtree(settings.data_dir, ignore_errors=True)
    settings.data_dir.mkdir(parents=True)
    container = bootstrap(settings)  # the new SQLite file migrates itself
    report = DemoReport(base_url=settings.issuer)
    cast: list[Participant] = []
    with container.uow() as uow:
        for name, roles, ids, country in DEMO_PARTICIPANTS:
            p = create_participant(
                uow.session, name=name, roles=roles, identifiers=ids, country=country, actor="demo"
            )
            new = add_client(uow.session, p, name=f"{name} API", actor="demo")
            report.clients.append((name, new.client.client_id, new.secret or ""))
            if "admin" in roles or "owner" in roles:
                email = "admin@tradegate.example" if "admin" in roles else "owner@kowloon.example"
                password = secrets.token_urlsafe(12)
                add_user(
                    uow.session,
                    p,
                    email=email,
                    password=password,
                    is_admin="admin" in roles,
                    actor="demo",
                )
                report.users.append((name, email, password))
            cast.append(p)
        uow.commit()
    shipper, carrier, bank_a, bank_b, _ = cast
    with container.uow() as uow:
        report.active_consent = _trade(container, uow.session, shipper, carrier, bank_a, bank_b)
        uow.commit()
    container.runner.drain()
    # The demo's log starts integrated and anchored, so its documents verify at once.
    sequence(container)
    anchor(container)
    container.close()
    return report


def _acting(participant: Participant, *roles: str) -> Principal:
    return Principal(participant_id=participant.id, client_id="demo", roles=frozenset(roles))


def _trade(
    container: Container,
    session: Session,
    shipper: Participant,
    carrier: Participant,
    bank_a: Participant,
    bank_b: Participant,
) -> str:
    """Documents pushed through the real intake, one approved and one pending consent.

    Returns the id of the approved consent, for the printed quickstart.
    """
    grant_mandate(session, provider_id=carrier.id, owner_id=shipper.id, actor="demo")
    pushers = {"carrier": carrier, "shipper": shipper}
    samples = resources.files("app.data").joinpath("samples")
    for name, media_type, pusher in DEMO_DOCUMENTS:
        submit_document(
            session,
            _acting(pushers[pusher], "provider"),
            samples.joinpath(name).read_bytes(),
            media_type=media_type,
            declared_type=None,
            explicit_owner=shipper.id,
            max_bytes=container.settings.max_body_bytes,
        )
    now = utcnow()
    catalogue = catalogue_for(container.settings)
    approved = ""
    for bank, approve in ((bank_a, True), (bank_b, False)):
        request = ConsentRequest(
            owner_id=shipper.id,
            document_types=frozenset({"dcsa.transport-document", "uncefact.cii.invoice"}),
            purpose_code="TRADE_FINANCE_APPLICATION",
            data_from=DEMO_DATA_FROM,
            data_to=DEMO_DATA_FROM + timedelta(days=729),
            valid_from=now - timedelta(minutes=1),
            valid_until=now + timedelta(days=90),
            fetch_type="PERIODIC",
            frequency_count=100,
            frequency_unit="DAY",
            data_life_days=30,
        )
        consent, _ = request_consent(
            session,
            _acting(bank, "consumer"),
            request,
            catalogue=catalogue,
            receipt_grace=container.settings.deletion_receipt_grace,
            idempotency_key=str(uuid.uuid4()),
        )
        if approve:
            transition_consent(
                session,
                _acting(shipper, "owner", "provider"),
                consent.id,
                Action.APPROVE,
                keys=container.keys,
                issuer=container.settings.issuer,
            )
            approved = str(consent.id)
    return approved


def demo(
    data_dir: Annotated[Path, typer.Option(help="Where the demo database and keys live")] = Path(
        "var/demo"
    ),
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    serve_after: Annotated[bool, typer.Option("--serve/--no-serve", help="Start the API")] = True,
) -> None:
    """Create a fresh demo hub (shipper, carrier, two banks, admin), print credentials, serve."""
    issuer = os.environ.get("TRADEGATE_ISSUER", f"http://127.0.0.1:{port}")
    report = create_demo(Settings(data_dir=data_dir, issuer=issuer))
    typer.echo(report.render())
    if serve_after:
        # The server reads its settings from the environment, and the issuer from the hub.
        os.environ["TRADEGATE_DATA_DIR"] = str(data_dir)
        get_settings.cache_clear()
        serve(host="127.0.0.1", port=port, workers=1)
