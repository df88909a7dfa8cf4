"""The treatment plan screen's pure parts: content drawn as rows with the service's paths, and
edits by path that refuse anything not naming a part of the plan."""

from __future__ import annotations

from typing import Any

import pytest

from practicerunner.documentation.plan_views import (
    add_row,
    day_text,
    last_row_field_id,
    plan_doc,
    remove_row,
    set_value,
    with_first_rows,
)
from practicerunner.documentation.plans import (
    MAX_INTERVENTIONS,
    content_from_dict,
    content_to_dict,
)


def _content() -> dict[str, Any]:
    return {
        "start_on": "2026-12-01",
        "problems": [
            {
                "text": "Low mood",
                "goals": [
                    {
                        "text": "Mood improves",
                        "measure": "PHQ-9 below 10",
                        "target_on": "2027-03-01",
                        "objectives": [{"text": "Walks daily", "target_on": "2027-01-15"}],
                    }
                ],
            }
        ],
        "interventions": [{"text": "CBT", "frequency": "weekly"}],
        "session_frequency": "other",
        "session_frequency_other": "twice a week in January",
        "review_on": "2027-03-01",
    }


def test_it_draws_content_with_paths_keys_labels_and_dates_in_words() -> None:
    doc = plan_doc(_content(), version=2)
    objective = doc.problems[0].goals[0].objectives[0]
    assert (objective.path, objective.key, objective.label) == (
        "problems[0].goals[0].objectives[0]",
        "problems-0-goals-0-objectives-0",
        "Objective 1.1.1",
    )
    assert (objective.target_on, objective.target_text) == ("2027-01-15", "Jan 15, 2027")
    goal = doc.problems[0].goals[0]
    assert (goal.label, goal.measure, goal.target_text) == (
        "Goal 1.1",
        "PHQ-9 below 10",
        "Mar 1, 2027",
    )
    assert doc.interventions[0].path == "interventions[0]"
    assert doc.frequency_text == "twice a week in January"
    assert (doc.version, doc.start_text, doc.review_text) == (2, "Dec 1, 2026", "Mar 1, 2027")


def test_an_empty_or_odd_content_draws_as_empty() -> None:
    doc = plan_doc({"problems": "nope", "interventions": [3], "session_frequency": "weekly"})
    assert doc.problems == [] and doc.interventions == []
    assert doc.frequency_text == "Weekly"
    assert day_text("") == "" and day_text("2026-02-30") == "2026-02-30"


def test_edits_by_path_change_a_copy_and_stay_in_the_services_shape() -> None:
    content = _content()
    changed = set_value(content, "problems[0].goals[0].objectives[0].text", "Walks 20 minutes")
    assert changed is not None
    assert changed["problems"][0]["goals"][0]["objectives"][0]["text"] == "Walks 20 minutes"
    assert content["problems"][0]["goals"][0]["objectives"][0]["text"] == "Walks daily"
    changed = add_row(changed, "problems")
    assert changed is not None and len(changed["problems"]) == 2
    # A new problem comes with its first goal.
    assert changed["problems"][1] == {
        "text": "",
        "goals": [{"text": "", "measure": "", "target_on": "", "objectives": []}],
    }
    changed = add_row(changed, "problems[1].goals[0].objectives")
    assert changed is not None
    changed = remove_row(changed, "problems[0]")
    assert changed is not None and changed["problems"][0]["goals"][0]["objectives"] == [
        {"text": "", "target_on": ""}
    ]
    # Whatever the editor made, the service reads it (drafts may be incomplete).
    assert content_to_dict(content_from_dict(changed))["problems"] == changed["problems"]


@pytest.mark.parametrize(
    "path",
    [
        "",
        "problems",  # a list takes no value
        "problems[0]",  # nor a row
        "problems[1].text",  # no second problem
        "problems[0].goals[0].objectives[0].measure",  # objectives have no measure
        "notes",
        "problems[0].text.more",
        "problems[-1].text",
        "__class__",
    ],
)
def test_a_path_naming_no_text_part_is_refused(path: str) -> None:
    assert set_value(_content(), path, "x") is None


def test_rows_are_added_and_removed_only_where_they_exist_and_fit() -> None:
    content = _content()
    assert add_row(content, "problems[0]") is None
    assert add_row(content, "problems[3].goals") is None
    assert add_row(content, "start_on") is None
    assert remove_row(content, "problems") is None
    assert remove_row(content, "interventions[1]") is None
    assert remove_row(content, "problems[0].text") is None
    full = dict(content, interventions=[{"text": "", "frequency": ""}] * MAX_INTERVENTIONS)
    assert add_row(full, "interventions") is None


def test_a_new_plan_gets_one_problem_and_intervention_to_fill_in() -> None:
    started = with_first_rows({"start_on": "2026-12-01", "problems": [], "interventions": []})
    assert len(started["problems"]) == 1 and len(started["problems"][0]["goals"]) == 1
    assert started["interventions"] == [{"text": "", "frequency": ""}]
    assert with_first_rows(_content()) == _content()


def test_a_row_just_added_names_its_text_field_for_the_focus() -> None:
    content = with_first_rows({})
    added = add_row(content, "problems[0].goals[0].objectives")
    assert added is not None
    assert last_row_field_id(added, "problems[0].goals[0].objectives") == (
        "problems-0-goals-0-objectives-0-text"
    )
    again = add_row(added, "problems")
    assert again is not None
    assert last_row_field_id(again, "problems") == "problems-1-text"
    assert last_row_field_id(again, "interventions") == "interventions-0-text"
    assert last_row_field_id(again, "problems[7].goals") is None
    assert last_row_field_id(again, "no_such_list") is None
