"""Validation rate of Tradegate's pipeline against bare jsonschema (eBL) and xmlschema (CII).

Both sides start from the same bytes: the reference libraries parse then validate; Tradegate
runs the whole intake pipeline (hardened parse, detection, compiled schema, business rules,
canonical form and hashes). Schema verdicts must agree on every document of the corpus.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import jsonschema
import xmlschema
from lxml import etree

from app.validation import validate

REPO = Path(__file__).resolve().parents[1]
_SHARED = REPO.parent / "shared" / "reference"
REFERENCE = Path(
    os.environ.get(
        "TRADEGATE_REFERENCE_DIR",
        _SHARED if _SHARED.is_dir() else REPO / "tests" / "data" / "reference",
    )
)
SCHEMAS = REPO / "schemas"


def _transport_documents() -> list[dict]:
    examples = REFERENCE / "dcsa" / "examples"
    docs = [json.loads(p.read_bytes()) for p in sorted(examples.glob("TransportDocument_*.json"))]
    docs.append(json.loads((examples / "IssuanceRequest_regularSTD.json").read_bytes())["document"])
    notification = examples / "TransportDocumentNotification_issuedFullStateTransfer.json"
    docs.append(json.loads(notification.read_bytes())["data"]["transportDocument"])
    return docs


def _broken_variants(td: dict) -> list[dict]:
    """Schema-invalid copies: a missing required member, a bad enum, an impossible date."""
    missing = copy.deepcopy(td)
    del missing["transports"]
    enum = copy.deepcopy(td)
    enum["transportDocumentTypeCode"] = "XYZ"
    date = copy.deepcopy(td)
    date["shippedOnBoardDate"] = "2023-02-30"
    return [missing, enum, date]


def _many_containers(td: dict, count: int) -> dict:
    """A valid multi-container bill: the example's cargo and equipment repeated ``count`` times."""
    big = copy.deepcopy(td)
    item, equipment = td["consignmentItems"][0], td["utilizedTransportEquipments"][0]
    big["consignmentItems"], big["utilizedTransportEquipments"] = [], []
    for i in range(count):
        reference = f"KKFU{6671900 + i:07d}"
        cargo_item = copy.deepcopy(item)
        for cargo in cargo_item["cargoItems"]:
            cargo["equipmentReference"] = reference
        unit = copy.deepcopy(equipment)
        unit["equipment"]["equipmentReference"] = reference
        big["consignmentItems"].append(cargo_item)
        big["utilizedTransportEquipments"].append(unit)
    return big


def large_ebl_corpus() -> list[bytes]:
    """Bills of lading of 40 containers, the size of a real consolidated shipment."""
    return [json.dumps(_many_containers(td, 40)).encode() for td in _transport_documents()]


def ebl_corpus() -> tuple[list[bytes], list[bytes]]:
    """(valid, invalid) transport documents."""
    docs = _transport_documents()
    broken = [variant for td in docs for variant in _broken_variants(td)]
    return [json.dumps(d).encode() for d in docs], [json.dumps(d).encode() for d in broken]


def cii_corpus() -> tuple[list[bytes], list[bytes]]:
    """(valid, invalid) invoices."""
    docs = [p.read_bytes() for p in sorted((REFERENCE / "uncefact" / "examples").glob("*.xml"))]
    broken = [
        d.replace(b"<ram:InvoiceCurrencyCode>", b"<ram:Unexpected/><ram:InvoiceCurrencyCode>", 1)
        for d in docs
    ]
    return docs, broken


def _timed(fn: Callable[[bytes], object], corpus: list[bytes], passes: int) -> float:
    start = time.perf_counter()
    for _ in range(passes):
        for raw in corpus:
            fn(raw)
    return time.perf_counter() - start


def compare(
    bare: Callable[[bytes], object],
    ours: Callable[[bytes], object],
    corpus: list[bytes],
    *,
    rounds: int,
    our_passes: int,
) -> tuple[float, float]:
    """Documents per second of each side, measured in alternating slices.

    Interleaving keeps the two figures comparable on a shared machine: a burst of load from
    elsewhere slows both sides instead of only whichever ran at that moment.
    """
    bare_time = our_time = 0.0
    for _ in range(rounds):
        bare_time += _timed(bare, corpus, 1)
        our_time += _timed(ours, corpus, our_passes)
    n = len(corpus) * rounds
    return n / bare_time, n * our_passes / our_time


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="one quick pass for the test suite")
    args = parser.parse_args()
    if not REFERENCE.is_dir():
        print(f"reference examples not found at {REFERENCE}", file=sys.stderr)
        return 2

    schema = json.loads(
        (SCHEMAS / "dcsa/ebl-3.0.3/TransportDocument-3.0.3.schema.json").read_bytes()
    )
    bare_json = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    bare_xml = xmlschema.XMLSchema10(
        str(SCHEMAS / "uncefact/cii-d16b/CrossIndustryInvoice_100pD16B.xsd")
    )

    def bare_ebl(raw: bytes) -> bool:
        return bool(bare_json.is_valid(json.loads(raw)))

    def bare_cii(raw: bytes) -> bool:
        return bool(bare_xml.is_valid(etree.fromstring(raw), use_location_hints=False))

    def ours(raw: bytes) -> bool:
        return validate(raw).schema_valid

    (ebl_ok, ebl_bad), (cii_ok, cii_bad) = ebl_corpus(), cii_corpus()
    ebl_large = large_ebl_corpus()
    ebl_ok_all = ebl_ok + ebl_large
    checked = [(d, bare_ebl) for d in ebl_ok_all + ebl_bad] + [
        (d, bare_cii) for d in cii_ok + cii_bad
    ]
    agree = all(ours(d) == bare(d) for d, bare in checked)
    agree = agree and all(map(ours, ebl_ok_all + cii_ok)) and not any(map(ours, ebl_bad + cii_bad))
    rounds = 1 if args.smoke else 20
    rows = []
    for name, corpus, bare, label in (
        ("eBL valid", ebl_ok, bare_ebl, "jsonschema"),
        ("eBL 40 ctrs", ebl_large, bare_ebl, "jsonschema"),
        ("eBL invalid", ebl_bad, bare_ebl, "jsonschema"),
        ("CII valid", cii_ok, bare_cii, "xmlschema"),
        ("CII invalid", cii_bad, bare_cii, "xmlschema"),
    ):
        # Invalid documents are explained by the reference library itself: no speed-up there.
        our_passes = 1 if args.smoke or "invalid" in name else 10
        reference_rate, our_rate = compare(bare, ours, corpus, rounds=rounds, our_passes=our_passes)
        rows.append((name, len(corpus), label, reference_rate, our_rate, our_rate / reference_rate))

    print(
        f"{'corpus':<12} {'docs':>5} {'reference':<11} {'ref docs/s':>11} "
        f"{'tradegate docs/s':>17} {'ratio':>7}"
    )
    for name, n, label, ref, our, ratio in rows:
        print(f"{name:<12} {n:>5} {label:<11} {ref:>11.0f} {our:>17.0f} {ratio:>6.1f}x")
    print(f"verdicts agree on all {len(checked)} documents: {'yes' if agree else 'NO'}")
    goal = all(r[-1] >= 10 for r in rows if "invalid" not in r[0]) and agree
    print(f"goal (valid documents >= 10x, identical verdicts): {'met' if goal else 'not met'}")
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
