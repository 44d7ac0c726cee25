"""The README's PINT set-up block runs as written and leaves a hub ready to receive."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.pint_peer import Signatory
from tests.support import REPO

pytestmark = pytest.mark.integration


def _walkthrough() -> str:
    text = (REPO / "README.md").read_text()
    after = text.split("<!-- pint-walkthrough -->", 1)[1]
    return after.split("```sh\n", 1)[1].split("```", 1)[0]


def _certificate() -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "MSC eBL signing")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM)


def test_the_readme_pint_setup_runs_as_written(tmp_path: Path) -> None:
    (tmp_path / "wave-jwks.json").write_text(json.dumps(Signatory("wave-2026").jwks()))
    (tmp_path / "msc-certificate.pem").write_bytes(_certificate())
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
