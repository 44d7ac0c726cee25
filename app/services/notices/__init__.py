"""Notices of ended or suspended consents, and the deletion receipts consumers owe afterwards."""
