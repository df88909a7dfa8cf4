"""Route constants, builders and the navigation table."""

from __future__ import annotations

from practicerunner.core.permissions import Actor, Perm, Role

SESSION_COOKIE = "pr_session"

HOME = "/"
CALENDAR = "/calendar"
SIGN_IN = "/sign-in"
CLIENTS = "/clients"
CLIENT_NEW = "/clients/new"
CASE_NEW = "/cases/new"
SETTINGS_PRACTICE = "/settings/practice"
SETTINGS_LOCATIONS = "/settings/locations"
SETTINGS_SERVICES = "/settings/services"
STAFF = "/settings/staff"
STAFF_NEW = "/settings/staff/new"
AUDIT = "/audit"
OUTBOX = "/outbox"
AVAILABILITY = "/availability"
SETTINGS_HOLIDAYS = "/settings/holidays"
SETTINGS_CALENDAR_FEED = "/settings/calendar-feed"
BILLING = "/billing"
BILLING_RUNS = "/billing/runs"
SETTINGS_BILLING = "/settings/billing"
PAY = "/pay"  # + /<signed token>: the payer's page, no sign-in
NOTES = "/notes"
REVIEWS = "/reviews"  # the supervisor's queue of notes to co-sign
SETTINGS_NOTE_TEMPLATES = "/settings/note-templates"  # the practice's own note templates
SUPERVISION_HOURS = "/reports/supervision-hours"  # supervision hours per associate per month


def payer_url(payer_key: str) -> str:
    """'client:12' -> '/billing/payers/client-12'."""
    return f"/billing/payers/{payer_key.replace(':', '-')}"


def case_billing_url(case_id: int | str) -> str:
    return f"/cases/{case_id}/billing"


def client_url(client_id: int | str) -> str:
    return f"/clients/{client_id}"


def case_url(case_id: int | str) -> str:
    return f"/cases/{case_id}"


def note_url(note_id: int | str) -> str:
    return f"{NOTES}/{note_id}"


def case_diagnoses_url(case_id: int | str) -> str:
    return f"/cases/{case_id}/diagnoses"


def case_plan_url(case_id: int | str) -> str:
    return f"/cases/{case_id}/plan"


def case_measures_url(case_id: int | str) -> str:
    return f"/cases/{case_id}/measures"


# The supervision hours report is for those who log or sign supervision hours.
SUPERVISION_ROLES = frozenset({Role.OWNER, Role.SUPERVISOR, Role.ASSOCIATE})

# (label, href, lucide icon, permission needed, or roles of which one is needed, or None)
NAV: list[tuple[str, str, str, Perm | frozenset[Role] | None]] = [
    ("Home", HOME, "house", None),
    ("Calendar", CALENDAR, "calendar-days", Perm.SCHEDULE_VIEW),
    ("Availability", AVAILABILITY, "calendar-clock", Perm.SCHEDULE_VIEW),
    # Clinical roles (exactly those with clinical.view) have sessions of their own to show.
    ("Calendar feed", SETTINGS_CALENDAR_FEED, "calendar-sync", Perm.CLINICAL_VIEW),
    ("Clients", CLIENTS, "users", Perm.CLIENT_VIEW),
    ("Notes", NOTES, "notebook-pen", Perm.CLINICAL_EDIT),
    # Every clinical role: the page itself tells those who supervise nobody that it is empty.
    ("Reviews", REVIEWS, "clipboard-check", Perm.CLINICAL_VIEW),
    ("Supervision hours", SUPERVISION_HOURS, "hourglass", SUPERVISION_ROLES),
    ("Practice", SETTINGS_PRACTICE, "building-2", Perm.PRACTICE_MANAGE),
    ("Locations", SETTINGS_LOCATIONS, "map-pin", Perm.PRACTICE_MANAGE),
    ("Holidays", SETTINGS_HOLIDAYS, "calendar-off", Perm.PRACTICE_MANAGE),
    ("Services & fees", SETTINGS_SERVICES, "receipt-text", Perm.PRACTICE_MANAGE),
    ("Note templates", SETTINGS_NOTE_TEMPLATES, "file-text", Perm.PRACTICE_MANAGE),
    ("Staff", STAFF, "id-card", Perm.STAFF_MANAGE),
    ("Audit log", AUDIT, "scroll-text", Perm.AUDIT_VIEW),
    ("Billing", BILLING, "wallet", Perm.BILLING_COLLECT),
    ("Billing runs", BILLING_RUNS, "repeat", Perm.BILLING_COLLECT),
    ("Billing policies", SETTINGS_BILLING, "scale", Perm.BILLING_SETTINGS),
    ("Outgoing mail", OUTBOX, "mail", Perm.OUTBOX_VIEW),
]


def nav_for(actor: Actor) -> list[dict[str, str]]:
    """The navigation entries ACTOR may use, as {label, href, icon}."""
    return [
        {"label": label, "href": href, "icon": icon}
        for label, href, icon, needs in NAV
        if needs is None
        or (actor.can(needs) if isinstance(needs, Perm) else bool(needs & actor.roles))
    ]
