"""The API server, able to die abruptly after its Nth commit and before publishing to the broker.

Run as `python -m tests.integration.connectors.crashing_api PORT`; with
TRADEGATE_TEST_CRASH_AT_KICK=N the process exits (no cleanup, like SIGKILL) in the Nth
after-commit publish, leaving a committed outbox row that nobody published.
"""

from __future__ import annotations

import itertools
import os
import sys

import uvicorn

from app.tasks.runner import TaskRunner


def arm(crash_at: int) -> None:
    calls = itertools.count(1)
    publish = TaskRunner.kick

    def kick(self: TaskRunner) -> None:
        if next(calls) == crash_at:
            os._exit(137)
        publish(self)

    TaskRunner.kick = kick  # type: ignore[method-assign]


if __name__ == "__main__":
    crash_at = int(os.environ.get("TRADEGATE_TEST_CRASH_AT_KICK", "0"))
    if crash_at:
        arm(crash_at)
    uvicorn.run("app.asgi:app", host="127.0.0.1", port=int(sys.argv[1]), log_config=None)
