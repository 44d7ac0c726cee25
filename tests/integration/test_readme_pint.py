"""The README's PINT set-up block runs as written and leaves a hub ready to receive."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.pint_peer import Signatory, self_signed_certificate
from tests.support import REPO

pytestmark = pytest.mark.integration


def _walkthrough() -> str:
    text = (REPO / "README.md").read_text()
    after = text.split("<!-- pint-walkthrough -->", 1)[1]
    return after.split("```sh\n", 1)[1].split("```", 1)[0]


def test_the_readme_pint_setup_runs_as_written(tmp_path: Path) -> None:
    (tmp_path / "wave-jwks.json").write_text(json.dumps(Signatory("wave-2026").jwks()))
    yesterday = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    (tmp_path / "msc-certificate.pem").write_bytes(self_signed_certificate(yesterday, 365))
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADEGATE_")}
    env.update(
        {
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
            "PYTHONPATH": str(REPO),
            "TRADEGATE_DATA_DIR": str(tmp_path / "var"),
            "TRADEGATE_LOG_LEVEL": "WARNING",
        }
    )
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", _walkthrough()],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr
    assert '"kid": "wave-2026"' in result.stdout and '"state": "active"' in result.stdout
    assert '"platform_code": "TGTA"' in result.stdout
