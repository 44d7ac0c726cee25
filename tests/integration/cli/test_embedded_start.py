"""`tradegate serve` on a data directory nobody set up: the SQLite hub migrates itself."""

import os
import sys

import httpx
import pytest

from tests.support import REPO, ManagedProcess, free_port, wait_until

pytestmark = pytest.mark.integration


def _ready(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_serve_on_a_fresh_data_dir_migrates_itself_and_becomes_ready(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADEGATE_")}
    env |= {"PYTHONPATH": str(REPO), "TRADEGATE_DATA_DIR": str(tmp_path / "var")}
    port = free_port()
    log = tmp_path / "serve.log"
    command = [sys.executable, "-m", "app.cli", "serve", "--port", str(port)]
    with ManagedProcess(command, env, log, cwd=tmp_path):
        assert wait_until(lambda: _ready(port), timeout=90), log.read_text()
    assert (tmp_path / "var" / "tradegate.db").is_file()
    assert "Traceback" not in log.read_text()
