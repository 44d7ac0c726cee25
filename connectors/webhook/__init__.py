"""Outbound webhooks following the Standard Webhooks specification."""
