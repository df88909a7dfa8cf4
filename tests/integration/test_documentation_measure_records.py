"""Measures on a case: PHQ-9, GAD-7 and PCL-5 scored and stored; bad input refused by field
with nothing written; the PHQ-9 item-9 safety flag on the clinician's (and supervisor's) list
until acknowledged; the chart's points in date order with the bands to shade; reads audited."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session, col, select

from practicerunner.core import clock
from practicerunner.core.errors import NotFound, PermissionDenied, ValidationFailed
from practicerunner.core.models import AuditEvent
from practicerunner.documentation.measure_records import (
    MeasureResult,
    acknowledge_flag,
    chart_scales,
    measure_history,
    open_safety_flags,
    record_measure,
)
from tests.integration.billing_support import couple_with_contact

# 7 pm on Tuesday 1 December 2026 in Los Angeles, already Wednesday in UTC.
NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
PHQ9_MODERATE = [1, 2, 1, 2, 1, 1, 1, 1, 0]  # 10: Moderate, item 9 "Not at all"
PHQ9_ITEM9 = [2, 2, 2, 2, 2, 2, 2, 1, 1]  # 16: Moderately severe, item 9 "Several days"
GAD7_MILD = [1, 1, 1, 1, 1, 1, 0]  # 6: Mild


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with clock.frozen_at(NOW):
        yield


def _actions(session: Session) -> list[tuple[str, int | None]]:
    found = session.exec(
        select(AuditEvent.action, AuditEvent.client_id)
        .where(col(AuditEvent.action).startswith("measure."))
        .order_by(col(AuditEvent.id))
    ).all()
    session.rollback()
    return [(action, client_id) for action, client_id in found]


def _ids(people, key: str) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    return int(people.cases[key].id), int(people.clients[key].id)


def test_each_measure_is_scored_and_stored_with_its_band(session: Session, people) -> None:  # type: ignore[no-untyped-def]
    case_id, client_id = _ids(people, "clinician")
    carl = people.clinician
    phq = record_measure(
        session, carl, case_id, client_id, "phq9", PHQ9_MODERATE, "2026-11-03", difficulty=1
    )
    gad = record_measure(
        session, carl, case_id, client_id, "gad7", dict(enumerate(GAD7_MILD, 1)), " 2026-11-03 "
    )
    pcl = record_measure(session, carl, case_id, client_id, "pcl5", [2] * 20, "2026-12-01")
    session.expire_all()  # read back what the database holds
    rows = {r.id: r for r in session.exec(select(MeasureResult)).all()}
    session.rollback()
    assert (rows[phq].total, rows[phq].band, rows[phq].safety_flag) == (10, "Moderate", False)
    assert json.loads(rows[phq].answers_json) == PHQ9_MODERATE and rows[phq].difficulty == 1
    assert rows[phq].flag_text == "" and rows[phq].entered_by_id == carl.staff_id
    assert (rows[gad].instrument, rows[gad].total, rows[gad].band) == ("gad7", 6, "Mild")
    assert rows[gad].taken_on == date(2026, 11, 3) and rows[gad].difficulty is None
    assert (rows[pcl].total, rows[pcl].band) == (40, "Probable PTSD")
    assert rows[pcl].taken_on == date(2026, 12, 1)  # today in Los Angeles, not in the future
    assert _actions(session) == [("measure.recorded", client_id)] * 3
    recorded = session.exec(
        select(AuditEvent.detail).where(AuditEvent.action == "measure.recorded")
    ).first()
    session.rollback()
    # The log names the instrument, never answers, totals or flags.
    assert json.loads(recorded or "{}") == {"case_id": case_id, "instrument": "phq9"}


@pytest.mark.parametrize(
    ("instrument", "answers", "taken_on", "field", "words"),
    [
        ("phq9", [0, 0, 4, 0, 0, 0, 0, 0, 0], "2026-11-03", "item_3", "a number from 0 to 3"),
        ("pcl5", [0] * 19 + [5], "2026-11-03", "item_20", "a number from 0 to 4"),
        ("phq9", [0, 0, 0, 0, 0, 0, 0, -1, 0], "2026-11-03", "item_8", "from 0 to 3"),
        ("phq9", [0] * 8, "2026-11-03", "item_9", "Answer item 9."),
        ("gad7", {1: 0, 2: 0, 3: 0, 4: 0, 5: 0, 6: 0}, "2026-11-03", "item_7", "Answer item 7."),
        ("gad7", [0] * 8, "2026-11-03", "item_8", "remove item 8"),
        ("bdi", [0] * 21, "2026-11-03", "instrument", "Choose a measure"),
        ("phq9", [0] * 9, "2026-12-02", "taken_on", "in the future"),
        ("phq9", [0] * 9, "2026-02-30", "taken_on", "yyyy-mm-dd"),
        ("phq9", [0] * 9, "", "taken_on", "Enter the date"),
    ],
)
def test_bad_answers_and_dates_are_refused_by_field_and_nothing_written(
    session: Session,
    people,  # type: ignore[no-untyped-def]
    instrument: str,
    answers: object,
    taken_on: str,
    field: str,
    words: str,
) -> None:
    case_id, client_id = _ids(people, "clinician")
    with pytest.raises(ValidationFailed) as refused:
        record_measure(
            session,
            people.clinician,
            case_id,
            client_id,
            instrument,
            answers,  # type: ignore[arg-type]
            taken_on,
        )
    assert words in refused.value.errors[field]
    assert session.exec(select(MeasureResult)).all() == []
    assert _actions(session) == []


def test_every_problem_is_named_at_once(session: Session, people) -> None:  # type: ignore[no-untyped-def]
    case_id, _ = _ids(people, "clinician")
    _, other_client = _ids(people, "owner")
    with pytest.raises(ValidationFailed) as refused:
        record_measure(
            session,
            people.clinician,
            case_id,
            other_client,
            "gad7",
            [0, 9, 0, 0, 0, 0],
            "2027-01-01",
            difficulty=4,
        )
    assert set(refused.value.errors) == {"item_2", "item_7", "difficulty", "taken_on", "client_id"}
    assert "participant" in refused.value.errors["client_id"]
    with pytest.raises(ValidationFailed) as pcl:
        record_measure(
            session, people.clinician, case_id, 0, "pcl5", [0] * 20, "2026-11-03", difficulty=1
        )
    assert set(pcl.value.errors) == {"difficulty", "client_id"}
    assert session.exec(select(MeasureResult)).all() == []


def test_consultations_other_caseloads_and_the_front_desk_are_refused(
    session: Session, people
) -> None:  # type: ignore[no-untyped-def]
    case = people.cases["clinician"]
    case.kind = "consultation"
    session.add(case)
    session.commit()
    case_id, client_id = _ids(people, "clinician")
    with pytest.raises(ValidationFailed) as refused:
        record_measure(session, people.clinician, case_id, client_id, "phq9", [0] * 9, "2026-11-03")
    assert refused.value.errors == {"instrument": "Measures are not part of a consultation."}

    owner_case, owner_client = _ids(people, "owner")
    with pytest.raises(NotFound):
        record_measure(
            session, people.clinician, owner_case, owner_client, "phq9", [0] * 9, "2026-11-03"
        )
    # The supervisor may read an associate's case but not add to it.
    ana_case, ana_client = _ids(people, "associate")
    with pytest.raises(NotFound):
        record_measure(
            session, people.supervisor, ana_case, ana_client, "phq9", [0] * 9, "2026-11-03"
        )
    with pytest.raises(PermissionDenied):
        record_measure(
            session, people.scheduler, owner_case, owner_client, "phq9", [0] * 9, "2026-11-03"
        )
    with pytest.raises(NotFound):
        measure_history(session, people.clinician, owner_case)
    with pytest.raises(NotFound):
        measure_history(session, people.biller, owner_case)
    assert session.exec(select(MeasureResult)).all() == []
    assert _actions(session) == []


def test_item_9_flags_the_clinician_and_supervisor_until_acknowledged(
    session: Session, people
) -> None:  # type: ignore[no-untyped-def]
    ana, sam = people.associate, people.supervisor
    case_id, client_id = _ids(people, "associate")
    calm = record_measure(session, ana, case_id, client_id, "phq9", PHQ9_MODERATE, "2026-11-24")
    flagged = record_measure(session, ana, case_id, client_id, "phq9", PHQ9_ITEM9, "2026-12-01")
    session.expire_all()
    row = session.get(MeasureResult, flagged)
    assert row is not None and row.safety_flag and row.band == "Moderately severe"
    assert row.flag_text == "Item 9 answered 'Several days': review suicide risk today."
    session.rollback()

    [mine] = open_safety_flags(session, ana)
    assert (mine.result_id, mine.case_id, mine.client_id) == (flagged, case_id, client_id)
    assert (mine.client_name, mine.instrument_title, mine.taken_on) == (
        "Client3 OfAssociate",
        "PHQ-9",
        date(2026, 12, 1),
    )
    assert mine.flag_text.startswith("Item 9") and mine.can_acknowledge
    [supervised] = open_safety_flags(session, sam)
    assert supervised.result_id == flagged and supervised.clinician_name == "Ana Alvarez"
    assert not supervised.can_acknowledge
    for outsider in (people.clinician, people.associate2, people.owner, people.scheduler):
        assert open_safety_flags(session, outsider) == []

    with pytest.raises(ValidationFailed) as no_flag:
        acknowledge_flag(session, ana, calm)
    assert no_flag.value.errors == {"result": "This result raised no safety flag."}
    for outsider in (sam, people.clinician):
        with pytest.raises(NotFound):
            acknowledge_flag(session, outsider, flagged)
    with pytest.raises(NotFound):
        acknowledge_flag(session, ana, flagged + 100)

    def acknowledged() -> list[tuple[bool, bool]]:
        points = measure_history(session, ana, case_id)
        return [(p.safety_flag, p.flag_acknowledged) for p in points]

    assert acknowledged() == [(False, False), (True, False)]
    texts = [p.flag_text for p in measure_history(session, ana, case_id)]
    assert texts == ["", "Item 9 answered 'Several days': review suicide risk today."]
    acknowledge_flag(session, ana, flagged)
    acknowledge_flag(session, ana, flagged)  # a second click keeps the first acknowledgement
    # The chart still marks the result, now as acknowledged.
    assert acknowledged() == [(False, False), (True, True)]
    assert open_safety_flags(session, ana) == [] and open_safety_flags(session, sam) == []
    session.expire_all()
    row = session.get(MeasureResult, flagged)
    assert row is not None and row.flag_acknowledged_by_id == ana.staff_id
    assert row.flag_acknowledged_at == NOW
    session.rollback()
    assert _actions(session) == [
        ("measure.recorded", client_id),
        ("measure.recorded", client_id),
        ("measure.flags_viewed", None),
        ("measure.flags_viewed", None),
        ("measure.viewed", client_id),
        ("measure.viewed", client_id),
        ("measure.flag_acknowledged", client_id),
        ("measure.viewed", client_id),
    ]


def test_the_owner_acknowledges_a_flag_on_any_case(session: Session, people) -> None:  # type: ignore[no-untyped-def]
    case_id, client_id = _ids(people, "clinician")
    flagged = record_measure(
        session, people.clinician, case_id, client_id, "phq9", PHQ9_ITEM9, "2026-12-01"
    )
    assert open_safety_flags(session, people.owner) == []  # not on the owner's worklist
    acknowledge_flag(session, people.owner, flagged)
    assert open_safety_flags(session, people.clinician) == []


def test_history_is_in_date_order_filtered_by_instrument_with_bands(
    session: Session, people
) -> None:  # type: ignore[no-untyped-def]
    carl = people.clinician
    case_id, client_id = _ids(people, "clinician")
    record_measure(session, carl, case_id, client_id, "phq9", PHQ9_ITEM9, "2026-11-20")
    record_measure(session, carl, case_id, client_id, "phq9", PHQ9_MODERATE, "2026-11-01")
    record_measure(session, carl, case_id, client_id, "gad7", GAD7_MILD, "2026-11-10")
    record_measure(session, carl, case_id, client_id, "phq9", [0] * 9, "2026-11-20")

    points = measure_history(session, carl, case_id)
    chart = [(p.taken_on.isoformat(), p.instrument, p.total, p.band, p.safety_flag) for p in points]
    assert chart == [
        ("2026-11-01", "phq9", 10, "Moderate", False),
        ("2026-11-10", "gad7", 6, "Mild", False),
        ("2026-11-20", "phq9", 16, "Moderately severe", True),
        ("2026-11-20", "phq9", 0, "Minimal", False),  # same day: in the order entered
    ]
    assert {p.client_name for p in points} == {"Client1 OfClinician"}
    phq = measure_history(session, carl, case_id, "phq9")
    assert [p.total for p in phq] == [10, 16, 0]
    with pytest.raises(ValidationFailed) as unknown:
        measure_history(session, carl, case_id, "bdi")
    assert set(unknown.value.errors) == {"instrument"}
    assert measure_history(session, people.owner, case_id, "pcl5") == []

    [scale] = chart_scales("phq9")
    assert (scale.title, scale.max_total) == ("PHQ-9", 27)
    assert [(b.low, b.high, b.label) for b in scale.bands] == [
        (0, 4, "Minimal"),
        (5, 9, "Mild"),
        (10, 14, "Moderate"),
        (15, 19, "Moderately severe"),
        (20, 27, "Severe"),
    ]
    assert [s.instrument for s in chart_scales()] == ["phq9", "gad7", "pcl5"]
    assert chart_scales("pcl5")[0].bands[1].low == 33
    viewed = [a for a in _actions(session) if a[0] == "measure.viewed"]
    assert viewed == [("measure.viewed", client_id)] * 3


def test_a_couples_chart_has_each_partners_results(session: Session, people) -> None:  # type: ignore[no-untyped-def]
    case, jordan, alex, _ = couple_with_contact(session, people)
    carl = people.clinician
    record_measure(session, carl, int(case.id), int(alex.id), "gad7", GAD7_MILD, "2026-11-10")  # type: ignore[arg-type]
    record_measure(session, carl, int(case.id), int(jordan.id), "gad7", [0] * 7, "2026-11-03")  # type: ignore[arg-type]
    points = measure_history(session, carl, int(case.id))  # type: ignore[arg-type]
    assert [(p.client_name, p.total) for p in points] == [("Jordan Lee", 0), ("Alex Lee", 6)]
    # A couple's read is not pinned on one partner.
    assert _actions(session)[-1] == ("measure.viewed", None)
    # The supervisor reads an associate's chart (clinical.view over supervisees' caseloads).
    ana_case, ana_client = _ids(people, "associate")
    record_measure(session, people.associate, ana_case, ana_client, "phq9", [0] * 9, "2026-11-03")
    assert [p.total for p in measure_history(session, people.supervisor, ana_case)] == [0]


def test_each_result_says_what_its_total_does_not(session: Session, people) -> None:  # type: ignore[no-untyped-def]
    case_id, client_id = _ids(people, "clinician")
    carl = people.clinician
    record_measure(
        session, carl, case_id, client_id, "phq9", PHQ9_MODERATE, "2026-11-03", difficulty=1
    )
    record_measure(session, carl, case_id, client_id, "gad7", GAD7_MILD, "2026-11-03")
    # Every item "Moderately": B 5x2, C 2x2, D 7x2, E 6x2; each cluster has enough items at 2+.
    record_measure(session, carl, case_id, client_id, "pcl5", [2] * 20, "2026-11-10")
    # Only the intrusion items: B is met, the others are not, so the DSM-5 rule is not.
    record_measure(session, carl, case_id, client_id, "pcl5", [3] * 5 + [0] * 15, "2026-11-17")
    details = [(p.instrument, p.detail) for p in measure_history(session, carl, case_id)]
    assert details == [
        ("phq9", "Difficulty: Somewhat difficult"),
        ("gad7", ""),
        ("pcl5", "Clusters B 10 · C 4 · D 14 · E 12; DSM-5 cluster rule met"),
        ("pcl5", "Clusters B 15 · C 0 · D 0 · E 0; DSM-5 cluster rule not met"),
    ]
