"""Practice holidays: the owner closes days one by one or adds a year's US federal holidays."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import func, select

from practicerunner.core import clock
from practicerunner.core.audit import AuditEvent
from practicerunner.core.errors import NotFound, PermissionDenied, ValidationFailed
from practicerunner.scheduling import availability as av
from practicerunner.scheduling.models import Holiday

NOW = datetime(2026, 3, 1, 20, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with clock.frozen_at(NOW):
        yield


def count(session) -> int:
    session.rollback()
    return session.exec(select(func.count()).select_from(Holiday)).one()


def test_the_owner_adds_the_federal_holidays_of_a_year_once(session, people):
    added = av.add_us_federal_holidays(session, people.owner, "2026")
    expected = av.us_federal_holidays(2026)
    assert added == len(expected) >= 11
    names = {h.on_date: h.name for h in av.list_holidays(session, people.owner)}
    assert names["2026-11-26"] == "Thanksgiving Day"
    assert names["2026-07-03"] == "Independence Day (observed)"  # the 4th is a Saturday
    assert names["2026-12-25"] == "Christmas Day"
    # Again: nothing new, nothing audited.
    assert av.add_us_federal_holidays(session, people.owner, 2026) == 0
    session.rollback()
    events = session.exec(
        select(AuditEvent.action).where(AuditEvent.action == "holiday.add_federal")
    ).all()
    assert len(events) == 1
    assert av.federal_years(session, people.owner) == [2026, 2027]


def test_a_year_out_of_range_is_refused(session, people):
    for year in ("2024", "2032", "next"):
        with pytest.raises(ValidationFailed) as exc:
            av.add_us_federal_holidays(session, people.owner, year)
        assert "year" in exc.value.errors
    assert count(session) == 0


def test_the_owner_closes_a_day_and_opens_it_again(session, people):
    view = av.add_holiday(
        session, people.owner, av.HolidayInput(on_date="2026-12-24", name=" Christmas Eve ")
    )
    assert (view.name, view.date_label) == ("Christmas Eve", "Thursday 24 December 2026")
    with pytest.raises(ValidationFailed) as exc:
        av.add_holiday(session, people.owner, av.HolidayInput(on_date="2026-12-24", name="Again"))
    assert exc.value.errors == {
        "on_date": "The practice is already closed that day (Christmas Eve)."
    }
    av.remove_holiday(session, people.owner, view.id)
    assert count(session) == 0
    with pytest.raises(NotFound):
        av.remove_holiday(session, people.owner, view.id)


def test_bad_holidays_are_refused(session, people):
    with pytest.raises(ValidationFailed) as exc:
        av.add_holiday(session, people.owner, av.HolidayInput(on_date="soon", name=""))
    assert exc.value.errors == {
        "on_date": "Enter the date like 2026-03-03.",
        "name": "Name is required.",
    }
    with pytest.raises(ValidationFailed) as exc:
        av.add_holiday(session, people.owner, av.HolidayInput(on_date="2020-01-01", name="Old"))
    assert exc.value.errors == {"on_date": "That date is more than a year ago."}
    assert count(session) == 0


def test_the_list_shows_the_days_to_come(session, people):
    session.add_all(
        [
            Holiday(on_date=date(2025, 12, 25), name="Christmas Day"),
            Holiday(on_date=date(2026, 1, 1), name="New Year's Day"),
            Holiday(on_date=date(2026, 5, 25), name="Memorial Day"),
        ]
    )
    session.commit()
    listed = av.list_holidays(session, people.owner)
    assert [h.on_date for h in listed] == ["2026-05-25"]


@pytest.mark.parametrize("who", ["clinician", "scheduler", "biller"])
def test_only_the_owner_manages_holidays(session, people, who):
    actor = getattr(people, who)
    with pytest.raises(PermissionDenied):
        av.add_holiday(session, actor, av.HolidayInput(on_date="2026-12-24", name="Eve"))
    with pytest.raises(PermissionDenied):
        av.add_us_federal_holidays(session, actor, 2026)
    with pytest.raises(PermissionDenied):
        av.list_holidays(session, actor)
    assert count(session) == 0
