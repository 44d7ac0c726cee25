"""`make demo` installs the product alone; test tools and test plugins go only where tests run."""

import shlex
import subprocess

import pytest

from tests.support import REPO

TEST_PLUGINS = {
    "./tests/plugins/tradegate-example-connector",
    "./tests/plugins/tradegate-broken-connector",
}


def _dry_run(target: str) -> list[list[str]]:
    """The commands `make` would run for ``target`` from a clean checkout, split into words."""
    printed = subprocess.run(
        ["make", "--dry-run", "--always-make", "--no-print-directory", target],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [shlex.split(line) for line in printed.splitlines()]


def _installed(target: str) -> set[str]:
    """What the target's `pip install` commands install (options left out)."""
    return {
        word
        for words in _dry_run(target)
        if "pip" in words and "install" in words
        for word in words[words.index("install") + 1 :]
        if not word.startswith("-")
    }


def test_demo_installs_only_the_product():
    assert _installed("demo") == {"pip", "."}


@pytest.mark.parametrize("target", ["test", "lint", "bench"])
def test_tests_get_the_test_extras_and_the_test_plugins(target):
    assert {".[test]", *TEST_PLUGINS} <= _installed(target)


def test_demo_runs_from_its_own_fresh_environment():
    demo = _dry_run("demo")
    assert ["python3", "-m", "venv", "--clear", ".venv-demo"] in demo
    assert demo[-1] == [".venv-demo/bin/tradegate", "demo"]
    assert not any(".venv-demo" in word for words in _dry_run("test") for word in words)
