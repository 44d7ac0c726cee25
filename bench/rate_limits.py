"""A noisy tenant at full speed beside a quiet one: how far the quiet tenant's latency moves.

Seeds a private PostgreSQL database as `bench/pull.py` does and starts the production shape
(`tradegate serve --workers 2`, Redis as broker and for the rate limits, one worker) with
rate limits of `--limit` requests a second per client (twice that per participant). Then,
round after round, two slices of the same length:

- alone: the quiet tenant, a bank, pulls its consented documents at `--quiet-rate` requests a
  second (open loop: each request starts on schedule, whether or not earlier ones finished);
- noisy: the same, while the noisy tenant runs `--noisy-clients` clients as fast as answers
  come, ignoring Retry-After (or waiting it out, `--polite`): the provider pushing documents
  (`--noisy push`) or another bank pulling (`--noisy pull`).

The noisy tenant's clients run in a process of their own, with their own event loop: in the
quiet tenant's loop they would delay its requests before they left and after they came back,
a cost of the load generator, not of the hub. A real tenant brings its own machine; this one
shares the hub's few cores, so its process runs at a lower CPU priority (`--noisy-nice`, 10
by default): it takes the cores the hub leaves idle and does not crowd out the hub's workers,
as a load generator on a machine of its own would not.

The limit must sit below what the machine serves, or the noisy tenant is never refused:
the default, 5 requests a second per client, is for a small shared machine.

Prints the quiet tenant's p50/p95/p99 in both slices and the p95 ratio (goal: the noisy
tenant moves it by at most 10 %, 1.10x), and what the noisy tenant got (accepted, 429).

    PYTHONPATH=. python bench/rate_limits.py [--smoke] [--noisy push|pull] [--polite]
                                             [--limit 5] [--rounds N] [--noisy-nice 10]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import random
import signal
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from multiprocessing.synchronize import Event
from pathlib import Path

import httpx
import sqlalchemy as sa

from app.security.keys import KeyStore
from app.security.tokens import issue_access_token
from app.storage.migrate import upgrade
from app.storage.models import ProviderMandate
from bench.e2e import API_WORKERS, EXAMPLE
from bench.pull import ISSUER, bank_token, bench_catalogue, seed, server_env
from bench.support import (
    REDIS_URL,
    free_port,
    http_server,
    percentile,
    private_database,
    serve_command,
    worker,
)

GOAL = 1.10
Consents = list[tuple[uuid.UUID, list[uuid.UUID]]]  # consent, its owner's documents


@dataclass
class Tally:
    """What one side's requests got in one kind of slice."""

    latencies_ms: list[float] = field(default_factory=list)
    accepted: int = 0
    limited: int = 0
    errors: int = 0
    first_error: str | None = None

    def p(self, q: float) -> float:
        return percentile(self.latencies_ms, q) if self.latencies_ms else float("nan")

    def add(self, other: Tally) -> None:
        self.latencies_ms += other.latencies_ms
        self.accepted += other.accepted
        self.limited += other.limited
        self.errors += other.errors
        self.first_error = self.first_error or other.first_error


@dataclass(frozen=True)
class NoisyTenant:
    """Everything the noisy tenant's process needs (it is pickled across to it)."""

    base: str
    token: str
    kind: str
    consents: Consents
    owner: uuid.UUID
    template: bytes
    reference: bytes
    clients: int
    polite: bool
    nice: int


@dataclass
class Traffic:
    """One side's HTTP client and the requests it makes."""

    client: httpx.AsyncClient
    rng: random.Random = field(default_factory=lambda: random.Random(5))

    async def pull(self, token: str, consents: Consents) -> httpx.Response:
        consent, documents = self.rng.choice(consents)
        return await self.client.get(
            f"/v1/data/documents/{self.rng.choice(documents)}",
            headers={"Authorization": f"Bearer {token}", "Consent-Id": str(consent)},
        )

    async def push(self, tenant: NoisyTenant) -> httpx.Response:
        reference = f"RL{uuid.uuid4().hex[: len(tenant.reference) - 2]}".encode()
        return await self.client.post(
            "/v1/documents",
            params={"owner": str(tenant.owner)},
            content=tenant.template.replace(tenant.reference, reference, 1),
            headers={
                "Authorization": f"Bearer {tenant.token}",
                "Idempotency-Key": uuid.uuid4().hex,
                "Content-Type": "application/json",
            },
        )

    async def noisy(self, tenant: NoisyTenant) -> httpx.Response:
        if tenant.kind == "push":
            return await self.push(tenant)
        return await self.pull(tenant.token, tenant.consents)


def http_client(base: str, connections: int) -> httpx.AsyncClient:
    limits = httpx.Limits(
        max_connections=connections, max_keepalive_connections=connections, keepalive_expiry=2.0
    )
    return httpx.AsyncClient(base_url=base, limits=limits, timeout=60)


async def _record(
    tally: Tally, expected: int, request: Awaitable[httpx.Response]
) -> httpx.Response | None:
    started = time.perf_counter()
    try:
        response = await request
    except httpx.HTTPError as exc:
        tally.errors += 1
        tally.first_error = tally.first_error or f"{type(exc).__name__}: {exc}"
        return None
    status = response.status_code
    if status == expected:
        tally.accepted += 1
        tally.latencies_ms.append((time.perf_counter() - started) * 1000)
    elif status == 429:
        tally.limited += 1
    else:
        tally.errors += 1
        tally.first_error = tally.first_error or f"status {status}"
    return response


async def quiet_slice(
    traffic: Traffic, token: str, consents: Consents, tally: Tally, count: int, rate: float
) -> None:
    """`count` pulls started every 1/`rate` seconds, each timed on its own."""
    tasks = []
    start = time.perf_counter()
    for i in range(count):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        request = traffic.pull(token, consents)
        tasks.append(asyncio.create_task(_record(tally, 200, request)))
    await asyncio.gather(*tasks)


async def noisy_load(tenant: NoisyTenant, running: Event, stop: Event) -> Tally:
    """`clients` clients as fast as answers come, until `stop`; `running` once answers come.

    `polite` clients wait out a 429's Retry-After.
    """
    tally = Tally()
    expected = 201 if tenant.kind == "push" else 200
    stopped = asyncio.Event()

    async def watch() -> None:
        while not stop.is_set():
            await asyncio.sleep(0.05)
        stopped.set()

    async with http_client(tenant.base, tenant.clients) as client:
        traffic = Traffic(client)

        async def one_client() -> None:
            while not stopped.is_set():
                response = await _record(tally, expected, traffic.noisy(tenant))
                running.set()
                if tenant.polite and response is not None and response.status_code == 429:
                    wait = float(response.headers.get("retry-after", "1"))
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stopped.wait(), timeout=wait)

        await asyncio.gather(watch(), *(one_client() for _ in range(tenant.clients)))
    return tally


def noisy_process(
    tenant: NoisyTenant, running: Event, stop: Event, results: multiprocessing.Queue[Tally]
) -> None:
    """The noisy tenant in a process of its own, at a lower CPU priority (see the docstring)."""
    os.nice(tenant.nice)
    results.put(asyncio.run(noisy_load(tenant, running, stop)))


async def beside_noisy(
    tenant: NoisyTenant, noisy: Tally, slice_: Callable[[], Awaitable[None]]
) -> None:
    """Run `slice_` once the noisy tenant's process has been at full speed for a second."""
    context = multiprocessing.get_context("spawn")
    running, stop = context.Event(), context.Event()
    results: multiprocessing.Queue[Tally] = context.Queue()
    process = context.Process(target=noisy_process, args=(tenant, running, stop, results))
    process.start()
    try:
        if not await asyncio.to_thread(running.wait, 120):
            raise RuntimeError("the noisy tenant's process got no answer within 120 s")
        await asyncio.sleep(1.0)
        await slice_()
        stop.set()
        noisy.add(await asyncio.to_thread(results.get, True, 120))
    finally:
        stop.set()
        process.join(10)
        if process.is_alive():
            process.kill()


async def run(
    args: argparse.Namespace, traffic: Traffic, token: str, consents: Consents, tenant: NoisyTenant
) -> tuple[Tally, Tally, Tally]:
    alone, beside, noisy = Tally(), Tally(), Tally()
    warm_up = max(5, args.requests // 5)
    await quiet_slice(traffic, token, consents, Tally(), warm_up, args.quiet_rate)
    for _ in range(args.rounds):
        await quiet_slice(traffic, token, consents, alone, args.requests, args.quiet_rate)
        await beside_noisy(
            tenant,
            noisy,
            lambda: quiet_slice(traffic, token, consents, beside, args.requests, args.quiet_rate),
        )
    return alone, beside, noisy


def report(args: argparse.Namespace, alone: Tally, beside: Tally, noisy: Tally) -> bool:
    print(
        f"rate limits: {args.limit:g}/s per client, {2 * args.limit:g}/s per participant (Redis); "
        f"quiet tenant: a bank pulling at {args.quiet_rate:g}/s; noisy tenant: "
        f"{args.noisy_clients} clients {args.noisy}ing at full speed"
        f"{', waiting out Retry-After' if args.polite else ', ignoring Retry-After'} "
        f"(a process of its own at nice {args.noisy_nice}); "
        f"{args.rounds} rounds"
    )
    header = f"{'quiet tenant':<16} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}"
    print(f"\n{header} {'errors':>6}")
    for name, tally in (("alone", alone), ("beside noisy", beside)):
        print(
            f"{name:<16} {len(tally.latencies_ms):>8} {tally.p(0.5):8.1f} {tally.p(0.95):8.1f} "
            f"{tally.p(0.99):8.1f} {tally.errors + tally.limited:>6}"
        )
    seconds = args.rounds * args.requests / args.quiet_rate
    print(
        f"noisy tenant: {noisy.accepted} accepted ({noisy.accepted / seconds:.1f}/s), "
        f"{noisy.limited} refused with 429, {noisy.errors} errors"
    )
    ratio = beside.p(0.95) / alone.p(0.95)
    print(f"quiet p95 beside noisy / alone: {ratio:.2f}x (goal <= {GOAL:.2f}x)")
    for name, tally in (("quiet alone", alone), ("quiet beside", beside), ("noisy", noisy)):
        if tally.first_error:
            print(f"  first {name} error: {tally.first_error}")
    return not (alone.errors or alone.limited or beside.errors or beside.limited or noisy.errors)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="small numbers, a few seconds")
    parser.add_argument("--noisy", choices=["push", "pull"], default="pull")
    parser.add_argument("--noisy-clients", type=int, default=16)
    parser.add_argument("--quiet-rate", type=float, default=2.0, help="requests a second")
    parser.add_argument("--requests", type=int, default=60, help="quiet pulls per slice")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--limit", type=float, default=5.0, help="requests a second per client")
    parser.add_argument(
        "--polite", action="store_true", help="the noisy tenant waits out Retry-After"
    )
    parser.add_argument(
        "--noisy-nice", type=int, default=10, help="CPU priority of the noisy tenant's process"
    )
    parser.add_argument("--documents", type=int, default=5_000)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if args.smoke:
        args.requests, args.rounds, args.quiet_rate, args.documents = 10, 1, 4.0, 200
        args.noisy_clients = 4

    with private_database() as url, tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        upgrade(url)
        seeded = seed(url, args.documents, 200)  # two banks' consents
        banks = sorted({bank for _, bank, _ in seeded.consents})
        quiet_bank, noisy_bank = banks[0], banks[1]

        def consents_of(bank: uuid.UUID) -> Consents:
            return [(c, seeded.documents[o]) for c, b, o in seeded.consents if b == bank]

        owner = seeded.consents[0][2]
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.execute(
                sa.insert(ProviderMandate).values(provider_id=seeded.provider, owner_id=owner)
            )
        engine.dispose()
        keys = KeyStore.generate(data_dir / "keys.json")
        bench_catalogue(data_dir / "purposes.json")
        noisy_token = (
            issue_access_token(
                keys,
                issuer=ISSUER,
                audience="tradegate",
                ttl=3600,
                client_id="bench-noisy-provider",
                participant_id=str(seeded.provider),
                scopes=["documents:write"],
                roles=["provider"],
            ).token
            if args.noisy == "push"
            else bank_token(keys, noisy_bank, "data:read", ttl=3600)
        )
        env = server_env(url, data_dir)
        env["TRADEGATE_BROKER_URL"] = REDIS_URL
        env["TRADEGATE_CELERY_QUEUE"] = f"tg-bench-{uuid.uuid4().hex[:8]}"
        env["TRADEGATE_RATE_LIMIT_CLIENT"] = str(args.limit)
        env["TRADEGATE_RATE_LIMIT_PARTICIPANT"] = str(2 * args.limit)
        port = free_port()
        template = json.loads(EXAMPLE.read_bytes())
        with (
            worker(env, data_dir / "worker.log", enabled=True),
            http_server(
                serve_command(port, "--workers", str(API_WORKERS)),
                env,
                port,
                data_dir / "server.log",
            ) as hub,
        ):
            tenant = NoisyTenant(
                base=hub.base,
                token=noisy_token,
                kind=args.noisy,
                consents=consents_of(noisy_bank),
                owner=owner,
                template=json.dumps(template).encode(),
                reference=template["transportDocumentReference"].encode(),
                clients=args.noisy_clients,
                polite=args.polite,
                nice=args.noisy_nice,
            )

            async def go() -> tuple[Tally, Tally, Tally]:
                async with http_client(hub.base, 64) as client:
                    return await run(
                        args,
                        Traffic(client),
                        bank_token(keys, quiet_bank, "data:read", ttl=3600),
                        consents_of(quiet_bank),
                        tenant,
                    )

            alone, beside, noisy = asyncio.run(go())
    clean = report(args, alone, beside, noisy)
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
