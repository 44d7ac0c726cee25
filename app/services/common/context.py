"""What a long-running use case needs from the process: settings, keys and units of work."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from app.security.keys import KeyStore
    from app.settings import Settings
    from app.storage.uow import UnitOfWork


class ServiceContext(Protocol):
    """Implemented by the composition root; services that open their own transactions take it."""

    @property
    def settings(self) -> Settings: ...

    @property
    def keys(self) -> KeyStore: ...

    @property
    def clock(self) -> Callable[[], datetime]: ...

    def uow(self) -> UnitOfWork: ...
