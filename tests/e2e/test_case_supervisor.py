"""The case-level supervisor in the browser (issue 5): the case page of an associate's case says
who supervises it and why; the owner chooses someone who has just stopped supervising and is
refused beside the select with the choice kept and nothing written, then chooses another
supervisor and the line names the case level; the front desk sees the line but no control.

Arranged straight in the app's database under names no other test uses: an associate with a
default supervisor, two more supervisors, a client and their case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from playwright.sync_api import Page, expect
from sqlalchemy import Engine
from sqlmodel import Session, select

from practicerunner.core.permissions import Role
from practicerunner.practice.models import Staff
from practicerunner.supervision.models import CaseSupervisor, ProviderSupervisor
from tests.e2e.conftest import screenshot, sign_in
from tests.personas import add_client, add_individual_case, add_staff

OWNER = "olivia@willow.example"
FRONT_DESK = "fran@willow.example"
ASSOCIATE = ("rowan.ashby@willow.example", "Rowan Ashby")
DEFAULT = ("imogen.hale@willow.example", "Imogen Hale")
OTHER = ("desmond.okafor@willow.example", "Desmond Okafor")
LEAVING = ("wren.calloway@willow.example", "Wren Calloway")
CLIENT = ("Petra", "Vance")


@dataclass(frozen=True)
class Arranged:
    case_id: int
    other_id: int
    leaving_id: int


def _arrange(engine: Engine) -> Arranged:
    with Session(engine, expire_on_commit=False) as session:
        associate = add_staff(session, *ASSOCIATE, [Role.ASSOCIATE])
        default = add_staff(session, *DEFAULT, [Role.CLINICIAN, Role.SUPERVISOR])
        other = add_staff(session, *OTHER, [Role.CLINICIAN, Role.SUPERVISOR])
        leaving = add_staff(session, *LEAVING, [Role.CLINICIAN, Role.SUPERVISOR])
        session.add(ProviderSupervisor(associate_id=associate.id, supervisor_id=default.id))  # type: ignore[arg-type]
        client = add_client(session, *CLIENT, date(1988, 3, 9), associate)
        case = add_individual_case(session, client, associate)
        session.commit()
        return Arranged(int(case.id), int(other.id), int(leaving.id))  # type: ignore[arg-type]


def _case_supervisor(engine: Engine, case_id: int) -> int | None:
    with Session(engine) as session:
        return session.exec(
            select(CaseSupervisor.supervisor_id).where(CaseSupervisor.case_id == case_id)
        ).first()


def test_the_owner_sets_a_case_supervisor_and_the_front_desk_sees_it(
    page: Page, app_server: str, e2e_engine: Engine
) -> None:
    arranged = _arrange(e2e_engine)
    associate, default, other, leaving = ASSOCIATE[1], DEFAULT[1], OTHER[1], LEAVING[1]
    sign_in(page, OWNER)
    page.goto(f"/cases/{arranged.case_id}")
    section = page.locator("#supervision")
    line = section.locator("#case-supervisor")
    expect(line).to_have_text(f"{default} is {associate}'s primary supervisor.")
    level = section.locator("#supervision-level")
    expect(level).to_have_text("Default supervisor")
    select_box = section.get_by_label("Who supervises this case")
    expect(select_box).to_have_value("")
    options = select_box.locator("option")
    expect(options.first).to_have_text("The associate's usual supervisor")
    expect(options.filter(has_text=associate)).to_have_count(0)

    # Wren stops supervising while the page is open: refused beside the select, choice kept.
    with Session(e2e_engine) as session:
        gone = session.get(Staff, arranged.leaving_id)
        assert gone is not None
        gone.is_active = False
        session.add(gone)
        session.commit()
    select_box.select_option(label=leaving)
    section.locator("#case-supervisor-submit").click()
    expect(section.locator("#supervisor_id-error")).to_have_text(
        "Choose an active supervisor from the list."
    )
    expect(select_box).to_have_value(str(arranged.leaving_id))
    expect(line).to_contain_text(default)
    assert _case_supervisor(e2e_engine, arranged.case_id) is None

    # Desmond instead: the line names him and the case level at once.
    select_box.select_option(label=other)
    section.locator("#case-supervisor-submit").click()
    expect(line).to_have_text(f"{other} supervises this case.")
    expect(level).to_have_text("Supervisor for this case")
    expect(section.locator("#supervisor_id-error")).to_have_count(0)
    expect(select_box).to_have_value(str(arranged.other_id))
    assert _case_supervisor(e2e_engine, arranged.case_id) == arranged.other_id
    expect(page.get_by_text(f"{other} supervises this case now.")).to_be_visible()
    expect(page.locator("[data-sonner-toast]")).to_have_count(0, timeout=15_000)
    screenshot(page, "102-case-supervisor")

    # The front desk sees who supervises the case, but cannot change it.
    page.context.clear_cookies()
    sign_in(page, FRONT_DESK)
    page.goto(f"/cases/{arranged.case_id}")
    expect(line).to_have_text(f"{other} supervises this case.")
    expect(section.locator("select")).to_have_count(0)
    expect(section.get_by_role("button", name="Save")).to_have_count(0)
