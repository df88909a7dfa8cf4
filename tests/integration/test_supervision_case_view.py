"""The case page's "Supervision" section (supervision.case_view): an associate's case says who
supervises it and why — the associate's default, then the case's own supervisor once one is
set — a licensed clinician's case has no section, a consultation case keeps it; only staff
managers get the supervisors to choose from, never the case's own clinician, nobody inactive
and nobody without the supervisor role; whoever the case view does not reach gets NotFound."""

from __future__ import annotations

import pytest
from sqlmodel import Session, col, func, select

from practicerunner.clients.models import Case
from practicerunner.core.errors import NotFound
from practicerunner.core.models import AuditEvent
from practicerunner.core.permissions import Role
from practicerunner.practice.models import Staff, StaffRole
from practicerunner.supervision.case_view import case_supervision
from practicerunner.supervision.routing import set_case_supervisor
from tests.personas import add_staff


def _supervisor(session: Session, email: str, name: str) -> Staff:
    staff = add_staff(session, email, name, [Role.CLINICIAN, Role.SUPERVISOR])
    session.commit()
    return staff


def _events(session: Session) -> int:
    count = session.exec(select(func.count()).select_from(AuditEvent)).one()
    session.rollback()
    return int(count)


def test_an_associates_case_names_the_default_then_the_case_supervisor(
    session: Session, people
) -> None:  # type: ignore[no-untyped-def]
    sam = people.staff["supervisor"]
    tess = _supervisor(session, "tess@willow.test", "Tess Tran")
    case_id = int(people.cases["associate"].id)
    before = _events(session)

    line = case_supervision(session, people.owner, case_id)
    assert line.needs_supervision
    assert (line.supervisor_name, line.level_label) == ("Sam Suarez", "Default supervisor")
    assert line.why == "Sam Suarez is Ana Alvarez's primary supervisor."
    assert line.case_supervisor_id is None
    assert line.can_change
    assert line.choices == [(sam.id, "Sam Suarez"), (tess.id, "Tess Tran")]
    session.rollback()
    # A read of the page's section writes nothing (the case page records case.view).
    assert _events(session) == before

    set_case_supervisor(session, people.owner, case_id, int(tess.id))  # type: ignore[arg-type]
    line = case_supervision(session, people.owner, case_id)
    assert (line.supervisor_name, line.level_label) == ("Tess Tran", "Supervisor for this case")
    assert line.why == "Tess Tran supervises this case."
    assert line.case_supervisor_id == tess.id
    session.rollback()

    # Back to the associate's usual supervisor.
    set_case_supervisor(session, people.owner, case_id, None)
    line = case_supervision(session, people.owner, case_id)
    assert (line.supervisor_name, line.level_label) == ("Sam Suarez", "Default supervisor")
    assert line.case_supervisor_id is None


def test_a_licensed_clinicians_case_has_no_section(session: Session, people) -> None:  # type: ignore[no-untyped-def]
    for key in ("clinician", "owner", "supervisor"):
        line = case_supervision(session, people.owner, int(people.cases[key].id))
        assert not line.needs_supervision
        assert (line.supervisor_name, line.why, line.choices) == ("", "", [])


def test_a_consultation_case_of_an_associate_keeps_its_supervisor(session: Session, people) -> None:  # type: ignore[no-untyped-def]
    case = session.get(Case, int(people.cases["associate"].id))
    assert case is not None
    case.kind = "consultation"
    session.add(case)
    session.commit()
    line = case_supervision(session, people.owner, int(case.id))  # type: ignore[arg-type]
    assert line.needs_supervision and line.supervisor_name == "Sam Suarez"


def test_the_choices_leave_out_the_clinician_the_inactive_and_non_supervisors(
    session: Session, people
) -> None:  # type: ignore[no-untyped-def]
    sam = people.staff["supervisor"]
    ana = people.staff["associate"]
    gone = _supervisor(session, "gil@willow.test", "Gil Gray")
    gone.is_active = False
    session.add(gone)
    # An associate who also holds the supervisor role still cannot supervise their own case.
    session.add(StaffRole(staff_id=int(ana.id), role=Role.SUPERVISOR.value))
    session.commit()

    line = case_supervision(session, people.owner, int(people.cases["associate"].id))
    offered = {staff_id for staff_id, _ in line.choices}
    assert offered == {sam.id}
    assert ana.id not in offered and gone.id not in offered
    # Owner, clinician, scheduler, biller and the other associate hold no supervisor role.
    for key in ("owner", "clinician", "scheduler", "biller", "associate2"):
        assert people.staff[key].id not in offered


def test_only_staff_managers_get_the_control(session: Session, people) -> None:  # type: ignore[no-untyped-def]
    case_id = int(people.cases["associate"].id)
    for key in ("supervisor", "associate", "scheduler", "biller"):
        line = case_supervision(session, getattr(people, key), case_id)
        assert line.needs_supervision, key
        assert line.supervisor_name == "Sam Suarez", key
        assert (line.can_change, line.choices) == (False, []), key
        session.rollback()


def test_whoever_the_case_view_does_not_reach_gets_not_found(session: Session, people) -> None:  # type: ignore[no-untyped-def]
    case_id = int(people.cases["associate"].id)
    for key in ("clinician", "associate2"):
        with pytest.raises(NotFound):
            case_supervision(session, getattr(people, key), case_id)
        session.rollback()
    missing = int(session.exec(select(func.max(col(Case.id)))).one() or 0) + 1
    with pytest.raises(NotFound):
        case_supervision(session, people.owner, missing)


def test_a_case_supervisor_who_left_stays_chosen_so_a_blind_save_cannot_clear_it(
    session: Session, people
) -> None:  # type: ignore[no-untyped-def]
    from practicerunner.core.errors import ValidationFailed
    from practicerunner.supervision.models import CaseSupervisor

    case_id = int(people.cases["associate"].id)
    tess = _supervisor(session, "tess@willow.test", "Tess Tran")
    set_case_supervisor(session, people.owner, case_id, int(tess.id))  # type: ignore[arg-type]
    tess.is_active = False
    session.add(tess)
    session.commit()

    line = case_supervision(session, people.owner, case_id)
    # Routing passes her over and says so; the select still shows her as the case's choice.
    assert line.supervisor_name == "Sam Suarez"
    assert "Tess Tran" in line.why
    assert line.case_supervisor_id == tess.id
    assert (tess.id, "Tess Tran (no longer able to supervise)") in line.choices
    session.rollback()
    # Saving her again is refused by field and changes nothing.
    with pytest.raises(ValidationFailed) as refused:
        set_case_supervisor(session, people.owner, case_id, int(tess.id))  # type: ignore[arg-type]
    assert set(refused.value.errors) == {"supervisor_id"}
    kept = session.exec(select(CaseSupervisor).where(CaseSupervisor.case_id == case_id)).one()
    assert kept.supervisor_id == tess.id
