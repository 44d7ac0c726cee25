"""PINT: envelopes verified per second against bare JWS checks, and one full hub-to-hub transfer."""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from joserfc import jws

from app.container import Container
from app.security.principal import SYSTEM
from app.services.pint.chain import OwnPlatform, check_consistency, verify_signatures
from app.services.trust import store
from app.settings import Settings
from app.storage.migrate import upgrade
from app.validation import validate
from tests.pint_hubs import linked_hubs, transfer
from tests.pint_peer import Signatory, entry, envelope, issuance_manifest, party, transaction
from tests.support import reefer_transport_document

HUB = "TGTE"


def rate(fn: Callable[[], object], n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return n / (time.perf_counter() - start)


def verification(n: int) -> tuple[float, float]:
    """Envelopes (validation, 3 JWS, checksums, trust look-ups) per second, and bare JWS checks."""
    platform, carrier = Signatory("wave-1"), Signatory("msc-1")
    document = reefer_transport_document(
        "5493001KJTIIGC8Y1R12", transportDocumentStatus="ISSUED", issueDate="2023-12-21"
    )
    shipper = party("Exporter", "WAVE", "EXP-7")
    account = party("Importer", HUB, "IMP-1", provider=HUB)
    first = entry(
        platform,
        "WAVE",
        document,
        [transaction("ISSUE", shipper, shipper), transaction("TRANSFER", shipper, account)],
        issuance_manifest=issuance_manifest(carrier, document, shipper),
    )
    body = envelope(platform, document, [first]).body
    envelope_bytes = json.dumps(body).encode()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(env="test", data_dir=Path(tmp), log_level="ERROR")
        upgrade(settings.effective_database_url)
        container = Container(settings)
        with container.uow() as uow:
            for kind, code, signer, provider in (
                ("platform", "WAVE", platform, None),
                ("carrier", "MSC", carrier, "SMDG"),
            ):
                store.add_key(
                    uow.session,
                    kind=kind,
                    code=code,
                    code_list_provider=provider,
                    material=signer.public_jwk(),
                    actor=SYSTEM.actor,
                )
            uow.commit()
        own = OwnPlatform(HUB, container.keys)
        with container.uow() as uow:

            def check() -> None:
                # what the receiver does per envelope: validate, then verify the signatures
                validated = validate(envelope_bytes).subject_sha256
                verified = verify_signatures(uow.session, body, own, validated)
                check_consistency(verified, platform_code=HUB)

            check()  # compiles the schemas and warms the caches once, outside the timing
            envelopes = rate(check, n)
        container.close()
    token = body["envelopeManifestSignedContent"]
    bare = rate(lambda: jws.deserialize_compact(token, platform.key, algorithms=["ES256"]), n)
    return envelopes, bare


def full_transfers(rounds: int) -> list[float]:
    """Seconds from asking hub A to send (with one supporting document) to B's signed RECE."""
    timings: list[float] = []
    with tempfile.TemporaryDirectory() as tmp, linked_hubs(Path(tmp)) as hubs:
        for _ in range(rounds):
            document_id = hubs.issue_to_a({"invoice.pdf": b"%PDF-1.7 " + b"x" * 50_000})
            start = time.perf_counter()
            done = transfer(hubs.a, document_id, hubs.to_b, hubs.b.account)
            timings.append(time.perf_counter() - start)
            assert done["response_code"] == "RECE", done
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny run for the test suite")
    args = parser.parse_args()
    envelopes, bare = verification(20 if args.smoke else 1000)
    timings = full_transfers(1 if args.smoke else 10)
    print(f"envelopes verified (schema, rules, 3 JWS, checksums): {envelopes:8.0f}/s")
    print(f"bare ES256 JWS verifications:                       {bare:8.0f}/s")
    print(f"envelope / bare JWS rate ratio: {envelopes / bare:.2f}")
    print(
        f"full transfer A -> B with one 50 kB supporting document: "
        f"median {statistics.median(timings) * 1000:.0f} ms over {len(timings)}"
    )


if __name__ == "__main__":
    main()
