"""Staff: adding people with roles, editing them, supervisors, deactivation and passwords."""

from __future__ import annotations

import json

import pytest
from sqlmodel import func, select

from practicerunner.auth import service as auth
from practicerunner.auth.models import UserSession
from practicerunner.core.audit import AuditEvent
from practicerunner.core.errors import Conflict, ValidationFailed
from practicerunner.core.permissions import SYSTEM_ACTOR
from practicerunner.practice import service as ps
from practicerunner.practice.models import Practice, Staff, StaffRole
from practicerunner.supervision.models import ProviderSupervisor
from tests.personas import PASSWORD

NEW_PASSWORD = "a long new staff password"


def new_staff(**overrides) -> ps.StaffInput:  # type: ignore[no-untyped-def]
    values = {
        "full_name": "Dana Diaz",
        "email": "Dana.Diaz@Example.com",
        "password": NEW_PASSWORD,
        "roles": ("clinician",),
        "credentials": "LCSW",
        "license_type": "LCSW",
        "license_number": "C-1234",
        "npi": "1234567893",
        "phone": "503 555 0199",
    }
    values.update(overrides)
    return ps.StaffInput(**values)


def sign_in(session, email: str, password: str = PASSWORD) -> str:
    handoff = auth.start_sign_in(session, email, password)
    token = auth.complete_sign_in(session, handoff.code)
    assert token
    return token


def counts(session) -> tuple[int, int, int, int]:
    return tuple(  # type: ignore[return-value]
        session.exec(select(func.count()).select_from(table)).one()
        for table in (Staff, StaffRole, ProviderSupervisor, AuditEvent)
    )


def test_it_creates_a_staff_member_who_can_sign_in(session, people):
    # when
    view = ps.create_staff(session, people.owner, new_staff())
    # then
    assert view.email == "dana.diaz@example.com"
    assert view.roles == ("clinician",) and view.phone == "(503) 555-0199"
    assert not hasattr(view, "password_hash")
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "staff.create")).one()
    assert event.record_id == view.id and NEW_PASSWORD not in event.detail
    token = sign_in(session, "dana.diaz@example.com", NEW_PASSWORD)
    assert auth.resolve_session(session, token).actor.name == "Dana Diaz"


def test_it_creates_an_associate_with_a_primary_supervisor(session, people):
    # given Sam, the practice's supervisor
    sam = people.staff["supervisor"].id
    # when
    view = ps.create_staff(
        session,
        people.owner,
        new_staff(roles=("associate",), primary_supervisor_id=str(sam)),
    )
    # then
    rows = session.exec(
        select(ProviderSupervisor).where(ProviderSupervisor.associate_id == view.id)
    ).all()
    assert [(r.supervisor_id, r.is_primary) for r in rows] == [(sam, True)]
    assert view.supervisors_label == "Sam Suarez"


def test_the_form_parser_reads_roles_and_supervisors_from_checkboxes(session, people):
    data = ps.StaffInput.from_form(
        {
            "full_name": "X",
            "role_associate": "on",
            "role_owner": "",
            "primary_supervisor_id": "3",
            "supervisor_5": "on",
            "password_hash": "ignored",
        }
    )
    assert data.roles == ("associate",)
    assert data.supervisor_ids == ("5",)
    assert data.primary_supervisor_id == "3"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"email": ""}, "email"),
        ({"email": "CARL@willow.test"}, "email"),  # duplicate, differently cased
        ({"full_name": " "}, "full_name"),
        ({"password": "short"}, "password"),
        ({"roles": ()}, "roles"),
        ({"npi": "1234567890"}, "npi"),  # Luhn check digit wrong
        ({"npi": "12345"}, "npi"),
        ({"phone": "123"}, "phone"),
        ({"roles": ("associate",)}, "primary_supervisor_id"),  # associate without supervisor
        ({"roles": ("associate",), "primary_supervisor_id": "1"}, "primary_supervisor_id"),
    ],
)
def test_it_refuses_bad_input_and_writes_nothing(session, people, overrides, field):
    # given
    before = counts(session)
    # when
    with pytest.raises(ValidationFailed) as refused:
        ps.create_staff(session, people.owner, new_staff(**overrides))
    # then
    assert field in refused.value.errors
    assert counts(session) == before


def test_it_updates_roles_credentials_and_supervisors(session, people):
    # given Carl, a clinician, becomes an associate under Sam, with Olivia as a second
    # supervisor once she takes the supervisor role
    olivia, carl, sam = (people.staff[k].id for k in ("owner", "clinician", "supervisor"))
    ps.update_staff(
        session,
        people.owner,
        olivia,
        new_staff(full_name="Olivia Owens", roles=("owner", "clinician", "supervisor")),
    )
    # when
    view = ps.update_staff(
        session,
        people.owner,
        carl,
        new_staff(
            full_name="Carl Chen",
            roles=("associate",),
            credentials="AMFT",
            primary_supervisor_id=str(sam),
            supervisor_ids=(str(olivia),),
        ),
    )
    # then
    assert view.roles == ("associate",) and view.credentials == "AMFT"
    assert view.primary_supervisor_id == sam and set(view.supervisor_ids) == {sam, olivia}
    event = session.exec(
        select(AuditEvent)
        .where(AuditEvent.action == "staff.update", AuditEvent.record_id == carl)
        .order_by(AuditEvent.seq)
    ).one()
    assert {"roles", "supervisors", "credentials"} <= set(json.loads(event.detail)["fields"])
    # and the email never changes through an update
    assert session.get(Staff, carl).email == "carl@willow.test"


def test_dropping_the_associate_role_removes_the_supervisors(session, people):
    ana = people.staff["associate"].id
    ps.update_staff(session, people.owner, ana, new_staff(full_name="Ana", roles=("clinician",)))
    rows = session.exec(select(ProviderSupervisor).where(ProviderSupervisor.associate_id == ana))
    assert rows.all() == []


def test_a_rejected_edit_leaves_the_staff_member_unchanged(session, people):
    # given
    carl = people.staff["clinician"].id
    before = counts(session), session.get(Staff, carl).model_dump()
    # when a valid role change comes with a bad NPI
    with pytest.raises(ValidationFailed):
        ps.update_staff(
            session, people.owner, carl, new_staff(roles=("owner", "biller"), npi="1111111111")
        )
    # then
    session.expire_all()
    assert (counts(session), session.get(Staff, carl).model_dump()) == before


def test_the_only_owner_keeps_the_owner_role(session, people):
    with pytest.raises(ValidationFailed) as refused:
        ps.update_staff(
            session,
            people.owner,
            people.staff["owner"].id,
            new_staff(full_name="Olivia Owens", roles=("clinician",)),
        )
    assert "only owner" in refused.value.errors["roles"]


def test_a_supervisor_with_associates_keeps_the_role(session, people):
    with pytest.raises(ValidationFailed) as refused:
        ps.update_staff(
            session,
            people.owner,
            people.staff["supervisor"].id,
            new_staff(full_name="Sam Suarez", roles=("clinician",)),
        )
    assert "Ana Alvarez" in refused.value.errors["roles"]


def test_deactivation_ends_sessions_and_blocks_sign_in(session, people):
    # given Carl is signed in
    token = sign_in(session, "carl@willow.test")
    carl = people.staff["clinician"].id
    # when the owner deactivates him
    view = ps.deactivate_staff(session, people.owner, carl)
    # then his session is over and he cannot sign in again
    assert not view.is_active
    assert session.get(Staff, carl).deactivated_at is not None
    live = session.exec(select(UserSession).where(UserSession.staff_id == carl)).one()
    assert live.revoked_reason == "deactivated"
    resolved = auth.resolve_session(session, token)
    assert resolved.actor is None and resolved.ended_reason == "deactivated"
    with pytest.raises(auth.SignInFailed):
        auth.start_sign_in(session, "carl@willow.test", PASSWORD)
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "staff.deactivate")).one()
    assert json.loads(event.detail)["sessions_ended"] == 1


def test_reactivation_lets_them_sign_in_again(session, people):
    carl = people.staff["clinician"].id
    ps.deactivate_staff(session, people.owner, carl)
    assert ps.reactivate_staff(session, people.owner, carl).is_active
    assert sign_in(session, "carl@willow.test")


def test_the_last_active_owner_cannot_be_deactivated(session, people):
    # given Olivia is the only active owner (the system actor is not a staff member)
    # when
    with pytest.raises(Conflict) as refused:
        ps.deactivate_staff(session, SYSTEM_ACTOR, people.staff["owner"].id)
    # then
    assert refused.value.code == "last_owner"
    assert session.get(Staff, people.staff["owner"].id).is_active


def test_an_owner_can_be_deactivated_while_another_remains(session, people):
    second = ps.create_staff(session, people.owner, new_staff(roles=("owner",)))
    assert not ps.deactivate_staff(session, people.owner, second.id).is_active


def test_nobody_deactivates_themselves(session, people):
    with pytest.raises(Conflict) as refused:
        ps.deactivate_staff(session, people.owner, people.staff["owner"].id)
    assert refused.value.code == "self"


def test_a_supervisor_with_active_associates_cannot_be_deactivated(session, people):
    with pytest.raises(Conflict) as refused:
        ps.deactivate_staff(session, people.owner, people.staff["supervisor"].id)
    assert "Ana Alvarez" in refused.value.message


def test_a_password_reset_replaces_the_password_and_ends_sessions(session, people):
    # given
    token = sign_in(session, "carl@willow.test")
    carl = people.staff["clinician"].id
    # when
    ps.reset_staff_password(session, people.owner, carl, NEW_PASSWORD)
    # then
    assert auth.resolve_session(session, token).actor is None
    with pytest.raises(auth.SignInFailed):
        auth.start_sign_in(session, "carl@willow.test", PASSWORD)
    assert sign_in(session, "carl@willow.test", NEW_PASSWORD)
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "staff.password_reset"))
    assert NEW_PASSWORD not in event.one().detail


def test_a_short_reset_password_is_refused(session, people):
    with pytest.raises(ValidationFailed) as refused:
        ps.reset_staff_password(session, people.owner, people.staff["clinician"].id, "short")
    assert "password" in refused.value.errors


def test_list_staff_shows_everyone_without_password_hashes(session, people):
    views = ps.list_staff(session, people.owner)
    assert len(views) == 7
    ana = next(v for v in views if v.full_name == "Ana Alvarez")
    assert ana.roles_label == "Associate (supervised)" and ana.supervisors_label == "Sam Suarez"
    assert all("password_hash" not in vars(v) for v in views)


def test_supervisor_choices_are_active_supervisors(session, people):
    assert ps.supervisor_choices(session, people.owner) == [
        (people.staff["supervisor"].id, "Sam Suarez")
    ]


def test_create_first_owner_makes_the_practice_and_the_owner(session):
    # given an empty database
    # when
    view = ps.create_first_owner(session, "Owner@Example.com", "Orla Owner", NEW_PASSWORD)
    # then
    assert view.email == "owner@example.com" and view.roles == ("owner",)
    assert session.exec(select(Practice)).one().name == "My practice"
    assert sign_in(session, "owner@example.com", NEW_PASSWORD)


def test_create_first_owner_is_refused_once_there_is_an_owner(session, people):
    with pytest.raises(ps.OwnerExists):
        ps.create_first_owner(session, "other@example.com", "Other", NEW_PASSWORD)
    assert session.exec(select(func.count()).select_from(Practice)).one() == 1
