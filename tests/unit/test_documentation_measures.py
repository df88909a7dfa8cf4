"""Standardized measures: PHQ-9, GAD-7 and PCL-5 scored by their published rules."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from practicerunner.core.errors import DomainError, ValidationFailed
from practicerunner.documentation.measures import (
    INSTRUMENTS,
    PCL5_CUTOFF,
    Instrument,
    MeasureInputError,
    get_instrument,
    score,
)


def answers_totalling(instrument_id: str, total: int) -> list[int]:
    """Answers in item order that add up to TOTAL, filling the earliest items first.

    PHQ-9 item 9 is the last to fill, so totals below 27 keep the safety item at 0.
    """
    instrument = INSTRUMENTS[instrument_id]
    answers = []
    left = total
    for _ in instrument.items:
        answers.append(min(left, instrument.max_answer))
        left -= answers[-1]
    assert left == 0, "total out of range"
    return answers


def pcl5(**ratings: int) -> list[int]:
    """PCL-5 answers, all 0 except the items named like item_3=2."""
    answers = [0] * 20
    for name, value in ratings.items():
        answers[int(name.removeprefix("item_")) - 1] = value
    return answers


def errors_of(instrument_id: object, answers: object, **kwargs: object) -> dict[str, str]:
    """The field messages score() refuses with."""
    with pytest.raises(MeasureInputError) as caught:
        score(instrument_id, answers, **kwargs)  # type: ignore[arg-type]
    return caught.value.errors


# --- the instruments as printed ----------------------------------------------------------


def test_it_holds_the_three_instruments_with_their_item_counts_and_scales():
    assert {i: (len(m.items), m.max_answer, m.max_total) for i, m in INSTRUMENTS.items()} == {
        "phq9": (9, 3, 27),
        "gad7": (7, 3, 21),
        "pcl5": (20, 4, 80),
    }
    for instrument in INSTRUMENTS.values():
        assert [item.number for item in instrument.items] == list(
            range(1, len(instrument.items) + 1)
        )
        assert all(item.text.strip() for item in instrument.items)


@pytest.mark.parametrize(
    ("instrument_id", "title", "stem_start", "labels"),
    [
        (
            "phq9",
            "PHQ-9",
            "Over the last 2 weeks, how often have you been bothered by",
            ["Not at all", "Several days", "More than half the days", "Nearly every day"],
        ),
        (
            "gad7",
            "GAD-7",
            "Over the last 2 weeks, how often have you been bothered by",
            ["Not at all", "Several days", "More than half the days", "Nearly every day"],
        ),
        (
            "pcl5",
            "PCL-5",
            "In the past month, how much were you bothered by",
            ["Not at all", "A little bit", "Moderately", "Quite a bit", "Extremely"],
        ),
    ],
)
def test_it_prints_each_stem_and_answer_scale(instrument_id, title, stem_start, labels):
    instrument = get_instrument(instrument_id)
    assert instrument.title == title
    assert instrument.stem.startswith(stem_start)
    assert [(o.value, o.label) for o in instrument.scale] == list(enumerate(labels))


def test_it_words_phq9_item_9_as_the_published_safety_question():
    assert get_instrument("phq9").items[8].text == (
        "Thoughts that you would be better off dead or of hurting yourself in some way"
    )


@pytest.mark.parametrize(
    ("instrument_id", "has_difficulty"), [("phq9", True), ("gad7", True), ("pcl5", False)]
)
def test_it_asks_the_difficulty_question_only_after_phq9_and_gad7(instrument_id, has_difficulty):
    question = get_instrument(instrument_id).difficulty
    assert (question is not None) is has_difficulty
    if question is not None:
        assert [o.label for o in question.options] == [
            "Not difficult at all",
            "Somewhat difficult",
            "Very difficult",
            "Extremely difficult",
        ]


def test_it_groups_pcl5_items_into_the_dsm5_clusters():
    clusters = get_instrument("pcl5").clusters
    assert [(c.letter, list(c.item_numbers), c.required) for c in clusters] == [
        ("B", [1, 2, 3, 4, 5], 1),
        ("C", [6, 7], 1),
        ("D", [8, 9, 10, 11, 12, 13, 14], 2),
        ("E", [15, 16, 17, 18, 19, 20], 2),
    ]


# --- severity bands at every boundary ---------------------------------------------------


@pytest.mark.parametrize(
    ("total", "severity", "range_text"),
    [
        (0, "Minimal", "0–4"),
        (4, "Minimal", "0–4"),
        (5, "Mild", "5–9"),
        (9, "Mild", "5–9"),
        (10, "Moderate", "10–14"),
        (14, "Moderate", "10–14"),
        (15, "Moderately severe", "15–19"),
        (19, "Moderately severe", "15–19"),
        (20, "Severe", "20–27"),
        (27, "Severe", "20–27"),
    ],
)
def test_it_bands_phq9_totals(total, severity, range_text):
    result = score("phq9", answers_totalling("phq9", total))
    assert (result.total, result.severity, result.band.range_text) == (total, severity, range_text)
    assert result.max_total == 27


@pytest.mark.parametrize(
    ("total", "severity", "range_text"),
    [
        (0, "Minimal", "0–4"),
        (4, "Minimal", "0–4"),
        (5, "Mild", "5–9"),
        (9, "Mild", "5–9"),
        (10, "Moderate", "10–14"),
        (14, "Moderate", "10–14"),
        (15, "Severe", "15–21"),
        (21, "Severe", "15–21"),
    ],
)
def test_it_bands_gad7_totals(total, severity, range_text):
    result = score("gad7", answers_totalling("gad7", total))
    assert (result.total, result.severity, result.band.range_text) == (total, severity, range_text)
    assert result.max_total == 21


@pytest.mark.parametrize(
    ("total", "severity", "probable"),
    [
        (0, "Below cut-point", False),
        (32, "Below cut-point", False),
        (33, "Probable PTSD", True),
        (80, "Probable PTSD", True),
    ],
)
def test_it_puts_the_pcl5_cut_point_at_33(total, severity, probable):
    result = score("pcl5", answers_totalling("pcl5", total))
    assert (result.total, result.severity, result.probable_ptsd) == (total, severity, probable)
    assert result.band.low == 0 or result.band.low == PCL5_CUTOFF == 33
    assert result.max_total == 80


@pytest.mark.parametrize("instrument_id", ["phq9", "gad7"])
def test_it_leaves_the_pcl5_fields_empty_for_other_measures(instrument_id):
    result = score(instrument_id, answers_totalling(instrument_id, 20))
    assert result.probable_ptsd is None
    assert result.provisional_dsm5_diagnosis is None
    assert result.clusters == ()


# --- PCL-5 DSM-5 cluster criteria ------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "diagnosis", "met"),
    [
        # Nothing endorsed.
        (pcl5(), False, "----"),
        # The least that meets DSM-5: B1, C1, D2, E2 each rated "Moderately" (total 12).
        (pcl5(item_1=2, item_6=2, item_8=2, item_9=2, item_15=2, item_16=2), True, "BCDE"),
        # Each cluster one item short in turn.
        (pcl5(item_6=2, item_8=2, item_9=2, item_15=2, item_16=2), False, "-CDE"),
        (pcl5(item_1=2, item_8=2, item_9=2, item_15=2, item_16=2), False, "B-DE"),
        (pcl5(item_1=2, item_6=2, item_8=2, item_15=2, item_16=2), False, "BC-E"),
        (pcl5(item_1=2, item_6=2, item_8=2, item_9=2, item_15=2), False, "BCD-"),
        # "A little bit" is not a symptom, however many items carry it (total 20).
        ([1] * 20, False, "----"),
        # The last item of each cluster counts, and "Extremely" counts.
        (pcl5(item_5=4, item_7=3, item_13=2, item_14=4, item_19=3, item_20=2), True, "BCDE"),
        # Items on a cluster's edge belong to the right cluster: 5 is B, not C; 14 is D, not E.
        (pcl5(item_5=2, item_8=2, item_14=2, item_15=2), False, "B-D-"),
    ],
)
def test_it_applies_the_dsm5_cluster_rule(answers, diagnosis, met):
    result = score("pcl5", answers)
    assert result.provisional_dsm5_diagnosis is diagnosis
    assert "".join(c.letter if c.met else "-" for c in result.clusters) == met


def test_it_can_meet_the_cluster_rule_below_the_cut_point_and_miss_it_above():
    # given the minimal DSM-5 pattern (total 12), and every item maxed except avoidance
    minimal = pcl5(item_1=2, item_6=2, item_8=2, item_9=2, item_15=2, item_16=2)
    no_avoidance = [4] * 5 + [0, 0] + [4] * 13

    # when / then: the two flags are independent readings
    low, high = score("pcl5", minimal), score("pcl5", no_avoidance)
    assert (low.total, low.probable_ptsd, low.provisional_dsm5_diagnosis) == (12, False, True)
    assert (high.total, high.probable_ptsd, high.provisional_dsm5_diagnosis) == (72, True, False)


def test_it_subtotals_each_pcl5_cluster():
    b, c, d, e = [0, 1, 2, 3, 4], [4, 3], [0, 0, 1, 1, 2, 2, 3], [1, 1, 1, 1, 1, 0]
    answers = [*b, *c, *d, *e]
    result = score("pcl5", answers)
    assert {c.letter: (c.subtotal, c.endorsed) for c in result.clusters} == {
        "B": (10, 3),
        "C": (7, 2),
        "D": (9, 3),
        "E": (5, 0),
    }
    assert [result.cluster_subtotal(letter) for letter in "BCDE"] == [10, 7, 9, 5]
    assert result.total == 31


# --- PHQ-9 item 9 --------------------------------------------------------------------------


def test_it_raises_no_safety_flag_when_item_9_is_zero():
    result = score("phq9", [3, 3, 3, 3, 3, 3, 3, 3, 0])
    assert (result.safety_flag, result.safety_message) == (False, None)
    assert result.severity == "Severe"


@pytest.mark.parametrize(
    ("answer", "label"),
    [(1, "Several days"), (2, "More than half the days"), (3, "Nearly every day")],
)
def test_it_flags_any_answer_above_zero_on_item_9_whatever_the_total(answer, label):
    result = score("phq9", [0] * 8 + [answer])
    assert result.safety_flag is True
    assert result.safety_message == f"Item 9 answered '{label}': review suicide risk today."
    # A low total does not hide the flag.
    assert result.severity == "Minimal"


@pytest.mark.parametrize("instrument_id", ["gad7", "pcl5"])
def test_it_never_raises_the_phq9_safety_flag_on_other_measures(instrument_id):
    instrument = get_instrument(instrument_id)
    result = score(instrument_id, [instrument.max_answer] * len(instrument.items))
    assert (result.safety_flag, result.safety_message) == (False, None)


# --- answers in either shape, and the unscored difficulty question ------------------------


def test_it_scores_a_mapping_by_item_number_like_a_list_in_item_order():
    as_list = [0, 1, 2, 3, 0, 1, 2, 3, 0]
    as_mapping = {number: value for number, value in reversed(list(enumerate(as_list, 1)))}
    assert score("phq9", as_mapping) == score("phq9", as_list)
    assert score("phq9", as_mapping).answers == tuple(as_list)


@pytest.mark.parametrize(
    ("instrument_id", "difficulty", "label"),
    [
        ("phq9", 0, "Not difficult at all"),
        ("phq9", 3, "Extremely difficult"),
        ("gad7", 1, "Somewhat difficult"),
        ("gad7", 2, "Very difficult"),
    ],
)
def test_it_records_the_difficulty_answer_without_scoring_it(instrument_id, difficulty, label):
    answers = answers_totalling(instrument_id, 7)
    result = score(instrument_id, answers, difficulty=difficulty)
    assert (result.difficulty, result.difficulty_label) == (difficulty, label)
    assert result.total == 7
    assert score(instrument_id, answers).difficulty is None


# --- bad input: every field named, nothing returned --------------------------------------


@pytest.mark.parametrize("instrument_id", ["phq-9", "PHQ9", "", "bdi2", None, 9])
def test_it_refuses_an_unknown_instrument(instrument_id):
    assert errors_of(instrument_id, [0] * 9) == {
        "instrument": "Choose a measure: PHQ-9, GAD-7 or PCL-5."
    }


@pytest.mark.parametrize(
    ("instrument_id", "answers", "expected"),
    [
        # missing items
        ("phq9", [0] * 8, {"item_9": "Answer item 9."}),
        ("gad7", {1: 0, 2: 0, 4: 0, 5: 0, 6: 0, 7: 0}, {"item_3": "Answer item 3."}),
        ("pcl5", [], {f"item_{n}": f"Answer item {n}." for n in range(1, 21)}),
        # extra items
        ("phq9", [0] * 10, {"item_10": "PHQ-9 has items 1 to 9; remove item 10."}),
        (
            "gad7",
            {**dict.fromkeys(range(1, 8), 0), 8: 0},
            {"item_8": "GAD-7 has items 1 to 7; remove item 8."},
        ),
        (
            "gad7",
            {**dict.fromkeys(range(1, 8), 0), 0: 1},
            {"item_0": "GAD-7 has items 1 to 7; remove item 0."},
        ),
        # not a whole number
        (
            "phq9",
            [0, 0, "2", 0, 0, 0, 0, 0, 0],
            {"item_3": "Answer item 3 with a number from 0 to 3."},
        ),
        (
            "phq9",
            [0, 0, 2.0, 0, 0, 0, 0, 0, 0],
            {"item_3": "Answer item 3 with a number from 0 to 3."},
        ),
        ("gad7", [None] + [0] * 6, {"item_1": "Answer item 1 with a number from 0 to 3."}),
        # a bool is not an answer, though Python counts it as an int
        ("gad7", [0] * 6 + [True], {"item_7": "Answer item 7 with a number from 0 to 3."}),
        ("pcl5", [False] + [0] * 19, {"item_1": "Answer item 1 with a number from 0 to 4."}),
        # out of range
        ("phq9", [0] * 8 + [4], {"item_9": "Answer item 9 with a number from 0 to 3."}),
        ("phq9", [-1] + [0] * 8, {"item_1": "Answer item 1 with a number from 0 to 3."}),
        ("pcl5", [0] * 19 + [5], {"item_20": "Answer item 20 with a number from 0 to 4."}),
    ],
)
def test_it_refuses_bad_answers_by_item(instrument_id, answers, expected):
    assert errors_of(instrument_id, answers) == expected


def test_it_names_every_bad_item_at_once():
    assert errors_of("gad7", {1: 0, 2: 9, 3: "x", 5: True, 6: 0, 7: 0, 12: 0}) == {
        "item_2": "Answer item 2 with a number from 0 to 3.",
        "item_3": "Answer item 3 with a number from 0 to 3.",
        "item_4": "Answer item 4.",
        "item_5": "Answer item 5 with a number from 0 to 3.",
        "item_12": "GAD-7 has items 1 to 7; remove item 12.",
    }


@pytest.mark.parametrize("answers", ["000000000", b"\0" * 9, 12, None, {0, 1, 2}])
def test_it_refuses_answers_that_are_not_a_list_or_mapping(answers):
    assert errors_of("phq9", answers) == {
        "answers": "Give the answers as a list in item order or by item number."
    }


@pytest.mark.parametrize("key", ["1", 1.0, True, None])
def test_it_refuses_mapping_keys_that_are_not_item_numbers(key):
    answers: dict[object, int] = dict.fromkeys(range(2, 10), 0)
    answers[key] = 0
    errors = errors_of("phq9", answers)
    assert errors["answers"] == "Number the answers by item, 1 to 9."
    # item 1 was not given by its number, so it is still missing
    assert errors["item_1"] == "Answer item 1."


@pytest.mark.parametrize(
    ("instrument_id", "difficulty", "message"),
    [
        ("phq9", 4, "Answer the difficulty question with a number from 0 to 3."),
        ("gad7", -1, "Answer the difficulty question with a number from 0 to 3."),
        ("gad7", "1", "Answer the difficulty question with a number from 0 to 3."),
        ("phq9", True, "Answer the difficulty question with a number from 0 to 3."),
        ("pcl5", 0, "PCL-5 has no difficulty question."),
    ],
)
def test_it_refuses_a_bad_difficulty_answer(instrument_id, difficulty, message):
    answers = answers_totalling(instrument_id, 0)
    assert errors_of(instrument_id, answers, difficulty=difficulty) == {"difficulty": message}


def test_it_raises_a_domain_validation_error_the_edge_already_translates():
    with pytest.raises(MeasureInputError) as caught:
        score("phq9", [0] * 8)
    error = caught.value
    assert isinstance(error, ValidationFailed)
    assert isinstance(error, DomainError)
    assert (error.code, error.field, error.message) == ("invalid", "item_9", "Answer item 9.")


# --- properties ------------------------------------------------------------------------


@st.composite
def valid_administrations(draw: st.DrawFn) -> tuple[Instrument, list[int]]:
    instrument = draw(st.sampled_from(list(INSTRUMENTS.values())))
    answer = st.integers(min_value=0, max_value=instrument.max_answer)
    count = len(instrument.items)
    return instrument, draw(st.lists(answer, min_size=count, max_size=count))


@given(valid_administrations())
def test_it_totals_valid_answers_and_bands_the_total(administration):
    instrument, answers = administration
    result = score(instrument.id, answers)
    assert result.total == sum(answers)
    assert result.answers == tuple(answers)
    assert result.band.contains(result.total)
    assert result.band in instrument.bands
    if instrument.id == "pcl5":
        assert sum(c.subtotal for c in result.clusters) == result.total
        assert result.probable_ptsd is (result.total >= PCL5_CUTOFF)
        endorsed = [a >= 2 for a in answers]
        expected = (
            sum(endorsed[0:5]) >= 1
            and sum(endorsed[5:7]) >= 1
            and sum(endorsed[7:14]) >= 2
            and sum(endorsed[14:20]) >= 2
        )
        assert result.provisional_dsm5_diagnosis is expected
    if instrument.id == "phq9":
        assert result.safety_flag is (answers[8] > 0)


@given(st.sampled_from(sorted(INSTRUMENTS)), st.data())
def test_it_bands_every_possible_total_exactly_once(instrument_id, data):
    instrument = INSTRUMENTS[instrument_id]
    total = data.draw(st.integers(min_value=0, max_value=instrument.max_total))
    assert sum(band.contains(total) for band in instrument.bands) == 1
    assert score(instrument_id, answers_totalling(instrument_id, total)).total == total


@pytest.mark.parametrize("instrument_id", sorted(INSTRUMENTS))
def test_it_partitions_each_instruments_whole_range_without_gap_or_overlap(instrument_id):
    instrument = INSTRUMENTS[instrument_id]
    bands = instrument.bands
    assert bands[0].low == 0
    assert bands[-1].high == instrument.max_total
    assert all(band.low <= band.high for band in bands)
    for lower, upper in pairwise(bands):
        assert upper.low == lower.high + 1
    covered = [total for band in bands for total in range(band.low, band.high + 1)]
    assert covered == list(range(instrument.max_total + 1))


@given(valid_administrations(), st.data())
def test_it_refuses_any_one_out_of_range_answer_and_returns_nothing(administration, data):
    instrument, answers = administration
    position = data.draw(st.integers(min_value=0, max_value=len(answers) - 1))
    answers[position] = data.draw(
        st.one_of(
            st.integers(max_value=-1),
            st.integers(min_value=instrument.max_answer + 1),
            st.booleans(),
            st.floats(allow_nan=False),
            st.text(max_size=2),
        )
    )
    assert errors_of(instrument.id, answers) == {
        f"item_{position + 1}": (
            f"Answer item {position + 1} with a number from 0 to {instrument.max_answer}."
        )
    }
