"""Tradegate: a consent-based trade-document interchange hub."""
