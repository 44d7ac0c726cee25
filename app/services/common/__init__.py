"""Shared by every domain: event log, outbox, keyset cursors, audit trail."""
