"""The audit log on a real database: triggers refuse edits, and verification catches an
attacker who drops them — an edited, deleted, truncated or reordered entry — both through
core.audit.verify_chain and `practicerunner audit verify`. Concurrent writers never fork it."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, select

from practicerunner.cli import main as cli_main
from practicerunner.core import audit
from practicerunner.core.audit import AuditEvent, ChainProblem, verify_chain
from practicerunner.core.permissions import Actor, Role

CARL = Actor(staff_id=7, name="Carl Chen", roles=frozenset({Role.CLINICIAN}), ip="10.0.0.5")


def _append(session: Session, n: int, actor: Actor = CARL) -> None:
    for i in range(n):
        audit.record(session, actor, "client.view", record_type="client", record_id=i, client_id=i)
        session.commit()


def _drop_triggers(session: Session) -> None:
    """What an attacker with database access does first."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("DROP TRIGGER audit_event_no_update ON audit_event"))
    else:
        session.execute(text("DROP TRIGGER audit_event_no_update"))
        session.execute(text("DROP TRIGGER audit_event_no_delete"))
    session.commit()


def _tamper(session: Session, *statements: str) -> None:
    _drop_triggers(session)
    for statement in statements:
        session.execute(text(statement))
    session.commit()


def _cli_verify(capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = cli_main(["audit", "verify"])
    return code, capsys.readouterr().out


@pytest.fixture
def chain(session: Session) -> Session:
    _append(session, 5)
    return session


def test_an_untouched_chain_is_intact(chain, capsys):
    assert verify_chain(chain) == (5, [])
    chain.rollback()
    code, out = _cli_verify(capsys)
    assert code == 0
    assert "intact: 5 entries" in out


def test_the_database_refuses_to_update_an_entry(chain):
    with pytest.raises(DBAPIError, match="append-only"):
        chain.execute(text("UPDATE audit_event SET actor_name = 'Nobody' WHERE seq = 3"))
    chain.rollback()
    assert verify_chain(chain) == (5, [])


def test_the_database_refuses_to_delete_an_entry(chain):
    with pytest.raises(DBAPIError, match="append-only"):
        chain.execute(text("DELETE FROM audit_event WHERE seq = 5"))
    chain.rollback()
    assert verify_chain(chain) == (5, [])


def test_an_edited_field_is_detected(chain, capsys):
    _tamper(chain, "UPDATE audit_event SET ip = '192.0.2.1' WHERE seq = 3")
    assert verify_chain(chain) == (5, [ChainProblem(3, "was edited after it was written")])
    chain.rollback()
    code, out = _cli_verify(capsys)
    assert code == 1
    assert "FAILED" in out and "entry 3: was edited after it was written" in out


def test_an_edit_with_a_recomputed_hash_is_detected_by_the_next_entry(chain, capsys):
    _drop_triggers(chain)
    event = chain.exec(select(AuditEvent).where(AuditEvent.seq == 2)).one()
    event.actor_name = "Someone Else"
    event.hash = event.compute_hash()
    chain.add(event)
    chain.commit()
    assert verify_chain(chain) == (5, [ChainProblem(3, "does not follow the entry before it")])
    chain.rollback()
    code, out = _cli_verify(capsys)
    assert code == 1 and "entry 3: does not follow the entry before it" in out


def test_a_deleted_middle_entry_is_detected(chain, capsys):
    _tamper(chain, "DELETE FROM audit_event WHERE seq = 3")
    count, problems = verify_chain(chain)
    assert count == 4
    assert problems == [
        ChainProblem(3, "entries 3..3 are missing"),
        ChainProblem(4, "does not follow the entry before it"),
    ]
    chain.rollback()
    code, out = _cli_verify(capsys)
    assert code == 1 and "entry 3: entries 3..3 are missing" in out


def test_a_deleted_tail_entry_is_detected(chain, capsys):
    _tamper(chain, "DELETE FROM audit_event WHERE seq = 5")
    assert verify_chain(chain) == (
        4,
        [ChainProblem(5, "the log ends early: the head names entry 5")],
    )
    chain.rollback()
    code, out = _cli_verify(capsys)
    assert code == 1 and "the log ends early" in out


def test_reordered_entries_are_detected(chain, capsys):
    # Swap entries 2 and 4 (through a free number: seq is unique).
    _tamper(
        chain,
        "UPDATE audit_event SET seq = 1000 WHERE seq = 2",
        "UPDATE audit_event SET seq = 2 WHERE seq = 4",
        "UPDATE audit_event SET seq = 4 WHERE seq = 1000",
    )
    count, problems = verify_chain(chain)
    assert count == 5
    assert {p.seq for p in problems} >= {2, 3, 4, 5}
    assert ChainProblem(2, "was edited after it was written") in problems
    chain.rollback()
    code, out = _cli_verify(capsys)
    assert code == 1 and "entry 2:" in out


def test_four_writers_at_once_leave_one_unbroken_chain(engine: Engine, session: Session):
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def writer(n: int) -> None:
        actor = Actor(staff_id=n + 1, name=f"Writer {n}", roles=frozenset({Role.CLINICIAN}))
        try:
            start.wait()
            for _ in range(25):
                with Session(engine) as own:
                    _append(own, 1, actor)
        except BaseException as exc:  # surfaced below, with the thread's own traceback
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    assert verify_chain(session) == (100, [])
    seqs = session.exec(select(AuditEvent.seq).order_by(AuditEvent.seq)).all()
    assert seqs == list(range(1, 101))
    per_writer = session.exec(select(AuditEvent.actor_id)).all()
    assert sorted(per_writer.count(i) for i in range(1, 5)) == [25, 25, 25, 25]
