"""Tradegate: a consent-based trade-document interchange hub."""

__version__ = "0.1.0"
