"""The README's two-hub federation walkthrough, run as written on two fresh hubs.

Every ``sh`` block between the walkthrough's markers runs in one bash, as a newcomer types
them into one terminal, from a directory that holds the checkout's sample documents. Only
the ports change (the README names them in one assignment), so that the test never takes
a port another process holds.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import REPO, free_port

pytestmark = pytest.mark.integration

START = "<!-- federation-walkthrough -->"
END = "<!-- /federation-walkthrough -->"
PORTS = "A_PORT=8001 B_PORT=8002"
#: What a newcomer must never see: a traceback, an error line, a problem naming a 5xx.
BAD_LINE = re.compile(r"Traceback|^error:|\berror\b.*:|\"status\": ?5\d\d", re.I | re.M)


def walkthrough() -> str:
    """The README's federation blocks, in order, as one script."""
    readme = (REPO / "README.md").read_text()
    assert START in readme and END in readme, "the README lost its federation walkthrough"
    section = readme.split(START, 1)[1].split(END, 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, re.S)
    assert len(blocks) >= 4, section
    script = "".join(blocks)
    assert script.count(PORTS) == 1, "the walkthrough's ports moved"
    return script


def _shim(bin_dir: Path) -> None:
    """`tradegate` as installed, from this checkout."""
    bin_dir.mkdir()
    shim = bin_dir / "tradegate"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m app.cli "$@"\n')
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR)


def _run(tmp_path: Path) -> subprocess.CompletedProcess[str]:
    (tmp_path / "app" / "data").mkdir(parents=True)
    (tmp_path / "app" / "data" / "samples").symlink_to(REPO / "app" / "data" / "samples")
    _shim(tmp_path / "bin")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADEGATE_")}
    env |= {"PYTHONPATH": str(REPO), "PATH": f"{tmp_path / 'bin'}:{env['PATH']}"}
    script = walkthrough().replace(PORTS, f"A_PORT={free_port()} B_PORT={free_port()}")
    # Its own session, so that the two hubs it leaves serving are stopped with it.
    process = subprocess.Popen(
        ["bash", "-e", "-o", "pipefail", "-c", script],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=420)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def test_the_readme_federation_walkthrough_runs_as_written(tmp_path: Path) -> None:
    run = _run(tmp_path)
    logs = "".join(f"\n--- {n}\n" + (tmp_path / n).read_text() for n in ("hub-a.log", "hub-b.log"))
    assert run.returncode == 0, run.stdout + run.stderr + logs
    assert run.stderr == "", run.stderr
    assert not BAD_LINE.search(run.stdout), run.stdout
    assert "Traceback" not in logs, logs
    lines = run.stdout.splitlines()

    # Peering: each hub pinned the other, in its jurisdiction.
    peers = [json.loads(line) for line in lines if line.startswith('{"name": "hub-')]
    assert [(p["name"], p["jurisdiction"], p["status"]) for p in peers] == [
        ("hub-a", "CN", "ACTIVE"),
        ("hub-b", "HK", "ACTIVE"),
    ]

    # The hash match, verified offline against hub A's pinned key.
    statement = "VERIFIED: signed statement, hash, leaf, signed checkpoint, inclusion"
    assert statement in lines, run.stdout
    answer = json.loads((tmp_path / "answer.json").read_text())
    assert answer["found"] is True and answer["hub"] == "hub-a" and answer["asked_by"] == "hub-b"
    assert not {"owner_id", "provider_id", "content", "reference"} & set(answer)

    # The consented pull through hub B, verified offline with hub B's witness cosignature.
    witnessed = next(line for line in lines if line.startswith("VERIFIED: document"))
    assert re.match(
        r"VERIFIED: document, event, leaf, signed checkpoint, inclusion, cosigned by witness "
        r"127\.0\.0\.1:\d+/witness; not anchored outside the hub: .*; outside the hub, only the "
        r"cosignature of witness 127\.0\.0\.1:\d+/witness vouches for it$",
        witnessed,
    ), witnessed
    assert re.search(r"^ok\s+witness:127\.0\.0\.1:\d+/witness size \d+", run.stdout, re.M)
    pulled = json.loads((tmp_path / "pulled.json").read_text())
    assert pulled["peer"] == "hub-a" and all(c["ok"] or c["skipped"] for c in pulled["checks"])
    sample = REPO / "app/data/samples/TransportDocument_reefer_APPROVED.json"
    assert (tmp_path / "ebl-from-a.json").read_bytes() == sample.read_bytes()

    # The invoice stays in CN: a 403 residency problem naming the rule.
    refusal = json.loads(next(line for line in lines if '"/problems/residency"' in line))
    assert refusal["status"] == 403 and refusal["reason"] == "residency"
    assert refusal["rule"] == "cn-commercial-invoice-onshore" and refusal["destination"] == "HK"

    # Financed at A, checked at B: CLEAR here, DUPLICATE at hub A, with no identity.
    assert "CLEAR" in lines  # Pearl River Bank's registration at hub A
    check = json.loads(run.stdout[run.stdout.rindex('{\n    "status"') :])
    assert check["status"] == "CLEAR"
    (peer,) = check["cross_border"]
    assert (peer["peer"], peer["jurisdiction"], peer["status"]) == ("hub-a", "CN", "DUPLICATE")
    assert {f["fingerprint"]: (f["status"], f["count"]) for f in peer["fingerprints"]} == {
        "transport-document": ("DUPLICATE", 1),
        "equipment-voyage": ("SIMILAR", 1),
    }
    assert "PRB-LOAN-7" not in json.dumps(check) and "Pearl River" not in json.dumps(check)
