"""`tradegate openapi`: write the API's OpenAPI document (docs/openapi.json is its copy)."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from app.api.openapi import render
from app.cli.support import refuse
from app.main import create_app
from app.settings import Settings
from app.storage.migrate import upgrade


def openapi(
    out: Annotated[Path | None, typer.Option(help="Write here instead of standard output")] = None,
) -> None:
    """Print the OpenAPI document, built from the routes on a scratch hub (no data is read)."""
    with tempfile.TemporaryDirectory() as scratch:
        settings = Settings(data_dir=Path(scratch), log_level="WARNING")
        upgrade(settings.effective_database_url)
        app = create_app(settings)
        text = render(app)
        app.state.container.close()
    if out is None:
        sys.stdout.write(text)
        return
    try:
        out.write_text(text)
    except OSError as exc:
        refuse(f"cannot write {out}: {exc.strerror or exc}")
