"""Outbound delivery: routing announcements, connector instances, attempts, stats and the feed."""
