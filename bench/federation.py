"""Federation: hash-match round trip p99 (lender -> hub B -> hub A -> verified answer) against a
local `GET /healthz` p99 on hub B, in the same run.

Starts two hubs (`tradegate serve` each, own PostgreSQL database, peered both ways, rate
limits lifted), accepts one document at A, then times both routes with one keep-alive client,
interleaved so both see the same machine load. Prints p50/p99 of each and the p99 ratio.

    PYTHONPATH=. python bench/federation.py [--smoke] [--requests N]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import httpx

from bench.support import percentile
from tests.federation_hubs import federated_hubs

#: Benchmarked hubs run without rate limits: they measure capacity.
UNLIMITED = {
    "TRADEGATE_RATE_LIMIT_CLIENT": "0",
    "TRADEGATE_RATE_LIMIT_PARTICIPANT": "0",
    "TRADEGATE_FEDERATION_RATE_LIMIT_PEER": "0",
}


def timed(client: httpx.Client, request: httpx.Request) -> float:
    start = time.perf_counter()
    answer = client.send(request)
    elapsed = (time.perf_counter() - start) * 1000
    assert answer.status_code == 200, answer.text
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny run for the test suite")
    parser.add_argument("--requests", type=int, default=500, help="requests per route")
    args = parser.parse_args(argv)
    n = 20 if args.smoke else args.requests
    with tempfile.TemporaryDirectory() as tmp, federated_hubs(Path(tmp), UNLIMITED) as (a, b):
        document = a.accept_document()
        lender = b.lender()
        ask = {"peer": a.name, "sha256": document.canonical_sha256}
        health: list[float] = []
        matches: list[float] = []
        with httpx.Client(timeout=30) as client:
            healthz = client.build_request("GET", f"{b.base}/healthz")
            question = client.build_request(
                "POST", f"{b.base}/v1/federation/hash-matches", json=ask, headers=lender
            )
            for round_ in range(n + 5):
                first = timed(client, healthz)
                second = timed(client, question)
                if round_ >= 5:  # warm-up rounds are not counted
                    health.append(first)
                    matches.append(second)
    figures = {
        "requests": n,
        "healthz_p50_ms": round(percentile(health, 0.5), 2),
        "healthz_p99_ms": round(percentile(health, 0.99), 2),
        "hash_match_p50_ms": round(percentile(matches, 0.5), 2),
        "hash_match_p99_ms": round(percentile(matches, 0.99), 2),
    }
    print(json.dumps(figures))
    ratio = figures["hash_match_p99_ms"] / figures["healthz_p99_ms"]
    print(f"hash-match round trip p99 / local GET /healthz p99: {ratio:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
