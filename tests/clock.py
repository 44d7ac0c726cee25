"""A clock tests move forward by hand, so deadlines pass without anyone sleeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class FakeClock:
    """Real time plus an offset that only grows: untouched, it behaves like the real clock."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    @property
    def now(self) -> datetime:
        return self()

    def advance(self, **delta: float) -> datetime:
        """Jump forward by `delta` (timedelta keywords); returns the new time."""
        self.offset += timedelta(**delta)
        return self()
