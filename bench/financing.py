"""Financing check and register latency against GET /healthz, with 1M registrations stored.

Seeds a private PostgreSQL database with N financing registrations (default 1,000,000, two
keyed fingerprints each, bulk-loaded with COPY) on bench documents, plus real DCSA eBLs
that one bank may read under an ACTIVE consent. Starts the production shape (`tradegate
serve` with Redis and a worker that sequences the events; `--embedded` for none) and times,
interleaved with GET /healthz on one keep-alive client, POST /v1/financing/check and POST
/v1/financing (a registration: consent check, fingerprints, match, row + event). Prints
p50/p99 of each, the p99 ratios (goal <= 3x healthz) and the database size per million
registrations. `--smoke` runs small numbers in seconds.

    PYTHONPATH=. python bench/financing.py [--smoke] [--registrations N] [--requests N]
"""

from __future__ import annotations

import argparse
import json
import random
import secrets
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
import sqlalchemy as sa

from app.security.keys import KeyStore
from app.storage.migrate import upgrade
from app.storage.models import Consent, Document
from bench.pull import (
    bank_token,
    bench_catalogue,
    consent_row,
    free_port,
    insert_participants,
    percentile,
    server,
    server_env,
    worker,
)
from bench.support import REDIS_URL, REPO, private_database

DOC_TYPE = "dcsa.transport-document"
REFERENCE_EBL = REPO / "tests/data/reference/dcsa/examples/TransportDocument_reefer_APPROVED.json"
#: Documents the seeded registrations point at (their fingerprints are random: only the
#: index size matters to a lookup).
FILLER_DOCUMENTS = 1_000
LENDERS = 20


def _ebl(reference: str, equipment: str) -> bytes:
    td = json.loads(REFERENCE_EBL.read_bytes())
    td["transportDocumentReference"] = reference
    td["shippedOnBoardDate"] = date.today().isoformat()
    for i, item in enumerate(td["utilizedTransportEquipments"]):
        item["equipment"]["equipmentReference"] = f"{equipment}{i}"
    return json.dumps(td).encode()


def _document_row(
    doc_id: uuid.UUID, owner: uuid.UUID, provider: uuid.UUID, body: bytes
) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "id": doc_id,
        "doc_type": DOC_TYPE,
        "version": "3.0.3",
        "media_type": "application/json",
        "owner_id": owner,
        "provider_id": provider,
        "reference": doc_id.hex[:12],
        "document_date": date.today(),
        "received_at": now - timedelta(hours=1),
        "size": len(body),
        "sha256": secrets.token_hex(32),
        "canonical_sha256": secrets.token_hex(32),
        "content": body,
        "provenance": {"bench": True},
        "warnings": [],
    }


def seed(url: str, registrations: int, timed_documents: int) -> tuple[uuid.UUID, list[uuid.UUID]]:
    """Participants, documents, one ACTIVE consent, and `registrations` stored via COPY."""
    engine = sa.create_engine(url)
    now = datetime.now(UTC)
    owner, provider, bank = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    lenders = [uuid.uuid4() for _ in range(LENDERS)]
    people = [(owner, "owner"), (provider, "provider"), (bank, "consumer")]
    people += [(lender, "consumer") for lender in lenders]
    filler = [uuid.uuid4() for _ in range(FILLER_DOCUMENTS)]
    timed = [uuid.uuid4() for _ in range(timed_documents)]
    with engine.begin() as conn:
        insert_participants(conn, people, now)
        conn.execute(
            sa.insert(Document),
            [_document_row(d, owner, provider, b"{}") for d in filler]
            + [
                _document_row(d, owner, provider, _ebl(f"BENCH{i:07d}", f"BNCU{i:05d}"))
                for i, d in enumerate(timed)
            ],
        )
        conn.execute(sa.insert(Consent), consent_row(uuid.uuid4(), owner, bank, now))
    engine.dispose()
    _copy_registrations(url, registrations, owner, lenders, filler)
    return bank, timed


def _copy_registrations(
    url: str, count: int, owner: uuid.UUID, lenders: list[uuid.UUID], documents: list[uuid.UUID]
) -> None:
    now = datetime.now(UTC)
    expires = now + timedelta(days=120)
    maturity = (now + timedelta(days=90)).date()
    assessment = json.dumps({"status": "CLEAR", "fingerprints": []})
    rng = random.Random(11)
    dsn = url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        with cur.copy(
            "COPY financing_registrations (id, lender_id, document_id, owner_id, doc_type, state,"
            " amount, currency, maturity, expires_at, lender_reference, assessment, created_at,"
            " updated_at) FROM STDIN"
        ) as copy:
            ids = []
            for i in range(count):
                reg = uuid.uuid4()
                ids.append(reg)
                copy.write_row(
                    (
                        reg,
                        lenders[i % LENDERS],
                        rng.choice(documents),
                        owner,
                        DOC_TYPE,
                        "FINANCED",
                        "100000.00",
                        "USD",
                        maturity,
                        expires,
                        f"L{i}",
                        assessment,
                        now,
                        now,
                    )
                )
        with cur.copy(
            "COPY financing_fingerprints (value, key_id, registration_id, definition, match,"
            " lender_id, open, expires_at) FROM STDIN"
        ) as copy:
            for i, reg in enumerate(ids):
                lender = lenders[i % LENDERS]
                for definition, match in (
                    ("transport-document", "duplicate"),
                    ("equipment-voyage", "similar"),
                ):
                    copy.write_row(
                        (
                            rng.randbytes(32),
                            "fp-bench",
                            reg,
                            definition,
                            match,
                            lender,
                            True,
                            expires,
                        )
                    )
        conn.commit()
        cur.execute("ANALYZE")


def database_bytes(url: str) -> int:
    """Tables, indexes and TOAST of the registrations and their fingerprints."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        size = conn.execute(
            sa.text(
                "SELECT pg_total_relation_size('financing_registrations')"
                " + pg_total_relation_size('financing_fingerprints')"
            )
        ).scalar_one()
    engine.dispose()
    return int(size)


def run(registrations: int, requests: int, warmup: int, *, production: bool) -> dict[str, float]:
    with private_database() as url, tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        upgrade(url)
        bank, timed = seed(url, registrations, warmup + requests)
        seeding = time.perf_counter() - started
        size = database_bytes(url)
        data_dir = Path(tmp)
        keys = KeyStore.generate(data_dir / "keys.json")
        bench_catalogue(data_dir / "purposes.json")
        env = server_env(url, data_dir)
        if production:
            env["TRADEGATE_BROKER_URL"] = REDIS_URL
            env["TRADEGATE_CELERY_QUEUE"] = f"tg-bench-{uuid.uuid4().hex[:8]}"
        auth = {"Authorization": f"Bearer {bank_token(keys, bank, 'financing:write')}"}
        maturity = (date.today() + timedelta(days=60)).isoformat()
        samples: dict[str, list[float]] = {"check": [], "register": [], "healthz": []}
        with (
            worker(env, data_dir / "worker.log", enabled=production),
            # A loaded machine imports the app slowly; the timing starts once it answers.
            server(env, free_port(), data_dir / "server.log", startup_seconds=180) as base,
            httpx.Client(base_url=base) as http,
        ):
            for i, document in enumerate(timed):
                t0 = time.perf_counter()
                checked = http.post(f"/v1/financing/check?document_id={document}", headers=auth)
                t1 = time.perf_counter()
                registered = http.post(
                    "/v1/financing",
                    json={
                        "document_id": str(document),
                        "amount": "50000.00",
                        "currency": "USD",
                        "maturity": maturity,
                        "reference": f"BENCH-{i}",
                    },
                    headers={**auth, "Idempotency-Key": f"bench-{i}"},
                )
                t2 = time.perf_counter()
                health = http.get("/healthz")
                t3 = time.perf_counter()
                for name, response, want in (
                    ("check", checked, 200),
                    ("register", registered, 201),
                    ("healthz", health, 200),
                ):
                    if response.status_code != want:
                        raise SystemExit(f"{name} failed: {response.status_code} {response.text}")
                if i >= warmup:
                    samples["check"].append((t1 - t0) * 1000)
                    samples["register"].append((t2 - t1) * 1000)
                    samples["healthz"].append((t3 - t2) * 1000)
    result: dict[str, float] = {
        "registrations": registrations,
        "requests": requests,
        "seed_seconds": round(seeding, 1),
        "db_mib": round(size / 2**20, 1),
        "db_mib_per_million": round(size / 2**20 / max(registrations, 1) * 1_000_000, 1),
    }
    for name, values in samples.items():
        result[f"{name}_p50_ms"] = percentile(values, 0.50)
        result[f"{name}_p99_ms"] = percentile(values, 0.99)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="small numbers, a few seconds")
    parser.add_argument("--registrations", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=1_000)
    parser.add_argument("--embedded", action="store_true", help="no broker or worker")
    args = parser.parse_args(argv)
    if args.smoke:
        args.registrations, args.requests = 2_000, 40
    result = run(
        args.registrations,
        args.requests,
        warmup=min(100, args.requests // 5),
        production=not args.embedded,
    )
    print(f"{'shape':>22}: {'embedded' if args.embedded else 'production (Redis + worker)'}")
    for key, value in result.items():
        print(f"{key:>22}: {value:.3f}" if isinstance(value, float) else f"{key:>22}: {value}")
    for name in ("check", "register"):
        ratio = result[f"{name}_p99_ms"] / result["healthz_p99_ms"]
        verdict = "met" if ratio <= 3 else "NOT met"
        print(f"{name + ' p99 ratio':>22}: {ratio:.2f}x (goal <= 3x: {verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
