"""Consented pull latency: GET /v1/data/documents/{id} against GET /healthz, same server, same run.

Seeds a private PostgreSQL database (default 100k documents, 1k ACTIVE consents), starts
the production shape (`tradegate serve` on a free loopback port with Redis as broker and a
`tradegate worker` that sequences the access events into the log; `--embedded` for none),
and times both routes with one keep-alive client,
interleaved so both see the same machine load. Prints p50/p99 of each and the p99 ratio
(goal: pull p99 <= 3x healthz p99). `--smoke` runs small numbers in seconds.

    PYTHONPATH=. python bench/pull.py [--smoke] [--documents N] [--consents N] [--requests N]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from app.security.keys import KeyStore
from app.security.tokens import issue_access_token
from app.storage.migrate import upgrade
from app.storage.models import Consent, Document, Participant, ParticipantRole
from bench.support import (
    REDIS_URL,
    REPO,
    free_port,
    http_server,
    percentile,
    private_database,
    serve_command,
    worker,
)

ISSUER = "http://bench"
OWNERS = 100
BANKS = 10
DOC_TYPE = "dcsa.transport-document"


@dataclass(frozen=True)
class Seeded:
    """What the timed requests pick from: consents with their bank and owner's documents."""

    provider: uuid.UUID  # the provider of every seeded document
    consents: list[tuple[uuid.UUID, uuid.UUID, uuid.UUID]]  # consent, bank, owner
    documents: dict[uuid.UUID, list[uuid.UUID]]  # owner -> document ids


def seed(url: str, documents: int, consents: int) -> Seeded:
    """Bulk-insert participants, documents and ACTIVE consents (intake is not timed here)."""
    engine = sa.create_engine(url)
    now = datetime.now(UTC)
    owners = [uuid.uuid4() for _ in range(OWNERS)]
    banks = [uuid.uuid4() for _ in range(BANKS)]
    provider = uuid.uuid4()
    people = [(o, "owner") for o in owners] + [(b, "consumer") for b in banks]
    people.append((provider, "provider"))
    by_owner: dict[uuid.UUID, list[uuid.UUID]] = {o: [] for o in owners}
    doc_rows = []
    for i in range(documents):
        owner = owners[i % OWNERS]
        doc_id = uuid.uuid4()
        by_owner[owner].append(doc_id)
        body = json.dumps({"transportDocumentReference": f"TD{i:08d}", "pad": "x" * 400}).encode()
        doc_rows.append(
            {
                "id": doc_id,
                "doc_type": DOC_TYPE,
                "version": "3.0.3",
                "media_type": "application/json",
                "owner_id": owner,
                "provider_id": provider,
                "reference": f"TD{i:08d}",
                "document_date": date.today() - timedelta(days=i % 300),
                "received_at": now - timedelta(minutes=i),
                "size": len(body),
                "sha256": f"{i:064x}",
                "canonical_sha256": f"{i:064x}",
                "content": body,
                "provenance": {"bench": True},
                "warnings": [],
            }
        )
    consent_rows, picked = [], []
    for i in range(consents):
        owner, bank = owners[i % OWNERS], banks[(i // OWNERS) % BANKS]
        consent_id = uuid.uuid4()
        picked.append((consent_id, bank, owner))
        consent_rows.append(consent_row(consent_id, owner, bank, now))
    with engine.begin() as conn:
        insert_participants(conn, people, now)
        for start in range(0, len(doc_rows), 5000):
            conn.execute(sa.insert(Document), doc_rows[start : start + 5000])
        conn.execute(sa.insert(Consent), consent_rows)
        conn.execute(sa.text("ANALYZE"))
    engine.dispose()
    return Seeded(provider, picked, by_owner)


def insert_participants(
    conn: sa.Connection, people: list[tuple[uuid.UUID, str]], now: datetime
) -> None:
    """Active participants, one role each: (id, role) pairs."""
    conn.execute(
        sa.insert(Participant),
        [
            {"id": p, "name": f"{r} {p.hex[:6]}", "created_at": now, "active": True}
            for p, r in people
        ],
    )
    conn.execute(sa.insert(ParticipantRole), [{"participant_id": p, "role": r} for p, r in people])


def bank_token(keys: KeyStore, bank: uuid.UUID, scope: str, *, ttl: int = 900) -> str:
    """An access token (15 minutes unless said) of a bench bank's client with one scope."""
    return issue_access_token(
        keys,
        issuer=ISSUER,
        audience="tradegate",
        ttl=ttl,
        client_id=f"bench-{bank}",
        participant_id=str(bank),
        scopes=[scope],
        roles=["consumer"],
    ).token


def consent_row(
    consent_id: uuid.UUID, owner: uuid.UUID, bank: uuid.UUID, now: datetime
) -> dict[str, Any]:
    """An ACTIVE BENCH consent of `owner` for `bank`, valid today, whose caps are never hit."""
    return {
        "id": consent_id,
        "owner_id": owner,
        "consumer_id": bank,
        "provider_ids": [],
        "document_types": [DOC_TYPE],
        "purpose_code": "BENCH",
        "purpose_text": "Benchmark",
        "data_from": now - timedelta(days=365),
        "data_to": now + timedelta(days=1),
        "valid_from": now - timedelta(hours=1),
        "valid_until": now + timedelta(days=1),
        "fetch_type": "PERIODIC",
        "frequency_count": 1_000_000,
        "frequency_unit": "HOUR",
        "data_life_days": 1,
        "status": "ACTIVE",
        "requested_by": "bench",
        "request_sha256": "0" * 64,
        "created_at": now,
        "updated_at": now,
    }


def server_env(url: str, data_dir: Path) -> dict[str, str]:
    """The environment of a benchmarked hub: test settings, the database, files in data_dir."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADEGATE_")}
    env.update(
        {
            "PYTHONPATH": str(REPO),
            "TRADEGATE_ENV": "test",
            "TRADEGATE_DATA_DIR": str(data_dir),
            "TRADEGATE_DATABASE_URL": url,
            "TRADEGATE_KEYS_FILE": str(data_dir / "keys.json"),
            "TRADEGATE_PURPOSES_FILE": str(data_dir / "purposes.json"),
            "TRADEGATE_ISSUER": ISSUER,
            "TRADEGATE_LOG_LEVEL": "WARNING",
            "TRADEGATE_EMBEDDED_SCHEDULER": "false",
            # Benchmarks measure capacity: the load generator is one client far above 100/s.
            "TRADEGATE_RATE_LIMIT_CLIENT": "0",
            "TRADEGATE_RATE_LIMIT_PARTICIPANT": "0",
        }
    )
    return env


def bench_catalogue(path: Path) -> None:
    """The default catalogue plus a BENCH purpose whose caps the timed requests never hit."""
    document = json.loads(resources.files("app.data").joinpath("purposes.json").read_text())
    document["purposes"].append(
        {
            "code": "BENCH",
            "text": "Benchmark",
            "max_validity_days": 30,
            "max_frequency": {"count": 1_000_000, "unit": "HOUR"},
            "max_data_range_days": 400,
            "max_data_life_days": 1,
            "document_types": [DOC_TYPE],
            "fetch_types": ["PERIODIC"],
        }
    )
    path.write_text(json.dumps(document))


@contextmanager
def server(
    env: dict[str, str], port: int, log: Path, *, startup_seconds: float = 300
) -> Iterator[str]:
    """`tradegate serve` in a subprocess, stopped by its own process id afterwards."""
    with http_server(serve_command(port), env, port, log, startup_seconds=startup_seconds) as hub:
        yield hub.base


def run(
    documents: int, consents: int, requests: int, warmup: int, *, production: bool = True
) -> dict[str, float]:
    with private_database() as url, tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        upgrade(url)
        seeded = seed(url, documents, consents)
        seeding = time.perf_counter() - started
        data_dir = Path(tmp)
        keys = KeyStore.generate(data_dir / "keys.json")
        bench_catalogue(data_dir / "purposes.json")
        env = server_env(url, data_dir)
        tokens = {
            bank: bank_token(keys, bank, "data:read") for bank in {b for _, b, _ in seeded.consents}
        }
        rng = random.Random(7)
        pull_ms: list[float] = []
        health_ms: list[float] = []
        if production:
            env["TRADEGATE_BROKER_URL"] = REDIS_URL
            env["TRADEGATE_CELERY_QUEUE"] = f"tg-bench-{uuid.uuid4().hex[:8]}"
        with (
            worker(env, data_dir / "worker.log", enabled=production),
            server(env, free_port(), data_dir / "server.log") as base,
            httpx.Client(base_url=base) as http,
        ):
            for i in range(warmup + requests):
                consent_id, bank, owner = rng.choice(seeded.consents)
                document_id = rng.choice(seeded.documents[owner])
                headers = {"Authorization": f"Bearer {tokens[bank]}", "Consent-Id": str(consent_id)}
                t0 = time.perf_counter()
                response = http.get(f"/v1/data/documents/{document_id}", headers=headers)
                t1 = time.perf_counter()
                if response.status_code != 200:
                    raise SystemExit(f"pull failed: {response.status_code} {response.text}")
                health = http.get("/healthz")
                t2 = time.perf_counter()
                if health.status_code != 200:
                    raise SystemExit(f"healthz failed: {health.status_code}")
                if i >= warmup:
                    pull_ms.append((t1 - t0) * 1000)
                    health_ms.append((t2 - t1) * 1000)
    return {
        "documents": documents,
        "consents": consents,
        "requests": requests,
        "seed_seconds": round(seeding, 1),
        "pull_p50_ms": percentile(pull_ms, 0.50),
        "pull_p99_ms": percentile(pull_ms, 0.99),
        "healthz_p50_ms": percentile(health_ms, 0.50),
        "healthz_p99_ms": percentile(health_ms, 0.99),
        "pull_mean_ms": statistics.fmean(pull_ms),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="small numbers, a few seconds")
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--consents", type=int, default=1_000)
    parser.add_argument("--requests", type=int, default=2_000)
    parser.add_argument(
        "--embedded",
        action="store_true",
        help="no broker: the API process also sequences the log (default: Redis + a worker)",
    )
    args = parser.parse_args(argv)
    if args.smoke:
        args.documents, args.consents, args.requests = 500, 100, 60
    result = run(
        args.documents,
        args.consents,
        args.requests,
        warmup=min(200, args.requests // 5),
        production=not args.embedded,
    )
    print(f"{'shape':>16}: {'embedded' if args.embedded else 'production (Redis + worker)'}")
    ratio = result["pull_p99_ms"] / result["healthz_p99_ms"]
    for key, value in result.items():
        print(f"{key:>16}: {value:.3f}" if isinstance(value, float) else f"{key:>16}: {value}")
    print(f"{'p50 ratio':>16}: {result['pull_p50_ms'] / result['healthz_p50_ms']:.2f}x")
    print(f"{'p99 ratio':>16}: {ratio:.2f}x (goal <= 3x: {'met' if ratio <= 3 else 'NOT met'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
