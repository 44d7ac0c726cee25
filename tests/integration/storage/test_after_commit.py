"""Follow-up actions run once the outermost transaction commits, never at a savepoint."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from app.storage.uow import after_commit_when

pytestmark = pytest.mark.integration


@pytest.fixture
def hooked(tmp_path) -> tuple[sessionmaker[Session], list[str]]:
    """Sessions whose commits run an action once a session has said it wants it."""
    factory = sessionmaker(sa.create_engine(f"sqlite:///{tmp_path / 'after-commit.db'}"))
    ran: list[str] = []
    after_commit_when(factory, "wanted", lambda: ran.append("action"))
    return factory, ran


def test_a_released_savepoint_waits_for_the_outer_commit_before_the_action_runs(hooked):
    factory, ran = hooked
    with factory() as session:
        session.execute(sa.text("select 1"))
        with session.begin_nested():
            session.info["wanted"] = True
        assert ran == []
        session.commit()
    assert ran == ["action"]


def test_a_rolled_back_outer_transaction_drops_the_action_raised_in_a_savepoint(hooked):
    factory, ran = hooked
    with factory() as session:
        session.execute(sa.text("select 1"))
        with session.begin_nested():
            session.info["wanted"] = True
        session.rollback()
        session.commit()
    assert ran == []
