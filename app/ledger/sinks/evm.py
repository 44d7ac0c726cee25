"""EVM chain sink: write (root, size) to the CheckpointAnchor contract and verify it on chain."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any, ClassVar, Literal
from urllib.parse import parse_qs, urlsplit, urlunsplit

from app.domain.checkpoint import Checkpoint
from app.domain.note import NoteError, parse_note
from app.ledger.sinks.base import (
    AnchorError,
    AnchorReceipt,
    AnchorSink,
    AnchorVerificationError,
    TrustAnchors,
    check_receipt_matches,
    checkpoint_digest,
)

ARTIFACT = Path(__file__).resolve().parent.parent / "contracts" / "CheckpointAnchor.json"


@cache
def contract_artifact() -> dict[str, Any]:
    """ABI, creation and runtime bytecode of the committed, reproducibly compiled contract."""
    artifact: dict[str, Any] = json.loads(ARTIFACT.read_text())
    return artifact


class EvmReceipt(AnchorReceipt):
    """Where and when the chain recorded the checkpoint."""

    kind: Literal["evm"] = "evm"
    chain_id: int
    contract: str
    tx_hash: str
    block_number: int
    block_time: datetime
    root: str
    size: int


def checkpoint_of(checkpoint: bytes) -> Checkpoint:
    """The tree head inside a signed checkpoint note."""
    try:
        return Checkpoint.parse(parse_note(checkpoint).text)
    except NoteError as exc:
        raise AnchorError(f"not a signed checkpoint: {exc}") from exc


def connect(node: Any) -> Any:
    """A Web3 client for a JSON-RPC URL (or the Web3 object itself)."""
    from web3 import Web3

    if isinstance(node, str):
        return Web3(Web3.HTTPProvider(node, request_kwargs={"timeout": 30}))
    return node


def deploy_contract(web3: Any, *, sender: str | None = None, private_key: str | None = None) -> str:
    """Deploy CheckpointAnchor and return its checksum address."""
    artifact = contract_artifact()
    factory = web3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
    tx_hash = _send(web3, factory.constructor(), sender, private_key)
    receipt = web3.eth.wait_for_transaction_receipt(tx_hash, timeout=120)
    if receipt["status"] != 1:
        raise AnchorError("contract deployment reverted")
    address: str = receipt["contractAddress"]
    return address


def _send(web3: Any, call: Any, sender: str | None, private_key: str | None) -> Any:
    if private_key:
        account = web3.eth.account.from_key(private_key)
        tx = call.build_transaction(
            {
                "from": account.address,
                "nonce": web3.eth.get_transaction_count(account.address, "pending"),
                "chainId": web3.eth.chain_id,
            }
        )
        signed = account.sign_transaction(tx)
        return web3.eth.send_raw_transaction(signed.raw_transaction)
    return call.transact({"from": sender or web3.eth.accounts[0]})


def _fail(message: str, reason: str = "anchor_unverified") -> AnchorVerificationError:
    return AnchorVerificationError(f"EVM anchor: {message}", reason)


class EvmSink(AnchorSink):
    """Anchors checkpoints in a CheckpointAnchor contract through a JSON-RPC node."""

    kind: ClassVar[str] = "evm"
    receipt_type: ClassVar[type[AnchorReceipt]] = EvmReceipt

    def __init__(
        self,
        web3: Any,
        *,
        chain_id: int,
        contract: str,
        sender: str | None = None,
        private_key: str | None = None,
        timeout: float = 120.0,
    ) -> None:
        from web3 import Web3

        self.web3 = connect(web3)
        self.chain_id = chain_id
        self.address = Web3.to_checksum_address(contract)
        self.contract = self.web3.eth.contract(address=self.address, abi=contract_artifact()["abi"])
        self.sender = sender
        self.private_key = private_key
        self.timeout = timeout

    @classmethod
    def from_url(cls, url: str, **options: Any) -> EvmSink:
        """``evm+http://node:8545/?chain_id=1&contract=0x…[&sender=0x…]``; keys come as options."""
        parts = urlsplit(url)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        try:
            chain_id = int(query.pop("chain_id"))
            contract = query.pop("contract")
        except (KeyError, ValueError) as exc:
            raise ValueError("evm+ URLs need chain_id=<int> and contract=<address>") from exc
        scheme = parts.scheme.split("+", 1)[1]
        rpc = urlunsplit((scheme, parts.netloc, parts.path or "/", "", ""))
        if "sender" in query:
            options.setdefault("sender", query.pop("sender"))
        return cls(rpc, chain_id=chain_id, contract=contract, **options)

    def _check_chain(self) -> None:
        actual = self.web3.eth.chain_id
        if actual != self.chain_id:
            raise AnchorError(f"node is on chain {actual}, expected {self.chain_id}")

    def anchor(self, checkpoint: bytes) -> AnchorReceipt:
        """Write root and size; a root already on chain yields its original receipt."""
        head = checkpoint_of(checkpoint)
        try:
            self._check_chain()
            size, block_number, _, _ = self.contract.functions.anchorOf(head.root_hash).call()
            if block_number == 0:
                call = self.contract.functions.anchor(head.root_hash, head.size)
                tx_hash = _send(self.web3, call, self.sender, self.private_key)
                tx = self.web3.eth.wait_for_transaction_receipt(tx_hash, timeout=self.timeout)
                if tx["status"] != 1:
                    raise AnchorError("anchor transaction reverted")
                size, block_number, _, _ = self.contract.functions.anchorOf(head.root_hash).call()
            if size != head.size:
                raise AnchorError("the chain holds this root with another tree size")
            logs = self.contract.events.Anchored.get_logs(
                argument_filters={"root": head.root_hash},
                from_block=block_number,
                to_block=block_number,
            )
            block = self.web3.eth.get_block(block_number)
        except AnchorError:
            raise
        except Exception as exc:  # web3 raises a zoo of transport and RPC errors
            raise AnchorError(f"EVM node failed: {exc}") from exc
        if not logs:
            raise AnchorError("anchor event not found on chain")
        return EvmReceipt(
            checkpoint_sha256=checkpoint_digest(checkpoint).hex(),
            chain_id=self.chain_id,
            contract=self.address,
            tx_hash=logs[0]["transactionHash"].to_0x_hex(),
            block_number=block_number,
            block_time=datetime.fromtimestamp(block["timestamp"], UTC),
            root="0x" + head.root_hash.hex(),
            size=head.size,
        )

    @staticmethod
    def verify_receipt(checkpoint: bytes, receipt: AnchorReceipt, trust: TrustAnchors) -> datetime:
        """Ask a trusted node for the chain: code, stored anchor, transaction and block time."""
        if not isinstance(receipt, EvmReceipt):
            raise _fail("not an EVM receipt", "anchor_malformed")
        check_receipt_matches(checkpoint, receipt)
        try:
            head = checkpoint_of(checkpoint)
        except AnchorError as exc:
            raise _fail(str(exc), "anchor_malformed") from exc
        if receipt.root != "0x" + head.root_hash.hex() or receipt.size != head.size:
            raise _fail("receipt is for another tree head", "anchor_checkpoint_mismatch")
        node = trust.evm_nodes.get(receipt.chain_id)
        if node is None:
            raise _fail(f"no trusted node for chain {receipt.chain_id}", "anchor_untrusted")
        try:
            return _verify_on_chain(connect(node), receipt, head)
        except AnchorVerificationError:
            raise
        except Exception as exc:
            raise _fail(f"node query failed: {exc}") from exc


def _verify_on_chain(web3: Any, receipt: EvmReceipt, head: Checkpoint) -> datetime:
    from web3 import Web3

    artifact = contract_artifact()
    if web3.eth.chain_id != receipt.chain_id:
        raise _fail("the trusted node is on another chain", "anchor_untrusted")
    address = Web3.to_checksum_address(receipt.contract)
    if web3.eth.get_code(address).to_0x_hex() != artifact["deployedBytecode"]:
        raise _fail("the address does not hold the CheckpointAnchor contract", "anchor_untrusted")
    contract = web3.eth.contract(address=address, abi=artifact["abi"])
    size, block_number, _, _ = contract.functions.anchorOf(head.root_hash).call()
    if block_number == 0:
        raise _fail("the root is not anchored on chain", "anchor_not_found")
    if size != head.size or block_number != receipt.block_number:
        raise _fail("the chain records another size or block", "anchor_tampered")
    tx = web3.eth.get_transaction_receipt(receipt.tx_hash)
    events = contract.events.Anchored().process_receipt(tx)
    if (
        tx["status"] != 1
        or tx["blockNumber"] != block_number
        or not any(
            e["args"]["root"] == head.root_hash and e["args"]["size"] == head.size for e in events
        )
    ):
        raise _fail("the transaction did not anchor this root", "anchor_tampered")
    block_time = datetime.fromtimestamp(web3.eth.get_block(block_number)["timestamp"], UTC)
    if block_time != receipt.block_time:
        raise _fail("receipt time differs from the block's", "anchor_tampered")
    return block_time
