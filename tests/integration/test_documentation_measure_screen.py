"""The Measures screen's read model: results for those who read the case's clinical record
(recording only for those who edit it), audited; nothing read on a consultation case; the
form's answers reach the service as typed, so a missing item is refused beside it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlmodel import Session, select

from practicerunner.core import clock
from practicerunner.core.errors import NotFound, ValidationFailed
from practicerunner.core.models import AuditEvent
from practicerunner.documentation.measure_records import (
    MeasureResult,
    open_safety_flags,
    record_measure,
)
from practicerunner.documentation.measure_state import (
    answers_from_form,
    open_flag_rows,
    open_measures,
    result_rows,
)
from practicerunner.ui.home import flag_row

NOW = datetime(2026, 11, 29, 20, 0, tzinfo=UTC)  # noon, 29 November, in Los Angeles
PHQ9_ITEM9 = [2, 2, 2, 2, 2, 2, 2, 1, 1]  # 16: Moderately severe, item 9 "Several days"


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with clock.frozen_at(NOW):
        yield


def _viewed(session: Session) -> int:
    count = len(
        session.exec(select(AuditEvent.id).where(AuditEvent.action == "measure.viewed")).all()
    )
    session.rollback()
    return count


def test_it_shows_the_clinician_their_case_results_and_open_flags(session: Session, people) -> None:  # type: ignore[no-untyped-def]
    # given a PHQ-9 with item 9 above 0 and a calm GAD-7 on Carl's case
    carl = people.clinician
    case_id, client_id = int(people.cases["clinician"].id), int(people.clients["clinician"].id)
    flagged = record_measure(session, carl, case_id, client_id, "phq9", PHQ9_ITEM9, "2026-11-20")
    record_measure(session, carl, case_id, client_id, "gad7", [1] * 7, "2026-11-27")

    # when Carl opens the page
    screen = open_measures(session, carl, case_id)

    # then: both results, newest first, the open flag, and the form for him
    assert screen.can_record and not screen.consultation
    assert screen.case_title == people.cases["clinician"].title
    assert screen.participants == [(client_id, "Client1 OfClinician")]
    assert screen.today.isoformat() == "2026-11-29"
    rows = result_rows(screen.points)
    assert [(r["instrument"], r["score"], r["band"], r["flag"]) for r in rows] == [
        ("GAD-7", "7 of 21", "Mild", ""),
        ("PHQ-9", "16 of 27", "Moderately severe", "open"),
    ]
    [flag] = open_flag_rows(screen.points, several=False)
    assert flag["id"] == str(flagged)
    assert flag["what"] == "PHQ-9 on Fri, Nov 20, 2026"
    assert flag["text"] == "Item 9 answered 'Several days': review suicide risk today."
    assert _viewed(session) == 1


def test_a_supervisor_reads_but_does_not_record_and_others_find_nothing(
    session: Session, people
) -> None:  # type: ignore[no-untyped-def]
    ana_case = int(people.cases["associate"].id)
    screen = open_measures(session, people.supervisor, ana_case)
    assert screen.points == [] and not screen.can_record
    for outsider in (people.clinician, people.scheduler, people.biller):
        with pytest.raises(NotFound):
            open_measures(session, outsider, ana_case)
    assert _viewed(session) == 1  # only the supervisor's read


def test_a_consultation_case_reads_no_measures(session: Session, people) -> None:  # type: ignore[no-untyped-def]
    case = people.cases["clinician"]
    case.kind = "consultation"
    session.add(case)
    session.commit()
    screen = open_measures(session, people.clinician, int(case.id))  # type: ignore[arg-type]
    assert screen.consultation and not screen.can_record and screen.points == []
    assert _viewed(session) == 0


def test_an_unanswered_item_is_refused_beside_it_and_nothing_is_written(
    session: Session, people
) -> None:  # type: ignore[no-untyped-def]
    # given the form as the browser posts it: item 4 left blank, item 2 tampered with
    form = {f"item_{n}": "1" for n in range(1, 10)} | {"item_4": "", "item_2": "x"}
    carl = people.clinician
    case_id, client_id = int(people.cases["clinician"].id), int(people.clients["clinician"].id)
    with pytest.raises(ValidationFailed) as refused:
        record_measure(
            session, carl, case_id, client_id, "phq9", answers_from_form(form, "phq9"), "2026-11-29"
        )
    assert set(refused.value.errors) == {"item_2", "item_4"}
    assert refused.value.errors["item_4"] == "Answer item 4."
    assert session.exec(select(MeasureResult)).all() == []


def test_the_home_page_lists_a_flag_with_a_link_to_the_measures(session: Session, people) -> None:  # type: ignore[no-untyped-def]
    ana = people.associate
    case_id, client_id = int(people.cases["associate"].id), int(people.clients["associate"].id)
    record_measure(session, ana, case_id, client_id, "phq9", PHQ9_ITEM9, "2026-11-28")
    [mine] = open_safety_flags(session, ana)
    assert flag_row(mine, own=True) == {
        "client": "Client3 OfAssociate",
        "what": "PHQ-9, Sat, Nov 28, 2026",
        "text": "Item 9 answered 'Several days': review suicide risk today.",
        "whose": "",
        "href": f"/cases/{case_id}/measures",
    }
    [theirs] = open_safety_flags(session, people.supervisor)
    assert flag_row(theirs, own=False)["whose"] == "Ana Alvarez's case"
