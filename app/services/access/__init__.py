"""Consented access: what a consumer may read now (pull) and be told of (coverage)."""
