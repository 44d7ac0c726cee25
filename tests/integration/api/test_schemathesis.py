"""Schemathesis drives the whole API of a running demo hub as four kinds of caller.

Every operation of the served OpenAPI document is exercised (examples, coverage, fuzzing and
the stateful phase) as the operator, a provider, a bank and anonymously. No answer may be a
server error or differ from the document in status, content type, headers or schema.

`positive_data_acceptance` is left out on purpose: it expects every schema-valid request to
succeed, while some inputs are refused for what a schema cannot say (an opaque cursor that
was not issued by the hub, a proof range beyond the current log, a document that is not a
trade document). Those refusals are declared 400/422 problems and are checked as such.

TRADEGATE_SCHEMATHESIS_EXAMPLES sets the examples per operation (CI: 5; nightly: 100).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from app.cli.demo import DemoReport, create_demo
from app.settings import Settings
from tests.support import REPO, ManagedProcess, settings_env, wait_until

pytestmark = pytest.mark.integration

EXAMPLES = int(os.environ.get("TRADEGATE_SCHEMATHESIS_EXAMPLES", "5"))
CALLERS = {
    "operator": "Tradegate Operator",
    "provider": "Pacific Ocean Carrier Ltd",
    "bank": "Harbour Bank",
    "anonymous": None,
}


@dataclass(frozen=True)
class Hub:
    base_url: str
    demo: DemoReport

    def token(self, participant: str) -> str:
        _, client_id, secret = next(c for c in self.demo.clients if c[0] == participant)
        answer = httpx.post(
            f"{self.base_url}/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(client_id, secret),
            timeout=30,
        )
        answer.raise_for_status()
        return str(answer.json()["access_token"])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    data_dir = tmp_path_factory.mktemp("schemathesis-hub")
    port = _free_port()
    settings = Settings(data_dir=data_dir, issuer=f"http://127.0.0.1:{port}", log_level="WARNING")
    demo = create_demo(settings)
    env = settings_env(settings)
    env.pop("TRADEGATE_DATABASE_URL")
    base = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "app.cli", "serve", "--port", str(port)]
    with ManagedProcess(command, env, data_dir / "server.log"):

        def up() -> bool:
            try:
                return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        assert wait_until(up, timeout=60), (data_dir / "server.log").read_text()
        yield Hub(base, demo)


@pytest.mark.parametrize("caller", sorted(CALLERS))
def test_api_conforms_to_its_openapi_document(hub: Hub, caller: str, tmp_path: Path) -> None:
    participant = CALLERS[caller]
    headers = (
        [] if participant is None else ["-H", f"Authorization: Bearer {hub.token(participant)}"]
    )
    schemathesis = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    assert schemathesis, "schemathesis is a test dependency (pyproject.toml [test])"
    result = subprocess.run(
        [
            schemathesis,
            "run",
            f"{hub.base_url}/openapi.json",
            *headers,
            "--checks",
            "all",
            "--exclude-checks",
            "positive_data_acceptance",
            "--max-examples",
            str(EXAMPLES),
            "--seed",
            "20261207",
            "--workers",
            "1",
            "--no-color",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert result.returncode == 0, result.stdout[-20_000:] + result.stderr[-5_000:]
