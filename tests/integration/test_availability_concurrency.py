"""Saving a week is all or nothing, even when several saves for one clinician race."""

from __future__ import annotations

import threading
from datetime import time

from sqlmodel import select

from practicerunner.core.db import session_scope
from practicerunner.scheduling import availability as av
from practicerunner.scheduling.models import ClinicianSettings, WorkingHours


def test_racing_saves_leave_exactly_one_of_the_weeks(session, people):
    carl, office = people.clinician, people.location.id
    session.close()  # SQLite: do not hold the write lock the savers need
    weeks = {
        n: [
            av.HoursInput(str(d), f"{8 + n:02d}:00", f"{12 + n:02d}:00", str(office))
            for d in (0, 2, 4)
        ]
        for n in range(8)
    }
    start = threading.Barrier(len(weeks))
    failures: list[BaseException] = []

    def save(n: int) -> None:
        try:
            start.wait()
            with session_scope() as s:
                av.save_weekly_hours(s, carl, carl.staff_id, weeks[n])
                av.set_buffer(s, carl, carl.staff_id, str(n * 5))
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=save, args=(n,)) for n in weeks]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert failures == []
    with session_scope() as s:
        rows = s.exec(select(WorkingHours).where(WorkingHours.staff_id == carl.staff_id)).all()
        saved = sorted((r.weekday, r.start_time, r.end_time) for r in rows)
        buffer = s.get(ClinicianSettings, carl.staff_id)
        assert buffer is not None and buffer.buffer_minutes % 5 == 0
    assert len(saved) == 3
    starts = {start for _, start, _ in saved}
    assert len(starts) == 1  # one week, not a mix of two
    n = next(iter(starts)).hour - 8
    assert saved == [(d, time(8 + n), time(12 + n)) for d in (0, 2, 4)]
