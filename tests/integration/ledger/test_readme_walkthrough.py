"""The README's verify walkthrough, run as written against a fresh `tradegate demo`."""

import os
import re
import stat
import subprocess
import sys

import httpx
import pytest

from tests.support import REPO, ManagedProcess, free_port, wait_until

pytestmark = pytest.mark.integration

MARKER = "<!-- verify-walkthrough -->"
VERDICT = (
    "VERIFIED: document, event, leaf, signed checkpoint, inclusion; not anchored outside the "
    "hub: no external anchor is configured (the hub anchors to none://), so the hub's signed "
    "checkpoint is the only witness"
)


def walkthrough() -> str:
    """The shell block that follows the README's walkthrough marker."""
    readme = (REPO / "README.md").read_text()
    block = re.search(re.escape(MARKER) + r"\n```sh\n(.*?)\n```", readme, re.S)
    assert block, "the README lost its verify walkthrough"
    return block.group(1)


def _ready(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _bank(printed: str) -> dict[str, str]:
    """Harbour Bank's client id, secret and ACTIVE consent, as the demo printed them."""
    client = re.search(r"Harbour Bank\s+client_id=(\S+)\s+client_secret=(\S+)", printed)
    consent = re.search(r"Harbour Bank's ACTIVE consent: (\S+)", printed)
    assert client and consent, printed
    return {"CLIENT_ID": client[1], "CLIENT_SECRET": client[2], "CONSENT": consent[1]}


def test_readme_walkthrough_verifies_a_demo_document_without_an_external_anchor(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "tradegate"  # the command as installed, from this checkout
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m app.cli "$@"\n')
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADEGATE_")}
    env |= {"PYTHONPATH": str(REPO), "PATH": f"{bin_dir}:{env['PATH']}"}
    port = free_port()
    log = tmp_path / "demo.log"
    demo = [sys.executable, "-m", "app.cli", "demo", "--port", str(port)]
    with ManagedProcess(demo, env, log, cwd=tmp_path):
        assert wait_until(lambda: _ready(port), timeout=120), log.read_text()
        script = walkthrough().replace("127.0.0.1:8000", f"127.0.0.1:{port}")
        run = subprocess.run(
            ["bash", "-e", "-c", script],
            cwd=tmp_path,
            env=env | _bank(log.read_text()),
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    assert "log key pinned" in lines
    for check in ("document", "event", "leaf", "checkpoint", "inclusion"):
        assert any(re.match(rf"ok\s+{check}\b", line) for line in lines), run.stdout
    assert re.match(r"--\s+anchor\s+no_external_anchor", lines[-2]), run.stdout
    assert lines[-1] == VERDICT
