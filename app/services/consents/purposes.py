"""Load the purpose catalogue: the packaged default, or the file the settings point to."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from pathlib import Path

from app.domain.purposes import InvalidCatalogue, PurposeCatalogue
from app.settings import Settings

DEFAULT_CATALOGUE = "purposes.json"


def load_catalogue(path: Path | None = None) -> PurposeCatalogue:
    """Parse and validate a catalogue; a broken file stops start-up instead of a request."""
    try:
        if path is None:
            text = resources.files("app.data").joinpath(DEFAULT_CATALOGUE).read_text("utf-8")
        else:
            text = path.read_text("utf-8")
        document = json.loads(text)
    except (OSError, ValueError) as exc:
        raise InvalidCatalogue(f"cannot read purpose catalogue {path or 'default'}: {exc}") from exc
    if not isinstance(document, dict):
        raise InvalidCatalogue("the purpose catalogue must be a JSON object")
    return PurposeCatalogue.from_document(document)


@lru_cache(maxsize=8)
def cached_catalogue(path: Path | None) -> PurposeCatalogue:
    """The catalogue for `path`, read once per process (configuration, not request data)."""
    return load_catalogue(path)


def catalogue_for(settings: Settings) -> PurposeCatalogue:
    """The catalogue the settings select (`TRADEGATE_PURPOSES_FILE`, else the default)."""
    return cached_catalogue(settings.purposes_file)
