"""The committed EVM artifact was compiled from the committed source, with the pinned solc."""

import hashlib
import json

from app.ledger.sinks.evm import ARTIFACT, contract_artifact


def test_artifact_matches_the_solidity_source_it_was_built_from():
    source = ARTIFACT.with_suffix(".sol").read_bytes()
    artifact = contract_artifact()
    assert artifact["sourceSha256"] == hashlib.sha256(source).hexdigest()
    assert artifact["compiler"]["version"].startswith("0.8.37+")
    assert b"pragma solidity 0.8.37;" in source


def test_artifact_exposes_the_anchoring_interface():
    abi = {item.get("name"): item for item in contract_artifact()["abi"]}
    assert [i["type"] for i in abi["anchor"]["inputs"]] == ["bytes32", "uint64"]
    assert abi["Anchored"]["type"] == "event"
    assert abi["anchorOf"]["stateMutability"] == "view"
    assert json.loads(ARTIFACT.read_text())["deployedBytecode"].startswith("0x")
