"""Services and fees: therapy carries a CPT code, consultation none; fees in cents."""

from __future__ import annotations

import json

import pytest
from sqlmodel import func, select

from practicerunner.core.audit import AuditEvent
from practicerunner.core.errors import ValidationFailed
from practicerunner.practice import service as ps
from practicerunner.practice.models import Service


def therapy(**overrides: str) -> ps.ServiceInput:
    values = {
        "name": "Couples therapy, 50 min",
        "kind": "therapy",
        "duration_minutes": "50",
        "fee": "175",
        "cpt_code": "90847",
    }
    values.update(overrides)
    return ps.ServiceInput(**values)


def test_it_creates_a_therapy_service_with_its_fee_in_cents(session, people):
    # when
    view = ps.create_service(session, people.owner, therapy(fee="$1,175.5"))
    # then
    row = session.get(Service, view.id)
    assert (row.fee_cents, row.cpt_code, row.duration_minutes) == (117550, "90847", 50)
    assert view.fee_display == "$1,175.50" and view.fee == "1175.50"
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "service.create")).one()
    assert event.record_id == view.id and "fee_cents" in json.loads(event.detail)["fields"]


def test_it_creates_a_free_consultation_without_a_cpt_code(session, people):
    view = ps.create_service(
        session,
        people.owner,
        therapy(name="Free consultation", kind="consultation", fee="0", cpt_code=""),
    )
    assert view.cpt_code == "" and view.fee_display == "$0.00"
    assert session.get(Service, view.id).cpt_code is None


def test_it_updates_a_fee_and_audits_only_that_field(session, people):
    # given the seeded $160 service
    svc = people.service
    # when
    view = ps.update_service(
        session,
        people.owner,
        svc.id,
        therapy(name=svc.name, duration_minutes="53", fee="165.00", cpt_code="90837"),
    )
    # then
    assert view.fee_cents == 16500
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "service.update")).one()
    assert json.loads(event.detail)["fields"] == ["fee_cents"]


def test_it_retires_and_restores_a_service(session, people):
    assert not ps.set_service_active(session, people.owner, people.service.id, False).is_active
    assert ps.list_services(session, people.owner)[0].is_active is False
    assert ps.set_service_active(session, people.owner, people.service.id, True).is_active


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"cpt_code": ""}, "cpt_code"),  # therapy needs one
        ({"cpt_code": "9083"}, "cpt_code"),
        ({"cpt_code": "90837X"}, "cpt_code"),
        ({"kind": "consultation"}, "cpt_code"),  # consultation must have none
        ({"fee": "-1"}, "fee"),
        ({"fee": "abc"}, "fee"),
        ({"fee": "150.005"}, "fee"),
        ({"fee": ""}, "fee"),
        ({"fee": "1e30"}, "fee"),
        ({"duration_minutes": "0"}, "duration_minutes"),
        ({"duration_minutes": "fifty"}, "duration_minutes"),
        ({"name": ""}, "name"),
        ({"name": "individual therapy, 53 MIN"}, "name"),
        ({"kind": "massage"}, "kind"),
    ],
)
def test_it_refuses_bad_input_and_writes_nothing(session, people, overrides, field):
    # given
    count = session.exec(select(func.count()).select_from(Service)).one()
    events = session.exec(select(func.count()).select_from(AuditEvent)).one()
    # when
    with pytest.raises(ValidationFailed) as refused:
        ps.create_service(session, people.owner, therapy(**overrides))
    # then
    assert field in refused.value.errors
    assert session.exec(select(func.count()).select_from(Service)).one() == count
    assert session.exec(select(func.count()).select_from(AuditEvent)).one() == events


def test_a_rejected_edit_leaves_the_service_unchanged(session, people):
    svc_id = people.service.id
    before = session.get(Service, svc_id).model_dump()
    with pytest.raises(ValidationFailed):
        ps.update_service(session, people.owner, svc_id, therapy(fee="200", cpt_code="bad"))
    session.expire_all()
    assert session.get(Service, svc_id).model_dump() == before
