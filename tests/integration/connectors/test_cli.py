"""`tradegate connectors ...` and `tradegate deliveries ...` against a real SQLite file."""

import json
import uuid

import pytest

from app.cli import cli
from app.container import Container
from app.services.delivery.routing import notify
from app.settings import get_settings
from app.storage.models import ConnectorInstance

pytestmark = pytest.mark.integration


def test_list_shows_builtin_and_plugin_connectors_but_not_broken_ones(runner):
    result = runner.invoke(cli, ["connectors", "list"])
    assert result.exit_code == 0, result.output
    assert "webhook" in result.stdout and "folder" in result.stdout
    assert "memory" in result.stdout and "tradegate_example_connector" in result.stdout
    assert "broken" not in result.stdout


def add_webhook(runner, name: str, url: str):  # noqa: ANN001, ANN201
    """`connectors add` a webhook for Bank A, subscribed to accepted documents."""
    config = json.dumps({"url": url})
    return runner.invoke(
        cli,
        ["connectors", "add", "Bank A", "webhook", "--name", name, "--config", config]
        + ["--subscribe", "document.accepted"],
    )


def test_add_an_instance_prints_its_generated_secret_once(runner):
    assert runner.invoke(cli, ["participants", "add", "Bank A", "-r", "consumer"]).exit_code == 0
    result = add_webhook(runner, "main", "https://hooks.bank.example/in")
    assert result.exit_code == 0, result.output
    created = json.loads(result.stdout)
    assert created["config"]["secrets"][0].startswith("whsec_")
    listing = runner.invoke(cli, ["connectors", "instances"])
    assert created["id"][:8] in listing.stdout and "whsec_" not in listing.stdout


def test_bad_input_exits_2_with_the_reasons(runner):
    assert runner.invoke(cli, ["participants", "add", "Bank A", "-r", "consumer"]).exit_code == 0
    result = runner.invoke(
        cli, ["connectors", "add", "Bank A", "webhook", "--name", "x", "--config", '{"url": 1}']
    )
    assert result.exit_code == 2
    assert "invalid webhook configuration" in result.output and "url" in result.output
    assert (
        runner.invoke(cli, ["connectors", "add", "Bank A", "pigeon", "--name", "y"]).exit_code == 2
    )
    assert runner.invoke(cli, ["deliveries", "retry"]).exit_code == 2
    assert runner.invoke(cli, ["deliveries", "retry", "not-an-id"]).exit_code == 2


def test_retry_dead_replays_every_dead_letter(runner, tmp_path):
    assert runner.invoke(cli, ["participants", "add", "Bank A", "-r", "consumer"]).exit_code == 0
    added = add_webhook(runner, "internal", "http://10.1.2.3/hook")
    assert added.exit_code == 0, added.output
    container = Container(get_settings())
    try:
        with container.uow() as uow:
            instance_id = uuid.UUID(json.loads(added.stdout)["id"])
            instance = uow.session.get(ConnectorInstance, instance_id)
            notify(
                uow.session,
                participant_id=instance.participant_id,
                topic="document.accepted",
                source_key="cli-test",
                data={},
            )
            uow.commit()
    finally:
        container.close()
    dead = runner.invoke(cli, ["deliveries", "list", "--status", "dead"])
    assert dead.exit_code == 0 and "dead" in dead.stdout
    retried = runner.invoke(cli, ["deliveries", "retry", "--dead"])
    assert retried.exit_code == 0, retried.output
    assert "1 delivery scheduled again" in retried.stdout
