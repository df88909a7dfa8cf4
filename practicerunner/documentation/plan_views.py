"""The treatment plan screen's pure parts: plan content as rows to draw, and edits to a draft's
content by path.

Content here is the JSON shape of `plans.content_to_dict` (strings, lists and dicts), which is
also what the editor sends back to `plans.save_plan_draft`. Every part of it has a path in
the service's own notation (`problems[0].goals[1].target_on`), so a signing problem the
service names lands beside the field that has that path.

Edits come from the browser and anyone can send any event: a path that does not name a part
of the plan, or an index past the end, is refused (None) rather than guessed at.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from practicerunner.core.dates import short_date
from practicerunner.documentation.plans import (
    FREQUENCY_LABELS,
    MAX_GOALS,
    MAX_INTERVENTIONS,
    MAX_OBJECTIVES,
    MAX_PROBLEMS,
    SessionFrequency,
)

# What each list holds: its rows' text parts (None) and nested lists (a dict like this one).
_Shape = dict[str, "_Shape | None"]
_OBJECTIVE: _Shape = {"text": None, "target_on": None}
_GOAL: _Shape = {"text": None, "measure": None, "target_on": None, "objectives": _OBJECTIVE}
_PROBLEM: _Shape = {"text": None, "goals": _GOAL}
_INTERVENTION: _Shape = {"text": None, "frequency": None}
_PLAN: _Shape = {
    "start_on": None,
    "problems": _PROBLEM,
    "interventions": _INTERVENTION,
    "session_frequency": None,
    "session_frequency_other": None,
    "review_on": None,
}
_LIMITS = {
    "problems": MAX_PROBLEMS,
    "goals": MAX_GOALS,
    "objectives": MAX_OBJECTIVES,
    "interventions": MAX_INTERVENTIONS,
}
_SEGMENT = re.compile(r"([a-z_]+)(?:\[([0-9]{1,3})\])?")
VALUE_LIMIT = 20_000  # far above any field's own limit: the service says what is too long

FREQUENCY_CHOICES: list[tuple[str, str]] = [
    (f.value, label) for f, label in FREQUENCY_LABELS.items()
]


def day_text(iso: str) -> str:
    """'Mar 3, 2026' for '2026-03-03'; the text itself when it is not a date; '' for ''."""
    if not iso:
        return ""
    try:
        day = date.fromisoformat(iso)
    except ValueError:
        return iso
    return short_date(day)


# ---- rows to draw ---------------------------------------------------------------------------


@dataclass
class ObjectiveRow:
    path: str = ""  # the service's path: problems[0].goals[0].objectives[0]
    key: str = ""  # the same as an element id: problems-0-goals-0-objectives-0
    label: str = ""  # Objective 1.1.1
    text: str = ""
    target_on: str = ""  # yyyy-mm-dd, for a date field
    target_text: str = ""  # Mar 3, 2026, for reading


@dataclass
class GoalRow:
    path: str = ""
    key: str = ""
    label: str = ""  # Goal 1.1
    text: str = ""
    measure: str = ""
    target_on: str = ""
    target_text: str = ""
    objectives: list[ObjectiveRow] = field(default_factory=list)


@dataclass
class ProblemRow:
    path: str = ""
    key: str = ""
    label: str = ""  # Problem 1
    text: str = ""
    goals: list[GoalRow] = field(default_factory=list)


@dataclass
class InterventionRow:
    path: str = ""
    key: str = ""
    label: str = ""  # Intervention 1
    text: str = ""
    frequency: str = ""


@dataclass
class PlanDoc:
    """One version of a plan as the screen draws it (editor or reader)."""

    version: int = 0
    start_on: str = ""
    start_text: str = ""
    review_on: str = ""
    review_text: str = ""
    frequency: str = ""  # a SessionFrequency value, or ''
    frequency_other: str = ""
    frequency_text: str = ""  # Weekly; Other: twice a week in the first month
    problems: list[ProblemRow] = field(default_factory=list)
    interventions: list[InterventionRow] = field(default_factory=list)
    signed_by: str = ""  # Carl Jung, LMFT
    signed_when: str = ""  # Nov 3, 2026 at 14:05


def _key(path: str) -> str:
    return re.sub(r"[\[\].]+", "-", path).strip("-")


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _rows(value: object) -> list[dict[str, Any]]:
    return [r for r in value if isinstance(r, dict)] if isinstance(value, list) else []


def plan_doc(content: dict[str, Any], version: int = 0) -> PlanDoc:
    """CONTENT (as `content_to_dict` writes it) as rows; missing parts are empty."""
    problems = []
    for p, problem in enumerate(_rows(content.get("problems"))):
        p_path = f"problems[{p}]"
        goals = []
        for g, goal in enumerate(_rows(problem.get("goals"))):
            g_path = f"{p_path}.goals[{g}]"
            objectives = []
            for o, objective in enumerate(_rows(goal.get("objectives"))):
                o_path = f"{g_path}.objectives[{o}]"
                objectives.append(
                    ObjectiveRow(
                        path=o_path,
                        key=_key(o_path),
                        label=f"Objective {p + 1}.{g + 1}.{o + 1}",
                        text=_text(objective.get("text")),
                        target_on=_text(objective.get("target_on")),
                        target_text=day_text(_text(objective.get("target_on"))),
                    )
                )
            goals.append(
                GoalRow(
                    path=g_path,
                    key=_key(g_path),
                    label=f"Goal {p + 1}.{g + 1}",
                    text=_text(goal.get("text")),
                    measure=_text(goal.get("measure")),
                    target_on=_text(goal.get("target_on")),
                    target_text=day_text(_text(goal.get("target_on"))),
                    objectives=objectives,
                )
            )
        problems.append(
            ProblemRow(
                path=p_path,
                key=_key(p_path),
                label=f"Problem {p + 1}",
                text=_text(problem.get("text")),
                goals=goals,
            )
        )
    interventions = [
        InterventionRow(
            path=f"interventions[{i}]",
            key=f"interventions-{i}",
            label=f"Intervention {i + 1}",
            text=_text(row.get("text")),
            frequency=_text(row.get("frequency")),
        )
        for i, row in enumerate(_rows(content.get("interventions")))
    ]
    frequency = _text(content.get("session_frequency"))
    other = _text(content.get("session_frequency_other"))
    labels = {choice: label for choice, label in FREQUENCY_CHOICES}
    frequency_text = labels.get(frequency, "")
    if frequency == SessionFrequency.OTHER and other:
        frequency_text = other
    start, review = _text(content.get("start_on")), _text(content.get("review_on"))
    return PlanDoc(
        version=version,
        start_on=start,
        start_text=day_text(start),
        review_on=review,
        review_text=day_text(review),
        frequency=frequency,
        frequency_other=other,
        frequency_text=frequency_text,
        problems=problems,
        interventions=interventions,
    )


# ---- edits by path --------------------------------------------------------------------------


def _parse(path: str) -> list[tuple[str, int | None]] | None:
    parts = []
    for segment in path.split("."):
        match = _SEGMENT.fullmatch(segment)
        if match is None:
            return None
        parts.append((match.group(1), int(match.group(2)) if match.group(2) else None))
    return parts or None


def _walk(
    content: dict[str, Any], parts: list[tuple[str, int | None]]
) -> tuple[dict[str, Any], _Shape, str, int | None] | None:
    """The dict holding the last part, its shape, and the last part's name and index; every
    part before the last must name a row of a list that exists."""
    node, shape = content, _PLAN
    for name, index in parts[:-1]:
        inner = shape.get(name)
        if not isinstance(inner, dict) or index is None:
            return None
        rows = node.get(name)
        if not isinstance(rows, list) or not 0 <= index < len(rows):
            return None
        row = rows[index]
        if not isinstance(row, dict):
            return None
        node, shape = row, inner
    name, index = parts[-1]
    if name not in shape:
        return None
    return node, shape, name, index


def set_value(content: dict[str, Any], path: str, value: str) -> dict[str, Any] | None:
    """CONTENT with the text or date at PATH set to VALUE; None when PATH names no such part."""
    parts = _parse(path)
    if parts is None:
        return None
    changed = copy.deepcopy(content)
    found = _walk(changed, parts)
    if found is None:
        return None
    node, shape, name, index = found
    if index is not None or shape[name] is not None:
        return None  # a list or a row: only text parts take a value
    node[name] = value[:VALUE_LIMIT]
    return changed


def _blank(shape: _Shape) -> dict[str, Any]:
    """A new row: a problem comes with its first goal, ready to fill in."""
    if shape is _PROBLEM:
        return {"text": "", "goals": [_blank(_GOAL)]}
    return {name: ([] if isinstance(inner, dict) else "") for name, inner in shape.items()}


def add_row(content: dict[str, Any], list_path: str) -> dict[str, Any] | None:
    """CONTENT with an empty row at the end of the list at LIST_PATH; None when there is no
    such list or it is full."""
    parts = _parse(list_path)
    if parts is None or parts[-1][1] is not None:
        return None
    changed = copy.deepcopy(content)
    found = _walk(changed, parts)
    if found is None:
        return None
    node, shape, name, _ = found
    inner = shape[name]
    if not isinstance(inner, dict):
        return None
    rows = node.get(name)
    if not isinstance(rows, list):
        rows = []
    if len(rows) >= _LIMITS[name]:
        return None
    node[name] = [*rows, _blank(inner)]
    return changed


def last_row_field_id(content: dict[str, Any], list_path: str) -> str | None:
    """The element id of the text field of the last row in the list at LIST_PATH (where a
    row just added wants the focus); None when there is no such row."""
    parts = _parse(list_path)
    found = _walk(content, parts) if parts is not None else None
    if found is None:
        return None
    node, _shape, name, _ = found
    rows = node.get(name)
    if not isinstance(rows, list) or not rows:
        return None
    return _key(f"{list_path}[{len(rows) - 1}]") + "-text"


def remove_row(content: dict[str, Any], row_path: str) -> dict[str, Any] | None:
    """CONTENT without the row at ROW_PATH; None when there is no such row."""
    parts = _parse(row_path)
    if parts is None or parts[-1][1] is None:
        return None
    changed = copy.deepcopy(content)
    found = _walk(changed, parts)
    if found is None:
        return None
    node, shape, name, index = found
    rows = node.get(name)
    if not isinstance(shape[name], dict) or not isinstance(rows, list) or index is None:
        return None
    if not 0 <= index < len(rows):
        return None
    node[name] = rows[:index] + rows[index + 1 :]
    return changed


def with_first_rows(content: dict[str, Any]) -> dict[str, Any]:
    """A new plan's content with one empty problem (and goal) and intervention to fill in."""
    changed = copy.deepcopy(content)
    if not _rows(changed.get("problems")):
        changed["problems"] = [_blank(_PROBLEM)]
    if not _rows(changed.get("interventions")):
        changed["interventions"] = [_blank(_INTERVENTION)]
    return changed
