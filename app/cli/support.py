"""What the `tradegate` commands share: the operator's unit of work and how failures exit."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.text import Text
from sqlalchemy.orm import Session
from typer.core import TyperGroup

from app.container import Container, bootstrap
from app.errors import ProblemError, SetupError
from app.settings import get_settings

EXIT_FAILED, EXIT_USAGE = 1, 2
err = Console(stderr=True)


def print_error(message: str) -> None:
    """One line on stderr, never wrapped nor read as markup."""
    err.print(Text.assemble(("error: ", "red"), message), soft_wrap=True, highlight=False)


def refuse(message: str) -> NoReturn:
    """Stop a command over its caller's mistake: one line saying what is wrong, exit 2."""
    print_error(message)
    raise typer.Exit(EXIT_USAGE)


def fail(exc: ProblemError) -> NoReturn:
    """Print the problem (and each itemised error); exit 2 for the caller's mistakes, else 1."""
    print_error(exc.detail)
    for item in exc.extensions.get("errors", []):
        err.print(f"  {item.get('location')}: {item.get('message')}", markup=False)
    raise typer.Exit(EXIT_USAGE if exc.status < 500 else EXIT_FAILED) from exc


def _settings_mistake(exc: ValidationError) -> str:
    """Each invalid TRADEGATE_* variable and why, on one line."""
    parts = []
    for error in exc.errors():
        message = str(error["msg"]).removeprefix("Value error, ")
        name = "_".join(str(part) for part in error["loc"]).upper()
        parts.append(f"TRADEGATE_{name}: {message}" if name else message)
    return "invalid configuration: " + "; ".join(parts)


def explain(exc: Exception) -> tuple[str, int] | None:
    """One line and an exit code for a failure the user can fix; None for a bug."""
    if isinstance(exc, ProblemError):
        return exc.detail, EXIT_USAGE if exc.status < 500 else EXIT_FAILED
    if isinstance(exc, SetupError):
        return str(exc), EXIT_USAGE
    if isinstance(exc, ValidationError) and exc.title == "Settings":
        return _settings_mistake(exc), EXIT_USAGE
    return None


class Commands(TyperGroup):
    """The root command: a mistake the user can fix ends in one line, never a traceback."""

    def invoke(self, ctx: Any) -> Any:  # typer's vendored click Context
        try:
            return super().invoke(ctx)
        except Exception as exc:
            explained = explain(exc)
            if explained is None:
                raise
            message, code = explained
            print_error(message)
            raise typer.Exit(code) from exc


def open_container() -> Container:
    """The composition root for a command, from the environment's settings."""
    return bootstrap(get_settings())


def check_hub() -> None:
    """Open the hub once before a server or worker starts its processes.

    An embedded database is migrated here, once, rather than by several worker processes at
    the same moment, and a setup mistake stops the start with its one line.
    """
    open_container().close()


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
        print_error(f"{raw!r} is not an id")
        raise typer.Exit(EXIT_USAGE) from exc
