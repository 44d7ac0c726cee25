"""The transparency log: sequencing, proofs, audit, status, anchoring and verification."""
