"""Ledger figures in one run: append vs raw insert, proof vs row read, signing, anchoring lag."""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import random
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import sqlalchemy as sa

from app.container import Container
from app.domain.checkpoint import Checkpoint, open_checkpoint
from app.domain.merkle import append_nodes, inclusion_proof, root_hash, verify_inclusion
from app.domain.note import NoteSigner
from app.ledger import store
from app.services.common.events import record_event
from app.services.ledger.log import anchoring_lag_seconds, integrate_pending
from app.settings import Settings
from app.storage.base import utcnow
from app.storage.migrate import upgrade
from app.storage.models import ChainHead, Event
from app.storage.models.ledger import LedgerLeaf, LedgerState

HASH = bytes(32)


def seed_events(container: Container, count: int, *, linked: bool = True) -> None:
    """Committed events waiting for the sequencer (bulk insert: set-up, not measured).

    `linked` events already carry their chain fields, so only the Merkle append is timed;
    otherwise they arrive as writers leave them and the sequencer links them first.
    """
    with container.engine.begin() as conn:
        start = conn.execute(sa.select(sa.func.coalesce(sa.func.max(Event.seq), 0))).scalar_one()
        rows = [
            {
                "id": uuid.uuid4(),
                "seq": start + i + 1 if linked else None,
                "time": utcnow(),
                "kind": "bench.event",
                "actor": "bench",
                "subject": f"document:{i}",
                "participant_ids": [],
                "payload": {"i": i},
                "payload_sha256": os.urandom(32).hex(),
                "prev_hash": "0" * 64 if linked else None,
                "hash": os.urandom(32).hex() if linked else None,
            }
            for i in range(count)
        ]
        conn.execute(sa.insert(Event), rows)
        if linked:  # as the sequencer would leave the tip, so later linking continues from it
            tip = {"seq": start + count, "hash": rows[-1]["hash"]}
            conn.execute(sa.update(ChainHead).where(ChainHead.id == 1).values(tip))


@contextlib.contextmanager
def settled_heap() -> Iterator[None]:
    """Freeze what set-up built, so a timed loop pays the collector only for its own garbage.

    Without it the raw loop's 50 000 prepared rows are rescanned by every full collection
    (about half of that loop's time), which would flatter the sequencer against it.
    """
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def append_rate(container: Container, count: int, batch: int, *, linked: bool = True) -> float:
    """Leaves per second through the sequencer, each batch committed (durable)."""
    seed_events(container, count, linked=linked)
    with settled_heap():
        start = time.perf_counter()
        while True:
            with container.uow() as uow:
                done = integrate_pending(
                    uow.session, container.settings, container.keys, limit=batch
                )
                uow.commit()
            if done is None:
                break
        return count / (time.perf_counter() - start)


def raw_insert_rate(container: Container, count: int, batch: int) -> float:
    """32-byte rows per second, batched the same way, into the same database."""
    table = sa.Table(
        f"bench_raw_{uuid.uuid4().hex[:8]}",
        sa.MetaData(),
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("h", sa.LargeBinary(32)),
    )
    table.create(container.engine)
    rows = [{"id": i, "h": os.urandom(32)} for i in range(count)]
    try:
        with settled_heap():
            start = time.perf_counter()
            for lo in range(0, count, batch):
                with container.engine.begin() as conn:
                    conn.execute(table.insert(), rows[lo : lo + batch])
            return count / (time.perf_counter() - start)
    finally:
        table.drop(container.engine)


def build_large_tree(container: Container, leaves: int) -> None:
    """A log of ``leaves`` leaves, stored exactly as the sequencer stores it."""
    hashes = [os.urandom(32) for _ in range(leaves)]
    nodes = append_nodes(0, {}, hashes)
    with container.uow() as uow:
        store.add_batch(uow.session, 0, hashes, os.urandom(32 * leaves), nodes)
        uow.session.execute(sa.update(LedgerState).where(LedgerState.id == 1).values(size=leaves))
        uow.commit()


def median_seconds(fn: Callable[[int], object], samples: list[int]) -> float:
    timings = []
    for sample in samples:
        start = time.perf_counter()
        fn(sample)
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def proof_vs_row_read(container: Container, leaves: int, samples: int) -> tuple[float, float]:
    """Median inclusion-proof time and median indexed single-row read, same database."""
    build_large_tree(container, leaves)
    picks = [random.randrange(leaves) for _ in range(samples)]
    with container.uow() as uow:
        source = store.SqlSubtreeSource(uow.session)
        read = sa.select(LedgerLeaf.leaf_hash)
        row = median_seconds(
            lambda i: uow.session.execute(read.where(LedgerLeaf.idx == i)).scalar_one(), picks
        )
        proof = median_seconds(lambda i: inclusion_proof(source, i, leaves), picks)
        index = picks[0]
        digest = source.subtree_hashes([(0, index)])[(0, index)]
        assert verify_inclusion(
            index, leaves, digest, inclusion_proof(source, index, leaves), root_hash(source, leaves)
        )
    return proof, row


def checkpoint_timings(rounds: int) -> tuple[float, float]:
    """Seconds to sign a checkpoint note, and to open (parse + verify) it."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    signer = NoteSigner("bench.example/log", Ed25519PrivateKey.generate())
    head = Checkpoint("bench.example/log", 1_000_000, os.urandom(32))
    note = head.sign([signer])
    verifier = [signer.verifier()]
    sign = median_seconds(lambda _: head.sign([signer]), list(range(rounds)))
    verify = median_seconds(lambda _: open_checkpoint(note, verifier), list(range(rounds)))
    return sign, verify


def lag_under_load(settings: Settings, seconds: float) -> tuple[float, float, int]:
    """Ingest events as fast as one writer can while the embedded jobs sequence and anchor.

    Returns (max anchoring lag seen, ingest rate, leaves anchored at the end).
    """
    container = Container(settings)
    container.runner.start()
    stop = threading.Event()
    written = 0

    def ingest() -> None:
        nonlocal written
        while not stop.is_set():
            with container.uow() as uow:
                for _ in range(10):
                    record_event(uow.session, kind="bench", actor="b", subject="s", payload={})
                uow.commit()
            written += 10

    worst = 0.0
    writer = threading.Thread(target=ingest)
    start = time.perf_counter()
    writer.start()
    try:
        while time.perf_counter() - start < seconds:
            time.sleep(0.05)
            with container.uow() as uow:
                worst = max(worst, anchoring_lag_seconds(uow.session))
    finally:
        stop.set()
        writer.join()
    rate = written / (time.perf_counter() - start)
    with container.uow() as uow:
        state = store.peek_state(uow.session)
        anchored = state.anchored_size if state else 0
    container.close()
    return worst, rate, anchored


def fresh_settings(data_dir: Path, database_url: str | None, **extra: object) -> Settings:
    url = database_url or f"sqlite:///{data_dir / 'ledger-bench.db'}"
    upgrade(url)
    return Settings(
        env="test",
        data_dir=data_dir,
        database_url=url,
        log_level="ERROR",
        ledger_anchor_urls=["none://"],
        **extra,  # type: ignore[arg-type]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny run for the test suite")
    parser.add_argument("--database-url", help="empty migrated database (default: SQLite)")
    args = parser.parse_args()
    appends, batch = (2_000, 500) if args.smoke else (50_000, 5_000)
    tree = 1 << 12 if args.smoke else 1 << 20
    samples = 50 if args.smoke else 500
    lag_seconds = 2.0 if args.smoke else 15.0
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        container = Container(fresh_settings(base / "a", args.database_url, inline_tasks=False))
        append = append_rate(container, appends, batch)
        chain_and_append = append_rate(container, appends, batch, linked=False)
        raw = raw_insert_rate(container, appends, batch)
        container.close()
        if args.database_url is None:
            container = Container(fresh_settings(base / "b", None))
        else:
            container = Container(fresh_settings(base / "a", args.database_url))
            with container.engine.begin() as conn:
                conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
                conn.execute(sa.text("TRUNCATE ledger_nodes, ledger_leaves, ledger_salts"))
        proof, row = proof_vs_row_read(container, tree, samples)
        container.close()
        sign, verify = checkpoint_timings(samples)
        lag, ingest, anchored = (0.0, 0.0, 0)
        if args.database_url is None:
            lag, ingest, anchored = lag_under_load(
                fresh_settings(
                    base / "c",
                    None,
                    ledger_anchor_interval_seconds=1.0,
                    embedded_scheduler=True,
                ),
                lag_seconds,
            )
    print(
        f"append   {append:10.0f} leaves/s  raw insert {raw:10.0f} rows/s  "
        f"ratio {append / raw:.2f} (goal >= 0.5)"
    )
    print(f"link + append {chain_and_append:10.0f} events/s (events arrive unchained)")
    print(
        f"proof    {proof * 1e3:10.3f} ms at {tree} leaves  row read {row * 1e3:.3f} ms  "
        f"ratio {proof / row:.2f} (goal <= 5)"
    )
    print(f"checkpoint sign {sign * 1e6:.0f} us  verify {verify * 1e6:.0f} us")
    if args.database_url is None:
        print(
            f"anchoring lag max {lag:.2f} s at {ingest:.0f} events/s, {anchored} leaves anchored "
            f"(goal < 2 s; interval 1 s, none:// sink)"
        )


if __name__ == "__main__":
    main()
