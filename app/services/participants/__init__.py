"""Participants, their API clients and dashboard users, identity and provider mandates."""
