"""A hub acting as PINT platform TGTE, and a sending platform WAVE with its carrier."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from joserfc import jws
from joserfc.jwk import KeySet

from app.services.pint.accounts import add_account
from app.services.trust import store
from tests.pint_peer import (
    Envelope,
    Signatory,
    entry,
    envelope,
    issuance_manifest,
    party,
    transaction,
    trust,
)
from tests.support import reefer_transport_document

HUB = "TGTE"
SENDER = "WAVE"
LEI = "5493001KJTIIGC8Y1R12"
ACCOUNT = party("Importer Ltd", HUB, "IMP-001", provider=HUB)
CARRIER = {
    "partyName": "Mediterranean Shipping Company",
    "eblPlatform": SENDER,
    "identifyingCodes": [{"codeListProvider": "SMDG", "partyCode": "MSC"}],
}
SHIPPER = party("Exporter", SENDER, "EXP-7")


@pytest.fixture
def settings(settings):  # noqa: ANN001, ANN201
    return settings.model_copy(update={"pint_platform_code": HUB, "pint_base_path": "/pint"})


@dataclass
class Peer:
    """The sending side: platform WAVE, carrier MSC, and the hub's published keys."""

    platform: Signatory
    carrier: Signatory
    hub_jwks: dict[str, Any]
    account_participant: Any

    def document(self, **members: Any) -> dict[str, Any]:
        return reefer_transport_document(
            LEI, transportDocumentStatus="ISSUED", issueDate="2023-12-21", **members
        )

    def issue_entry(self, document: dict[str, Any], recipient: dict[str, Any] = ACCOUNT) -> str:
        """ISSUE to the shipper on WAVE, then TRANSFER to ``recipient``, in one entry."""
        return entry(
            self.platform,
            SENDER,
            document,
            [
                transaction("ISSUE", CARRIER, SHIPPER),
                transaction("TRANSFER", SHIPPER, recipient),
            ],
            issuance_manifest=issuance_manifest(self.carrier, document, SHIPPER),
        )

    def envelope(
        self, document: dict[str, Any] | None = None, documents: dict[str, bytes] | None = None
    ) -> Envelope:
        document = document or self.document()
        return envelope(self.platform, document, [self.issue_entry(document)], documents)

    def response(self, r) -> dict[str, Any]:  # noqa: ANN001
        """The signed response, verified against the hub's published JWKS."""
        token = r.json()
        keys = KeySet.import_key_set(self.hub_jwks)
        return json.loads(jws.deserialize_compact(token, keys, algorithms=["ES256"]).payload)


@pytest.fixture
def peer(container, client, make_participant) -> Peer:  # noqa: ANN001
    platform, carrier = Signatory("wave-2026", alg="PS256"), Signatory("msc-2026")
    importer = make_participant("Importer", roles=("owner",))
    with container.uow() as uow:
        store.import_jwks(
            uow.session,
            kind="platform",
            code=SENDER,
            code_list_provider=None,
            jwks=platform.jwks(),
            actor="test",
        )
        add_account(
            uow.session,
            participant_id=importer.id,
            code_list_provider=HUB,
            party_code="IMP-001",
            party_name="Importer Ltd",
            actor="test",
        )
        uow.commit()
    trust(container, carrier)
    jwks = client.get("/.well-known/jwks.json").json()
    return Peer(platform, carrier, jwks, importer)
