"""Cross-hub duplicate-financing check latency against GET /healthz, two hubs, same run.

Starts hub-a and hub-b (`tradegate serve` each, its own SQLite database and keys, peered
over loopback HTTP), registers N financings at hub-a, and times, interleaved on one
keep-alive client per hub, POST /v1/financing/check at hub-b (the local check plus the
bucketed OPRF exchange with hub-a: evaluate, finalize, bucket, membership) and
GET /healthz at hub-b. Prints p50/p99 of each and the p99 ratio. `--smoke` runs small
numbers in seconds.

`cross_hub_duplicate_check` is the measuring part, so a federation benchmark can run it
beside its other parts on the same hubs.

    PYTHONPATH=. python bench/federation.py [--smoke] [--registrations N] [--requests N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.support import percentile
from tests.integration.financing.http_hubs import ServedHub, served_hubs


def _timed(client: httpx.Client, method: str, url: str, **kwargs: Any) -> float:
    started = time.perf_counter()
    response = client.request(method, url, **kwargs)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"{method} {url}: {response.status_code} {response.text[:300]}")
    return elapsed


def cross_hub_duplicate_check(
    asking: ServedHub, documents: list[str], *, requests: int, warmup: int
) -> dict[str, float]:
    """p50/p99 (ms) of a cross-hub check at ``asking`` and of its /healthz, interleaved."""
    check: list[float] = []
    health: list[float] = []
    with httpx.Client(base_url=asking.base, timeout=30) as client:
        for i in range(warmup + requests):
            document = documents[i % len(documents)]
            spent = _timed(
                client,
                "POST",
                "/v1/financing/check",
                params={"document_id": document},
                headers=asking.h("bank_1"),
            )
            healthz = _timed(client, "GET", "/healthz")
            if i >= warmup:
                check.append(spent)
                health.append(healthz)
    figures = {
        "cross_hub_check_p50_ms": percentile(check, 0.50) * 1000,
        "cross_hub_check_p99_ms": percentile(check, 0.99) * 1000,
        "healthz_p50_ms": percentile(health, 0.50) * 1000,
        "healthz_p99_ms": percentile(health, 0.99) * 1000,
    }
    figures["cross_hub_check_p99_ratio"] = (
        figures["cross_hub_check_p99_ms"] / figures["healthz_p99_ms"]
    )
    return figures


def run(registrations: int, requests: int, warmup: int, distinct: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp, served_hubs(Path(tmp)) as hubs:
        a, b = hubs["hub-a"], hubs["hub-b"]
        a.consent("bank_1")
        b.consent("bank_1")
        for i in range(registrations):
            registered = a.register(
                "bank_1", a.push_ebl(transportDocumentReference=f"BENCH{i:06d}")
            )
            if registered.status_code != 201:
                raise SystemExit(f"registration at hub-a failed: {registered.text[:300]}")
        # Half the checked documents are duplicates of hub-a's registrations, half are not.
        documents = [
            b.push_ebl(transportDocumentReference=f"BENCH{i:06d}" if i % 2 else f"OTHER{i:06d}")
            for i in range(distinct)
        ]
        figures = cross_hub_duplicate_check(b, documents, requests=requests, warmup=warmup)
        answer = httpx.post(
            f"{b.base}/v1/financing/check",
            params={"document_id": documents[1 % len(documents)]},
            headers=b.h("bank_1"),
            timeout=30,
        ).json()
        statuses = {a["peer"]: a["status"] for a in answer.get("cross_border", [])}
        if statuses.get("hub-a") not in ("DUPLICATE", "SIMILAR"):
            raise SystemExit(f"the cross-hub check found nothing: {answer}")
        figures["registrations_at_peer"] = float(registrations)
        return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="small numbers, seconds")
    parser.add_argument("--registrations", type=int, default=200)
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args(argv)
    if args.smoke:
        figures = run(registrations=4, requests=20, warmup=3, distinct=4)
    else:
        figures = run(args.registrations, args.requests, warmup=20, distinct=20)
    print(f"registrations at hub-a: {figures['registrations_at_peer']:.0f}")
    for name in (
        "cross_hub_check_p50_ms",
        "cross_hub_check_p99_ms",
        "healthz_p50_ms",
        "healthz_p99_ms",
    ):
        print(f"{name}: {figures[name]:.2f}")
    print(f"cross-hub check p99 ratio: {figures['cross_hub_check_p99_ratio']:.1f}x healthz p99")
    return 0


if __name__ == "__main__":
    sys.exit(main())
