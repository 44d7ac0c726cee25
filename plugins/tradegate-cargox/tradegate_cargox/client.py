"""HTTP calls to CargoX with the company's tokens: refresh before expiry, classify failures."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from connectors.retry import parse_retry_after
from connectors.spi import InstanceState
from tradegate_cargox import api

logger = logging.getLogger(__name__)

TOKENS_KEY = "oauth.tokens"
REFRESH_CLAIM = "oauth.refresh"
REFRESH_LEASE_SECONDS = 10.0
REFRESH_POLL_SECONDS = 0.1
REFRESH_MARGIN = timedelta(seconds=60)
RETRY_AFTER_STATUSES = frozenset({429, 503})

Clock = Callable[[], datetime]


class CargoXError(Exception):
    """A CargoX call failed; subclasses say whether trying again can help."""

    def __init__(self, detail: str, *, status_code: int | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.status_code = status_code


class CargoXUnavailableError(CargoXError):
    """Rate limited, a server error or a network failure: try again, not before retry_after."""

    def __init__(
        self, detail: str, *, status_code: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(detail, status_code=status_code)
        self.retry_after = retry_after


class CargoXRefusedError(CargoXError):
    """CargoX refused the request itself (4xx): the same request will be refused again."""


class AuthorizationLostError(CargoXError):
    """No grant, or the company revoked it: an administrator must authorise again."""


@dataclass(frozen=True)
class Tokens:
    """The company's grant; ``repr`` never shows a token."""

    access_token: str
    refresh_token: str | None
    expires_at: datetime
    scope: str

    def __repr__(self) -> str:
        return f"Tokens(expires_at={self.expires_at.isoformat()}, scope={self.scope!r})"

    def dumps(self) -> str:
        return json.dumps(
            {
                "access_token": self.access_token,
                "refresh_token": self.refresh_token,
                "expires_at": self.expires_at.isoformat(),
                "scope": self.scope,
            }
        )

    @classmethod
    def loads(cls, raw: str) -> Tokens:
        data = json.loads(raw)
        return cls(
            access_token=data["access_token"],
            refresh_token=data.get("refresh_token"),
            expires_at=datetime.fromisoformat(data["expires_at"]),
            scope=data.get("scope", ""),
        )

    @classmethod
    def from_answer(cls, data: Mapping[str, Any], now: datetime, previous: Tokens | None) -> Tokens:
        """A token endpoint answer; a refresh that returns no new refresh token keeps the old."""
        refresh = data.get("refresh_token") or (previous.refresh_token if previous else None)
        return cls(
            access_token=str(data["access_token"]),
            refresh_token=refresh,
            expires_at=now + timedelta(seconds=float(data.get("expires_in", 600))),
            scope=str(data.get("scope", previous.scope if previous else "")),
        )


@dataclass(frozen=True)
class ClientSettings:
    """Where CargoX is and who this application is there."""

    base_url: str
    client_id: str
    client_secret: str
    timeout_seconds: float


def _snippet(response: httpx.Response) -> str:
    return response.text[:300] if response.content else ""


def classify(response: httpx.Response, now: datetime) -> None:
    """Raise the error a non-2xx answer means; return quietly on success."""
    status = response.status_code
    if 200 <= status < 300:
        return
    detail = f"CargoX answered HTTP {status}" + (
        f": {_snippet(response)}" if response.content else ""
    )
    if status in RETRY_AFTER_STATUSES or status >= 500:
        retry_after = None
        if status in RETRY_AFTER_STATUSES:
            retry_after = parse_retry_after(response.headers.get("retry-after"), now)
        raise CargoXUnavailableError(detail, status_code=status, retry_after=retry_after)
    if status == 401:
        raise AuthorizationLostError(detail, status_code=status)
    raise CargoXRefusedError(detail, status_code=status)


class CargoXClient:
    """One instance's calls: Bearer auth from ``state``, refreshed a minute before expiry.

    A 401 on a call made with a token we believed valid gets one refresh and one retry:
    CargoX may have expired it early. A refresh refused with ``invalid_grant`` means the
    company revoked the grant: the tokens are forgotten.
    """

    def __init__(
        self,
        settings: ClientSettings,
        state: InstanceState,
        *,
        transport: httpx.BaseTransport | None = None,
        clock: Clock = lambda: datetime.now(UTC),
    ) -> None:
        self._settings = settings
        self._state = state
        self._clock = clock
        self._http = httpx.Client(
            base_url=settings.base_url.rstrip("/"),
            transport=transport,
            timeout=settings.timeout_seconds,
            trust_env=False,
            follow_redirects=False,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> CargoXClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            return self._http.request(method, path, **kwargs)
        except httpx.TimeoutException as exc:
            raise CargoXUnavailableError(f"CargoX timed out on {path}") from exc
        except httpx.HTTPError as exc:
            raise CargoXUnavailableError(f"cannot reach CargoX: {type(exc).__name__}") from exc

    def _token_call(self, form: Mapping[str, str], path: str = api.TOKEN_PATH) -> httpx.Response:
        return self._send(
            "POST",
            path,
            data=dict(form),
            auth=(self._settings.client_id, self._settings.client_secret),
        )

    def stored_tokens(self) -> Tokens | None:
        raw = self._state.get(TOKENS_KEY)
        return Tokens.loads(raw) if raw is not None else None

    def exchange_code(self, code: str, redirect_uri: str) -> Tokens:
        """The authorisation code grant's second leg; keeps the tokens in the state."""
        now = self._clock()
        response = self._token_call(
            {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        )
        if response.status_code in (400, 401):
            raise AuthorizationLostError(f"CargoX refused the code: {_snippet(response)}")
        classify(response, now)
        tokens = Tokens.from_answer(response.json(), now, None)
        self._state.put(TOKENS_KEY, tokens.dumps())
        return tokens

    def _refresh(self, tokens: Tokens) -> Tokens:
        """Refresh under the instance's refresh claim, so replicas never race one token.

        CargoX may rotate refresh tokens: of two replicas refreshing with the same one, the
        second would be refused and mistake that for a revoked grant. The claim makes one
        refresh at a time; a replica that finds it taken waits for the new tokens.
        """
        if tokens.refresh_token is None:
            raise AuthorizationLostError("the access token expired and there is no refresh token")
        if not self._state.claim(REFRESH_CLAIM, lease_seconds=REFRESH_LEASE_SECONDS):
            return self._await_refresh(tokens)
        try:
            current = self.stored_tokens()
            if current is not None and current.access_token != tokens.access_token:
                return current  # refreshed by another worker since we read the tokens
            return self._refresh_now(tokens)
        finally:
            self._state.release(REFRESH_CLAIM)

    def _await_refresh(self, tokens: Tokens) -> Tokens:
        deadline = time.monotonic() + REFRESH_LEASE_SECONDS
        while time.monotonic() < deadline:
            time.sleep(REFRESH_POLL_SECONDS)
            current = self.stored_tokens()
            if current is None:
                raise AuthorizationLostError("the grant was revoked while refreshing")
            if current.access_token != tokens.access_token:
                return current
        raise CargoXUnavailableError("another worker is still refreshing the tokens")

    def _refresh_now(self, tokens: Tokens) -> Tokens:
        now = self._clock()
        response = self._token_call(
            {"grant_type": "refresh_token", "refresh_token": tokens.refresh_token or ""}
        )
        if response.status_code in (400, 401):
            self._state.delete(TOKENS_KEY)
            raise AuthorizationLostError("CargoX refused the refresh token: the grant was revoked")
        classify(response, now)
        fresh = Tokens.from_answer(response.json(), now, tokens)
        self._state.put(TOKENS_KEY, fresh.dumps())
        logger.info("cargox tokens refreshed; valid until %s", fresh.expires_at.isoformat())
        return fresh

    def _valid_tokens(self) -> Tokens:
        tokens = self.stored_tokens()
        if tokens is None:
            raise AuthorizationLostError("not authorised: an administrator must grant access")
        if tokens.expires_at - REFRESH_MARGIN <= self._clock():
            tokens = self._refresh(tokens)
        return tokens

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """An authorised call; returns the 2xx answer or raises a ``CargoXError``."""
        tokens = self._valid_tokens()
        response = self._send(method, path, headers=_bearer(tokens), **kwargs)
        if response.status_code == 401:
            tokens = self._refresh(tokens)
            response = self._send(method, path, headers=_bearer(tokens), **kwargs)
        classify(response, self._clock())
        return response

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        return self.call(method, path, **kwargs).json()

    def revoke(self) -> str:
        """Revoke the refresh token at CargoX (RFC 7009) and forget the tokens either way."""
        tokens = self.stored_tokens()
        self._state.delete(TOKENS_KEY)
        if tokens is None:
            return "no grant was stored"
        token = tokens.refresh_token or tokens.access_token
        response = self._token_call({"token": token}, api.REVOKE_PATH)
        classify(response, self._clock())
        return "grant revoked at CargoX and forgotten"


def _bearer(tokens: Tokens) -> dict[str, str]:
    return {"authorization": f"Bearer {tokens.access_token}"}
