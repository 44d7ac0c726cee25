"""What the `tradegate` commands share: the operator's unit of work and how problems exit."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from app.container import Container, bootstrap
from app.errors import ProblemError
from app.settings import get_settings

EXIT_USAGE = 2
err = Console(stderr=True)


def fail(exc: ProblemError) -> NoReturn:
    """Print the problem (and each itemised error); exit 2 for the caller's mistakes, else 1."""
    err.print(f"[red]error:[/red] {exc.detail}")
    for item in exc.extensions.get("errors", []):
        err.print(f"  {item.get('location')}: {item.get('message')}")
    raise typer.Exit(EXIT_USAGE if exc.status < 500 else 1) from exc


def open_container() -> Container:
    """The composition root for a command, from the environment's settings."""
    return bootstrap(get_settings())


@contextmanager
def operator_session() -> Iterator[Session]:
    """One unit of work for a command: a problem exits with its code, anything else commits."""
    container = open_container()
    try:
        with container.uow() as uow:
            try:
                yield uow.session
            except ProblemError as exc:
                fail(exc)
            uow.commit()
    finally:
        container.close()


@contextmanager
def operator_container() -> Iterator[Container]:
    """The composition root for a command whose use case opens its own transactions."""
    container = open_container()
    try:
        yield container
    except ProblemError as exc:
        fail(exc)
    finally:
        container.close()


def parse_uuid(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError as exc:
        err.print(f"[red]error:[/red] {raw!r} is not an id")
        raise typer.Exit(EXIT_USAGE) from exc
