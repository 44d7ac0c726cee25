"""A real uvicorn server on a free loopback port and Debian's headless Chromium."""

from __future__ import annotations

import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from app.container import Container
from app.services.participants.service import (
    add_client,
    add_user,
    create_participant,
    get_participant,
)
from app.settings import Settings
from app.storage.migrate import upgrade
from app.storage.models import Participant
from tests.conftest import service_missing
from tests.integration.dashboard.conftest import transport_document
from tests.support import REPO, free_port, settings_env, wait_until

PASSWORD = "e2e password long enough"
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class Hub:
    """The running server, its settings and a container on the same database for seeding."""

    base_url: str
    settings: Settings
    container: Container

    def participant(self, name: str, roles: tuple[str, ...], *ids: str) -> Participant:
        with self.container.uow() as uow:
            p = create_participant(
                uow.session, name=f"{name} {uuid.uuid4().hex[:6]}", roles=roles, identifiers=ids
            )
            uow.commit()
        with self.container.uow() as uow:
            return get_participant(uow.session, p.id)

    def token(self, participant: Participant) -> str:
        """An access token for a new API client of `participant`, from the token endpoint."""
        with self.container.uow() as uow:
            new = add_client(uow.session, participant, name="e2e")
            uow.commit()
        response = httpx.post(
            f"{self.base_url}/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(new.client.client_id, new.secret or ""),
        )
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    def user(self, participant: Participant, *, admin: bool = False) -> str:
        email = f"{'admin' if admin else 'owner'}-{uuid.uuid4().hex[:8]}@example.test"
        with self.container.uow() as uow:
            add_user(uow.session, participant, email=email, password=PASSWORD, is_admin=admin)
            uow.commit()
        return email


@pytest.fixture(scope="session")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    data_dir = tmp_path_factory.mktemp("e2e-hub")
    port = free_port()
    settings = Settings(
        env="test",
        data_dir=data_dir,
        database_url=f"sqlite:///{data_dir / 'tradegate.db'}",
        issuer=f"http://127.0.0.1:{port}",
        log_level="WARNING",
        embedded_scheduler=False,
    )
    upgrade(settings.effective_database_url)
    container = Container(settings)
    container.keys  # noqa: B018  (writes the key file before the server reads it)
    log = open(data_dir / "server.log", "ab")  # noqa: SIM115  (owned by the subprocess)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "app.asgi:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=settings_env(settings),
        cwd=REPO,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        if not wait_until(up, timeout=90):
            pytest.fail(f"server did not start: {(data_dir / 'server.log').read_text()[-2000:]}")
        yield Hub(base_url, settings, container)
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
        container.close()


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    executable = shutil.which("chromium")
    if executable is None:
        service_missing("Debian's chromium (apt-get install chromium)", LookupError("not on PATH"))
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def new_page(chromium, hub: Hub) -> Iterator[Callable[[], object]]:
    """Fresh browser contexts (separate cookie jars) opened on the hub."""
    contexts = []

    def make() -> object:
        context = chromium.new_context(  # type: ignore[attr-defined]
            base_url=hub.base_url, viewport={"width": 1366, "height": 900}
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def shot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    """Save a full-page screenshot under test-artifacts/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def login(page, email: str, password: str = PASSWORD) -> None:  # type: ignore[no-untyped-def]
    page.goto("/dashboard/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/dashboard/")


def go(page, section: str) -> None:  # type: ignore[no-untyped-def]
    """Follow a link in the side navigation, as a person would."""
    page.get_by_role("navigation", name="Dashboard sections").get_by_role(
        "link", name=section
    ).click()


def push_transport_document(hub: Hub, provider: Participant, lei: str, reference: str) -> str:
    """Push DCSA's reefer example through the intake API; returns the document id."""
    response = httpx.post(
        f"{hub.base_url}/v1/documents",
        content=transport_document(lei, reference),
        headers={
            "Authorization": f"Bearer {hub.token(provider)}",
            "Idempotency-Key": uuid.uuid4().hex,
            "Content-Type": "application/json",
        },
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])
