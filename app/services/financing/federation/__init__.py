"""Cross-border duplicate-financing checks between peer hubs (RFC 9497 OPRF, bucketed)."""
