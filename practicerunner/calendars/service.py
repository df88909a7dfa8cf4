"""Turning a private calendar feed on and off: the settings screen's operations.

A feed URL carries a random token (`secrets.token_urlsafe(32)`, 256 bits). The token is shown
once, when the feed is turned on or regenerated; the database keeps only its SHA-256, so a
copy of the database does not open anyone's calendar. Regenerating revokes the old URL at
once. Every change is audited.

Who may have which feed: a clinical role (owner, clinician, associate, supervisor) has its
own sessions to show; the practice-wide feed is for owners. `render_feed` (feed.py) checks
the same rules again on every fetch, so a deactivated person's or a demoted owner's URL
stops working without anyone revoking it.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from practicerunner.calendars.models import CalendarFeed, FeedLabel, FeedScope
from practicerunner.core import audit, clock
from practicerunner.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from practicerunner.core.permissions import CLINICAL_ROLES, Actor, Perm, Role, Scope, role_scope
from practicerunner.core.settings import get_settings
from practicerunner.practice.models import Practice

LABEL_CHOICES: list[tuple[str, str]] = [
    (FeedLabel.SESSION.value, "“Session” only"),
    (FeedLabel.INITIALS.value, "“Session” and the clients' initials, like “Session — J.R.”"),
]
_SCOPES = {s.value for s in FeedScope}
_LABELS = {label.value for label in FeedLabel}


def hash_token(token: str) -> str:
    """What the database keeps of a feed token."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def feed_url(token: str) -> str:
    """The address a calendar app subscribes to."""
    return f"{get_settings().public_url}/calendar/{token}.ics"


def webcal_url(token: str) -> str:
    """The same address with the webcal: scheme, which opens the calendar app directly."""
    url = feed_url(token)
    return "webcal://" + url.split("://", 1)[1]


def roles_allow(roles: Iterable[Role], scope: str) -> bool:
    """Whether someone with ROLES may have a feed of SCOPE (checked again on every fetch)."""
    held = set(roles)
    if scope == FeedScope.OWN:
        return bool(held & CLINICAL_ROLES)
    if scope == FeedScope.PRACTICE:
        return Role.OWNER in held or any(
            role_scope(r, Perm.PRACTICE_MANAGE) > Scope.NONE for r in held
        )
    return False


def may_have(actor: Actor, scope: str) -> bool:
    return roles_allow(actor.roles, scope)


def _check_scope(actor: Actor, scope: str) -> str:
    if scope not in _SCOPES:
        raise ValidationFailed({"scope": "Choose your own calendar or the practice's."})
    if not may_have(actor, scope):
        if scope == FeedScope.PRACTICE:
            raise PermissionDenied("Only the practice owner can have the practice-wide feed.")
        raise PermissionDenied("Calendar feeds are for clinicians: you have no sessions to show.")
    return scope


def _check_label(label: str) -> str:
    label = (label or "").strip()
    if label not in _LABELS:
        raise ValidationFailed({"label": "Choose “Session” or the clients' initials."})
    return label


def _live(session: Session, actor: Actor, scope: str) -> CalendarFeed | None:
    return session.exec(
        select(CalendarFeed).where(
            CalendarFeed.staff_id == actor.staff_id,
            CalendarFeed.scope == scope,
            col(CalendarFeed.revoked_at).is_(None),
        )
    ).first()


def _insert(
    session: Session,
    actor: Actor,
    scope: str,
    label: str,
    action: str,
    replaces: int | None = None,
) -> str:
    token = new_token()
    feed = CalendarFeed(
        staff_id=actor.staff_id,
        scope=scope,
        label=label,
        token_hash=hash_token(token),
        created_at=clock.now(),
    )
    session.add(feed)
    try:
        session.flush()
    except IntegrityError:
        # Another request turned the same feed on a moment ago (the partial unique index).
        session.rollback()
        raise _already_on() from None
    audit.record(
        session,
        actor,
        action,
        record_type="calendar_feed",
        record_id=feed.id,
        detail={"scope": scope, "label": label}
        | ({"replaces": replaces} if replaces is not None else {}),
    )
    session.commit()
    return token


def _already_on() -> Conflict:
    return Conflict(
        "feed_on",
        "This calendar feed is already on. Regenerate the link if you need a new one.",
    )


def enable_feed(
    session: Session, actor: Actor, label: str = FeedLabel.SESSION, scope: str = FeedScope.OWN
) -> str:
    """Turn a feed on; returns its token (shown once: `feed_url(token)` is the address)."""
    errors: dict[str, str] = {}
    try:
        label = _check_label(label)
    except ValidationFailed as exc:
        errors.update(exc.errors)
    try:
        scope = _check_scope(actor, scope)
    except ValidationFailed as exc:
        errors.update(exc.errors)
    if errors:
        raise ValidationFailed(errors)
    if _live(session, actor, scope) is not None:
        raise _already_on()
    return _insert(session, actor, scope, label, "calendar_feed.enable")


def regenerate(session: Session, actor: Actor, scope: str = FeedScope.OWN) -> str:
    """Revoke the feed's current URL and make a new one with the same label; the new token."""
    scope = _check_scope(actor, scope)
    feed = _live(session, actor, scope)
    if feed is None:
        raise NotFound("calendar feed")
    feed.revoked_at = clock.now()
    session.add(feed)
    session.flush()  # the live-feed index must see the old row revoked before the new one
    return _insert(session, actor, scope, feed.label, "calendar_feed.regenerate", replaces=feed.id)


def revoke(session: Session, actor: Actor, scope: str = FeedScope.OWN) -> bool:
    """Turn the feed off: its URL answers 404 from now on. False when it was already off."""
    if scope not in _SCOPES:
        raise ValidationFailed({"scope": "Choose your own calendar or the practice's."})
    feed = _live(session, actor, scope)
    if feed is None:
        return False
    feed.revoked_at = clock.now()
    session.add(feed)
    audit.record(
        session,
        actor,
        "calendar_feed.revoke",
        record_type="calendar_feed",
        record_id=feed.id,
        detail={"scope": scope},
    )
    session.commit()
    return True


def set_label(session: Session, actor: Actor, label: str, scope: str = FeedScope.OWN) -> str:
    """Choose what sessions are called in the feed; the URL stays the same."""
    label = _check_label(label)
    scope = _check_scope(actor, scope)
    feed = _live(session, actor, scope)
    if feed is None:
        raise NotFound("calendar feed")
    if feed.label != label:
        feed.label = label
        session.add(feed)
        audit.record(
            session,
            actor,
            "calendar_feed.label",
            record_type="calendar_feed",
            record_id=feed.id,
            detail={"scope": scope, "label": label},
        )
        session.commit()
    return label


@dataclass(frozen=True)
class FeedInfo:
    """A live feed as the settings screen shows it (never the token: it is not kept)."""

    scope: str
    label: str
    created: str  # e.g. "Mar 3, 2026, 9:14 AM", in the practice's timezone
    last_fetched: str  # "" when no calendar app has fetched it yet


@dataclass(frozen=True)
class FeedStatus:
    can_own: bool
    can_practice: bool
    own: FeedInfo | None
    practice: FeedInfo | None


def _when(moment: datetime | None, tz: ZoneInfo) -> str:
    if moment is None:
        return ""
    local = moment.astimezone(tz)
    hour, half = local.hour % 12 or 12, "AM" if local.hour < 12 else "PM"
    return f"{local:%b} {local.day}, {local.year}, {hour}:{local:%M} {half}"


def feed_status(session: Session, actor: Actor) -> FeedStatus:
    """What the "Calendar feed" screen shows: which feeds this person may have and has on."""
    tz_name = session.exec(select(Practice.timezone).order_by(col(Practice.id))).first()
    tz = ZoneInfo(tz_name or "UTC")
    feeds = session.exec(
        select(CalendarFeed).where(
            CalendarFeed.staff_id == actor.staff_id, col(CalendarFeed.revoked_at).is_(None)
        )
    ).all()
    by_scope = {
        f.scope: FeedInfo(
            scope=f.scope,
            label=f.label,
            created=_when(f.created_at, tz),
            last_fetched=_when(f.last_fetched_at, tz),
        )
        for f in feeds
    }
    can_own = may_have(actor, FeedScope.OWN)
    can_practice = may_have(actor, FeedScope.PRACTICE)
    return FeedStatus(
        can_own=can_own,
        can_practice=can_practice,
        own=by_scope.get(FeedScope.OWN) if can_own else None,
        practice=by_scope.get(FeedScope.PRACTICE) if can_practice else None,
    )
