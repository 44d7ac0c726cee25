"""Calls from this hub to its peers: URL policy, bounded answers, one assertion per call."""

from __future__ import annotations

import ipaddress
import json
from typing import Any
from urllib.parse import urlsplit

import httpx

from app.errors import BadGateway, Unprocessable
from app.security.keys import KeyStore
from app.security.peer_tokens import issue_peer_assertion, peer_audience
from app.services.federation.metadata import WELL_KNOWN_PATH
from app.settings import Settings
from app.storage.models import Peer

USER_AGENT = "tradegate-federation/1"


class PeerUnreachable(BadGateway):
    """The peer did not answer, or answered too much."""

    slug = "peer-unreachable"


def check_peer_url(url: str, settings: Settings) -> str:
    """The peer's base URL, normalised, if this hub may call it; 422 otherwise.

    HTTPS only; plain HTTP only to a loopback address and only when the operator allowed it
    (tests and one-machine walkthroughs), so no peer is ever reached in clear over a network.
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise Unprocessable(f"{url} is not an http(s) URL", slug="bad-peer-url")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise Unprocessable(
            f"{url}: a peer URL carries no credentials, query or fragment", slug="bad-peer-url"
        )
    if parts.scheme == "http":
        if not _loopback(parts.hostname):
            raise Unprocessable(
                f"{url}: peers are reached over https; plain http is only for a loopback address",
                slug="peer-url-not-https",
            )
        if not settings.federation_allow_http_loopback:
            raise Unprocessable(
                f"{url}: plain http to a loopback peer needs "
                "TRADEGATE_FEDERATION_ALLOW_HTTP_LOOPBACK=true",
                slug="peer-url-not-https",
            )
    return f"{parts.scheme}://{parts.netloc}{parts.path}".rstrip("/")


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class PeerClient:
    """This hub's client for its peers, shared by a process (one connection pool)."""

    def __init__(
        self, settings: Settings, keys: KeyStore, transport: httpx.BaseTransport | None = None
    ) -> None:
        self._settings = settings
        self._keys = keys
        self._http = httpx.Client(
            timeout=settings.federation_timeout_seconds,
            follow_redirects=False,
            headers={"user-agent": USER_AGENT},
            transport=transport,
        )

    def fetch_metadata(self, base_url: str) -> Any:
        """The JSON metadata document a hub at ``base_url`` publishes (not yet verified)."""
        url = check_peer_url(base_url, self._settings) + WELL_KNOWN_PATH
        response = self._send("GET", url, {}, None)
        if response.status_code != 200:
            raise PeerUnreachable(
                f"{url} answered {response.status_code}, not the hub's metadata",
                slug="peer-metadata-unavailable",
            )
        try:
            return json.loads(response.content)
        except ValueError as exc:
            raise Unprocessable(
                f"{url} did not answer JSON metadata", slug="peer-metadata-refused"
            ) from exc

    def request(
        self,
        peer: Peer,
        method: str,
        path: str,
        *,
        json: Any = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """Call ``path`` (under the peer's base URL) with a fresh assertion of this hub.

        The answer is read whole but never beyond the federation body limit; a peer that
        cannot be reached or answers too much is a 502 problem for this hub's caller.
        """
        settings = self._settings
        url = check_peer_url(peer.base_url, settings) + path
        assertion = issue_peer_assertion(
            self._keys.current_signing_key(),
            issuer=settings.issuer,
            subject=settings.effective_hub_name,
            audience=peer_audience(peer.issuer),
            method=method,
            path=urlsplit(url).path,
        )
        sent = {**(headers or {}), "authorization": f"Bearer {assertion}"}
        body = content
        if json is not None:
            body = _json_bytes(json)
            sent.setdefault("content-type", "application/json")
        return self._send(method, url, sent, body)

    def _send(
        self, method: str, url: str, headers: dict[str, str], body: bytes | None
    ) -> httpx.Response:
        limit = self._settings.federation_max_body_bytes
        try:
            with self._http.stream(method, url, headers=headers, content=body) as response:
                chunks: list[bytes] = []
                size = 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > limit:
                        raise PeerUnreachable(f"{url} answered more than {limit} bytes")
                    chunks.append(chunk)
        except httpx.HTTPError as exc:
            raise PeerUnreachable(f"{url} could not be reached: {exc}") from exc
        # The chunks are decoded already: the copy must not claim an encoding or a length.
        kept = [
            (k, v)
            for k, v in response.headers.multi_items()
            if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")
        ]
        return httpx.Response(response.status_code, headers=kept, content=b"".join(chunks))

    def close(self) -> None:
        self._http.close()


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
