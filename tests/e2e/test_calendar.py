"""The calendar, as the front desk uses it: book a weekly couple series by clicking a free slot,
drag a session to another day, cancel "this and following", mark attended and no-show from the
today list, and meet the conflict panel (with next free times) when double-booking.

The demo practice is seeded relative to today, so the test looks up, through the services, a
Monday when Olivia and the Kims are free at the same time for four weeks running.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect
from sqlmodel import Session, col, select

from practicerunner.auth.service import actor_for
from practicerunner.clients.models import Case, CaseKind, CaseParticipant, CaseStatus
from practicerunner.core import clock
from practicerunner.practice.models import Location, LocationKind, Service, Staff
from practicerunner.scheduling import service as sched
from practicerunner.scheduling.calendar_ui import grid
from practicerunner.scheduling.models import Appointment
from practicerunner.scheduling.service.conflicts import Slot, soft_warnings
from practicerunner.scheduling.views import AppointmentInput
from tests.e2e.conftest import screenshot, sign_in

KIM = "Daniel & Rachel Kim"


def _as(engine, email: str):  # type: ignore[no-untyped-def]
    session = Session(engine, expire_on_commit=False)
    staff = session.exec(select(Staff).where(Staff.email == email)).one()
    actor = actor_for(session, staff, ip="127.0.0.1")
    session.commit()
    return session, actor


def _staff_id(session: Session, email: str) -> int:
    return int(session.exec(select(Staff.id).where(Staff.email == email)).one())  # type: ignore[arg-type]


def _case(session: Session, title: str) -> Case:
    return session.exec(select(Case).where(Case.title == title)).one()


def _clients(session: Session, case_id: int) -> tuple[int, ...]:
    rows = session.exec(
        select(CaseParticipant.client_id).where(CaseParticipant.case_id == case_id)
    ).all()
    return tuple(int(c) for c in rows)


def _fits(
    session: Session, zone: ZoneInfo, who: int, clients: tuple[int, ...], at: datetime
) -> bool:
    start = at.replace(tzinfo=zone)
    slot = Slot(who, start, start + timedelta(minutes=50), clients)
    return not sched.hard_conflicts(session, slot, zone) and not soft_warnings(session, slot, zone)


def _free_monday(session: Session, zone: ZoneInfo, who: int, clients: tuple[int, ...]):  # type: ignore[no-untyped-def]
    """A Monday ≥ 8 days ahead and a :00/:30 time free for four Mondays and the Tuesday after."""
    today = clock.now().astimezone(zone).date()
    monday = today + timedelta(days=8 + (7 - (today + timedelta(days=8)).weekday()) % 7)
    for week in range(10):
        first = monday + timedelta(weeks=week)
        for minutes in range(9 * 60, 16 * 60 + 1, 30):
            at = time(minutes // 60, minutes % 60)
            days = [first + timedelta(weeks=k) for k in range(4)] + [first + timedelta(days=1)]
            if all(_fits(session, zone, who, clients, datetime.combine(d, at)) for d in days):
                return first, at
    raise AssertionError("no free Monday for the test in ten weeks")


def _day_label(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def _go_to(page: Page, view: str, title: str | re.Pattern[str]) -> None:
    """Switch view, then step with Next until the toolbar shows TITLE."""
    heading = page.locator("#cal-title")
    radio = page.get_by_role("radio", name=view)
    if radio.get_attribute("aria-checked") != "true":
        before = heading.inner_text()
        radio.click()
        expect(heading).not_to_have_text(before)
    for _ in range(80):
        text = heading.inner_text()
        if title.search(text) if isinstance(title, re.Pattern) else text == title:
            break
        page.get_by_role("button", name="Next").click()
        expect(heading).not_to_have_text(text)
    expect(heading).to_have_text(title)
    page.wait_for_timeout(300)


def _open_calendar(page: Page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Calendar", exact=True
    ).click()
    expect(page.locator("#calendar-grid .fc")).to_be_visible()


def _column_x(page: Page, header_text: str) -> float:
    cell = page.locator(".fc-col-header-cell", has_text=header_text).first
    box = cell.bounding_box()
    assert box is not None
    return box["x"] + box["width"] / 2


def _within_grid(page: Page, box) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """A block's box relative to the grid (a notice above the grid moves the whole grid)."""
    origin = page.locator("#calendar-grid").bounding_box()
    assert box is not None and origin is not None
    return {
        "x": round(box["x"] - origin["x"], 1),
        "y": round(box["y"] - origin["y"], 1),
        "width": round(box["width"], 1),
        "height": round(box["height"], 1),
    }


def _lane_y(page: Page, at: time) -> float:
    lane = page.locator(f'.fc-timegrid-slot-lane[data-time="{at:%H:%M}:00"]')
    lane.scroll_into_view_if_needed()
    box = lane.bounding_box()
    assert box is not None
    return box["y"] + 4


def _choose(page: Page, select_id: str, starts_with: str) -> None:
    """Pick the option of a native select whose text starts with STARTS_WITH."""
    options = page.locator(f"#{select_id} option").all_inner_texts()
    page.locator(f"#{select_id}").select_option(
        label=next(o for o in options if o.startswith(starts_with))
    )


def _read(engine):  # type: ignore[no-untyped-def]
    """A short session for checking what the app wrote (SQLite: every transaction takes the
    write lock, so the test never holds one while the browser acts)."""
    return Session(engine, expire_on_commit=False)


def _booked_series(engine, case_id: int, first: datetime) -> list[Appointment]:  # type: ignore[no-untyped-def]
    """The sessions of the series whose first session starts at FIRST (aware)."""
    with _read(engine) as session:
        head = session.exec(
            select(Appointment).where(Appointment.case_id == case_id, Appointment.start_at == first)
        ).one()
        return list(
            session.exec(
                select(Appointment)
                .where(Appointment.series_id == head.series_id)
                .order_by(col(Appointment.occurrence_index))
            ).all()
        )


def _reload(engine, appointments: list[Appointment]) -> list[Appointment]:  # type: ignore[no-untyped-def]
    with _read(engine) as session:
        found = [session.get(Appointment, a.id) for a in appointments]
        return [a for a in found if a is not None]


def _status(engine, appointment_id: int) -> str:  # type: ignore[no-untyped-def]
    with _read(engine) as session:
        appt = session.get(Appointment, appointment_id)
        assert appt is not None
        return appt.status


def _book_today(session: Session, actor, case: Case, who: int, start: datetime) -> int:  # type: ignore[no-untyped-def]
    service = session.exec(
        select(Service).where(Service.name == "Individual therapy, 53 min")
    ).one()
    office = session.exec(select(Location).where(Location.kind == LocationKind.OFFICE)).first()
    assert office is not None
    return sched.book(
        session,
        actor,
        AppointmentInput(
            case_id=str(case.id),
            service_id=str(service.id),
            clinician_id=str(who),
            location_id=str(office.id),
            date=start.date().isoformat(),
            start_time=start.strftime("%H:%M"),
            duration_minutes="30",
            override_reason="Browser test: a session that has already started today",
        ),
    )


def _sessions_started_today(engine, zone: ZoneInfo) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """Two sessions that have started today (so they can be marked), on Olivia's and Sam's."""
    session, owner = _as(engine, "olivia@willow.example")
    with session:  # the session commits (and so releases SQLite's lock) inside book()
        now = clock.now().astimezone(zone).replace(tzinfo=None)
        start = max(datetime.combine(now.date(), time(0)), now - timedelta(minutes=40))
        start = start.replace(minute=start.minute - start.minute % 5, second=0, microsecond=0)
        individual = session.exec(
            select(Case).where(
                Case.kind == CaseKind.INDIVIDUAL,
                Case.status == CaseStatus.ACTIVE,
                Case.primary_clinician_id == _staff_id(session, "olivia@willow.example"),
            )
        ).all()
        sams = session.exec(
            select(Case).where(
                Case.kind == CaseKind.INDIVIDUAL,
                Case.status == CaseStatus.ACTIVE,
                Case.primary_clinician_id == _staff_id(session, "sam@willow.example"),
            )
        ).all()
        first = _book_today(
            session, owner, individual[-1], _staff_id(session, "olivia@willow.example"), start
        )
        second = _book_today(
            session, owner, sams[-1], _staff_id(session, "sam@willow.example"), start
        )
        return first, second


def test_front_desk_books_moves_cancels_marks_and_meets_a_conflict(page: Page, e2e_engine) -> None:
    with _read(e2e_engine) as session:
        zone = ZoneInfo(sched.practice_timezone(session))
        olivia = _staff_id(session, "olivia@willow.example")
        kim = int(_case(session, "Kim (couple)").id)  # type: ignore[arg-type]
        goldberg = int(_case(session, "Goldberg (couple)").id)  # type: ignore[arg-type]
        monday, at = _free_monday(session, zone, olivia, _clients(session, kim))
    attended_id, no_show_id = _sessions_started_today(e2e_engine, zone)

    # The front desk starts on today, every clinician side by side, with the today list.
    sign_in(page, "fran@willow.example")
    _open_calendar(page)
    expect(page.get_by_role("radio", name="Day")).to_be_checked()
    expect(page.locator(".fc-col-header-cell", has_text="Olivia Owens")).to_be_visible()
    expect(page.locator(f"#today-{attended_id}")).to_be_visible()
    screenshot(page, "50-calendar-day")

    # Mark one attended and one no-show with one click each.
    page.locator(f"#today-{attended_id}").get_by_role(
        "button", name=re.compile("^Attended")
    ).click()
    expect(
        page.locator(f"#today-{attended_id}").get_by_role("button", name=re.compile("^Undo"))
    ).to_be_visible()
    expect(page.locator(f"#today-{attended_id}")).to_contain_text("Attended")
    page.locator(f"#today-{no_show_id}").get_by_role("button", name=re.compile("^No-show")).click()
    expect(
        page.locator(f"#today-{no_show_id}").get_by_role("button", name=re.compile("^Undo"))
    ).to_be_visible()
    assert _status(e2e_engine, attended_id) == "attended"
    assert _status(e2e_engine, no_show_id) == "no_show"
    screenshot(page, "51-calendar-today-marked")

    # Click the free slot in Olivia's column: the booking form opens at that time, for her.
    _go_to(page, "Day", _day_label(monday))
    page.mouse.click(_column_x(page, "Olivia Owens"), _lane_y(page, at))
    dialog = page.locator("#booking-dialog")
    expect(dialog).to_be_visible()
    expect(page.locator("#date")).to_have_value(monday.isoformat())
    expect(page.locator("#start_time")).to_have_value(f"{at:%H:%M}")
    expect(page.locator("#clinician_id option:checked")).to_have_text(re.compile("Olivia Owens"))
    page.locator("#case_id").select_option(label="Kim (couple)")
    expect(page.get_by_label("Daniel Kim")).to_be_checked()
    expect(page.get_by_label("Rachel Kim")).to_be_checked()
    _choose(page, "service_id", "Couples")
    page.locator("#repeat").select_option("weekly")
    page.get_by_label("After a number of sessions").check()
    page.locator("#repeat_count").fill("4")
    screenshot(page, "52-calendar-booking")
    page.locator("#book-submit").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_text("Series booked.")).to_be_visible()
    booked = _booked_series(e2e_engine, kim, datetime.combine(monday, at, zone))
    assert [a.start_at.astimezone(zone).replace(tzinfo=None) for a in booked] == [
        datetime.combine(monday + timedelta(weeks=k), at) for k in range(4)
    ]
    assert len({a.series_id for a in booked}) == 1
    event = page.locator(".fc-timegrid-event", has_text=KIM).filter(has_text=f"{at:%-I:%M}")
    expect(event).to_be_visible()

    # Week view: drag the first session to Tuesday, same time; it stays in its series.
    _go_to(page, "Week", re.compile(rf"^{monday.day} "))
    screenshot(page, "53-calendar-week")
    event = page.locator(".fc-timegrid-event", has_text=KIM).filter(has_text=f"{at:%-I:%M}").first
    box = event.bounding_box()
    assert box is not None
    mon_x = _column_x(page, f"Mon, {monday:%b} {monday.day}")
    tue = monday + timedelta(days=1)
    tue_x = _column_x(page, f"Tue, {tue:%b} {tue.day}")
    x, y = box["x"] + box["width"] / 2, box["y"] + 4
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + (tue_x - mon_x), y, steps=20)
    page.mouse.up()
    expect(page.get_by_text("Moved.")).to_be_visible()
    moved = _reload(e2e_engine, booked)
    assert moved[0].id == booked[0].id and moved[0].series_id == booked[0].series_id
    assert moved[0].start_at.astimezone(zone).replace(tzinfo=None) == datetime.combine(tue, at)
    assert moved[1].start_at == booked[1].start_at

    # Dropping another of Olivia's sessions onto that time is refused and put back.
    other = page.locator(f".fc-timegrid-event.pr-s-scheduled.{grid.colour_class(olivia)}")
    other = other.filter(has_not_text=KIM).first
    other_id = int(str(other.get_attribute("data-event-id"))[1:])
    before = other.bounding_box()
    assert before is not None
    before = _within_grid(page, before)
    with _read(e2e_engine) as check:
        was = check.get(Appointment, other_id).start_at  # type: ignore[union-attr]
    grab = other.bounding_box()
    assert grab is not None
    page.mouse.move(grab["x"] + grab["width"] / 2, grab["y"] + 4)
    page.mouse.down()
    page.mouse.move(tue_x, _lane_y(page, at), steps=20)
    page.mouse.up()
    refused = page.locator("#move-problem")
    expect(refused).to_contain_text("Not moved")
    expect(refused).to_contain_text("Olivia Owens")
    with _read(e2e_engine) as check:
        assert check.get(Appointment, other_id).start_at == was  # type: ignore[union-attr]
    back = page.locator(f'[data-event-id="a{other_id}"]')
    expect(back).to_be_visible()
    # The grid shows the server's truth again: the block is back where it was.
    for _ in range(30):
        if _within_grid(page, back.bounding_box()) == before:
            break
        page.wait_for_timeout(100)
    assert _within_grid(page, back.bounding_box()) == before
    page.get_by_role("button", name="Dismiss").click()
    expect(refused).to_be_hidden()

    # Double-book Olivia at the moved session's time: the conflict panel offers free times.
    page.get_by_role("button", name="Book session").click()
    expect(page.locator("#booking-dialog")).to_be_visible()
    page.locator("#case_id").select_option(label="Goldberg (couple)")
    _choose(page, "clinician_id", "Olivia Owens")
    page.locator("#date").fill(tue.isoformat())
    page.locator("#start_time").fill(f"{at:%H:%M}")
    page.locator("#book-submit").click()
    conflict = page.locator("#booking-conflict")
    expect(conflict).to_contain_text("not free")
    expect(conflict).to_contain_text(re.compile("Olivia Owens|already"))
    expect(conflict.locator(".booking-suggestion").first).to_be_visible()
    screenshot(page, "54-calendar-conflict")
    with _read(e2e_engine) as session:
        clash = session.exec(
            select(Appointment).where(
                Appointment.case_id == goldberg, Appointment.start_at == moved[0].start_at
            )
        ).all()
    assert clash == []  # nothing was booked
    page.get_by_role("button", name="Cancel", exact=True).click()
    expect(page.locator("#booking-dialog")).to_be_hidden()

    # Two weeks on, cancel "this and following" from the third session's panel.
    _go_to(page, "Week", re.compile(rf"^{(monday + timedelta(weeks=2)).day} "))
    third = page.locator(".fc-timegrid-event", has_text=KIM).filter(has_text=f"{at:%-I:%M}").first
    third.click()
    panel = page.locator("#appointment-panel")
    expect(panel).to_contain_text("Weekly")
    panel.get_by_role("tab", name="Cancel").click()
    panel.get_by_label("This and following sessions").check()
    panel.get_by_label("Reason").fill("Moving away at the end of the month")
    screenshot(page, "55-calendar-cancel")
    panel.locator("#cancel-submit").click()
    expect(page.get_by_text(re.compile("This and following sessions: cancelled"))).to_be_visible()
    page.keyboard.press("Escape")
    assert [a.status for a in _reload(e2e_engine, booked)] == [
        "scheduled",
        "scheduled",
        "cancelled_client",
        "cancelled_client",
    ]
    expect(page.locator(".fc-timegrid-event", has_text=f"Cancelled: {KIM}").first).to_be_visible()

    # The month view shows the whole picture; a day opens that day.
    page.get_by_role("radio", name="Month").click()
    expect(page.locator(".fc-daygrid-day").first).to_be_visible()
    page.wait_for_timeout(400)
    screenshot(page, "56-calendar-month")
    # Clicking a day in the month opens that day, every clinician side by side.
    page.locator(f'.fc-daygrid-day[data-date="{monday.isoformat()}"] .fc-daygrid-day-top').click()
    expect(page.locator("#cal-title")).to_have_text(_day_label(monday))
    expect(page.get_by_role("radio", name="Day")).to_be_checked()
    expect(page.locator(".fc-col-header-cell", has_text="Sam Suarez")).to_be_visible()
    expect(page.locator(".fc-timegrid-event").first).to_be_visible()
    expect(page.locator("[data-sonner-toast]")).to_have_count(0, timeout=15_000)
    screenshot(page, "57-calendar-day-columns")


def test_a_clinician_sees_their_own_week_and_a_biller_cannot_book(page: Page, e2e_engine) -> None:
    sign_in(page, "olivia@willow.example")
    _open_calendar(page)
    expect(page.get_by_role("radio", name="Week")).to_be_checked()
    chips = page.get_by_role("group", name="Clinicians shown")
    expect(chips.get_by_role("button", name="Olivia Owens, LMFT")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(chips.get_by_role("button", name=re.compile("Sam Suarez"))).to_have_attribute(
        "aria-pressed", "false"
    )
    expect(page.get_by_role("button", name="Book session")).to_be_visible()

    page.context.clear_cookies()
    sign_in(page, "bill@willow.example")
    _open_calendar(page)
    page.get_by_role("radio", name="Month").click()
    expect(page.locator(".fc-daygrid-event").first).to_be_visible()
    expect(page.get_by_role("button", name="Book session")).to_have_count(0)
    expect(page.get_by_role("button", name="Attended")).to_have_count(0)


def test_a_case_lists_its_next_sessions_and_books_from_the_calendar(page: Page, e2e_engine) -> None:
    with _read(e2e_engine) as session:
        kim = int(_case(session, "Kim (couple)").id)  # type: ignore[arg-type]
    sign_in(page, "fran@willow.example")
    page.goto(f"/cases/{kim}")
    upcoming = page.locator("#upcoming-sessions")
    expect(upcoming.get_by_role("row").nth(1)).to_contain_text("Olivia Owens")
    page.get_by_role("link", name="Book a session").click()
    expect(page.locator("#booking-dialog")).to_be_visible()
    expect(page.locator("#case_id")).to_have_value(str(kim))
    expect(page.get_by_label("Daniel Kim")).to_be_checked()
    expect(page.locator("#clinician_id option:checked")).to_have_text(re.compile("Olivia Owens"))

    # Bad input: each message beside its field, what was typed kept, nothing written.
    with _read(e2e_engine) as session:
        before = len(session.exec(select(Appointment.id).where(Appointment.case_id == kim)).all())
    page.locator("#booking-form").evaluate("f => f.noValidate = true")
    page.get_by_label("Daniel Kim").uncheck()
    page.get_by_label("Rachel Kim").uncheck()
    page.locator("#date").fill("2027-02-01")
    page.locator("#start_time").fill("")
    page.locator("#repeat").select_option("weekly")
    page.get_by_label("After a number of sessions").check()
    page.locator("#repeat_count").fill("0")
    page.locator("#book-submit").click()
    expect(page.locator("#booking-errors")).to_contain_text("nothing was booked")
    expect(page.locator("#start_time-error")).to_contain_text("start time")
    expect(page.locator("#attendee_ids-error")).to_contain_text("at least one")
    expect(page.locator("#date")).to_have_value("2027-02-01")
    expect(page.locator("#repeat_count")).to_have_value("0")
    page.locator("#start_time").fill("10:00")
    page.get_by_label("Rachel Kim").check()
    page.locator("#book-submit").click()
    expect(page.locator("#repeat_count-error")).to_contain_text("how many sessions")
    expect(page.get_by_label("Rachel Kim")).to_be_checked()
    expect(page.get_by_label("Daniel Kim")).not_to_be_checked()
    screenshot(page, "58-calendar-booking-errors")
    with _read(e2e_engine) as session:
        after = len(session.exec(select(Appointment.id).where(Appointment.case_id == kim)).all())
    assert after == before
    page.get_by_role("button", name="Cancel", exact=True).click()
    expect(page.locator("#booking-dialog")).to_be_hidden()
