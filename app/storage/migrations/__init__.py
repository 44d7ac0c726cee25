"""Alembic migrations; run them with `tradegate migrate`."""
