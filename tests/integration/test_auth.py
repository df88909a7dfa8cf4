"""Sign-in, sessions and lockout against a real database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from practicerunner.auth import service as auth
from practicerunner.auth.models import UserSession
from practicerunner.core import clock
from practicerunner.core.audit import AuditEvent
from tests.personas import PASSWORD

T0 = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)


def sign_in(session, email="carl@willow.test", password=PASSWORD) -> str:
    handoff = auth.start_sign_in(session, email, password, ip="10.0.0.5")
    token = auth.complete_sign_in(session, handoff.code)
    assert token
    return token


def test_it_signs_in_and_resolves_the_actor(session, people):
    with clock.frozen_at(T0):
        token = sign_in(session)
        resolved = auth.resolve_session(session, token)
    assert resolved.actor is not None
    assert resolved.actor.name == "Carl Chen"
    actions = session.exec(select(AuditEvent.action)).all()
    assert "auth.sign_in" in actions


def test_a_handoff_code_works_once(session, people):
    handoff = auth.start_sign_in(session, "carl@willow.test", PASSWORD)
    assert auth.complete_sign_in(session, handoff.code)
    assert auth.complete_sign_in(session, handoff.code) is None


def test_a_handoff_code_expires_after_a_minute(session, people):
    with clock.frozen_at(T0) as travel:
        handoff = auth.start_sign_in(session, "carl@willow.test", PASSWORD)
        travel(timedelta(seconds=61))
        assert auth.complete_sign_in(session, handoff.code) is None


def test_a_wrong_password_is_refused_with_the_same_message_as_an_unknown_email(session, people):
    with pytest.raises(auth.SignInFailed) as wrong:
        auth.start_sign_in(session, "carl@willow.test", "nope")
    with pytest.raises(auth.SignInFailed) as unknown:
        auth.start_sign_in(session, "nobody@willow.test", "nope")
    assert wrong.value.message == unknown.value.message == "Email or password is incorrect."
    failed = session.exec(
        select(AuditEvent).where(AuditEvent.action == "auth.sign_in_failed")
    ).all()
    assert len(failed) == 2


def test_five_failures_in_fifteen_minutes_lock_the_account_for_fifteen_minutes(session, people):
    with clock.frozen_at(T0) as travel:
        for _ in range(4):
            with pytest.raises(auth.SignInFailed):
                auth.start_sign_in(session, "carl@willow.test", "wrong")
            travel(timedelta(minutes=2))
        with pytest.raises(auth.AccountLocked):
            auth.start_sign_in(session, "carl@willow.test", "wrong")
        # The right password does not help while locked.
        travel(timedelta(minutes=14))
        with pytest.raises(auth.AccountLocked) as locked:
            auth.start_sign_in(session, "carl@willow.test", PASSWORD)
        assert "locked" in locked.value.message
        travel(timedelta(minutes=1, seconds=1))
        assert auth.start_sign_in(session, "carl@willow.test", PASSWORD).code


def test_failures_spread_over_more_than_fifteen_minutes_do_not_lock(session, people):
    with clock.frozen_at(T0) as travel:
        for _ in range(6):
            with pytest.raises(auth.SignInFailed):
                auth.start_sign_in(session, "carl@willow.test", "wrong")
            travel(timedelta(minutes=4))
        assert auth.start_sign_in(session, "carl@willow.test", PASSWORD).code


def test_an_idle_session_ends_after_thirty_minutes(session, people):
    with clock.frozen_at(T0) as travel:
        token = sign_in(session)
        travel(timedelta(minutes=29))
        assert auth.resolve_session(session, token).actor is not None
        travel(timedelta(minutes=29))
        assert auth.resolve_session(session, token).actor is not None
        travel(timedelta(minutes=30))
        resolved = auth.resolve_session(session, token)
    assert resolved.actor is None and resolved.ended_reason == "idle"


def test_a_session_ends_after_twelve_hours_however_active(session, people):
    with clock.frozen_at(T0) as travel:
        token = sign_in(session)
        for _ in range(47):
            travel(timedelta(minutes=15))
            assert auth.resolve_session(session, token).actor is not None
        travel(timedelta(minutes=15))
        resolved = auth.resolve_session(session, token)
    assert resolved.actor is None and resolved.ended_reason == "expired"


def test_sign_out_revokes_the_session(session, people):
    token = sign_in(session)
    auth.sign_out(session, token)
    assert auth.resolve_session(session, token).actor is None
    row = session.exec(select(UserSession)).first()
    assert row.revoked_reason == "signed out"
