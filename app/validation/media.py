"""Media type parsing (RFC 9110 section 8.3.1) and the generic types that mean "look inside"."""

from __future__ import annotations

from dataclasses import dataclass

from app.validation.errors import UnsupportedMediaType

#: Media types that say only the syntax; the registered type is detected from the content.
GENERIC_JSON = frozenset({"application/json", "text/json"})
GENERIC_XML = frozenset({"application/xml", "text/xml"})
#: Media types that say nothing at all: syntax and type are both detected from the content.
UNSPECIFIC = frozenset({"application/octet-stream", "*/*"})


@dataclass(frozen=True, slots=True)
class MediaType:
    """A parsed media type: lower-case ``essence`` (type/subtype) and parameters."""

    essence: str
    params: tuple[tuple[str, str], ...] = ()

    @property
    def version(self) -> str | None:
        """The ``version`` parameter, which DCSA media types use to name the API version."""
        return dict(self.params).get("version")

    def __str__(self) -> str:
        return "; ".join([self.essence, *(f"{k}={v}" for k, v in self.params)])


def parse_media_type(text: str) -> MediaType:
    """Parse ``type/subtype; name=value; ...``; names are case-insensitive, values are not.

    ``charset`` is dropped: it does not select a document type, and JSON is always UTF-8.
    """
    essence, *raw_params = text.split(";")
    essence = essence.strip().lower()
    kind, _, subtype = essence.partition("/")
    if not kind or not subtype or any(c.isspace() for c in essence):
        raise UnsupportedMediaType(
            f"'{text}' is not a media type", reason="malformed-media-type", media_type=text
        )
    params: list[tuple[str, str]] = []
    for raw in raw_params:
        name, sep, value = raw.strip().partition("=")
        name = name.strip().lower()
        if not sep or not name:
            raise UnsupportedMediaType(
                f"'{text}' has a malformed parameter", reason="malformed-media-type"
            )
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        if name != "charset":
            params.append((name, value))
    return MediaType(essence, tuple(sorted(params)))
