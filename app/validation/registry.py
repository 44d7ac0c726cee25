"""The document-type registry: ``schemas/registry.json`` loaded, digest-checked, compiled."""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from app.domain.fingerprints import (
    Definition,
    Field,
    FingerprintError,
    FingerprintSet,
    MatchKind,
    Part,
)
from app.validation.errors import RegistryError, UnsupportedMediaType
from app.validation.fingerprint_paths import check_paths
from app.validation.json_schema import JsonSchemaValidator
from app.validation.media import MediaType, parse_media_type
from app.validation.xml_schema import XmlSchemaValidator

#: ``schemas/`` next to the ``app`` package; ``TRADEGATE_SCHEMAS_DIR`` overrides it.
DEFAULT_SCHEMAS_DIR = Path(__file__).resolve().parents[2] / "schemas"

#: Version of the business rules and facts extraction; part of every document's provenance.
RULESET_VERSION = "2026.12.1"


@dataclass(frozen=True, slots=True)
class Shape:
    """One way a JSON document type appears on the wire (bare, wrapped in a notification...)."""

    name: str
    match_all: tuple[str, ...]
    match_any: tuple[str, ...]
    schema_at: str
    subject_at: str


@dataclass(frozen=True, slots=True)
class XmlRoot:
    """Namespace and local name of the root element that identifies an XML document type."""

    namespace: str
    local_name: str


@dataclass(frozen=True, slots=True)
class DocumentType:
    """A registered standard at one version, with its schema files and how to recognise it."""

    id: str
    version: str
    title: str
    syntax: Literal["json", "xml"]
    media_types: tuple[MediaType, ...]
    schema_digests: Mapping[str, str]
    shapes: tuple[Shape, ...]
    xml_root: XmlRoot | None
    ruleset: str | None
    facts: str | None
    licence: str
    #: The media type stored with and served for documents of this type (the first one).
    media_type: str
    fingerprints: FingerprintSet | None = None


@dataclass(frozen=True, slots=True)
class Registry:
    """All registered types, their compiled schema validators and the nesting limit."""

    types: tuple[DocumentType, ...]
    validators: Mapping[str, JsonSchemaValidator | XmlSchemaValidator]
    max_depth: int

    def by_id(self, type_id: str) -> DocumentType:
        """Look up an explicit ``type`` (``id`` or ``id@version``); unknown ids are a 415."""
        wanted_id, _, wanted_version = type_id.strip().partition("@")
        for doc_type in self.types:
            if doc_type.id == wanted_id and wanted_version in ("", doc_type.version):
                return doc_type
        raise UnsupportedMediaType(
            f"unknown document type '{type_id}'",
            reason="unknown-type",
            candidates=self.type_ids(),
        )

    def by_media_type(self, media_type: MediaType) -> DocumentType | None:
        """The type a specific media type names, ``None`` if it names none."""
        matches = [
            doc_type
            for doc_type in self.types
            for registered in doc_type.media_types
            if registered.essence == media_type.essence
            and media_type.version in (None, registered.version)
        ]
        if len({m.id + "@" + m.version for m in matches}) > 1:
            return None
        return matches[0] if matches else None

    def type_ids(self) -> list[str]:
        """``id@version`` of every registered type, for error messages and discovery."""
        return [f"{t.id}@{t.version}" for t in self.types]

    def validator(self, doc_type: DocumentType) -> JsonSchemaValidator | XmlSchemaValidator:
        """The schema validator compiled for ``doc_type`` at load time."""
        return self.validators[doc_type.id + "@" + doc_type.version]

    def provenance(self, doc_type: DocumentType) -> dict[str, Any]:
        """What a stored result must carry to be reproducible: type, version, digests, rules."""
        return {
            "doc_type": doc_type.id,
            "version": doc_type.version,
            "schemas": dict(doc_type.schema_digests),
            "ruleset": doc_type.ruleset,
            "ruleset_version": RULESET_VERSION,
        }


def _verified(schemas_dir: Path, files: Mapping[str, str]) -> dict[str, bytes]:
    """Read every schema file and check its SHA-256 against the registry."""
    contents: dict[str, bytes] = {}
    for relative, expected in files.items():
        path = (schemas_dir / relative).resolve()
        if schemas_dir.resolve() not in path.parents:
            raise RegistryError(f"schema file {relative!r} lies outside {schemas_dir}")
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise RegistryError(f"schema file {relative!r} cannot be read: {exc}") from exc
        actual = hashlib.sha256(data).hexdigest()
        if actual != expected:
            raise RegistryError(f"schema file {relative!r} has SHA-256 {actual}, not {expected}")
        contents[relative] = data
    return contents


def _shape(entry: Mapping[str, Any]) -> Shape:
    return Shape(
        name=entry["name"],
        match_all=tuple(entry.get("match_all", ())),
        match_any=tuple(entry.get("match_any", ())),
        schema_at=entry.get("schema_at", ""),
        subject_at=entry.get("subject_at", ""),
    )


def _part(entry: Mapping[str, Any]) -> Part:
    return Part(
        at=entry["at"], normalise=entry["normalise"], optional=bool(entry.get("optional", False))
    )


def _field(entry: Mapping[str, Any]) -> Field:
    return Field(
        name=entry["name"],
        at=entry["at"],
        normalise=entry.get("normalise"),
        parts=tuple(_part(p) for p in entry.get("parts", ())),
    )


def _fingerprint_set(name: str, entry: Mapping[str, Any]) -> FingerprintSet:
    """One named set of fingerprint definitions; its paths are checked by the extractor."""
    try:
        return FingerprintSet(
            name=name,
            syntax=entry["syntax"],
            namespaces=dict(entry.get("namespaces", {})),
            definitions=tuple(
                Definition(
                    name=d["name"],
                    match=MatchKind(d["match"]),
                    fields=tuple(_field(f) for f in d["fields"]),
                )
                for d in entry["definitions"]
            ),
        )
    except FingerprintError as exc:
        raise RegistryError(str(exc)) from exc


def _document_type(
    entry: Mapping[str, Any], fingerprint_sets: Mapping[str, FingerprintSet]
) -> DocumentType:
    syntax = entry["syntax"]
    if syntax not in ("json", "xml"):
        raise RegistryError(f"{entry['id']}: unknown syntax {syntax!r}")
    root = entry.get("xml_root")
    fingerprints = entry.get("fingerprints")
    if fingerprints is not None and fingerprints not in fingerprint_sets:
        raise RegistryError(f"{entry['id']}: unknown fingerprint set {fingerprints!r}")
    if fingerprints is not None and fingerprint_sets[fingerprints].syntax != syntax:
        raise RegistryError(f"{entry['id']}: fingerprint set {fingerprints!r} is not {syntax}")
    media_types = tuple(parse_media_type(m) for m in entry["media_types"])
    return DocumentType(
        id=entry["id"],
        version=entry["version"],
        title=entry.get("title", entry["id"]),
        syntax=syntax,
        media_types=media_types,
        schema_digests=dict(entry["schema"]["files"]),
        shapes=tuple(_shape(s) for s in entry.get("shapes", ())),
        xml_root=XmlRoot(root["namespace"], root["local_name"]) if root else None,
        ruleset=entry.get("ruleset"),
        facts=entry.get("facts"),
        licence=entry["licence"],
        media_type=str(media_types[0]),
        fingerprints=fingerprint_sets[fingerprints] if fingerprints is not None else None,
    )


def load_registry(schemas_dir: Path | None = None) -> Registry:
    """Load ``registry.json``, verify every schema digest and compile every validator."""
    schemas_dir = schemas_dir or Path(os.environ.get("TRADEGATE_SCHEMAS_DIR", DEFAULT_SCHEMAS_DIR))
    try:
        document = json.loads((schemas_dir / "registry.json").read_bytes())
    except (OSError, ValueError) as exc:
        raise RegistryError(f"cannot load {schemas_dir / 'registry.json'}: {exc}") from exc
    types: list[DocumentType] = []
    validators: dict[str, JsonSchemaValidator | XmlSchemaValidator] = {}
    try:
        fingerprint_sets = {
            name: check_paths(_fingerprint_set(name, entry))
            for name, entry in document.get("fingerprints", {}).items()
        }
        for entry in document["types"]:
            doc_type = _document_type(entry, fingerprint_sets)
            contents = _verified(schemas_dir, doc_type.schema_digests)
            root = entry["schema"]["root"]
            if root not in contents:
                raise RegistryError(f"{doc_type.id}: schema root {root!r} is not in its files")
            key = doc_type.id + "@" + doc_type.version
            if key in validators:
                raise RegistryError(f"{key} is registered twice")
            validators[key] = (
                JsonSchemaValidator(json.loads(contents[root]))
                if doc_type.syntax == "json"
                else XmlSchemaValidator(schemas_dir / root)
            )
            types.append(doc_type)
        max_depth = int(document.get("limits", {}).get("max_depth", 64))
    except (KeyError, TypeError, ValueError) as exc:
        raise RegistryError(f"malformed registry entry: {exc!r}") from exc
    return Registry(types=tuple(types), validators=validators, max_depth=max_depth)


@functools.cache
def default_registry() -> Registry:
    """The process-wide registry, compiled on first use (the API warms it at start-up)."""
    return load_registry()
