"""What a long-running use case needs from the process: settings, keys, units of work, peers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    import httpx

    from app.security.keys import KeyStore
    from app.settings import Settings
    from app.storage.models import Peer
    from app.storage.uow import UnitOfWork


class PeerCaller(Protocol):
    """Calls a peer hub as this hub (``app.services.federation.peer_client.PeerClient``)."""

    def request(
        self,
        peer: Peer,
        method: str,
        path: str,
        *,
        json: Any = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response: ...


class ServiceContext(Protocol):
    """Implemented by the composition root; services that open their own transactions take it."""

    @property
    def settings(self) -> Settings: ...

    @property
    def keys(self) -> KeyStore: ...

    @property
    def clock(self) -> Callable[[], datetime]: ...

    @property
    def peer_client(self) -> PeerCaller: ...

    def uow(self) -> UnitOfWork: ...
