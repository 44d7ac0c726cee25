"""Federation on one pair of hubs, in one run: hash-match round trip p99 and cross-hub duplicate
check p99, each against a local `GET /healthz` p99 on the asking hub.

Starts hub-a (HK) and hub-b (CN) (`tradegate serve` each, its own PostgreSQL database and
keys, peered both ways over loopback, rate limits lifted), accepts one document at hub-a and
registers financings there, pushes eBLs at hub-b (half of them duplicates of hub-a's). Then,
on one keep-alive client, rounds of three requests at hub-b, interleaved so that all see the
same machine load:

- `GET /healthz`;
- `POST /v1/federation/hash-matches` (lender -> hub-b -> hub-a -> signed statement with an
  inclusion proof, verified at hub-b);
- `POST /v1/financing/check` (the local check plus the OPRF exchange with hub-a: evaluate,
  finalize, bucket, membership).

Prints the figures as one JSON line, then both p99 ratios. `--smoke` runs small numbers.

    PYTHONPATH=. python bench/federation.py [--smoke] [--requests N] [--registrations N]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import httpx

from bench.hubs import FederatedHub, FinancingStory, federated_hubs
from bench.support import percentile

#: Benchmarked hubs run without rate limits: they measure capacity.
UNLIMITED = {
    "TRADEGATE_RATE_LIMIT_CLIENT": "0",
    "TRADEGATE_RATE_LIMIT_PARTICIPANT": "0",
    "TRADEGATE_FEDERATION_RATE_LIMIT_PEER": "0",
}
WARMUP = 5


def timed(client: httpx.Client, request: httpx.Request) -> float:
    """Milliseconds to send `request` and read its 200 answer."""
    start = time.perf_counter()
    answer = client.send(request)
    elapsed = (time.perf_counter() - start) * 1000
    if answer.status_code != 200:
        raise SystemExit(f"{request.method} {request.url}: {answer.status_code} {answer.text}")
    return elapsed


def financed_at(story: FinancingStory, registrations: int) -> None:
    """`registrations` financings at the story's hub, each of its own eBL."""
    for i in range(registrations):
        document = story.push_ebl(transportDocumentReference=f"BENCH{i:06d}")
        registered = story.register("bank", document)
        if registered.status_code != 201:
            raise SystemExit(f"registration at {story.hub.name} failed: {registered.text}")


def checked_at(story: FinancingStory, distinct: int) -> list[str]:
    """eBLs pushed at the story's hub: the odd ones duplicate a registration at the peer."""
    return [
        story.push_ebl(transportDocumentReference=f"BENCH{i:06d}" if i % 2 else f"OTHER{i:06d}")
        for i in range(distinct)
    ]


def measure(
    asking: FederatedHub, story: FinancingStory, sha256: str, documents: list[str], n: int
) -> dict[str, list[float]]:
    """Interleaved rounds at `asking`: healthz, hash-match at hub-a, cross-hub check."""
    samples: dict[str, list[float]] = {"healthz": [], "hash_match": [], "cross_hub_check": []}
    ask = {"peer": "hub-a", "sha256": sha256}
    matcher = asking.lender()
    lender = story.h("bank")
    with httpx.Client(base_url=asking.base, timeout=30) as client:
        for round_ in range(WARMUP + n):
            healthz = timed(client, client.build_request("GET", "/healthz"))
            match = timed(
                client,
                client.build_request(
                    "POST", "/v1/federation/hash-matches", json=ask, headers=matcher
                ),
            )
            check = timed(
                client,
                client.build_request(
                    "POST",
                    "/v1/financing/check",
                    params={"document_id": documents[round_ % len(documents)]},
                    headers=lender,
                ),
            )
            if round_ >= WARMUP:
                samples["healthz"].append(healthz)
                samples["hash_match"].append(match)
                samples["cross_hub_check"].append(check)
    return samples


def sanity(asking: FederatedHub, story: FinancingStory, sha256: str, duplicate: str) -> None:
    """The timed answers were the real ones: found at hub-a, and a duplicate across the border."""
    found = httpx.post(
        f"{asking.base}/v1/federation/hash-matches",
        json={"peer": "hub-a", "sha256": sha256},
        headers=asking.lender(),
        timeout=30,
    ).json()
    if found.get("found") is not True:
        raise SystemExit(f"the hash match found nothing: {found}")
    checked = story.check("bank", duplicate).json()
    statuses = {a["peer"]: a["status"] for a in checked.get("cross_border", [])}
    if statuses.get("hub-a") != "DUPLICATE":
        raise SystemExit(f"the cross-hub check found no duplicate: {checked}")


def run(requests: int, registrations: int, distinct: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp, federated_hubs(Path(tmp), UNLIMITED) as (a, b):
        sha256 = a.accept_document().canonical_sha256
        lending_a, lending_b = a.financing("bank"), b.financing("bank")
        financed_at(lending_a, registrations)
        documents = checked_at(lending_b, min(distinct, 2 * registrations))
        samples = measure(b, lending_b, sha256, documents, requests)
        sanity(b, lending_b, sha256, documents[1])
    figures: dict[str, float] = {"requests": requests, "registrations_at_peer": registrations}
    for name, values in samples.items():
        figures[f"{name}_p50_ms"] = round(percentile(values, 0.50), 2)
        figures[f"{name}_p99_ms"] = round(percentile(values, 0.99), 2)
    for name in ("hash_match", "cross_hub_check"):
        figures[f"{name}_p99_ratio"] = round(
            figures[f"{name}_p99_ms"] / figures["healthz_p99_ms"], 1
        )
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="small numbers, for the test suite")
    parser.add_argument("--requests", type=int, default=500, help="timed rounds")
    parser.add_argument("--registrations", type=int, default=200, help="financings at hub-a")
    args = parser.parse_args(argv)
    if args.smoke:
        figures = run(requests=20, registrations=4, distinct=4)
    else:
        figures = run(args.requests, args.registrations, distinct=20)
    print(json.dumps(figures))
    print(f"hash-match round trip p99 / local GET /healthz p99: {figures['hash_match_p99_ratio']}")
    print(
        "cross-hub duplicate check p99 / local GET /healthz p99: "
        f"{figures['cross_hub_check_p99_ratio']}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
