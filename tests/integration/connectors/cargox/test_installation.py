"""The cargox connector installs from its own distribution, and the hub works without it."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import distribution, entry_points
from pathlib import Path

import sqlalchemy as sa

from app.api.routers import connectors as connectors_router
from app.services.delivery import connector_instances
from app.storage.models import Delivery, DeliveryStatus
from app.tasks import delivery as delivery_tasks
from connectors.registry import ENTRY_POINT_GROUP, ConnectorRegistry, default_registry
from tests.integration.connectors.routing_support import accept_document

ROOT = Path(__file__).resolve().parents[4]


def test_the_connector_registers_from_its_own_distribution_metadata():
    dist = distribution("tradegate-cargox")
    (entry,) = [e for e in dist.entry_points if e.group == ENTRY_POINT_GROUP]
    assert (entry.name, entry.value) == ("cargox", "tradegate_cargox.connector:CargoXConnector")
    assert "cargox" in default_registry().names()


def test_the_core_never_names_the_plugin():
    for package in ("app", "connectors"):
        for path in (ROOT / package).rglob("*.py"):
            assert "tradegate_cargox" not in path.read_text(), path


def test_the_plugin_imports_only_the_connector_spi_of_the_hub():
    source = "\n".join(
        p.read_text() for p in (ROOT / "plugins/tradegate-cargox/tradegate_cargox").glob("*.py")
    )
    assert "from app" not in source and "import app" not in source


def without_cargox() -> ConnectorRegistry:
    """The registry of a hub where the distribution was uninstalled."""
    others = [e for e in entry_points(group=ENTRY_POINT_GROUP) if e.name != "cargox"]
    return ConnectorRegistry.discover(plugins=others)


def test_without_the_plugin_cargox_deliveries_dead_letter_and_the_rest_works(
    client, container, parties, consents, sending_instance, auth_headers, monkeypatch
):
    consents.grant(parties["owner"], parties["bank"], push_content=True)
    instance_id = sending_instance()
    registry = without_cargox()
    assert "cargox" not in registry.names() and {"webhook", "folder"} <= set(registry.names())
    monkeypatch.setattr(delivery_tasks, "default_registry", lambda: registry)
    monkeypatch.setattr(connector_instances, "default_registry", lambda: registry)
    monkeypatch.setattr(connectors_router, "default_registry", lambda: registry)
    accept_document(container, parties["owner"], parties["provider"])
    with container.uow() as uow:
        dead = uow.session.execute(sa.select(Delivery)).scalar_one()
    assert dead.status == DeliveryStatus.DEAD
    assert "connector unusable" in (dead.last_error or "")
    headers = auth_headers(parties["bank"])
    listed = client.get("/v1/connectors/instances", headers=headers)
    assert listed.status_code == 200 and listed.json()[0]["config"] == {"unreadable": True}
    health = client.get(f"/v1/connectors/instances/{instance_id}/health", headers=headers)
    assert health.status_code == 422 and health.json()["type"] == "/problems/unknown-connector"
    assert "cargox" not in [c["name"] for c in client.get("/v1/connectors", headers=headers).json()]


def test_the_hub_starts_and_lists_connectors_in_a_process_without_the_plugin(tmp_path):
    """A fresh interpreter that cannot import the plugin still discovers the rest."""
    code = (
        "import sys, importlib.abc\n"
        "class Block(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path, target=None):\n"
        "        if name.startswith('tradegate_cargox'):\n"
        "            raise ImportError('uninstalled')\n"
        "sys.meta_path.insert(0, Block())\n"
        "from connectors.registry import default_registry\n"
        "from app.main import create_app\n"
        "print(','.join(default_registry().names()))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PYTHONPATH": str(ROOT), "TRADEGATE_DATA_DIR": str(tmp_path), "PATH": "/usr/bin"},
    )
    assert result.returncode == 0, result.stderr
    names = result.stdout.strip().split(",")
    assert "cargox" not in names and {"webhook", "folder", "memory"} <= set(names)
