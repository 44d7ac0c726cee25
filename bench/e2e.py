"""End-to-end push and pull under load, against a bare FastAPI POST of the same body, one run.

Seeds a private PostgreSQL database (documents and ACTIVE consents as `bench/pull.py` does,
plus a mandate for the seeded provider), starts the production shape (`tradegate serve
--workers 2`, Redis as broker, one `tradegate worker`) and a bare FastAPI app (uvicorn, 2
workers) that reads the body and answers 201. An async httpx client then runs slices of
requests at each concurrency, interleaved round after round so every route sees the same
machine load:

- bare:    POST of a DCSA transport document to the bare app
- healthz: GET /healthz on the hub
- push:    authenticated POST /v1/documents, each a new document (its own
           transportDocumentReference and Idempotency-Key)
- pull:    authenticated consented GET /v1/data/documents/{id}
- mixed:   each client alternates a pull and a /healthz, the two measured under one load

Prints req/s, p50/p95/p99 and errors per route, the push/bare rate ratio (goal >= 0.5x) and
pull p99 / healthz p99 (goal <= 3x; the mixed slice is the like-for-like one). Then pushes
`--memory-pushes` more documents and prints the RSS of each API worker before, halfway and
after (the smoke run pushes 2,000).

    PYTHONPATH=. python bench/e2e.py [--smoke] [--concurrency 32 16] [--rounds N]
                                     [--requests N] [--memory-pushes 100000]
                                     [--memory-concurrency 32]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import signal
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
import sqlalchemy as sa

from app.security.keys import KeyStore
from app.security.tokens import issue_access_token
from app.storage.migrate import upgrade
from app.storage.models import ProviderMandate
from bench.pull import ISSUER, Seeded, bank_token, bench_catalogue, seed, server_env
from bench.support import (
    REDIS_URL,
    REFERENCE,
    Running,
    free_port,
    http_server,
    percentile,
    private_database,
    serve_command,
    worker,
)

EXAMPLE = REFERENCE / "dcsa" / "examples" / "TransportDocument_regularSTD_DRAFT.json"
API_WORKERS = 2
#: Access tokens outlive a long run (a 100k-push memory run takes a while on a busy machine).
TOKEN_SECONDS = 6 * 3600

Request = Callable[[], Awaitable[str | None]]


@dataclass
class Route:
    """What one route's requests measured, over all rounds."""

    latencies_ms: list[float] = field(default_factory=list)
    seconds: float = 0.0
    #: CPU seconds its server's worker processes, and its database backends, spent meanwhile.
    api_cpu: float = 0.0
    db_cpu: float = 0.0
    errors: int = 0
    first_error: str | None = None

    @property
    def rate(self) -> float:
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0

    def cpu_ms(self, seconds: float) -> float:
        return 1000 * seconds / len(self.latencies_ms) if self.latencies_ms else float("nan")

    def p(self, q: float) -> float:
        return percentile(self.latencies_ms, q) if self.latencies_ms else float("nan")


class Bodies:
    """New transport documents: the official example under a fresh reference each time."""

    def __init__(self) -> None:
        template = json.loads(EXAMPLE.read_bytes())
        self._reference = template["transportDocumentReference"].encode()
        self._template = json.dumps(template).encode()
        self._counter = itertools.count()

    def next(self) -> bytes:
        reference = f"E2E{next(self._counter):0{len(self._reference) - 3}d}".encode()
        return self._template.replace(self._reference, reference, 1)


@dataclass(frozen=True)
class Tenants:
    """Who pushes and pulls: the provider's token and mandated owner, the banks' tokens."""

    push_token: str
    owner: uuid.UUID
    bank_tokens: dict[uuid.UUID, str]
    seeded: Seeded


@dataclass
class Clients:
    """The requests of each route, bound to their clients, tokens and seeded data."""

    hub: httpx.AsyncClient
    bare: httpx.AsyncClient
    tenants: Tenants
    bodies: Bodies = field(default_factory=Bodies)
    rng: random.Random = field(default_factory=lambda: random.Random(7))

    async def _expect(self, status: int, request: Awaitable[httpx.Response]) -> str | None:
        try:
            response = await request
        except httpx.HTTPError as exc:
            return f"{type(exc).__name__}: {exc}"
        if response.status_code != status:
            return f"{response.status_code} {response.text[:300]}"
        return None

    async def bare_post(self) -> str | None:
        return await self._expect(201, self.bare.post("/documents", content=self.bodies.next()))

    async def healthz(self) -> str | None:
        return await self._expect(200, self.hub.get("/healthz"))

    async def push(self) -> str | None:
        headers = {
            "Authorization": f"Bearer {self.tenants.push_token}",
            "Idempotency-Key": uuid.uuid4().hex,
            "Content-Type": "application/json",
        }
        request = self.hub.post(
            "/v1/documents",
            params={"owner": str(self.tenants.owner)},
            content=self.bodies.next(),
            headers=headers,
        )
        return await self._expect(201, request)

    async def pull(self) -> str | None:
        consent_id, bank, owner = self.rng.choice(self.tenants.seeded.consents)
        document_id = self.rng.choice(self.tenants.seeded.documents[owner])
        headers = {
            "Authorization": f"Bearer {self.tenants.bank_tokens[bank]}",
            "Consent-Id": str(consent_id),
        }
        return await self._expect(
            200, self.hub.get(f"/v1/data/documents/{document_id}", headers=headers)
        )


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far (0 once it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Meter:
    """Reads the CPU time of one server's worker processes and of its database backends.

    CPU per request does not depend on what else the machine runs, unlike rates and
    latencies: it shows what a change saves even on a shared machine.
    """

    api_pids: tuple[int, ...]
    database_url: str | None = None

    def read(self) -> tuple[float, dict[int, float]]:
        backends: dict[int, float] = {}
        if self.database_url:
            with psycopg.connect(self.database_url.replace("+psycopg", ""), autocommit=True) as c:
                pids = c.execute(
                    "SELECT pid FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                ).fetchall()
            backends = {pid: cpu_seconds(pid) for (pid,) in pids}
        return sum(cpu_seconds(pid) for pid in self.api_pids), backends


async def run_slice(
    steps: list[tuple[Route, Request]],
    count: int,
    concurrency: int,
    *,
    timed: bool = True,
    meter: Meter | None = None,
) -> None:
    """`count` rounds of `steps` spread over `concurrency` clients; each request timed alone.

    With one step and a `meter`, the route is also charged the CPU its server used.
    """
    remaining = itertools.count()

    async def client() -> None:
        while next(remaining) < count:
            for route, request in steps:
                t0 = time.perf_counter()
                error = await request()
                elapsed = (time.perf_counter() - t0) * 1000
                if not timed:
                    continue
                if error is None:
                    route.latencies_ms.append(elapsed)
                else:
                    route.errors += 1
                    route.first_error = route.first_error or error

    single = timed and len(steps) == 1
    before = meter.read() if single and meter else None
    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    if single:
        route = steps[0][0]
        route.seconds += time.perf_counter() - started
        if meter and before:
            api, backends = meter.read()
            route.api_cpu += api - before[0]
            route.db_cpu += sum(cpu - before[1].get(pid, 0.0) for pid, cpu in backends.items())


def api_workers(server_pid: int) -> list[int]:
    """The uvicorn worker processes under `tradegate serve` (not multiprocessing's helpers)."""
    children = Path(f"/proc/{server_pid}/task/{server_pid}/children").read_text().split()
    return [
        int(pid) for pid in children if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
    ]


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


async def measure(
    clients: Clients, concurrency: int, rounds: int, requests: int, hub: Meter, bare: Meter
) -> dict[str, Route]:
    routes = {
        name: Route() for name in ("bare", "healthz", "push", "pull", "mixed pull", "mixed healthz")
    }
    plan: list[tuple[list[tuple[Route, Request]], Meter]] = [
        ([(routes["bare"], clients.bare_post)], bare),
        ([(routes["healthz"], clients.healthz)], hub),
        ([(routes["push"], clients.push)], hub),
        ([(routes["pull"], clients.pull)], hub),
        ([(routes["mixed pull"], clients.pull), (routes["mixed healthz"], clients.healthz)], hub),
    ]
    for steps, _ in plan:  # warm-up: connections, caches, the interpreter's first calls
        await run_slice(steps, max(concurrency, requests // 5), concurrency, timed=False)
    for _ in range(rounds):
        for steps, meter in plan:
            await run_slice(steps, requests // len(steps), concurrency, meter=meter)
    return routes


def report(concurrency: int, routes: dict[str, Route]) -> list[str]:
    """Prints one concurrency's table and ratios; returns the goals it missed."""
    print(f"\nconcurrency {concurrency}")
    print(
        f"{'route':<14} {'requests':>8} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'p99 ms':>8} {'errors':>6} {'API CPU ms/req':>15} {'DB CPU ms/req':>14}"
    )
    for name, route in routes.items():
        rate = f"{route.rate:8.1f}" if route.seconds else f"{'-':>8}"
        cpu = (
            f"{route.cpu_ms(route.api_cpu):15.2f} {route.cpu_ms(route.db_cpu):14.2f}"
            if route.seconds
            else f"{'-':>15} {'-':>14}"
        )
        print(
            f"{name:<14} {len(route.latencies_ms):>8} {rate} {route.p(0.5):8.1f} "
            f"{route.p(0.95):8.1f} {route.p(0.99):8.1f} {route.errors:>6} {cpu}"
        )
    push, bare = routes["push"], routes["bare"]
    bare_cpu = bare.cpu_ms(bare.api_cpu)
    # A short run can spend less than one clock tick of the bare app's CPU: no ratio then.
    cpu_ratio = f"{push.cpu_ms(push.api_cpu) / bare_cpu:.1f}x" if bare_cpu else "n/a"
    print(f"push/bare API CPU per request: {cpu_ratio} (what the machine's load does not change)")
    push_ratio = routes["push"].rate / routes["bare"].rate
    mixed_ratio = routes["mixed pull"].p(0.99) / routes["mixed healthz"].p(0.99)
    alone_ratio = routes["pull"].p(0.99) / routes["healthz"].p(0.99)
    errors = sum(r.errors for r in routes.values())
    print(f"push/bare rate:            {push_ratio:.2f}x (goal >= 0.5x)")
    print(f"pull p99 / healthz p99:    {mixed_ratio:.2f}x (goal <= 3x; mixed slice, one load)")
    print(f"  separate slices:         {alone_ratio:.2f}x")
    print(f"errors:                    {errors} (goal 0)")
    for name, route in routes.items():
        if route.first_error:
            print(f"  first {name} error: {route.first_error}")
    missed = []
    if push_ratio < 0.5:
        missed.append(f"push/bare {push_ratio:.2f}x at concurrency {concurrency}")
    if mixed_ratio > 3:
        missed.append(f"pull/healthz p99 {mixed_ratio:.2f}x at concurrency {concurrency}")
    if errors:
        missed.append(f"{errors} errors at concurrency {concurrency}")
    return missed


async def memory(clients: Clients, server_pid: int, pushes: int, concurrency: int) -> None:
    """RSS of each API worker before, halfway through and after `pushes` pushes.

    Caches fill during the first half; a leak shows as growth in the second half too.
    """
    workers = api_workers(server_pid)
    rss = [{pid: rss_mib(pid) for pid in workers}]
    route = Route()
    started = time.perf_counter()
    for half in (pushes // 2, pushes - pushes // 2):
        await run_slice([(route, clients.push)], half, concurrency)
        rss.append({pid: rss_mib(pid) for pid in workers})
    seconds = time.perf_counter() - started
    print(
        f"\nmemory: {pushes} pushes at concurrency {concurrency} in {seconds:.0f} s, "
        f"{route.errors} errors"
    )
    if route.first_error:
        print(f"  first error: {route.first_error}")
    for pid in workers:
        start, middle, end = (sample[pid] for sample in rss)
        print(
            f"  API worker {pid}: RSS start {start:.1f} MiB, halfway {middle:.1f} MiB, "
            f"end {end:.1f} MiB ({end - start:+.1f}; second half {end - middle:+.1f})"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="small numbers, a few seconds")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[32, 16])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=400, help="per route per round")
    parser.add_argument("--documents", type=int, default=20_000, help="seeded for the pull")
    parser.add_argument("--consents", type=int, default=500)
    parser.add_argument("--memory-pushes", type=int, default=5_000)
    parser.add_argument("--memory-concurrency", type=int, default=32)
    args = parser.parse_args(argv)
    # A terminated run still stops its servers and drops its database.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if args.smoke:
        args.concurrency, args.rounds, args.requests = [4], 1, 20
        args.documents, args.consents, args.memory_pushes = 200, 20, 2_000
        args.memory_concurrency = 16

    with private_database() as url, tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        upgrade(url)
        seeded = seed(url, args.documents, args.consents)
        owner = seeded.consents[0][2]
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.execute(
                sa.insert(ProviderMandate).values(provider_id=seeded.provider, owner_id=owner)
            )
        engine.dispose()
        keys = KeyStore.generate(data_dir / "keys.json")
        bench_catalogue(data_dir / "purposes.json")
        tokens = {
            bank: bank_token(keys, bank, "data:read", ttl=TOKEN_SECONDS)
            for bank in {b for _, b, _ in seeded.consents}
        }
        push_token = issue_access_token(
            keys,
            issuer=ISSUER,
            audience="tradegate",
            ttl=TOKEN_SECONDS,
            client_id="bench-provider",
            participant_id=str(seeded.provider),
            scopes=["documents:write"],
            roles=["provider"],
        ).token
        env = server_env(url, data_dir)
        env["TRADEGATE_BROKER_URL"] = REDIS_URL
        env["TRADEGATE_CELERY_QUEUE"] = f"tg-bench-{uuid.uuid4().hex[:8]}"
        hub_port = free_port()
        bare_port = free_port()
        bare_command = [
            sys.executable,
            "-m",
            "uvicorn",
            "bench.bare_app:app",
            "--port",
            str(bare_port),
            "--workers",
            str(API_WORKERS),
            "--log-level",
            "warning",
        ]
        with (
            worker(env, data_dir / "worker.log", enabled=True),
            http_server(
                serve_command(hub_port, "--workers", str(API_WORKERS)),
                env,
                hub_port,
                data_dir / "server.log",
            ) as hub,
            http_server(bare_command, env, bare_port, data_dir / "bare.log") as bare,
        ):
            tenants = Tenants(push_token, owner, tokens, seeded)
            missed = asyncio.run(run_all(args, hub, bare, url, tenants))
    print("\ngoals: " + ("met" if not missed else "NOT met: " + "; ".join(missed)))
    return 1 if any("errors" in m for m in missed) else 0


async def run_all(
    args: argparse.Namespace, hub: Running, bare: Running, database_url: str, tenants: Tenants
) -> list[str]:
    # Idle connections expire before uvicorn's 5 s keep-alive closes them under the client.
    limits = httpx.Limits(
        max_connections=max(args.concurrency),
        max_keepalive_connections=max(args.concurrency),
        keepalive_expiry=2.0,
    )
    async with (
        httpx.AsyncClient(base_url=hub.base, limits=limits, timeout=60) as hub_client,
        httpx.AsyncClient(base_url=bare.base, limits=limits, timeout=60) as bare_client,
    ):
        clients = Clients(hub_client, bare_client, tenants)
        hub_meter = Meter(tuple(api_workers(hub.pid)), database_url)
        bare_meter = Meter(tuple(api_workers(bare.pid)))
        print(
            f"{API_WORKERS} API workers, Redis broker, 1 Celery worker; "
            f"{args.rounds} rounds of {args.requests} requests per route"
        )
        missed: list[str] = []
        for concurrency in args.concurrency:
            routes = await measure(
                clients, concurrency, args.rounds, args.requests, hub_meter, bare_meter
            )
            missed += report(concurrency, routes)
        if args.memory_pushes:
            await memory(clients, hub.pid, args.memory_pushes, args.memory_concurrency)
    return missed


if __name__ == "__main__":
    sys.exit(main())
