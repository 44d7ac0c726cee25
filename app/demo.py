"""A fresh demo hub: a shipper, a carrier, two banks and an operator, with credentials."""

from __future__ import annotations

import secrets
import shutil
from dataclasses import dataclass, field

from app.container import bootstrap
from app.services.participants import add_client, add_user, create_participant
from app.settings import Settings
from app.storage.migrate import upgrade

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
            "Try it:",
            f"  curl -s -u {first[1]}:{first[2]} -d grant_type=client_credentials "
            f"{self.base_url}/oauth/token",
        ]
        return "\n".join(lines)


def create_demo(settings: Settings) -> DemoReport:
    """Wipe `settings.data_dir`, migrate a new SQLite database and register the cast."""
    if settings.database_url is not None:
        raise ValueError("the demo always uses its own SQLite file; unset TRADEGATE_DATABASE_URL")
    shutil.rmtree(settings.data_dir, ignore_errors=True)
    settings.data_dir.mkdir(parents=True)
    upgrade(settings.effective_database_url)
    container = bootstrap(settings)
    report = DemoReport(base_url=settings.issuer)
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
        uow.commit()
    container.close()
    return report
