"""Request plumbing shared by dashboard pages: templates, the signed-in viewer, CSRF checks."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from app.api.deps import ContainerDep
from app.errors import BadRequest, Forbidden, NotFound, ServiceUnavailable
from app.security.principal import Principal
from app.services.ledger.log import anchoring_health
from app.services.participants.dashboard_auth import ActiveSession, resume_session

SESSION_COOKIE = "tg_session"
LOGIN_COOKIE = "tg_login"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
PREFIX = "/dashboard"

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "—"


templates.env.filters["when"] = _when
templates.env.filters["uuid"] = uuid.UUID


class LoginRequired(Exception):
    """No valid session: the browser is sent to the login page and back afterwards."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


@dataclass(frozen=True)
class Viewer:
    """The signed-in dashboard user, as pages and templates need it."""

    email: str
    is_admin: bool
    participant_id: uuid.UUID
    principal: Principal
    csrf_token: str


def secure_cookies(request: Request) -> bool:
    """Mark cookies Secure whenever the browser reached us over HTTPS."""
    return request.url.scheme == "https"


def _resume(request: Request, container: ContainerDep) -> ActiveSession | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    with container.uow() as uow:
        active = resume_session(uow.session, token)
        uow.commit()
    return active


def current_viewer(request: Request, container: ContainerDep) -> Viewer:
    active = _resume(request, container)
    if active is None:
        raise LoginRequired(
            request.url.path + (f"?{request.url.query}" if request.url.query else "")
        )
    viewer = Viewer(
        email=active.user.email,
        is_admin=active.principal.is_admin,
        participant_id=active.user.participant_id,
        principal=active.principal,
        csrf_token=active.csrf_token,
    )
    request.state.viewer = viewer
    request.state.principal = active.principal
    return viewer


ViewerDep = Annotated[Viewer, Depends(current_viewer)]


def admin_viewer(viewer: ViewerDep) -> Viewer:
    """Admin-only pages answer 404 to other users: they do not exist for a tenant."""
    if not viewer.is_admin:
        raise NotFound("this page is for hub operators only", slug="not-found")
    return viewer


AdminViewerDep = Annotated[Viewer, Depends(admin_viewer)]


def csrf_failure() -> Forbidden:
    return Forbidden(
        "the form's security token is missing or wrong; reload the page and submit it again",
        slug="csrf-token-invalid",
        title="Security check failed",
    )


async def _submitted_token(request: Request) -> str:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    form = await request.form()
    value = form.get(CSRF_FIELD)
    return value if isinstance(value, str) else ""


async def checked_viewer(request: Request, viewer: ViewerDep) -> Viewer:
    """A viewer whose POST carries its session's CSRF token (form field or HTMX header)."""
    if not hmac.compare_digest(await _submitted_token(request), viewer.csrf_token):
        raise csrf_failure()
    return viewer


CheckedViewerDep = Annotated[Viewer, Depends(checked_viewer)]


def writing_viewer(viewer: CheckedViewerDep, container: ContainerDep) -> Viewer:
    """A checked viewer about to change state: refused, like API writes, while the
    transparency log cannot get anchored (sign-out and verification stay available)."""
    with container.uow() as uow:
        reason = anchoring_health(uow.session, container.settings)
    if reason is not None:
        raise ServiceUnavailable(reason, slug="ledger-anchoring-stalled")
    return viewer


WritingViewerDep = Annotated[Viewer, Depends(writing_viewer)]


def login_csrf_token(secret: str, nonce: str) -> str:
    """Before a session exists the token is an HMAC of a random cookie (double submit)."""
    return hmac.new(secret.encode(), f"login:{nonce}".encode(), hashlib.sha256).hexdigest()


def new_login_nonce() -> str:
    return secrets.token_urlsafe(24)


async def check_login_csrf(request: Request, container: ContainerDep) -> None:
    nonce = request.cookies.get(LOGIN_COOKIE, "")
    expected = login_csrf_token(container.settings.session_secret, nonce)
    if not nonce or not hmac.compare_digest(await _submitted_token(request), expected):
        raise csrf_failure()


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true" and not request.headers.get(
        "hx-history-restore-request"
    )


def safe_next(target: str | None) -> str:
    """Only same-site dashboard paths are followed after login (no open redirect)."""
    if target and target.startswith(PREFIX + "/") and "\\" not in target:
        return target
    return PREFIX + "/"


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    """Render a page (or an HTMX fragment) with the viewer and navigation in context."""
    ctx: dict[str, Any] = {
        "viewer": getattr(request.state, "viewer", None),
        "nav": nav_for(request),
    }
    ctx.update(context or {})
    return templates.TemplateResponse(request, template, ctx, status_code=status_code)


NAV = [
    ("overview", "Overview", "/", False),
    ("consents", "Consents", "/consents", False),
    ("notices", "Notices", "/notices", False),
    ("documents", "Documents", "/documents", False),
    ("financing", "Financing", "/financing", False),
    ("crossings", "Crossings", "/crossings", False),
    ("participants", "Participants", "/participants", False),
    ("deliveries", "Deliveries", "/deliveries", True),
    ("trust", "Trust", "/trust", True),
    ("federation", "Federation", "/federation", True),
    ("ledger", "Ledger", "/ledger", False),
    ("audit", "Audit", "/audit", False),
]


def nav_for(request: Request) -> list[dict[str, Any]]:
    viewer: Viewer | None = getattr(request.state, "viewer", None)
    if viewer is None:
        return []
    path = request.url.path.removeprefix(PREFIX) or "/"
    items = []
    for key, label, href, admin_only in NAV:
        if admin_only and not viewer.is_admin:
            continue
        current = path == "/" if href == "/" else path.startswith(href)
        items.append({"key": key, "label": label, "href": PREFIX + href, "current": current})
    return items


def query_string(params: Mapping[str, Any], **changes: Any) -> str:
    """The current filters with some values changed, for pagination links."""
    merged = {**params, **changes}
    return urlencode({k: v for k, v in merged.items() if v not in (None, "")})


templates.env.globals["query_string"] = query_string


def optional_uuid(value: str, field: str) -> uuid.UUID | None:
    """Filter forms send empty strings for "any"; anything else must be a UUID."""
    if not value.strip():
        return None
    try:
        return uuid.UUID(value.strip())
    except ValueError as exc:
        raise BadRequest(f"{field} is not a valid id", slug="invalid-filter") from exc


def optional_date(value: str, field: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError as exc:
        raise BadRequest(f"{field} is not a date (YYYY-MM-DD)", slug="invalid-filter") from exc
