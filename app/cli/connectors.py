"""`tradegate connectors ...`: installed connectors, their instances and routing rules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from app.cli.support import operator_container, operator_session, parse_uuid, refuse
from app.container import bootstrap
from app.security.principal import SYSTEM
from app.settings import get_settings
from connectors.registry import BUILTIN_CONNECTORS, default_registry

connectors_cli = typer.Typer(
    help="Installed connectors and connector instances.", no_args_is_help=True
)
console = Console()


def _config(raw: str) -> dict[str, Any]:
    """Inline JSON, or @path to a JSON file."""
    try:
        text = Path(raw[1:]).read_text() if raw.startswith("@") else raw
        value = json.loads(text)
    except (OSError, ValueError) as exc:
        refuse(f"config is not readable JSON: {exc}")
    if not isinstance(value, dict):
        refuse("config must be a JSON object")
    return value


@connectors_cli.command("list")
def connectors_list() -> None:
    """Connectors installed in this environment (built in or from plugins)."""
    table = Table("name", "kind", "source")
    for connector in default_registry():
        source = "built-in" if connector.name in BUILTIN_CONNECTORS else type(connector).__module__
        table.add_row(connector.name, connector.kind.value, source)
    console.print(table)


@connectors_cli.command("instances")
def connectors_instances() -> None:
    """Every configured connector instance."""
    from app.services.delivery.connector_instances import list_instances

    container = bootstrap(get_settings())
    table = Table("id", "participant", "connector", "name", "enabled", "inbound")
    with container.uow() as uow:
        for i in list_instances(uow.session, SYSTEM):
            table.add_row(
                str(i.id),
                str(i.participant_id),
                i.connector,
                i.name,
                "yes" if i.enabled else f"no ({i.disabled_reason})",
                "yes" if i.poll_inbound else "no",
            )
    console.print(table)


@connectors_cli.command("add")
def connectors_add(
    participant: Annotated[str, typer.Argument(help="Participant id, name or SCHEME:VALUE")],
    connector: Annotated[str, typer.Argument(help="Connector name, see `connectors list`")],
    name: Annotated[str, typer.Option(help="Instance name, unique per participant")],
    config: Annotated[str, typer.Option(help="JSON object or @file.json")] = "{}",
    inbound: Annotated[bool, typer.Option(help="Poll this instance for documents")] = False,
    subscribe: Annotated[
        list[str] | None, typer.Option("--subscribe", help="Route this topic here")
    ] = None,
) -> None:
    """Configure a connector instance for a participant (prints generated secrets once)."""
    from app.services.delivery.connector_instances import create_instance, stored_config
    from app.services.delivery.connector_instances import subscribe as add_rule
    from app.services.participants.service import find_participant

    with operator_session() as session:
        owner = find_participant(session, participant)
        instance, parsed = create_instance(
            session,
            SYSTEM,
            connector=connector,
            name=name,
            config=_config(config),
            poll_inbound=inbound,
            participant_id=owner.id,
        )
        if subscribe:
            add_rule(session, SYSTEM, instance.id, topics=subscribe)
    console.print_json(json.dumps({"id": str(instance.id), "config": stored_config(parsed)}))


@connectors_cli.command("subscribe")
def connectors_subscribe(
    instance: Annotated[str, typer.Argument(help="Connector instance id")],
    topic: Annotated[list[str] | None, typer.Option("--topic", help="Empty: every topic")] = None,
    document_type: Annotated[list[str] | None, typer.Option("--document-type")] = None,
    owner: Annotated[list[str] | None, typer.Option("--owner", help="Owner participant id")] = None,
    include_content: Annotated[bool, typer.Option(help="Push content if consented")] = False,
) -> None:
    """Add a routing rule sending the instance owner's notifications to the instance."""
    from app.services.delivery.connector_instances import subscribe

    with operator_session() as session:
        rule = subscribe(
            session,
            SYSTEM,
            parse_uuid(instance),
            topics=topic or [],
            document_types=document_type or [],
            owner_ids=[parse_uuid(o) for o in owner or []],
            include_content=include_content,
        )
    console.print(f"subscription {rule.id}")


@connectors_cli.command("health")
def connectors_health(instance: Annotated[str, typer.Argument(help="Instance id")]) -> None:
    """Check one instance; exit 1 when it is not OK."""
    from app.services.delivery.connector_access import instance_health

    with operator_container() as container:
        health = instance_health(container, SYSTEM, parse_uuid(instance))
    console.print(f"{health.state.value}: {health.detail}")
    if health.state.value != "ok":
        raise typer.Exit(1)


@connectors_cli.command("authorize")
def connectors_authorize(instance: Annotated[str, typer.Argument(help="Instance id")]) -> None:
    """Print the consent URL to open as the remote account's owner (OAuth connectors)."""
    from app.services.delivery.connector_access import redirect_uri, start_authorization

    with operator_container() as container:
        url = start_authorization(container, SYSTEM, parse_uuid(instance))
        console.print(f"open: {url}", soft_wrap=True)
        console.print(f"callback: {redirect_uri(container)}", soft_wrap=True)


@connectors_cli.command("revoke-authorization")
def connectors_revoke(instance: Annotated[str, typer.Argument(help="Instance id")]) -> None:
    """Revoke an OAuth connector's grant at the provider and forget its tokens."""
    from app.services.delivery.connector_access import revoke_authorization

    with operator_container() as container:
        console.print(revoke_authorization(container, SYSTEM, parse_uuid(instance)))


@connectors_cli.command("enable")
def connectors_enable(instance: Annotated[str, typer.Argument(help="Instance id")]) -> None:
    """Re-enable an instance (e.g. after its endpoint answered 410 Gone)."""
    _set_enabled(instance, True)


@connectors_cli.command("disable")
def connectors_disable(instance: Annotated[str, typer.Argument(help="Instance id")]) -> None:
    """Stop delivering to an instance; waiting deliveries go dead (replayable)."""
    _set_enabled(instance, False)


def _set_enabled(instance: str, enabled: bool) -> None:
    from app.services.delivery.connector_instances import update_instance

    with operator_session() as session:
        update_instance(session, SYSTEM, parse_uuid(instance), enabled=enabled)
    console.print(f"instance {instance} {'enabled' if enabled else 'disabled'}")


@connectors_cli.command("remove")
def connectors_remove(instance: Annotated[str, typer.Argument(help="Instance id")]) -> None:
    """Delete an instance with its routing rules and delivery records."""
    from app.services.delivery.connector_instances import delete_instance

    with operator_session() as session:
        delete_instance(session, SYSTEM, parse_uuid(instance))
    console.print(f"instance {instance} removed")
