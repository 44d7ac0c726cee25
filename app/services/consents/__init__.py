"""Consents: requests, lifecycle transitions, signed artefacts and purposes."""
