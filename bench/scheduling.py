"""The scheduling half of `make bench`: five years of sessions, then the calendar's costs.

`generate_schedule` adds to the practice bench.generate wrote: a telehealth location, a room
and weekday hours (8 am to 7 pm) for each of the 50 clinicians, the US federal holidays, and
250,000 appointments over five years — four and a half behind, six months ahead (the rolling
horizon). Each clinician keeps 25 of the 50 hourly places of a week (8–11 am, 1–6 pm local;
noon is for admin and supervision) and fills about 20 of them a week: a place belongs to one
case for a stretch of weeks, as a weekly client's does, and a couple sometimes comes alone.
Past sessions are mostly attended (some no-shows and cancellations), future ones scheduled.
Around them: a Friday admin hour, weekly supervision for the associates, and personal time on
vacation weeks. Rows go in with COPY (PostgreSQL) or multi-row inserts (SQLite), with ids
assigned here, after which the database's double-booking rule is installed again: it checks
every existing row when it comes back, so the data is known to be free of clashes.

Then `plan_calls`, `feed_timings` and `materialise_series` give bench.run what to time,
server-side and each call in a fresh session: what the calendar screen asks for
(`calendar_events` as the owner, one clinician and ten; with the working hours beside it,
for information), the conflict check (`hard_conflicts` for a clinician, two clients and a
room, half the time at a taken time), the calendar feed (bench.feeds, when present), and
last — it writes — the worker materialising 1,000 new weekly series for six months
(`series.extend_horizons`).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, Table, insert, select, text
from sqlmodel import Session, SQLModel

from bench.generate import Generated
from practicerunner.clients.models import Case, CaseParticipant
from practicerunner.core.permissions import Actor
from practicerunner.practice.models import Location, Practice, Service
from practicerunner.scheduling.availability import us_federal_holidays
from practicerunner.scheduling.calendar_ui import grid
from practicerunner.scheduling.constraints import CONFLICT_MARK, conflict_ddl
from practicerunner.scheduling.models import (
    BLOCKING_STATUSES,
    Appointment,
    AppointmentAttendee,
    AppointmentSeries,
    CalendarItem,
    Holiday,
    Room,
    WorkingHours,
)
from practicerunner.scheduling.recurrence import Frequency, to_utc

APPOINTMENTS = 250_000
WEEKS = 261  # five years of Mondays
FUTURE_WEEKS = 26  # the rolling horizon: weekly clients are booked about six months ahead
HOURS = (8, 9, 10, 11, 13, 14, 15, 16, 17, 18)  # local start hours; noon is kept free
PLACES = [(day, hour) for day in range(5) for hour in HOURS]  # 50 hourly places a week
KEPT_PLACES = 25  # places a clinician books; the rest stay free (the series benchmark's)
VACATION_WEEKS = 3  # a year
TELEHEALTH_SHARE = 0.35
SERIES = 1_000
SERIES_BATCH = 100  # series booked between two runs of the worker's job
SERIES_BUDGET_SECONDS = 30.0  # past this, the rest of the 1,000 is projected, not waited for
BATCH = 5_000

PAST_STATUSES = (
    ("attended", 86),
    ("no_show", 3),
    ("late_cancelled", 3),
    ("cancelled_client", 5),
    ("cancelled_practice", 3),
)
FUTURE_STATUSES = (("scheduled", 96), ("cancelled_client", 3), ("cancelled_practice", 1))
DURATIONS = ((50, 78), (53, 15), (30, 7))

APPOINTMENT_COLUMNS = (
    "id",
    "case_id",
    "clinician_id",
    "service_id",
    "location_id",
    "room_id",
    "start_at",
    "end_at",
    "status",
    "status_at",
    "status_by_id",
    "status_reason",
    "fee_override_cents",
    "supervisor_override_id",
    "series_id",
    "occurrence_index",
    "conflict_override_reason",
    "sequence",
    "created_at",
    "updated_at",
    "created_by_id",
)
ITEM_COLUMNS = (
    "id",
    "staff_id",
    "with_staff_id",
    "kind",
    "title",
    "start_at",
    "end_at",
    "is_cancelled",
    "sequence",
    "created_at",
    "updated_at",
    "created_by_id",
)

# What run.py prints and checks. Week views and the conflict check are p95 per call; the
# series row is the total time for all of them.
TARGETS_P95_MS = {
    "week_view_1": 30.0,
    "week_view_10": 80.0,
    "conflict_check": 5.0,
    "feed_build": 100.0,
    "feed_304": 5.0,
}
TARGET_SERIES_SECONDS = 2.0
LABELS = {
    "week_view_1": "Week, 1 clinician",
    "week_view_10": "Week, 10 clinicians",
    "week_screen_1": "Week + hours, 1 (info)",
    "conflict_check": "Conflict check",
    "feed_build": "Feed, 2,000 events",
    "feed_304": "Feed 304",
    "series_materialise": "1,000 series, 6 mo",
}


@dataclass
class Schedule:
    """What generate_schedule wrote, for the timings to pick their samples from."""

    counts: dict[str, int]
    now: datetime
    timezone: str
    first_monday: date  # local
    clinician_ids: list[int]
    room_of: dict[int, int]
    caseload: dict[int, list[int]]
    # Sessions that hold their time: (clinician, start, end), a sample for the conflict check.
    taken: list[tuple[int, datetime, datetime]] = field(default_factory=list)
    # Places each clinician never books: free at every week, for free-time checks and series.
    free_places: dict[int, list[tuple[int, int]]] = field(default_factory=dict)
    # Active cases and who attends them, by clinician (the series benchmark books them).
    active_cases: dict[int, list[tuple[int, list[int]]]] = field(default_factory=dict)
    service_id: int = 1
    office_id: int = 1


def _table(model: type[SQLModel]) -> Table:
    return model.__table__  # type: ignore[attr-defined,no-any-return]


def _chunks(rows: Sequence[Any], size: int = BATCH) -> Iterator[Sequence[Any]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _bulk(
    conn: Connection, model: type[SQLModel], columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """Write ROWS (tuples in COLUMNS order): COPY on PostgreSQL, multi-row inserts on SQLite."""
    table = _table(model)
    if conn.dialect.name == "postgresql":
        raw = conn.connection.dbapi_connection
        assert raw is not None
        names = ", ".join(f'"{c}"' for c in columns)
        with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
        return
    # SQLite: the driver directly, with datetimes as SQLAlchemy stores them (naive UTC text
    # to the microsecond, so text order is time order); going through the ORM's type
    # processing would double the generation time.
    names = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join("?" for _ in columns)
    statement = f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})'
    for chunk in _chunks(rows):
        conn.exec_driver_sql(statement, [tuple(_sqlite_value(v) for v in row) for row in chunk])


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
    return value


def _local_monday(now: datetime, timezone: str) -> date:
    return grid.week_start(now.astimezone(ZoneInfo(timezone)).date())


def _vacations(rng: random.Random, weeks: int) -> set[int]:
    """VACATION_WEEKS weeks off in each year of WEEKS weeks."""
    off: set[int] = set()
    for year_start in range(0, weeks, 52):
        span = range(year_start, min(year_start + 52, weeks))
        off.update(rng.sample(list(span), min(VACATION_WEEKS, len(span))))
    return off


@dataclass
class _Stretch:
    case_id: int
    attendees: list[int]
    telehealth: bool


def _stretches(
    rng: random.Random,
    cases: list[tuple[int, list[int]]],
    active: list[tuple[int, list[int]]],
    future_from: int,
) -> list[_Stretch]:
    """Who holds one place, week by week: a case for 4 to 40 weeks, then another."""
    out: list[_Stretch] = []
    while len(out) < WEEKS:
        length = rng.randint(4, 40)
        pool = active if len(out) + length > future_from and active else cases
        case_id, attendees = rng.choice(pool)
        held = _Stretch(case_id, attendees, rng.random() < TELEHEALTH_SHARE)
        out.extend([held] * length)
    return out[:WEEKS]


def _read_practice(
    session: Session,
) -> tuple[str, int, int, dict[int, list[tuple[int, list[int]]]], dict[int, list[int]]]:
    timezone = session.execute(select(Practice.timezone)).scalar_one()
    office_id = session.execute(select(Location.id).order_by(Location.id)).scalars().first()
    service_id = session.execute(select(Service.id).order_by(Service.id)).scalars().first()
    assert office_id is not None and service_id is not None
    members: dict[int, list[int]] = {}
    for case_id, client_id in session.execute(
        select(CaseParticipant.case_id, CaseParticipant.client_id).order_by(
            CaseParticipant.case_id, CaseParticipant.client_id
        )
    ):
        members.setdefault(case_id, []).append(client_id)
    cases: dict[int, list[tuple[int, list[int]]]] = {}
    active: dict[int, list[int]] = {}
    for case_id, clinician_id, status in session.execute(
        select(Case.id, Case.primary_clinician_id, Case.status).order_by(Case.id)
    ):
        if clinician_id is None or case_id not in members:
            continue
        cases.setdefault(clinician_id, []).append((case_id, members[case_id]))
        if status == "active":
            active.setdefault(clinician_id, []).append(case_id)
    return timezone, office_id, service_id, cases, active


def _setval(table: str) -> Any:
    return text(
        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
        f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
    )


def _drop_conflict_rule(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"ALTER TABLE appointment DROP CONSTRAINT {CONFLICT_MARK}"))
    else:
        conn.execute(text("DROP TRIGGER appointment_conflict_insert"))
        conn.execute(text("DROP TRIGGER appointment_conflict_update"))


def _restore_conflict_rule(conn: Connection) -> None:
    for statement in conflict_ddl(conn.dialect.name):
        conn.execute(text(statement))


def generate_schedule(
    engine: Engine, base: Generated, now: datetime | None = None, seed: int = 20260602
) -> Schedule:
    """Write five years of sessions and calendar items into the practice bench.generate made."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    rng = random.Random(seed)
    with Session(engine) as session:
        timezone, office_id, service_id, cases, active_ids = _read_practice(session)
    first_monday = _local_monday(now, timezone) - timedelta(weeks=WEEKS - FUTURE_WEEKS)
    future_from = WEEKS - FUTURE_WEEKS
    clinicians = list(base.clinician_ids)

    # Where every hourly place of every week falls in UTC (the same for every clinician).
    starts = [
        [
            to_utc(
                datetime.combine(first_monday + timedelta(weeks=w, days=d), clock_time(h)),
                timezone,
            )
            for d, h in PLACES
        ]
        for w in range(WEEKS)
    ]
    last_day = first_monday + timedelta(weeks=WEEKS)
    holidays = [
        (day, name)
        for year in range(first_monday.year, last_day.year + 1)
        for day, name in us_federal_holidays(year)
        if first_monday <= day < last_day
    ]
    closed = {day for day, _ in holidays}

    kept: dict[int, list[int]] = {}
    free: dict[int, list[tuple[int, int]]] = {}
    off: dict[int, set[int]] = {}
    candidates: list[tuple[int, int, int]] = []  # (week, place, clinician)
    for c in clinicians:
        places = sorted(rng.sample(range(len(PLACES)), KEPT_PLACES))
        kept[c] = places
        free[c] = [place for p, place in enumerate(PLACES) if p not in places]
        off[c] = _vacations(rng, WEEKS)
        for w in range(WEEKS):
            if w in off[c]:
                continue
            for p in places:
                if first_monday + timedelta(weeks=w, days=PLACES[p][0]) not in closed:
                    candidates.append((w, p, c))
    if len(candidates) < APPOINTMENTS:
        raise RuntimeError(f"only {len(candidates)} places for {APPOINTMENTS} sessions")
    chosen = sorted(rng.sample(candidates, APPOINTMENTS))  # chronological, as booked

    active: dict[int, list[tuple[int, list[int]]]] = {}
    holder: dict[tuple[int, int], list[_Stretch]] = {}
    for c in clinicians:
        mine = cases.get(c, [])
        open_ids = set(active_ids.get(c, []))
        live = [(cid, who) for cid, who in mine if cid in open_ids]
        active[c] = live
        for p in kept[c]:
            holder[(c, p)] = _stretches(rng, mine, live, future_from)

    room_of = {c: n + 1 for n, c in enumerate(clinicians)}
    telehealth_id = office_id + 1
    statuses_past = [s for s, _ in PAST_STATUSES], [w for _, w in PAST_STATUSES]
    statuses_future = [s for s, _ in FUTURE_STATUSES], [w for _, w in FUTURE_STATUSES]
    minutes = [m for m, _ in DURATIONS], [w for _, w in DURATIONS]
    appointments: list[tuple[Any, ...]] = []
    attendees: list[tuple[int, int]] = []
    taken: list[tuple[int, datetime, datetime]] = []
    for n, (w, p, c) in enumerate(chosen, start=1):
        stretch = holder[(c, p)][w]
        start = starts[w][p]
        end = start + timedelta(minutes=rng.choices(*minutes)[0])
        past = start < now
        status = rng.choices(*(statuses_past if past else statuses_future))[0]
        created = min(start - timedelta(days=rng.randint(1, 60)), now)
        status_at = None
        if status != "scheduled":
            status_at = (
                end + timedelta(minutes=rng.randint(1, 120))
                if status in ("attended", "no_show")
                else start - timedelta(hours=rng.randint(2, 96))
            )
        changed = max(created, status_at) if status_at else created
        appointments.append(
            (
                n,
                stretch.case_id,
                c,
                service_id,
                telehealth_id if stretch.telehealth else office_id,
                None if stretch.telehealth else room_of[c],
                start,
                end,
                status,
                status_at,
                c if status_at else None,
                "Client asked to move it" if status == "cancelled_client" else "",
                None,
                None,
                None,
                None,
                "",
                1 if status in ("late_cancelled", "cancelled_client", "cancelled_practice") else 0,
                created,
                changed,
                c,
            )
        )
        who = stretch.attendees
        if len(who) == 2 and rng.random() < 0.15:
            who = [rng.choice(who)]  # one partner comes alone
        attendees.extend((n, client_id) for client_id in who)
        if status in BLOCKING_STATUSES and n % 50 == 0:
            taken.append((c, start, end))

    items = _calendar_items(clinicians, base, first_monday, timezone, off, now)
    rooms = [(room_of[c], office_id, f"Room {room_of[c]}", True) for c in clinicians]
    hours = [
        (i * 5 + d + 1, c, office_id, d, clock_time(8), clock_time(19))
        for i, c in enumerate(clinicians)
        for d in range(5)
    ]
    with engine.begin() as conn:
        conn.execute(
            insert(_table(Location)),
            [
                {
                    "id": telehealth_id,
                    "name": "Telehealth",
                    "kind": "telehealth",
                    "place_of_service": "10",
                    "created_at": now,
                }
            ],
        )
        _bulk(conn, Room, ("id", "location_id", "name", "is_active"), rooms)
        hour_columns = ("id", "staff_id", "location_id", "weekday", "start_time", "end_time")
        conn.execute(
            insert(_table(WorkingHours)), [dict(zip(hour_columns, h, strict=True)) for h in hours]
        )
        conn.execute(
            insert(_table(Holiday)),
            [{"id": i, "on_date": d, "name": name} for i, (d, name) in enumerate(holidays, 1)],
        )
        # Load the big tables without their secondary indexes and the double-booking rule,
        # then build them in one pass each (as a restore would). The rule checks every
        # existing row when it comes back: the data is known to hold no double-booking.
        indexes = [
            index
            for model in (Appointment, AppointmentAttendee, CalendarItem)
            for index in _table(model).indexes
        ]
        _drop_conflict_rule(conn)
        for index in indexes:
            index.drop(conn)
        _bulk(conn, Appointment, APPOINTMENT_COLUMNS, appointments)
        _bulk(conn, AppointmentAttendee, ("appointment_id", "client_id"), attendees)
        _bulk(conn, CalendarItem, ITEM_COLUMNS, items)
        for index in indexes:
            index.create(conn)
        _restore_conflict_rule(conn)
        if conn.dialect.name == "postgresql":  # explicit ids: move the sequences past them
            for table in ("location", "room", "working_hours", "holiday"):
                conn.execute(_setval(table))
            conn.execute(_setval("appointment"))
            conn.execute(_setval("calendar_item"))
    # Statistics as a live database has them; on PostgreSQL also the visibility map that
    # autovacuum keeps after a day's changes (index-only scans count on it).
    vacuum = "VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(vacuum))
    return Schedule(
        counts={
            "appointments": len(appointments),
            "attendees": len(attendees),
            "calendar_items": len(items),
            "rooms": len(rooms),
            "holidays": len(holidays),
            "future_appointments": sum(1 for a in appointments if a[6] >= now),
        },
        now=now,
        timezone=timezone,
        first_monday=first_monday,
        clinician_ids=clinicians,
        room_of=room_of,
        caseload={c: list(base.caseload.get(c, [])) for c in clinicians},
        taken=taken,
        free_places=free,
        active_cases=active,
        service_id=service_id,
        office_id=office_id,
    )


def _calendar_items(
    clinicians: list[int],
    base: Generated,
    first_monday: date,
    timezone: str,
    off: dict[int, set[int]],
    now: datetime,
) -> list[tuple[Any, ...]]:
    """A Friday admin hour, weekly supervision for associates at noon, vacation as personal."""
    supervisor_of = _supervisors(base)
    rows: list[tuple[Any, ...]] = []

    def add(
        staff: int, other: int | None, kind: str, title: str, day: date, a: int, b: int
    ) -> None:
        start = to_utc(datetime.combine(day, clock_time(a)), timezone)
        end = to_utc(datetime.combine(day, clock_time(b)), timezone)
        created = min(start - timedelta(days=14), now)
        rows.append(
            (
                len(rows) + 1,
                staff,
                other,
                kind,
                title,
                start,
                end,
                False,
                0,
                created,
                created,
                staff,
            )
        )

    for w in range(WEEKS):
        monday = first_monday + timedelta(weeks=w)
        for c in clinicians:
            if w in off[c]:
                for d in range(5):
                    add(c, None, "personal", "", monday + timedelta(days=d), 8, 19)
                continue
            add(c, None, "admin", "Notes and calls", monday + timedelta(days=4), 12, 13)
            supervisor = supervisor_of.get(c)
            if supervisor is not None and w not in off[supervisor]:
                day = monday + timedelta(days=(c // 5) % 4)
                add(c, supervisor, "supervision", "Weekly supervision", day, 12, 13)
    rows.sort(key=lambda r: r[5])
    return [(n, *r[1:]) for n, r in enumerate(rows, start=1)]


def _supervisors(base: Generated) -> dict[int, int]:
    """Associate → primary supervisor, as bench.generate assigns them."""
    return {i: 2 + (i % 5) for i in base.clinician_ids if 7 <= i <= 16}


# --- timings ----------------------------------------------------------------------------


def _owner(engine: Engine, base: Generated) -> Actor:
    from practicerunner.auth.service import actor_for
    from practicerunner.practice.models import Staff

    with Session(engine) as session:
        owner = session.get(Staff, base.owner_id)
        assert owner is not None
        return actor_for(session, owner, ip="127.0.0.1")


def _week(data: Schedule, rng: random.Random) -> tuple[datetime, datetime]:
    """A week the calendar shows: half near today, half anywhere in the five years."""
    this_week = WEEKS - FUTURE_WEEKS
    near = rng.random() < 0.5
    w = this_week + rng.randint(-8, 8) if near else rng.randrange(WEEKS)
    monday = data.first_monday + timedelta(weeks=w)
    return (
        grid.local_day_start_utc(monday, data.timezone),
        grid.local_day_start_utc(monday + timedelta(days=7), data.timezone),
    )


def plan_calls(
    engine: Engine, base: Generated, data: Schedule, samples: int, seed: int = 11
) -> dict[str, list[Callable[[Session], Any]]]:
    """The read-only calls to time, by benchmark name (each runs in its own session)."""
    from practicerunner.scheduling import service as sched
    from practicerunner.scheduling.availability import available_blocks

    owner = _owner(engine, base)
    rng = random.Random(seed)
    zone = ZoneInfo(data.timezone)

    def events(ids: list[int], window: tuple[datetime, datetime]) -> Callable[[Session], Any]:
        return lambda s: sched.calendar_events(s, owner, window[0], window[1], ids)

    def screen(ids: list[int], window: tuple[datetime, datetime]) -> Callable[[Session], Any]:
        def call(s: Session) -> Any:
            found = sched.calendar_events(s, owner, window[0], window[1], ids)
            return found, available_blocks(s, ids, window[0], window[1])

        return call

    def check(slot: Any) -> Callable[[Session], Any]:
        return lambda s: sched.hard_conflicts(s, slot, zone)

    plan: dict[str, list[Callable[[Session], Any]]] = {
        "week_view_1": [],
        "week_view_10": [],
        "week_screen_1": [],
        "conflict_check": [],
    }
    for i in range(samples):
        one = [rng.choice(data.clinician_ids)]
        plan["week_view_1"].append(events(one, _week(data, rng)))
        plan["week_view_10"].append(events(rng.sample(data.clinician_ids, 10), _week(data, rng)))
        plan["week_screen_1"].append(screen(one, _week(data, rng)))
        if i % 2 == 0:  # a taken time: the clinician already has a session then
            clinician, start, end = rng.choice(data.taken)
        else:  # one of the clinician's free hours, some week of the five years
            clinician = rng.choice(data.clinician_ids)
            day, hour = rng.choice(data.free_places[clinician])
            local = datetime.combine(
                data.first_monday + timedelta(weeks=rng.randrange(WEEKS), days=day),
                clock_time(hour),
            )
            start = to_utc(local, data.timezone)
            end = start + timedelta(minutes=50)
        clients = tuple(rng.sample(data.caseload[clinician], 2))
        plan["conflict_check"].append(
            check(sched.Slot(clinician, start, end, clients, data.room_of[clinician]))
        )
    return plan


def feed_timings(engine: Engine, data: Schedule, samples: int = 40) -> dict[str, Any] | None:
    """bench.feeds for a clinician of the practice (None when that module is not there).

    SAMPLES full builds, and five times as many 304 replies.
    """
    try:
        from bench.feeds import bench_feeds
    except ImportError:
        return None
    staff_id = data.clinician_ids[len(data.clinician_ids) // 2]
    found = bench_feeds(engine, staff_id, now=data.now, samples=samples)
    return {**found, "build_samples": samples, "not_modified_samples": samples * 5}


def materialise_series(engine: Engine, data: Schedule, seed: int = 13) -> dict[str, Any]:
    """Book SERIES weekly series in free places from next week on; the worker writes them out.

    Timed: inserting the series rules (100 at a time, one transaction each) and after each
    hundred `extend_horizons`, the worker's job, which tops each series up to six months
    under its row lock, checking clinician, clients and room first, in its own transaction.
    When the first hundreds already take more than SERIES_BUDGET_SECONDS, the total for
    1,000 is projected from them (`projected`), so that `make bench` still ends.
    """
    from practicerunner.scheduling.series import extend_horizons

    rng = random.Random(seed)
    per = -(-SERIES // len(data.clinician_ids))
    monday = _local_monday(data.now, data.timezone) + timedelta(weeks=1)
    rules: list[AppointmentSeries] = []
    for c in data.clinician_ids:
        places = rng.sample(data.free_places[c], min(per, len(data.free_places[c])))
        for day, hour in places:
            if len(rules) == SERIES:
                break
            case_id, who = rng.choice(data.active_cases[c])
            rules.append(
                AppointmentSeries(
                    case_id=case_id,
                    clinician_id=c,
                    service_id=data.service_id,
                    location_id=data.office_id,
                    room_id=data.room_of[c],
                    attendee_ids=",".join(str(x) for x in who),
                    frequency=Frequency.WEEKLY,
                    start_local=datetime.combine(monday + timedelta(days=day), clock_time(hour)),
                    timezone=data.timezone,
                    duration_minutes=50,
                    created_at=data.now,
                    created_by_id=c,
                )
            )
    with Session(engine) as session:
        before = session.execute(text("SELECT COUNT(*) FROM appointment")).scalar_one()
    seconds, written, done = 0.0, 0, 0
    for batch in _chunks(rules, SERIES_BATCH):
        started = time.perf_counter()
        with Session(engine) as session:
            session.add_all(batch)
            session.commit()
        with Session(engine) as session:
            written += extend_horizons(session, data.now)
        seconds += time.perf_counter() - started
        done += len(batch)
        if seconds > SERIES_BUDGET_SECONDS and done < len(rules):
            break  # far too slow already: project the rest rather than wait for it
    with Session(engine) as session:
        after = session.execute(text("SELECT COUNT(*) FROM appointment")).scalar_one()
    assert after - before == written, (before, after, written)
    projected = seconds * len(rules) / done
    return {
        "series": done,
        "sessions": written,
        "seconds": round(projected, 2),
        "measured_seconds": round(seconds, 2),
        "projected": done < len(rules),
        "target_seconds": TARGET_SERIES_SECONDS,
        "pass": projected < TARGET_SERIES_SECONDS and len(rules) == SERIES,
    }
