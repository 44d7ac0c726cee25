"""`tradegate demo` builds a hub a newcomer can pull from straight away."""

import pytest
from fastapi.testclient import TestClient

from app.cli.demo import create_demo
from app.container import Container
from app.main import create_app
from app.settings import Settings

pytestmark = pytest.mark.integration


def test_demo_hub_answers_a_consented_pull_with_its_credentials(tmp_path):
    settings = Settings(
        env="test",
        data_dir=tmp_path / "demo",
        log_level="WARNING",
        issuer="http://testserver",
        inline_tasks=True,
        embedded_scheduler=False,
    )
    report = create_demo(settings)
    bank = dict((name, (cid, secret)) for name, cid, secret in report.clients)["Harbour Bank"]
    assert report.active_consent and len(report.users) == 2
    container = Container(settings)
    with TestClient(create_app(container=container)) as client:
        token = client.post(
            "/oauth/token", data={"grant_type": "client_credentials"}, auth=bank
        ).json()["access_token"]
        listing = client.get(
            "/v1/data/documents",
            headers={"Authorization": f"Bearer {token}", "Consent-Id": report.active_consent},
        )
    container.close()
    assert listing.status_code == 200
    assert {d["doc_type"] for d in listing.json()["items"]} == {"dcsa.transport-document"}
    assert "client_secret=" in report.render()
