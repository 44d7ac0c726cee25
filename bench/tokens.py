"""Token issue and verify rates, and the token endpoint against /healthz, in one run."""

from __future__ import annotations

import argparse
import base64
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

from app.container import Container
from app.main import create_app
from app.security.keys import KeyStore
from app.security.tokens import issue_access_token, verify_access_token
from app.services.participants.service import add_client, create_participant
from app.settings import Settings
from app.storage.migrate import upgrade


def rate(fn: Callable[[], object], n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return n / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny run for the test suite")
    args = parser.parse_args()
    n = 50 if args.smoke else 3000
    keys = KeyStore.generate()
    kwargs = dict(
        issuer="https://hub",
        audience="tradegate",
        ttl=300,
        client_id="c",
        participant_id="p",
        scopes=["data:read"],
        roles=["consumer"],
    )
    token = issue_access_token(keys, **kwargs).token  # type: ignore[arg-type]
    issue = rate(lambda: issue_access_token(keys, **kwargs), n)  # type: ignore[arg-type]
    verify = rate(
        lambda: verify_access_token(keys, token, issuer="https://hub", audience="tradegate"), n
    )
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            env="test",
            data_dir=Path(tmp),
            inline_tasks=True,
            log_level="ERROR",
            issuer="http://testserver",
        )
        upgrade(settings.effective_database_url)
        container = Container(settings)
        with container.uow() as uow:
            bank = create_participant(uow.session, name="Bank", roles=["consumer"])
            new = add_client(uow.session, bank, name="bench")
            uow.commit()
        basic = base64.b64encode(f"{new.client.client_id}:{new.secret}".encode()).decode()
        headers = {"Authorization": f"Basic {basic}"}
        with TestClient(create_app(container=container)) as client:
            m = max(20, n // 10)
            health = rate(lambda: client.get("/healthz"), m)
            endpoint = rate(
                lambda: client.post(
                    "/oauth/token", headers=headers, data={"grant_type": "client_credentials"}
                ),
                m,
            )
        container.close()
    print(f"token issue (ES256 sign):     {issue:10.0f}/s")
    print(f"token verify (ES256 + claims): {verify:10.0f}/s")
    print(f"POST /oauth/token:            {endpoint:10.0f}/s")
    print(f"GET /healthz:                 {health:10.0f}/s")
    print(f"token endpoint / healthz rate ratio: {endpoint / health:.2f}")


if __name__ == "__main__":
    main()
