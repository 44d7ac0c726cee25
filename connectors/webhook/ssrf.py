"""SSRF guard: resolve a webhook target once, refuse internal addresses, pin what was checked."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Sequence[str]]


class TargetRefusedError(Exception):
    """The URL is not an acceptable webhook target."""


@dataclass(frozen=True)
class PinnedTarget:
    """A checked target: the request goes to ``address`` while naming ``host``."""

    scheme: str
    host: str
    port: int
    address: IPAddress
    path: str

    @property
    def url(self) -> str:
        """The URL to connect to: the pinned address, so no second DNS lookup happens."""
        literal = f"[{self.address}]" if self.address.version == 6 else str(self.address)
        return f"{self.scheme}://{literal}:{self.port}{self.path}"

    @property
    def host_header(self) -> str:
        """The ``Host`` header naming the original host (and port when not the default)."""
        default = 443 if self.scheme == "https" else 80
        name = f"[{self.host}]" if ":" in self.host else self.host
        return name if self.port == default else f"{name}:{self.port}"


def system_resolver(host: str, port: int) -> list[str]:
    """All addresses the system resolver returns for ``host``."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise TargetRefusedError(f"cannot resolve {host}: {exc}") from exc
    return [str(info[4][0]) for info in infos]


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address tunnelled inside an IPv6 one (mapped, 6to4, Teredo), if any."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address.sixtofour is not None:
            return address.sixtofour
        if address.teredo is not None:
            return address.teredo[1]
    return None


def is_internal(address: IPAddress) -> bool:
    """True for any address a webhook must not reach without an explicit allow-list entry."""
    embedded = _embedded_ipv4(address)
    if embedded is not None and is_internal(embedded):
        return True
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or (isinstance(address, ipaddress.IPv6Address) and address.is_site_local)
        or not address.is_global
    )


def _allowed(host: str, address: IPAddress, allow: Sequence[str]) -> bool:
    for entry in allow:
        entry = entry.strip().lower().rstrip(".")
        if not entry:
            continue
        try:
            network = ipaddress.ip_network(entry, strict=False)
        except ValueError:
            if entry == host:
                return True
            continue
        candidates = [address]
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            candidates.append(embedded)
        if any(c.version == network.version and c in network for c in candidates):
            return True
    return False


def pin_target(
    url: str, allow: Sequence[str] = (), resolver: Resolver = system_resolver
) -> PinnedTarget:
    """Resolve ``url`` and return the address to use, or raise ``TargetRefusedError``.

    Every resolved address must pass (an attacker's DNS can return a public and a private
    address and let the client choose); the first one is pinned so the request cannot
    be re-resolved to something else between the check and the connection.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise TargetRefusedError("webhook URL must be http or https")
    if parts.username is not None or parts.password is not None:
        raise TargetRefusedError("webhook URL must not carry credentials")
    host = (parts.hostname or "").lower().rstrip(".")
    if not host:
        raise TargetRefusedError("webhook URL has no host")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError as exc:
        raise TargetRefusedError("webhook URL has an invalid port") from exc
    raw_addresses = resolver(host, port)
    if not raw_addresses:
        raise TargetRefusedError(f"{host} resolves to no address")
    addresses: list[IPAddress] = []
    for raw in raw_addresses:
        address = ipaddress.ip_address(raw.split("%", 1)[0])
        if is_internal(address) and not _allowed(host, address, allow):
            raise TargetRefusedError(f"{host} resolves to internal address {address}")
        addresses.append(address)
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return PinnedTarget(scheme=scheme, host=host, port=port, address=addresses[0], path=path)
