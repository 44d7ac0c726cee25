"""The transparency log of record: proofs, checkpoints and anchor sinks."""
