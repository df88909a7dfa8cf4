"""Billing policies and the case's billing tab, as the owner and staff use them in the browser.

Data is arranged through the services on the app's own database; the changes under test are
made in the browser. Versions are read from the database first, so the tests hold whatever
policies earlier tests left behind.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from practicerunner.auth.service import actor_for
from practicerunner.billing import policies
from practicerunner.clients import cases
from practicerunner.clients import service as clients
from practicerunner.clients.models import Case
from practicerunner.core.permissions import Actor
from practicerunner.practice.models import Location, Service, Staff
from practicerunner.scheduling.models import Appointment, AppointmentAttendee
from tests.e2e.conftest import screenshot, sign_in

OWNER = "olivia@willow.example"


def _as(engine: Engine, email: str = OWNER) -> tuple[Session, Actor]:
    session = Session(engine, expire_on_commit=False)
    staff = session.exec(select(Staff).where(Staff.email == email)).one()
    actor = actor_for(session, staff, ip="127.0.0.1")
    session.commit()
    return session, actor


def _new_case(engine: Engine, first: str, last: str, *, enroll: bool = False) -> Case:
    """An individual case for a new client of Olivia's, opened through the services."""
    session, owner = _as(engine)
    with session:
        client = clients.create_client(
            session,
            owner,
            {
                "legal_first_name": first,
                "legal_last_name": last,
                "date_of_birth": "1990-04-12",
                "email": f"{first.lower()}.{last.lower()}@example.com",
            },
        )
        case = cases.create_case(
            session,
            owner,
            cases.CaseInput(
                kind="individual",
                primary_clinician_id=owner.staff_id,
                opened_on=datetime.now(ZoneInfo("America/Los_Angeles")).date().isoformat(),
                participants=[cases.ParticipantInput(int(client.id), "client")],  # type: ignore[arg-type]
                payers=[cases.PayerInput(f"client:{client.id}", "100")],
            ),
        )
        if enroll:
            policies.enroll(session, case)
            session.commit()
        return case


def _practice_version(engine: Engine) -> int:
    session, _ = _as(engine)
    with session:
        policy = policies.ensure_practice_policy(session)
        session.commit()
        return policy.version


def _count(engine: Engine, sql: str, **params: object) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(sql), params).scalar_one())


def _open_practice_editor(page: Page) -> None:
    page.goto("/settings/billing")
    page.get_by_role("link", name="Edit the policy for The practice").click()
    expect(page.get_by_role("heading", name="Billing policy: The practice")).to_be_visible()


def _apply_to(page: Page, which: str) -> None:
    page.locator(f"input[name='applies_to'][value='{which}']").check()


def _set_tick(page: Page, name: str, on: bool) -> None:
    box = page.locator(f"input[name='{name}']")
    if box.is_checked() != on:
        box.click()


def test_situation_4_existing_clients_keep_their_process_new_ones_get_bank_auto_pay(
    page: Page, e2e_engine: Engine
) -> None:
    # given: an existing client enrolled on the practice's current version
    tag = uuid.uuid4().hex[:5]
    before = _practice_version(e2e_engine)
    existing = _new_case(e2e_engine, "Ezra", f"Old{tag}", enroll=True)

    # when: the owner switches the practice to bank auto-pay, for new clients only
    sign_in(page, OWNER)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Billing policies").click()
    expect(page.get_by_role("heading", name="Billing policies")).to_be_visible()
    _open_practice_editor(page)
    expect(page.locator("#cost-sentence")).to_contain_text("payment: card $")
    page.get_by_label("Collection").select_option("auto_pay")
    # Other browser tests share the demo practice and may have moved its schedule.
    page.get_by_label("Billing runs").select_option("weekly")
    page.locator("select[name='weekday']").select_option("4")
    _set_tick(page, "bank_only", True)
    _apply_to(page, "new")
    page.get_by_role("button", name="Preview changes").click()
    expect(page.locator("#preview-note")).to_have_text(
        "No existing client changes: only new clients will use this version."
    )
    policies_before = _count(e2e_engine, "select count(*) from billing_policy")
    page.get_by_role("button", name=f"Save version {before + 1}").click()
    expect(page.get_by_text(f"Version {before + 1} saved.")).to_be_visible()
    assert _count(e2e_engine, "select count(*) from billing_policy") == policies_before + 1

    # then: the existing case keeps its old rule, and says why
    page.goto(f"/cases/{existing.id}/billing")
    why = page.locator("#case-rule-why")
    expect(why).to_contain_text(f"Enrolled under the policy for the practice (version {before})")
    expect(why).to_contain_text("replaced for new clients")
    expect(page.locator("#case-rule-summary")).not_to_contain_text("auto-pay")

    # and a case opened now gets bank auto-pay under the new version
    newcomer = _new_case(e2e_engine, "Nia", f"New{tag}")
    page.goto(f"/cases/{newcomer.id}/billing")
    expect(page.locator("#case-rule-summary")).to_have_text(
        "Pay per session, auto-pay every Friday; bank transfer."
    )
    expect(page.locator("#case-rule-why")).to_contain_text(f"(version {before + 1})")
    expect(page.locator("#case-methods li")).to_have_count(1)
    expect(page.locator("#case-methods")).to_contain_text("Bank transfer")


def test_the_preview_for_all_clients_lists_the_cases_before_anything_is_saved(
    page: Page, e2e_engine: Engine
) -> None:
    tag = uuid.uuid4().hex[:5]
    version = _practice_version(e2e_engine)
    first = _new_case(e2e_engine, "Ada", f"Alpha{tag}", enroll=True)
    second = _new_case(e2e_engine, "Bo", f"Beta{tag}", enroll=True)
    arrangements = (
        "select count(*) from billing_arrangement where policy_id ="
        " (select id from billing_policy where scope_kind = 'practice' and is_current)"
    )
    on_current = _count(e2e_engine, arrangements)
    assert on_current >= 2
    policies_before = _count(e2e_engine, "select count(*) from billing_policy")

    sign_in(page, OWNER)
    _open_practice_editor(page)
    page.get_by_label("Billing runs").select_option("monthly")
    page.get_by_label("Day of the month").select_option("last")
    _apply_to(page, "all")
    page.get_by_role("button", name="Preview changes").click()
    listed = page.locator("#preview-cases")
    for case in (first, second):
        item = listed.locator("tr", has_text=case.title).first
        expect(item).to_contain_text("Schedule: every Friday → monthly on the last day")
    page.wait_for_timeout(300)
    screenshot(page, "81-policy-preview")

    # Nothing is written by the preview.
    assert _count(e2e_engine, "select count(*) from billing_policy") == policies_before
    assert _count(e2e_engine, arrangements) == on_current

    page.get_by_role("button", name=f"Save version {version + 1}").click()
    expect(page.get_by_text(f"Version {version + 1} saved.")).to_be_visible()
    moved = (
        "select count(*) from billing_arrangement a join billing_policy p on p.id = a.policy_id"
        " where a.case_id in (:a, :b) and p.is_current and p.version = :v"
    )
    assert _count(e2e_engine, moved, a=first.id, b=second.id, v=version + 1) == 2


def _location_with_two_clients(engine: Engine, tag: str) -> tuple[str, Case, Case]:
    """A new office and two clients seen there last week."""
    session, _ = _as(engine)
    with session:
        now = datetime.now(UTC)
        location = Location(
            name=f"Eastside {tag}", kind="office", place_of_service="11", created_at=now
        )
        session.add(location)
        session.commit()
        location_id = int(location.id)  # type: ignore[arg-type]
        service = session.exec(select(Service).where(Service.fee_cents == 16000)).first()
        assert service is not None
    found = []
    for first, last in (("Rita", f"Exception{tag}"), ("Sol", f"Bankonly{tag}")):
        case = _new_case(engine, first, last)
        session, _ = _as(engine)
        with session:
            start = now - timedelta(days=7, hours=len(found))
            appointment = Appointment(
                case_id=int(case.id),  # type: ignore[arg-type]
                clinician_id=case.primary_clinician_id,
                service_id=int(service.id),  # type: ignore[arg-type]
                location_id=location_id,
                start_at=start,
                end_at=start + timedelta(minutes=53),
                status="attended",
                created_at=now,
                updated_at=now,
            )
            session.add(appointment)
            session.flush()
            client_id = session.execute(
                text("select client_id from case_participant where case_id = :c"), {"c": case.id}
            ).scalar_one()
            session.add(AppointmentAttendee(appointment_id=appointment.id, client_id=client_id))  # type: ignore[arg-type]
            session.commit()
        found.append(case)
    return f"Eastside {tag}", found[0], found[1]


def test_situation_5_discounts_and_a_bank_only_location_with_one_exception(
    page: Page, e2e_engine: Engine
) -> None:
    tag = uuid.uuid4().hex[:5]
    office, rita, sol = _location_with_two_clients(e2e_engine, tag)

    # The practice offers 5% off for bank transfer and $10 off for manual payment.
    sign_in(page, OWNER)
    _open_practice_editor(page)
    _set_tick(page, "bank_only", False)
    for name in ("method_card", "method_bank", "method_manual"):
        _set_tick(page, name, True)
    page.locator("select[name='bank_discount_kind']").select_option("percent")
    page.locator("#bank_discount").fill("5")
    page.locator("select[name='manual_discount_kind']").select_option("amount")
    page.locator("#manual_discount").fill("10")
    _apply_to(page, "new")
    page.get_by_role("button", name="Preview changes").click()
    expect(page.locator("#policy-preview")).to_be_visible()
    page.get_by_role("button", name="Save version").click()
    expect(page.get_by_text("saved.")).to_be_visible()

    # The new office accepts bank transfers only (its policy starts from the practice's).
    page.goto("/settings/billing")
    page.locator("#scope").select_option(label=f"Location: {office}")
    page.get_by_role("button", name="Add policy").click()
    expect(page.get_by_role("heading", name=f"Billing policy: {office}")).to_be_visible()
    expect(page.locator("#bank_discount")).to_have_value("5")
    _set_tick(page, "bank_only", True)
    page.get_by_role("button", name="Preview changes").click()
    page.get_by_role("button", name="Save version 1").click()
    expect(page.get_by_text("Version 1 saved.")).to_be_visible()

    page.goto("/settings/billing")
    card = page.locator(".pr-policy-card", has_text=office)
    expect(card).to_contain_text("bank transfer only")
    expect(card).to_contain_text("5% off the listed fee for bank transfer")
    practice = page.locator(".pr-policy-card[data-scope='practice']")
    expect(practice).to_contain_text("$10.00 off the listed fee for manual payment")
    expect(practice).to_contain_text("Enrolled — version")
    screenshot(page, "80-billing-policies")

    # One client of that office may pay by card: the exception is set on the case.
    page.goto(f"/cases/{rita.id}/billing")
    expect(page.locator("#case-rule-why")).to_contain_text("Only bank transfers are accepted here.")
    _set_tick(page, "bank_only_exception", True)
    page.get_by_label("Note for staff").fill("Agreed at intake: card is fine.")
    page.get_by_role("button", name="Save this case's billing").click()
    expect(page.get_by_text("This case's billing saved.")).to_be_visible()
    why = page.locator("#case-rule-why")
    expect(why).to_contain_text(f"Enrolled under the policy for location {office} (version 1)")
    expect(why).to_contain_text("An exception lets this case pay by other methods")
    methods = page.locator("#case-methods")
    expect(methods).to_contain_text("Card")
    expect(methods).to_contain_text("Bank transfer — 5% off the listed fee")
    page.wait_for_timeout(300)
    screenshot(page, "82-case-billing")

    # The other client of that office pays by bank only, with the bank discount.
    page.goto(f"/cases/{sol.id}/billing")
    why = page.locator("#case-rule-why")
    expect(why).to_contain_text(f"the policy for location {office} (version 1)")
    expect(why).to_contain_text("Only bank transfers are accepted here.")
    expect(page.locator("#case-methods li")).to_have_count(1)
    expect(page.locator("#case-methods")).to_contain_text("Bank transfer — 5% off the listed fee")


def test_bad_input_is_explained_beside_the_fields_and_nothing_is_saved(
    page: Page, e2e_engine: Engine
) -> None:
    _practice_version(e2e_engine)
    policies_before = _count(e2e_engine, "select count(*) from billing_policy")
    sign_in(page, OWNER)
    _open_practice_editor(page)
    page.get_by_label("Billing model").select_option("recurring_monthly")
    page.get_by_label("Billing runs").select_option("monthly")
    page.get_by_label("Day of the month").select_option("day")
    page.locator("#month_day").fill("32")
    page.locator("#monthly_amount").fill("")
    page.locator("#monthly_sessions").fill("4")
    page.locator("select[name='bank_discount_kind']").select_option("percent")
    page.locator("#bank_discount").fill("150")
    page.get_by_role("button", name="Preview changes").click()

    expect(page.locator("#bank_discount-error")).to_contain_text("can't be above 100%")
    expect(page.locator("#month_day-error")).to_contain_text("Choose a day from 1 to 31")
    expect(page.locator("#monthly_amount-error")).to_be_visible()
    expect(page.locator("#form-error-summary")).to_be_visible()
    expect(page.locator("#policy-preview")).to_have_count(0)
    # What was typed stays.
    expect(page.locator("#bank_discount")).to_have_value("150")
    expect(page.locator("#month_day")).to_have_value("32")
    expect(page.locator("#monthly_sessions")).to_have_value("4")
    assert _count(e2e_engine, "select count(*) from billing_policy") == policies_before


def test_staff_see_the_tab_by_role_and_a_consultation_shows_nothing_clinical(
    page: Page, e2e_engine: Engine
) -> None:
    with e2e_engine.connect() as conn:
        consultation = conn.execute(
            text("select id from \"case\" where kind = 'consultation' order by id limit 1")
        ).scalar_one()
    # The front desk reads the tab from the case page but changes nothing there.
    sign_in(page, "fran@willow.example")
    page.goto(f"/cases/{consultation}")
    page.locator("#case-billing-link").click()
    expect(page.locator("#case-rule-summary")).to_be_visible()
    expect(page.get_by_role("button", name="Save this case's billing")).to_have_count(0)
    body = page.locator("main").inner_text().lower()
    for word in ("diagnos", "insurance", "claim", "icd", "cpt"):
        assert word not in body, word
    # Policies are not for the front desk.
    page.goto("/settings/billing")
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
