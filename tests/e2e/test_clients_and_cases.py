"""Client records and treatment relationships, as staff use them in the browser."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect
from sqlalchemy import text
from sqlmodel import Session, select

from practicerunner.auth.service import actor_for
from practicerunner.clients import service as clients
from practicerunner.practice.models import Staff
from tests.e2e.conftest import screenshot, sign_in


def _as(engine, email: str):  # type: ignore[no-untyped-def]
    """A session on the app's database and the actor for EMAIL (to arrange data)."""
    session = Session(engine, expire_on_commit=False)
    staff = session.exec(select(Staff).where(Staff.email == email)).one()
    actor = actor_for(session, staff, ip="127.0.0.1")
    session.commit()
    return session, actor


def test_staff_create_a_client_and_fix_bad_input_beside_the_fields(page, e2e_engine):
    last = f"Rivera{uuid.uuid4().hex[:6]}"
    sign_in(page, "fran@willow.example")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Clients").click()
    expect(page.locator("#page-of")).to_contain_text("Page 1 of")
    screenshot(page, "20-clients")
    page.get_by_role("link", name="Add client").click()
    page.get_by_label("Legal first name").fill("Jordan")
    page.get_by_label("Legal last name").fill(last)
    page.get_by_label("Date of birth").fill("2090-01-01")
    page.get_by_label("Email").fill("jordan.at.example")
    page.get_by_label("Phone").fill("555")
    page.locator("form").first.evaluate("f => f.noValidate = true")
    page.get_by_role("button", name="Save client").click()
    expect(page.locator("#date_of_birth-error")).to_contain_text("cannot be in the future")
    expect(page.locator("#email-error")).to_contain_text("valid email")
    expect(page.locator("#phone-error")).to_contain_text("valid phone")
    expect(page.get_by_label("Legal last name")).to_have_value(last)
    screenshot(page, "21-client-new-errors")
    with e2e_engine.connect() as conn:
        count = "select count(*) from client where legal_last_name = :n"
        assert conn.execute(text(count), {"n": last}).scalar() == 0
    page.get_by_label("Date of birth").fill("1991-06-14")
    page.get_by_label("Email").fill(f"{last.lower()}@example.com")
    page.get_by_label("Phone").fill("(503) 555-0188")
    page.get_by_role("button", name="Save client").click()
    expect(page.get_by_role("heading", name=f"Jordan {last}")).to_be_visible()
    expect(page.get_by_text("(503) 555-0188")).to_be_visible()
    screenshot(page, "22-client")
    # The client can be found again by phone digits.
    page.goto("/clients")
    expect(page.locator("#page-of")).to_contain_text("Page 1 of")
    page.get_by_label("Search").fill("5035550188")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("link", name=f"Jordan {last}")).to_be_visible()


def test_a_couple_case_paid_in_full_by_a_third_party(page, e2e_engine):
    tag = uuid.uuid4().hex[:6]
    session, owner = _as(e2e_engine, "olivia@willow.example")
    with session:
        partner_a = clients.create_client(
            session,
            owner,
            {
                "legal_first_name": "Avery",
                "legal_last_name": f"Stone{tag}",
                "date_of_birth": "1988-03-02",
                "email": f"avery{tag}@example.com",
            },
        )
        partner_b = clients.create_client(
            session,
            owner,
            {
                "legal_first_name": "Blake",
                "legal_last_name": f"Moss{tag}",
                "date_of_birth": "1987-09-21",
                "email": f"blake{tag}@example.com",
            },
        )
        clients.add_contact(
            session,
            owner,
            partner_a.id,
            {
                "relationship": "billing",
                "first_name": "Morgan",
                "last_name": f"Stone{tag}",
                "email": f"morgan{tag}@example.org",
            },
        )
    sign_in(page, "olivia@willow.example")
    page.goto(f"/cases/new?client={partner_a.id}")
    page.get_by_label("Kind").select_option("couple")
    page.get_by_label("Find a client").fill(f"Moss{tag}")
    participant_clients = page.get_by_label("Client", exact=True)
    participant_roles = page.get_by_label("Role", exact=True)
    page.get_by_role("button", name="Add participant").click()
    expect(participant_clients).to_have_count(2)
    participant_clients.nth(1).select_option(str(partner_b.id))
    participant_roles.nth(0).select_option("partner")
    participant_roles.nth(1).select_option("partner")
    payers = page.get_by_label("Payer", exact=True)
    expect(payers.first.locator("option", has_text=f"Morgan Stone{tag}")).to_have_count(1)
    payers.first.select_option(label=payers.first.locator("option", has_text="Morgan").inner_text())
    page.get_by_label("Share in percent").first.fill("100")
    expect(page.locator("#payer-total")).to_contain_text("100")
    screenshot(page, "30-case-new")
    page.get_by_role("button", name="Save case").click()
    expect(page).to_have_url(re.compile(r"/cases/\d+/?$"))
    expect(page.get_by_role("heading", name=f"Stone{tag} & Moss{tag} (couple)")).to_be_visible()
    pays = page.get_by_role("region", name="Who pays")
    expect(pays).to_contain_text(f"Morgan Stone{tag}")
    expect(pays).to_contain_text("100%")
    attends = page.get_by_role("region", name="Who attends")
    expect(attends).to_contain_text(f"Stone{tag}")
    expect(attends).to_contain_text(f"Moss{tag}")
    screenshot(page, "31-case")


def test_the_scheduler_sees_no_clinical_section_on_a_case(page, e2e_engine):
    with e2e_engine.connect() as conn:
        case_id = conn.execute(
            text("select id from \"case\" where presenting_concern != '' order by id limit 1")
        ).scalar()
    sign_in(page, "olivia@willow.example")
    page.goto(f"/cases/{case_id}")
    expect(page.get_by_role("region", name="Clinical")).to_be_visible()
    page.context.clear_cookies()
    sign_in(page, "fran@willow.example")
    page.goto(f"/cases/{case_id}")
    expect(page.get_by_role("region", name="Who attends")).to_be_visible()
    expect(page.get_by_role("region", name="Clinical")).to_have_count(0)
    expect(page.get_by_text("Presenting concern")).to_have_count(0)
    screenshot(page, "32-case-scheduler")


def test_a_clinician_opening_another_clinicians_client_by_url_gets_not_found(page, e2e_engine):
    with e2e_engine.connect() as conn:
        other_client = conn.execute(
            text(
                "select c.id from client c join staff s on s.id = c.clinician_id "
                "where s.email = 'olivia@willow.example' and c.id not in ("
                ' select p.client_id from case_participant p join "case" k on k.id = p.case_id'
                " join staff a on a.id = k.primary_clinician_id"
                " where a.email = 'ana@willow.example') order by c.id limit 1"
            )
        ).scalar()
    sign_in(page, "ana@willow.example")
    page.goto(f"/clients/{other_client}")
    expect(page.locator("#not-found")).to_be_visible()
    expect(page.get_by_text("Date of birth")).to_have_count(0)
    screenshot(page, "23-client-not-found")
