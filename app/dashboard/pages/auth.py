"""Sign in and sign out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.api.deps import ContainerDep
from app.dashboard.web import (
    LOGIN_COOKIE,
    PREFIX,
    SESSION_COOKIE,
    CheckedViewerDep,
    check_login_csrf,
    login_csrf_token,
    new_login_nonce,
    render,
    safe_next,
    secure_cookies,
)
from app.services.participants.dashboard_auth import (
    SESSION_LIFETIME,
    SignInFailed,
    sign_in,
    sign_out,
)

router = APIRouter()


def _login_page(
    request: Request,
    container: ContainerDep,
    *,
    next_path: str,
    email: str = "",
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    nonce = request.cookies.get(LOGIN_COOKIE) or new_login_nonce()
    response = render(
        request,
        "login.html",
        {
            "csrf_token": login_csrf_token(container.settings.session_secret, nonce),
            "next": safe_next(next_path),
            "email": email,
            "error": error,
        },
        status_code=status_code,
    )
    response.set_cookie(
        LOGIN_COOKIE,
        nonce,
        max_age=3600,
        path=PREFIX,
        httponly=True,
        samesite="strict",
        secure=secure_cookies(request),
    )
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, container: ContainerDep, next: str = "") -> HTMLResponse:
    return _login_page(request, container, next_path=next)


@router.post("/login", dependencies=[Depends(check_login_csrf)])
def login(
    request: Request,
    container: ContainerDep,
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form()] = "",
) -> Response:
    with container.uow() as uow:
        try:
            signed_in = sign_in(uow.session, email=email, password=password)
        except SignInFailed as exc:
            uow.commit()  # keep the failed-attempt count
            return _login_page(
                request, container, next_path=next, email=email, error=exc.detail, status_code=401
            )
        uow.commit()
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        signed_in.token,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        path=PREFIX,
        httponly=True,
        samesite="strict",
        secure=secure_cookies(request),
    )
    response.delete_cookie(LOGIN_COOKIE, path=PREFIX, httponly=True, samesite="strict")
    return response


@router.post("/logout")
def logout(request: Request, viewer: CheckedViewerDep, container: ContainerDep) -> Response:
    with container.uow() as uow:
        sign_out(uow.session, request.cookies.get(SESSION_COOKIE, ""))
        uow.commit()
    response = RedirectResponse(f"{PREFIX}/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path=PREFIX, httponly=True, samesite="strict")
    return response
