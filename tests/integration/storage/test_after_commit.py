"""Follow-up actions run once the outermost transaction commits, never at a savepoint."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker

from app.storage.uow import after_commit_when

pytestmark = pytest.mark.integration


def test_a_released_savepoint_waits_for_the_outer_commit_before_the_action_runs(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'after-commit.db'}")
    factory = sessionmaker(engine)
    ran: list[str] = []
    after_commit_when(factory, "wanted", lambda: ran.append("action"))
    with factory() as session:
        session.execute(sa.text("select 1"))
        with session.begin_nested():
            session.info["wanted"] = True
        assert ran == []
        session.commit()
    assert ran == ["action"]


def test_a_rolled_back_outer_transaction_drops_the_action_raised_in_a_savepoint(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'after-commit.db'}")
    factory = sessionmaker(engine)
    ran: list[str] = []
    after_commit_when(factory, "wanted", lambda: ran.append("action"))
    with factory() as session:
        session.execute(sa.text("select 1"))
        with session.begin_nested():
            session.info["wanted"] = True
        session.rollback()
        session.commit()
    assert ran == []
