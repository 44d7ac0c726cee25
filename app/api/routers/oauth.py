"""OAuth 2.0 token endpoint and the hub's public keys."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from app.api.deps import ContainerDep, UowDep
from app.api.openapi import problem_response_doc
from app.errors import BadRequest, UnsupportedMediaType
from app.security.rate_limits import address_limits
from app.services.participants.identity import issue_token

router = APIRouter(tags=["identity"])
FORM = "application/x-www-form-urlencoded"


@router.post(
    "/oauth/token",
    summary="Client-credentials grant (client_secret_basic, private_key_jwt)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                FORM: {
                    "schema": {
                        "type": "object",
                        "required": ["grant_type"],
                        "properties": {
                            "grant_type": {"type": "string", "enum": ["client_credentials"]},
                            "scope": {"type": "string"},
                            "client_id": {"type": "string"},
                            "client_assertion_type": {"type": "string"},
                            "client_assertion": {"type": "string"},
                        },
                    }
                }
            },
        }
    },
    responses={401: problem_response_doc(401)},
)
async def token(request: Request, container: ContainerDep, uow: UowDep) -> JSONResponse:
    address = request.client.host if request.client else "unknown"
    await container.throttle.enforce(address_limits(container.settings, address))
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != FORM:
        raise UnsupportedMediaType(f"token requests are {FORM}")
    try:
        raw = await request.form()
    except Exception as exc:
        raise BadRequest("malformed form body", slug="malformed-form") from exc
    form = {k: v for k, v in raw.items() if isinstance(v, str)}
    issued = issue_token(
        uow.session,
        container.settings,
        container.keys,
        authorization=request.headers.get("authorization"),
        form=form,
    )
    uow.commit()
    body = {
        "access_token": issued.token,
        "token_type": "Bearer",
        "expires_in": issued.expires_in,
        "scope": issued.scope,
    }
    return JSONResponse(body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


@router.get("/.well-known/jwks.json", summary="Public keys that verify tokens and artefacts")
def jwks(container: ContainerDep) -> dict[str, Any]:
    return container.keys.public_jwks()


@router.get("/.well-known/oauth-authorization-server", summary="RFC 8414 metadata")
def metadata(container: ContainerDep) -> dict[str, Any]:
    issuer = container.settings.issuer
    return {
        "issuer": issuer,
        "token_endpoint": f"{issuer}/oauth/token",
        "jwks_uri": f"{issuer}/.well-known/jwks.json",
        "grant_types_supported": ["client_credentials"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": ["ES256", "RS256", "PS256", "EdDSA"],
    }
