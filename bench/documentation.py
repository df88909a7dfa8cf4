"""The documentation part of `make bench`: a clinician with 10,000 notes, and diagnosis search.

`generate_notes` writes 10,000 notes for one clinician of the generated practice (spread over
their cases; nine in ten signed with their signed version, the rest drafts), each with the DAP
template's snapshot and about a kilobyte of answers, through the same bulk insert the app
uses. `plan_calls` then times, each in its own session as a page event runs it:

- `note_list`: the clinician's note list, first page and later pages (`notes.list_notes`);
- `note_open`: opening one of their notes (`notes.read_note`, audit entry included);
- `icd_search`: ICD-10-CM search by code or words (`icd10.search`, index built beforehand).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, text
from sqlmodel import Session, select

from practicerunner.core.db import bulk_insert, new_ids
from practicerunner.core.permissions import Actor
from practicerunner.documentation import icd10, notes
from practicerunner.documentation import templates as tpl
from practicerunner.documentation.models import ClinicalNote, NoteVersion
from practicerunner.practice.models import Staff

NOTES = 10_000
TARGETS_P95_MS = {"note_list": 50.0, "note_open": 50.0, "icd_search": 20.0}
LABELS = {
    "note_list": "Note list, 10,000 notes",
    "note_open": "Open a note",
    "icd_search": "ICD-10-CM search",
}
_WORDS = [
    "reported",
    "improved",
    "sleep",
    "and",
    "fewer",
    "intrusive",
    "thoughts",
    "this",
    "week;",
    "practiced",
    "the",
    "breathing",
    "exercise",
    "daily;",
    "discussed",
    "conflict",
    "at",
    "work",
    "and",
    "identified",
    "two",
    "triggers;",
    "mood",
    "brighter,",
    "affect",
    "congruent;",
    "continues",
    "to",
    "use",
    "the",
    "thought",
    "record",
    "between",
    "sessions",
]


def generate_notes(
    engine: Engine, clinician_id: int, case_ids: list[int], seed: int = 11, count: int = NOTES
) -> list[int]:
    """COUNT notes by CLINICIAN_ID over CASE_IDS; their ids."""
    rng = random.Random(seed)
    template = json.dumps(tpl.template_to_dict(tpl.BUILT_IN["dap"]))
    start = datetime(2021, 1, 4, 17, 0, tzinfo=UTC)
    with Session(engine) as session:
        staff = session.get(Staff, clinician_id)
        assert staff is not None
        ids = new_ids(session, "clinical_note", count)
        note_rows: list[dict[str, Any]] = []
        version_rows: list[dict[str, Any]] = []
        for i, note_id in enumerate(ids):
            when = start + timedelta(hours=4 * i)
            answers = json.dumps(
                {
                    "data": " ".join(rng.choices(_WORDS, k=60)),
                    "assessment": " ".join(rng.choices(_WORDS, k=40)),
                    "plan": " ".join(rng.choices(_WORDS, k=30)),
                    "distress_rating": rng.randint(0, 10),
                }
            )
            signed = rng.random() < 0.9
            note_rows.append(
                {
                    "id": note_id,
                    "case_id": rng.choice(case_ids),
                    "appointment_id": None,
                    "author_id": clinician_id,
                    "kind": "progress",
                    "template_key": "dap",
                    "template_json": template,
                    "session_json": json.dumps({"date": when.date().isoformat()}),
                    "answers_json": answers,
                    "revision": 3,
                    "status": "complete" if signed else "draft",
                    "round": 1,
                    "reviewer_id": None,
                    "reviewer_why": "",
                    "completed_at": when if signed else None,
                    "created_at": when,
                    "updated_at": when,
                }
            )
            if signed:
                version_rows.append(
                    {
                        "note_id": note_id,
                        "round": 1,
                        "role": "author",
                        "answers_json": answers,
                        "comment": "",
                        "signed_by_id": clinician_id,
                        "signed_name": staff.full_name,
                        "signed_credentials": staff.credentials,
                        "signed_at": when,
                    }
                )
        bulk_insert(session, ClinicalNote.__table__, note_rows)  # type: ignore[attr-defined]
        bulk_insert(session, NoteVersion.__table__, version_rows)  # type: ignore[attr-defined]
        session.commit()
    # As autovacuum would after a load this size: the planner needs the new row counts to
    # walk the (author, id) index instead of sorting every note of the clinician.
    analyze = "VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(analyze))
    return ids


def plan_calls(
    engine: Engine, clinician: Actor, note_ids: list[int], samples: int, seed: int = 5
) -> dict[str, list[Callable[[Session], Any]]]:
    """The timed calls: note list pages, opening notes, diagnosis searches."""
    rng = random.Random(seed)
    icd10.preload()  # a worker builds the index at start-up; the first search would pay it
    with Session(engine) as session:
        ordered = sorted(session.exec(select(ClinicalNote.id)).all())
    queries = icd10.bench_queries()

    def page(before: int | None) -> Callable[[Session], Any]:
        return lambda s: notes.list_notes(s, clinician, before_id=before)

    def open_note(note_id: int) -> Callable[[Session], Any]:
        return lambda s: notes.read_note(s, clinician, note_id)

    def search(query: str) -> Callable[[Session], Any]:
        return lambda _s: icd10.search(query)

    plan: dict[str, list[Callable[[Session], Any]]] = {
        "note_list": [],
        "note_open": [],
        "icd_search": [],
    }
    for i in range(samples):
        # Half the loads are the first page; the rest page back through older notes.
        before = None if i % 2 == 0 else int(rng.choice(ordered))
        plan["note_list"].append(page(before))
        plan["note_open"].append(open_note(rng.choice(note_ids)))
        plan["icd_search"].append(search(queries[i % len(queries)]))
    return plan
