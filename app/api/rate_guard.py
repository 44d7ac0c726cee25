"""Refusing, before routing, a request whose caller the rate limits still refuse."""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from app.api.problems import problem_error_response
from app.container import Container
from app.errors import TooManyRequests
from app.security.principal import Principal
from app.security.rate_limits import caller_limits


class RefusedCallerGuard:
    """Answers a `/v1` request 429 while its API client's or participant's budget is refused.

    Routing and dependencies cost most of a refused request, and a client that ignores
    Retry-After sends the next one as soon as it has the answer. The answer is the one the
    route's own check would give (held, like it, when the caller asks again while refused).
    Only a token this process verified before is recognised, with no signature checked here;
    any other request goes on to its route, which verifies the token and charges the budgets.
    """

    def __init__(self, app: ASGIApp, container: Container) -> None:
        self.app = app
        self.container = container

    def _caller(self, scope: Scope) -> Principal | None:
        header = next((v for k, v in scope["headers"] if k == b"authorization"), b"")
        scheme, _, token = header.partition(b" ")
        if scheme.lower() != b"bearer":
            return None
        settings = self.container.settings
        claims = self.container.tokens.remembered(
            token.strip().decode("latin-1"), issuer=settings.issuer, audience=settings.audience
        )
        try:
            return Principal.of_token(claims) if claims is not None else None
        except ValueError:
            return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        caller = (
            self._caller(scope)
            if scope["type"] == "http" and scope["path"].startswith("/v1/")
            else None
        )
        if caller is not None:
            try:
                await self.container.throttle.refuse_remembered(
                    caller_limits(self.container.settings, caller)
                )
            except TooManyRequests as exc:
                response = problem_error_response(exc, Request(scope).url.path)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
