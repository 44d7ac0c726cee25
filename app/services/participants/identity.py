"""The OAuth 2.0 client-credentials grant: authenticate a client, issue an access token."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from urllib.parse import unquote

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.errors import BadRequest, Unauthorized
from app.security.keys import KeyStore
from app.security.secrets import verify_client_secret
from app.security.tokens import (
    InvalidToken,
    IssuedToken,
    issue_access_token,
    unverified_issuer,
    verify_client_assertion,
)
from app.settings import Settings
from app.storage.models import ApiClient, ClientAssertion, ParticipantRole

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


class OAuthError(Unauthorized):
    """An RFC 6749 §5.2 error, rendered as a problem that keeps `error` for OAuth clients."""

    def __init__(self, error: str, description: str, status: int = 401) -> None:
        # RFC 6749 §5.2: a failed client authentication is challenged with the scheme the
        # token endpoint accepts, not the Bearer scheme of resource requests.
        headers = {"WWW-Authenticate": 'Basic realm="tradegate"'} if status == 401 else None
        super().__init__(
            description,
            slug=f"oauth-{error.replace('_', '-')}",
            headers=headers,
            error=error,
            error_description=description,
        )
        self.status = status


def _basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    if not authorization or not authorization.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
    except (ValueError, UnicodeDecodeError) as exc:
        raise OAuthError("invalid_client", "malformed Basic credentials") from exc
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise OAuthError("invalid_client", "malformed Basic credentials")
    # RFC 6749 §2.3.1: both parts are form-urlencoded before Basic encoding.
    return unquote(client_id), unquote(secret)


def _client(session: Session, client_id: str) -> ApiClient:
    client = session.execute(
        sa.select(ApiClient).where(ApiClient.client_id == client_id)
    ).scalar_one_or_none()
    if client is None or not client.active:
        raise OAuthError("invalid_client", "client authentication failed")
    return client


def authenticate_client(
    session: Session,
    settings: Settings,
    *,
    authorization: str | None,
    form: dict[str, str],
) -> ApiClient:
    basic = _basic_credentials(authorization)
    assertion_type = form.get("client_assertion_type")
    if basic and assertion_type:
        raise OAuthError("invalid_request", "use exactly one client authentication method", 400)
    if basic:
        client = _client(session, basic[0])
        if not verify_client_secret(basic[1], client.secret_hash):
            raise OAuthError("invalid_client", "client authentication failed")
        return client
    if assertion_type:
        if assertion_type != JWT_BEARER:
            raise OAuthError("invalid_client", "unsupported client_assertion_type")
        assertion = form.get("client_assertion", "")
        try:
            client = _client(session, unverified_issuer(assertion))
            if client.public_jwk is None:
                raise OAuthError("invalid_client", "client has no registered public key")
            claims = verify_client_assertion(
                assertion,
                client.public_jwk,
                client_id=client.client_id,
                audiences=[f"{settings.issuer}/oauth/token", settings.issuer],
            )
        except (InvalidToken, ValueError) as exc:
            raise OAuthError("invalid_client", f"client assertion rejected: {exc}") from exc
        if form.get("client_id") not in (None, client.client_id):
            raise OAuthError("invalid_client", "client_id does not match the assertion")
        _remember_assertion(session, client.client_id, claims)
        return client
    raise OAuthError("invalid_client", "client authentication required")


def _remember_assertion(session: Session, client_id: str, claims: dict[str, object]) -> None:
    """Refuse a replayed assertion (RFC 7523 §3 item 7) by its jti until it expires."""
    now = datetime.now(UTC)
    session.execute(sa.delete(ClientAssertion).where(ClientAssertion.expires_at < now))
    jti = str(claims["jti"])
    seen = session.get(ClientAssertion, (jti, client_id))
    if seen is not None:
        raise OAuthError("invalid_client", "client assertion was already used")
    exp = claims["exp"]
    assert isinstance(exp, int)
    session.add(
        ClientAssertion(jti=jti, client_id=client_id, expires_at=datetime.fromtimestamp(exp, UTC))
    )
    session.flush()


def issue_token(
    session: Session,
    settings: Settings,
    keys: KeyStore,
    *,
    authorization: str | None,
    form: dict[str, str],
) -> IssuedToken:
    client = authenticate_client(session, settings, authorization=authorization, form=form)
    if not form.get("grant_type"):
        raise OAuthError("invalid_request", "grant_type is required", 400)
    if form.get("grant_type") != "client_credentials":
        raise OAuthError("unsupported_grant_type", "only client_credentials is supported", 400)
    granted = set(client.scopes)
    requested = set(form.get("scope", "").split()) or granted
    if not requested <= granted:
        raise OAuthError(
            "invalid_scope",
            f"scopes not granted to this client: {sorted(requested - granted)}",
            400,
        )
    if not requested:
        raise BadRequest("client has no scopes", slug="oauth-invalid-scope")
    roles = (
        session.execute(
            sa.select(ParticipantRole.role).where(
                ParticipantRole.participant_id == client.participant_id
            )
        )
        .scalars()
        .all()
    )
    return issue_access_token(
        keys,
        issuer=settings.issuer,
        audience=settings.audience,
        ttl=settings.token_ttl_seconds,
        client_id=client.client_id,
        participant_id=str(client.participant_id),
        scopes=sorted(requested),
        roles=list(roles),
    )
