"""Reflex state for a case's Measures screen: scores over time, results, recording, flags.

Thin like the other page states: each event resolves the actor again and runs the measure
services (`measure_records`) in a worker thread; the page holds view rows only. The chart
rows and the record form's questions are built here by pure functions from `measures`, so the
chart shades exactly the bands the scoring uses and the form prints the official wording.

The record form's controls are uncontrolled and keyed by `form_key`: a refused save keeps
every answer on screen; a saved one (or another instrument) starts a fresh form.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import reflex as rx
from sqlmodel import Session

from practicerunner.clients.access import get_case_for
from practicerunner.clients.cases.records import case_participants
from practicerunner.clients.cases.rules import reaches
from practicerunner.clients.models import CaseKind
from practicerunner.core.errors import NotFound, PermissionDenied, ValidationFailed
from practicerunner.core.permissions import Actor, Perm
from practicerunner.documentation import measures
from practicerunner.documentation.measure_records import (
    Point,
    acknowledge_flag,
    measure_history,
    record_measure,
)
from practicerunner.documentation.note_state import day_words
from practicerunner.documentation.record_layout import case_screen
from practicerunner.practice.local import practice_today
from practicerunner.ui.routes import case_url
from practicerunner.ui.session import SessionState

DEFAULT_INSTRUMENT = measures.PHQ9.id
INSTRUMENT_CHOICES = [(i.id, i.title) for i in measures.INSTRUMENTS.values()]

# One line per participant on a couple's or family's chart, in calm, distinct colours.
SERIES_COLOURS = ("teal", "violet", "orange", "blue", "pink", "brown")

# Band tints from calm to concerning; an instrument with fewer bands takes the first and last.
_BAND_TINTS = ("grass", "lime", "amber", "orange", "red")


def _colour(name: str, step: int) -> str:
    """A Radix theme colour as CSS, for the chart's SVG (what rx.color gives in a component)."""
    return f"var(--{name}-{step})"


def band_tints(count: int) -> list[str]:
    """COUNT Radix colour names for an instrument's bands, lowest band first."""
    if count >= len(_BAND_TINTS):
        return list(_BAND_TINTS[:count])
    if count <= 1:
        return [_BAND_TINTS[0]][:count]
    # Spread over the scale so the top band is always the most concerning colour.
    step = (len(_BAND_TINTS) - 1) / (count - 1)
    return [_BAND_TINTS[round(i * step)] for i in range(count)]


@dataclass
class ChartView:
    """One instrument's chart: its data rows, a line per participant, the bands to shade."""

    instrument: str = ""
    title: str = ""
    max_total: int = 0
    ticks: list[int] = field(default_factory=list)
    bands: list[dict[str, Any]] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    series: list[dict[str, str]] = field(default_factory=list)
    flagged: list[dict[str, Any]] = field(default_factory=list)  # safety-flag results to ring
    latest: str = ""  # "Latest: 16 of 27, Moderately severe (Sun, Nov 29, 2026)"
    description: str = ""  # what the chart shows, for screen readers


def chart_time(day: date) -> int:
    """DAY as the chart's time axis reads it: milliseconds since 1970-01-01 (UTC midnight), so
    results sit apart in proportion to the days between them."""
    return (day - date(1970, 1, 1)).days * 86_400_000


def chart_views(
    points: Sequence[Point], participants: Sequence[tuple[int, str]]
) -> list[ChartView]:
    """A chart per instrument that has results, in the instruments' order; pure.

    POINTS oldest first (as `measure_history` returns them); PARTICIPANTS (client id, name)
    name the lines of a couple's or family's chart.
    """
    several = len(participants) > 1
    order = {client_id: i for i, (client_id, _) in enumerate(participants)}
    charts = []
    for instrument in measures.INSTRUMENTS.values():
        mine = [p for p in points if p.instrument == instrument.id]
        if not mine:
            continue
        clients: list[tuple[int, str]] = []
        for p in mine:
            if (p.client_id, p.client_name) not in clients:
                clients.append((p.client_id, p.client_name))
        clients.sort(key=lambda c: order.get(c[0], len(order)))
        keys = {client_id: f"s{i}" for i, (client_id, _) in enumerate(clients)}
        series = [
            {
                "key": keys[client_id],
                "name": name if several else "Score",
                "colour": _colour(SERIES_COLOURS[i % len(SERIES_COLOURS)], 9),
            }
            for i, (client_id, name) in enumerate(clients)
        ]
        rows: list[dict[str, Any]] = []
        for p in mine:
            key, day = keys[p.client_id], day_words(p.taken_on)
            # Partners who answered the same day share one point on the date axis.
            # Each score carries its band (f"{key}_band") for the tooltip to name.
            if rows and rows[-1]["date"] == day and key not in rows[-1]:
                rows[-1][key], rows[-1][f"{key}_band"] = p.total, p.band
            else:
                rows.append(
                    {"date": day, "t": chart_time(p.taken_on), key: p.total, f"{key}_band": p.band}
                )
        tints = band_tints(len(instrument.bands))
        bands = []
        for i, band in enumerate(instrument.bands):
            # Shade from the band below's top, so the areas meet without a gap.
            low = instrument.bands[i - 1].high if i else 0
            bands.append(
                {
                    "y1": low,
                    "y2": band.high,
                    "label": band.label,
                    "range": band.range_text,
                    "fill": _colour(tints[i], 3),
                    "swatch": _colour(tints[i], 6),
                }
            )
        flagged = [
            {"date": day_words(p.taken_on), "t": chart_time(p.taken_on), "total": p.total}
            for p in mine
            if p.safety_flag
        ]
        last = mine[-1]
        who = f" for {last.client_name}" if several else ""
        charts.append(
            ChartView(
                instrument=instrument.id,
                title=instrument.title,
                max_total=instrument.max_total,
                ticks=sorted({0, *(b.low for b in instrument.bands), instrument.max_total}),
                bands=bands,
                rows=rows,
                series=series,
                flagged=flagged,
                latest=(
                    f"Latest{who}: {last.total} of {instrument.max_total}, {last.band} "
                    f"({day_words(last.taken_on)})"
                ),
                description=(
                    f"{instrument.title} totals over time, {len(mine)} "
                    f"result{'s' if len(mine) != 1 else ''} from {day_words(mine[0].taken_on)} "
                    f"to {day_words(last.taken_on)}, shaded by severity band. Each result is "
                    "listed in the Results table below."
                ),
            )
        )
    return charts


def result_rows(points: Sequence[Point]) -> list[dict[str, str]]:
    """The results newest first, as the Results table shows them; pure."""
    rows = []
    for p in reversed(points):
        instrument = measures.INSTRUMENTS[p.instrument]
        flag = ""
        if p.safety_flag:
            flag = "acknowledged" if p.flag_acknowledged else "open"
        rows.append(
            {
                "id": str(p.result_id),
                "date": day_words(p.taken_on),
                "instrument": instrument.title,
                "client": p.client_name,
                "score": f"{p.total} of {instrument.max_total}",
                "band": p.band,
                "detail": p.detail,
                "flag": flag,
            }
        )
    return rows


def open_flag_rows(points: Sequence[Point], several: bool) -> list[dict[str, str]]:
    """The case's safety flags nobody has acknowledged yet, oldest first; pure."""
    return [
        {
            "id": str(p.result_id),
            "what": (
                f"{measures.INSTRUMENTS[p.instrument].title} on {day_words(p.taken_on)}"
                + (f", {p.client_name}" if several else "")
            ),
            "text": p.flag_text or "Item 9 answered above 0: review suicide risk today.",
        }
        for p in points
        if p.safety_flag and not p.flag_acknowledged
    ]


@dataclass(frozen=True)
class Questions:
    """The record form's wording for one instrument: stem, items, answer scale, difficulty."""

    stem: str
    items: list[dict[str, str]]
    scale: list[dict[str, str]]
    difficulty: str
    difficulty_scale: list[dict[str, str]]


def question_rows(instrument_id: str) -> Questions:
    """The record form's wording for INSTRUMENT_ID, as `measures` prints it; pure."""
    instrument = measures.get_instrument(instrument_id)
    difficulty = instrument.difficulty
    return Questions(
        stem=instrument.stem,
        items=[
            {"field": f"item_{item.number}", "number": str(item.number), "text": item.text}
            for item in instrument.items
        ],
        scale=[{"value": str(o.value), "label": o.label} for o in instrument.scale],
        difficulty=difficulty.text if difficulty else "",
        difficulty_scale=[
            {"value": str(o.value), "label": o.label}
            for o in (difficulty.options if difficulty else ())
        ],
    )


def answers_from_form(form: dict[str, Any], instrument_id: str) -> dict[int, object]:
    """The answered items of FORM by item number; anything not a number goes to the service
    as it came, so it is refused beside its item. Unanswered items are simply absent."""
    instrument = measures.INSTRUMENTS.get(instrument_id)
    count = len(instrument.items) if instrument else 0
    answers: dict[int, object] = {}
    for number in range(1, count + 1):
        raw = str(form.get(f"item_{number}", "") or "").strip()
        if raw:
            answers[number] = int(raw) if raw.isdigit() else raw
    return answers


@dataclass(frozen=True)
class MeasuresScreen:
    """A case's measures as the actor may see them."""

    case_id: int
    case_title: str
    consultation: bool
    participants: list[tuple[int, str]]
    can_record: bool
    today: date
    points: list[Point]


def open_measures(session: Session, actor: Actor, case_id: int) -> MeasuresScreen:
    """The case's results (`measure_history`, audited) and what the actor may do with them.

    NotFound unless the actor may read the case's clinical record. A consultation case has
    no measures: nothing is read.
    """
    case = get_case_for(session, actor, case_id, Perm.CLINICAL_VIEW)
    participants = [(int(c.id), c.display_name) for _, c in case_participants(session, case_id)]  # type: ignore[arg-type]
    can_record = reaches(actor, Perm.CLINICAL_EDIT, case.primary_clinician_id)
    title, consultation = case.title, case.kind == CaseKind.CONSULTATION
    today = practice_today(session)
    session.rollback()
    points = [] if consultation else measure_history(session, actor, case_id)
    return MeasuresScreen(
        case_id=case_id,
        case_title=title,
        consultation=consultation,
        participants=participants,
        can_record=can_record and not consultation,
        today=today,
        points=points,
    )


class MeasuresState(SessionState):
    """/cases/<id>/measures: charts, results, open safety flags and the record form."""

    loaded: bool = False
    not_found: bool = False
    current_case: int = 0  # the route argument is case_id: not shadowed
    case_title: str = ""
    case_href: str = ""
    consultation: bool = False
    can_record: bool = False
    charts: list[ChartView] = []
    results: list[dict[str, str]] = []
    flags: list[dict[str, str]] = []
    acknowledging: str = ""
    several: bool = False  # a couple's or family's case: say whose result it is
    participants: list[dict[str, str]] = []
    # The record form.
    instrument: str = DEFAULT_INSTRUMENT
    instrument_choices: list[dict[str, str]] = [
        {"value": key, "label": title} for key, title in INSTRUMENT_CHOICES
    ]
    stem: str = question_rows(DEFAULT_INSTRUMENT).stem
    item_rows: list[dict[str, str]] = question_rows(DEFAULT_INSTRUMENT).items
    scale_options: list[dict[str, str]] = question_rows(DEFAULT_INSTRUMENT).scale
    difficulty: str = question_rows(DEFAULT_INSTRUMENT).difficulty
    difficulty_scale: list[dict[str, str]] = question_rows(DEFAULT_INSTRUMENT).difficulty_scale
    today: str = ""
    errors: dict[str, str] = {}
    summary: str = ""  # above the Save button while the form is refused
    item9_raised: bool = False  # PHQ-9 item 9 answered above 0 in the form, before saving
    saving: bool = False
    saved: dict[str, str] = {}  # the result just recorded: score, severity, safety text
    # Re-keys the form's uncontrolled controls: another instrument or a saved result. (A
    # plain var: a computed one would instantiate this state on every page.)
    form_key: str = ""
    _form_rev: int = 0

    def _show(self, screen: MeasuresScreen) -> None:
        self.current_case = screen.case_id
        self.case_title = screen.case_title
        self.case_href = case_url(screen.case_id)
        self.consultation = screen.consultation
        self.can_record = screen.can_record
        self.several = len(screen.participants) > 1
        self.participants = [{"id": str(i), "name": n} for i, n in screen.participants]
        self.today = screen.today.isoformat()
        self.charts = chart_views(screen.points, screen.participants)
        self.results = result_rows(screen.points)
        self.flags = open_flag_rows(screen.points, self.several)

    async def _fetch(self, actor: Actor) -> bool:
        """Load the case's measures; False when the page is not there for this actor."""
        screen = await case_screen(self, actor, open_measures)
        if screen is None:
            return False
        self._show(screen)
        return True

    def _fresh_form(self, instrument: str) -> None:
        self.instrument = instrument
        questions = question_rows(instrument)
        self.stem, self.item_rows, self.scale_options = (
            questions.stem,
            questions.items,
            questions.scale,
        )
        self.difficulty = questions.difficulty
        self.difficulty_scale = questions.difficulty_scale
        self.errors, self.item9_raised = {}, False
        self._form_rev += 1
        self.form_key = f"{instrument}-{self._form_rev}"

    @rx.event
    async def load(self):
        self.loaded, self.not_found, self.saved, self.saving = False, False, {}, False
        self.acknowledging = ""
        self._fresh_form(DEFAULT_INSTRUMENT)
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        self.not_found = not await self._fetch(actor)
        self.loaded = True
        return None

    @rx.event
    def choose_instrument(self, value: str):
        """Show another instrument's questions (a fresh form)."""
        if value in measures.INSTRUMENTS and value != self.instrument:
            self._fresh_form(value)
            self.saved = {}

    @rx.event
    def answered(self, name: str, value: str):
        """An answer was picked: its error goes, and PHQ-9 item 9 above 0 is called out now."""
        if name in self.errors:
            self.errors = {k: v for k, v in self.errors.items() if k != name}
        if self.instrument == measures.PHQ9.id and name == f"item_{measures.PHQ9_SAFETY_ITEM}":
            self.item9_raised = value not in ("", "0")

    @rx.event
    async def record(self, form: dict[str, Any]):
        """Score and store the answers; refused by field with every answer kept."""
        if not self.can_record or self.saving:
            return
        actor = await self.actor()
        if actor is None:
            yield self.to_sign_in()
            return
        instrument = self.instrument
        raw_client = str(form.get("client_id", "") or "")
        client_id = int(raw_client) if raw_client.isdigit() else 0
        raw_difficulty = str(form.get("difficulty", "") or "")
        difficulty = int(raw_difficulty) if raw_difficulty.isdigit() else None
        self.saving, self.saved = True, {}
        yield
        try:
            result_id = await self.call(
                record_measure,
                actor,
                self.current_case,
                client_id,
                instrument,
                answers_from_form(form, instrument),
                str(form.get("taken_on", "") or ""),
                difficulty,
            )
        except ValidationFailed as exc:
            self.saving = False
            self._refused(dict(exc.errors))
            return
        except (NotFound, PermissionDenied):
            self.saving = False
            self._refused({"form": "You cannot record measures on this case."})
            return
        await self._fetch(actor)
        self.saved = self._saved_summary(result_id, instrument)
        self.saving = False
        self._fresh_form(instrument)

    def _refused(self, errors: dict[str, str]) -> None:
        """Show each message beside its field; one with no field of its own goes on top."""
        shown = {row["field"] for row in self.item_rows} | {"taken_on", "difficulty", "instrument"}
        if self.several:
            shown.add("client_id")
        elsewhere = [message for key, message in errors.items() if key not in shown]
        self.errors = errors
        self.summary = (
            " ".join(elsewhere) + " Nothing was saved."
            if elsewhere
            else "Please correct the answers marked in red; nothing was saved."
        )

    def _saved_summary(self, result_id: int, instrument: str) -> dict[str, str]:
        title = measures.INSTRUMENTS[instrument].title
        for row in self.results:
            if row["id"] == str(result_id):
                flag = next((f["text"] for f in self.flags if f["id"] == row["id"]), "")
                who = f" for {row['client']}" if self.several else ""
                return {
                    "title": f"{title} saved{who}, {row['date']}",
                    "score": row["score"],
                    "band": row["band"],
                    "flag": flag,
                }
        return {"title": f"{title} saved", "score": "", "band": "", "flag": ""}

    @rx.event
    async def acknowledge(self, result_id: str):
        """The clinician has seen this safety flag: it leaves the home page's list."""
        if not result_id.isdigit() or self.acknowledging:
            return
        actor = await self.actor()
        if actor is None:
            yield self.to_sign_in()
            return
        self.acknowledging = result_id
        yield
        try:
            await self.call(acknowledge_flag, actor, int(result_id))
        except (ValidationFailed, NotFound, PermissionDenied):
            self.acknowledging = ""
            yield rx.toast.error("This flag cannot be acknowledged by you.")
            return
        await self._fetch(actor)
        if self.saved.get("flag") and not any(f["id"] == result_id for f in self.flags):
            self.saved = {**self.saved, "flag_acknowledged": "yes"}
        self.acknowledging = ""
        yield rx.toast.success("Safety flag acknowledged.")
