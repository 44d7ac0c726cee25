"""EVM sink against an in-process chain (eth-tester + py-evm) running the committed contract."""

import hashlib
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.domain.checkpoint import Checkpoint
from app.domain.note import NoteSigner
from app.ledger.sinks import (
    AnchorError,
    AnchorVerificationError,
    TrustAnchors,
    by_url,
    receipt_from_json,
    verify_receipt,
)
from app.ledger.sinks.evm import EvmReceipt, EvmSink, deploy_contract

pytestmark = pytest.mark.integration

SIGNER = NoteSigner("tradegate.example/log", Ed25519PrivateKey.generate())


def _checkpoint(size: int, fill: int) -> bytes:
    return Checkpoint("tradegate.example/log", size, bytes([fill]) * 32).sign([SIGNER])


@pytest.fixture
def chain():
    from web3 import EthereumTesterProvider, Web3

    web3 = Web3(EthereumTesterProvider())
    return web3, deploy_contract(web3)


def _sink(chain) -> EvmSink:
    web3, address = chain
    return EvmSink(web3, chain_id=web3.eth.chain_id, contract=address)


def test_anchor_records_root_and_size_and_verifies_against_the_chain(chain):
    web3, address = chain
    checkpoint = _checkpoint(7, 1)
    receipt = _sink(chain).anchor(checkpoint)
    assert isinstance(receipt, EvmReceipt)
    assert receipt.chain_id == web3.eth.chain_id
    assert receipt.contract == address
    assert receipt.size == 7
    restored = receipt_from_json(json.loads(receipt.model_dump_json()))
    trust = TrustAnchors(evm_nodes={web3.eth.chain_id: web3})
    assert verify_receipt(checkpoint, restored, trust) == receipt.block_time


def test_first_write_wins_and_reanchoring_returns_the_original_receipt(chain):
    sink = _sink(chain)
    checkpoint = _checkpoint(3, 2)
    first = sink.anchor(checkpoint)
    again = sink.anchor(checkpoint)
    assert again.tx_hash == first.tx_hash
    assert again.block_number == first.block_number


def test_the_contract_refuses_to_rewrite_a_root_with_another_size(chain):
    web3, _ = chain
    sink = _sink(chain)
    sink.anchor(_checkpoint(3, 4))
    sink.contract.functions.anchor(bytes([4]) * 32, 99).transact({"from": web3.eth.accounts[0]})
    assert sink.contract.functions.anchorOf(bytes([4]) * 32).call()[0] == 3
    with pytest.raises(AnchorError, match="another tree size"):
        sink.anchor(_checkpoint(99, 4))


def test_receipt_for_a_root_never_anchored_does_not_verify(chain):
    web3, _ = chain
    receipt = _sink(chain).anchor(_checkpoint(5, 5))
    other = _checkpoint(5, 6)
    forged = receipt.model_copy(
        update={
            "root": "0x" + "06" * 32,
            "checkpoint_sha256": hashlib.sha256(other).hexdigest(),
        }
    )
    with pytest.raises(AnchorVerificationError) as info:
        verify_receipt(other, forged, TrustAnchors(evm_nodes={web3.eth.chain_id: web3}))
    assert info.value.reason == "anchor_not_found"


def test_receipt_pointing_at_another_contract_does_not_verify(chain):
    web3, _ = chain
    receipt = _sink(chain).anchor(_checkpoint(5, 7))
    moved = receipt.model_copy(update={"contract": web3.eth.accounts[1]})
    with pytest.raises(AnchorVerificationError) as info:
        verify_receipt(_checkpoint(5, 7), moved, TrustAnchors(evm_nodes={web3.eth.chain_id: web3}))
    assert info.value.reason == "anchor_untrusted"


def test_verification_needs_a_trusted_node_for_the_chain(chain):
    receipt = _sink(chain).anchor(_checkpoint(5, 8))
    with pytest.raises(AnchorVerificationError) as info:
        verify_receipt(_checkpoint(5, 8), receipt, TrustAnchors())
    assert info.value.reason == "anchor_untrusted"


def test_sink_on_the_wrong_chain_refuses_to_anchor(chain):
    web3, address = chain
    with pytest.raises(AnchorError, match="chain"):
        EvmSink(web3, chain_id=1, contract=address).anchor(_checkpoint(1, 9))


def test_by_url_builds_an_evm_sink_from_chain_id_and_contract():
    address = "0x" + "11" * 20
    sink = by_url(f"evm+http://127.0.0.1:8545/?chain_id=31337&contract={address}")
    assert isinstance(sink, EvmSink)
    assert sink.chain_id == 31337
    assert sink.address.lower() == address
