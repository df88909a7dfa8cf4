"""Reflex state for the supervision hours report (/reports/supervision-hours).

Thin: each event resolves the actor again and runs `supervision.hours` in a worker thread,
keeping only the table in words. The month range comes from the form (or the URL's
`from`/`to`, 'YYYY-MM'); the service checks it and says what is wrong beside each field.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from sqlmodel import Session

from practicerunner.core.errors import NotFound, PermissionDenied, ValidationFailed
from practicerunner.core.permissions import Actor
from practicerunner.supervision.hours import (
    HoursReport,
    hours_csv,
    hours_label,
    hours_report,
    month_label,
)
from practicerunner.ui.session import SessionState

_SCOPE_WORDS = {
    "all": "Every associate in the practice",
    "supervisees": "The associates you supervise",
    "own": "Your own supervision",
}


def csv_for(session: Session, actor: Actor, start: str, end: str) -> tuple[str, str]:
    """(file name, CSV text) of the report for START to END."""
    report = hours_report(session, actor, start, end)
    name = f"supervision-hours-{report.first:%Y-%m}-to-{report.last:%Y-%m}.csv"
    return name, hours_csv(report)


class SupervisionHoursState(SessionState):
    """/reports/supervision-hours: hours per associate per month, with totals."""

    loaded: bool = False
    not_found: bool = False
    start: str = ""  # 'YYYY-MM', as in the form
    end: str = ""
    form_rev: int = 0  # a new key re-reads the inputs' defaults after a load
    errors: dict[str, str] = {}
    scope_words: str = ""
    months: list[str] = []  # 'Jun 2026'
    row_names: list[str] = []
    row_cells: list[list[str]] = []  # per row: each month's hours, individual, group, total
    total_cells: list[str] = []
    range_words: str = ""  # 'January – June 2026'
    _shown: tuple[str, str] = ("", "")  # the range the table shows (the CSV's)

    def _show(self, report: HoursReport) -> None:
        self.start, self.end = f"{report.first:%Y-%m}", f"{report.last:%Y-%m}"
        self._shown = (self.start, self.end)
        self.scope_words = _SCOPE_WORDS.get(report.scope, "")
        self.months = [month_label(m) for m in report.months]
        self.row_names = [r.name for r in report.rows]
        self.row_cells = [
            [hours_label(s) for s in [*r.months, r.individual, r.group, r.total]]
            for r in report.rows
        ]
        self.total_cells = [
            hours_label(s)
            for s in [*report.month_totals, report.individual, report.group, report.total]
        ]
        first, last = report.first, report.last
        self.range_words = (
            f"{first:%B %Y}"
            if first == last
            else (
                f"{first:%B} – {last:%B %Y}"
                if first.year == last.year
                else f"{first:%B %Y} – {last:%B %Y}"
            )
        )
        self.errors = {}
        self.form_rev += 1

    async def _run(self, start: str, end: str) -> Any:
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        try:
            report = await self.call(hours_report, actor, start, end)
        except (NotFound, PermissionDenied):
            self.not_found, self.loaded = True, True
            return None
        except ValidationFailed as exc:
            # Keep what was typed; the table still shows the last good range.
            self.errors = dict(exc.errors)
            if not self.loaded:
                report = await self.call(hours_report, actor, "", "")
                self._show(report)
                self.errors = dict(exc.errors)
            self.start, self.end = start, end
            self.loaded = True
            return None
        self._show(report)
        self.not_found, self.loaded = False, True
        return None

    @rx.event
    async def load(self):
        params = self.router.url.query_parameters
        self.loaded = False
        return await self._run(str(params.get("from", "")), str(params.get("to", "")))

    @rx.event
    async def show(self, form: dict[str, Any]):
        return await self._run(str(form.get("from", "")).strip(), str(form.get("to", "")).strip())

    @rx.event
    async def download(self):
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        try:
            name, text = await self.call(csv_for, actor, *self._shown)
        except ValidationFailed as exc:
            self.errors = dict(exc.errors)
            return None
        except (NotFound, PermissionDenied):
            self.not_found = True
            return None
        return rx.download(data=text, filename=name)
