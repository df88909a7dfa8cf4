"""Standardized measures: PHQ-9, GAD-7 and PCL-5 as data, and their published scoring rules.

Pure: no database, no logging. `score()` validates every answer first and either returns a
complete `Score` or raises `MeasureInputError` with one message per bad field; nothing partial.

The instruments are public domain: PHQ-9 and GAD-7 (Spitzer, Williams, Kroenke et al., Pfizer,
no permission required to reproduce) and PCL-5 (Weathers et al., National Center for PTSD).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import TypeGuard

from practicerunner.core.errors import ValidationFailed

# The National Center for PTSD gives 31-33 as the provisional "probable PTSD" cut-point range
# for the PCL-5 (Bovin et al. 2016) and has named 33 a reasonable value until a cut-point is
# validated for the population at hand; hence 33 as the default, not a diagnosis.
PCL5_CUTOFF = 33

# DSM-5 scoring of the PCL-5 counts an item as a symptom when rated 2 ("Moderately") or more.
PCL5_SYMPTOM_RATING = 2

PHQ9_SAFETY_ITEM = 9


class MeasureInputError(ValidationFailed):
    """Answers to a measure are unusable; `errors` maps a field ("item_3", …) to a message."""


@dataclass(frozen=True)
class ScaleOption:
    """One answer on an instrument's scale: the number scored and the words shown."""

    value: int
    label: str


@dataclass(frozen=True)
class Item:
    """One question, numbered from 1 as printed on the form."""

    number: int
    text: str


@dataclass(frozen=True)
class Band:
    """A severity band: totals LOW to HIGH inclusive, named LABEL."""

    low: int
    high: int
    label: str

    def contains(self, total: int) -> bool:
        """Whether TOTAL falls inside this band."""
        return self.low <= total <= self.high

    @property
    def range_text(self) -> str:
        """The band's range as printed, e.g. "5–9"."""
        return f"{self.low}–{self.high}"


@dataclass(frozen=True)
class Cluster:
    """A DSM-5 symptom cluster of the PCL-5: its items and how many must be endorsed."""

    letter: str
    title: str
    first_item: int
    last_item: int
    required: int

    @property
    def item_numbers(self) -> range:
        """The item numbers in this cluster."""
        return range(self.first_item, self.last_item + 1)


@dataclass(frozen=True)
class DifficultyQuestion:
    """The unscored functional question after PHQ-9 and GAD-7: recorded, never added in."""

    text: str
    options: tuple[ScaleOption, ...]


@dataclass(frozen=True)
class Instrument:
    """A measure as printed: stem, items, answer scale and severity bands."""

    id: str
    title: str
    stem: str
    items: tuple[Item, ...]
    scale: tuple[ScaleOption, ...]
    bands: tuple[Band, ...]
    difficulty: DifficultyQuestion | None = None
    clusters: tuple[Cluster, ...] = ()

    @property
    def max_answer(self) -> int:
        """The highest number on the answer scale."""
        return self.scale[-1].value

    @property
    def max_total(self) -> int:
        """The highest possible total."""
        return self.max_answer * len(self.items)

    def label_for(self, value: int) -> str:
        """The scale's words for answer VALUE."""
        return _label(self.scale, value)

    def band_for(self, total: int) -> Band:
        """The severity band holding TOTAL."""
        for band in self.bands:
            if band.contains(total):
                return band
        raise ValueError(f"{self.title} total {total} is outside 0–{self.max_total}.")


@dataclass(frozen=True)
class ClusterResult:
    """One PCL-5 cluster's subtotal, count of items rated 2 or more, and whether it is met."""

    letter: str
    title: str
    subtotal: int
    endorsed: int
    required: int

    @property
    def met(self) -> bool:
        """Whether enough items in the cluster were rated 2 or more."""
        return self.endorsed >= self.required


@dataclass(frozen=True)
class Score:
    """A scored administration. Fields that do not apply to the instrument are None or empty."""

    instrument_id: str
    answers: tuple[int, ...]
    total: int
    max_total: int
    band: Band
    safety_flag: bool = False
    safety_message: str | None = None
    difficulty: int | None = None
    difficulty_label: str | None = None
    # PCL-5 only.
    probable_ptsd: bool | None = None
    provisional_dsm5_diagnosis: bool | None = None
    clusters: tuple[ClusterResult, ...] = ()

    @property
    def severity(self) -> str:
        """The band's label, e.g. "Moderately severe"."""
        return self.band.label

    def cluster_subtotal(self, letter: str) -> int:
        """The subtotal of PCL-5 cluster LETTER ("B", "C", "D" or "E")."""
        for cluster in self.clusters:
            if cluster.letter == letter:
                return cluster.subtotal
        raise KeyError(letter)


# --- the instruments ------------------------------------------------------------------------

_FREQUENCY = (
    ScaleOption(0, "Not at all"),
    ScaleOption(1, "Several days"),
    ScaleOption(2, "More than half the days"),
    ScaleOption(3, "Nearly every day"),
)

_INTENSITY = (
    ScaleOption(0, "Not at all"),
    ScaleOption(1, "A little bit"),
    ScaleOption(2, "Moderately"),
    ScaleOption(3, "Quite a bit"),
    ScaleOption(4, "Extremely"),
)

_DIFFICULTY_OPTIONS = (
    ScaleOption(0, "Not difficult at all"),
    ScaleOption(1, "Somewhat difficult"),
    ScaleOption(2, "Very difficult"),
    ScaleOption(3, "Extremely difficult"),
)


def _items(*texts: str) -> tuple[Item, ...]:
    return tuple(Item(number, text) for number, text in enumerate(texts, start=1))


PHQ9 = Instrument(
    id="phq9",
    title="PHQ-9",
    stem="Over the last 2 weeks, how often have you been bothered by any of the following "
    "problems?",
    items=_items(
        "Little interest or pleasure in doing things",
        "Feeling down, depressed, or hopeless",
        "Trouble falling or staying asleep, or sleeping too much",
        "Feeling tired or having little energy",
        "Poor appetite or overeating",
        "Feeling bad about yourself — or that you are a failure or have let yourself or your "
        "family down",
        "Trouble concentrating on things, such as reading the newspaper or watching television",
        "Moving or speaking so slowly that other people could have noticed? Or the opposite — "
        "being so fidgety or restless that you have been moving around a lot more than usual",
        "Thoughts that you would be better off dead or of hurting yourself in some way",
    ),
    scale=_FREQUENCY,
    bands=(
        Band(0, 4, "Minimal"),
        Band(5, 9, "Mild"),
        Band(10, 14, "Moderate"),
        Band(15, 19, "Moderately severe"),
        Band(20, 27, "Severe"),
    ),
    difficulty=DifficultyQuestion(
        "If you checked off any problems, how difficult have these problems made it for you "
        "to do your work, take care of things at home, or get along with other people?",
        _DIFFICULTY_OPTIONS,
    ),
)

GAD7 = Instrument(
    id="gad7",
    title="GAD-7",
    stem="Over the last 2 weeks, how often have you been bothered by the following problems?",
    items=_items(
        "Feeling nervous, anxious, or on edge",
        "Not being able to stop or control worrying",
        "Worrying too much about different things",
        "Trouble relaxing",
        "Being so restless that it is hard to sit still",
        "Becoming easily annoyed or irritable",
        "Feeling afraid, as if something awful might happen",
    ),
    scale=_FREQUENCY,
    bands=(
        Band(0, 4, "Minimal"),
        Band(5, 9, "Mild"),
        Band(10, 14, "Moderate"),
        Band(15, 21, "Severe"),
    ),
    difficulty=DifficultyQuestion(
        "If you checked off any problems, how difficult have these made it for you to do "
        "your work, take care of things at home, or get along with other people?",
        _DIFFICULTY_OPTIONS,
    ),
)

PCL5 = Instrument(
    id="pcl5",
    title="PCL-5",
    stem="In the past month, how much were you bothered by:",
    items=_items(
        "Repeated, disturbing, and unwanted memories of the stressful experience?",
        "Repeated, disturbing dreams of the stressful experience?",
        "Suddenly feeling or acting as if the stressful experience were actually happening "
        "again (as if you were actually back there reliving it)?",
        "Feeling very upset when something reminded you of the stressful experience?",
        "Having strong physical reactions when something reminded you of the stressful "
        "experience (for example, heart pounding, trouble breathing, sweating)?",
        "Avoiding memories, thoughts, or feelings related to the stressful experience?",
        "Avoiding external reminders of the stressful experience (for example, people, "
        "places, conversations, activities, objects, or situations)?",
        "Trouble remembering important parts of the stressful experience?",
        "Having strong negative beliefs about yourself, other people, or the world (for "
        "example, having thoughts such as: I am bad, there is something seriously wrong with "
        "me, no one can be trusted, the world is completely dangerous)?",
        "Blaming yourself or someone else for the stressful experience or what happened after it?",
        "Having strong negative feelings such as fear, horror, anger, guilt, or shame?",
        "Loss of interest in activities that you used to enjoy?",
        "Feeling distant or cut off from other people?",
        "Trouble experiencing positive feelings (for example, being unable to feel happiness "
        "or have loving feelings for people close to you)?",
        "Irritable behavior, angry outbursts, or acting aggressively?",
        "Taking too many risks or doing things that could cause you harm?",
        'Being "superalert" or watchful or on guard?',
        "Feeling jumpy or easily startled?",
        "Having difficulty concentrating?",
        "Trouble falling or staying asleep?",
    ),
    scale=_INTENSITY,
    bands=(
        Band(0, PCL5_CUTOFF - 1, "Below cut-point"),
        Band(PCL5_CUTOFF, 80, "Probable PTSD"),
    ),
    clusters=(
        Cluster("B", "Intrusion", 1, 5, required=1),
        Cluster("C", "Avoidance", 6, 7, required=1),
        Cluster("D", "Negative alterations in cognition and mood", 8, 14, required=2),
        Cluster("E", "Alterations in arousal and reactivity", 15, 20, required=2),
    ),
)

INSTRUMENTS: Mapping[str, Instrument] = MappingProxyType(
    {instrument.id: instrument for instrument in (PHQ9, GAD7, PCL5)}
)


def get_instrument(instrument_id: str) -> Instrument:
    """The instrument with INSTRUMENT_ID, or MeasureInputError on the "instrument" field."""
    instrument = INSTRUMENTS.get(instrument_id) if isinstance(instrument_id, str) else None
    if instrument is None:
        raise MeasureInputError({"instrument": "Choose a measure: PHQ-9, GAD-7 or PCL-5."})
    return instrument


# --- scoring --------------------------------------------------------------------------------


def score(
    instrument_id: str,
    answers: Mapping[int, int] | Sequence[int],
    *,
    difficulty: int | None = None,
) -> Score:
    """Score ANSWERS (item number -> answer, or a list in item order) on the instrument.

    DIFFICULTY is the PHQ-9/GAD-7 functional question (0-3), kept on the Score, never scored.
    """
    instrument = get_instrument(instrument_id)
    values = _validated_answers(instrument, answers, difficulty)
    total = sum(values)
    result = Score(
        instrument_id=instrument.id,
        answers=values,
        total=total,
        max_total=instrument.max_total,
        band=instrument.band_for(total),
        difficulty=difficulty,
        difficulty_label=(
            _label(instrument.difficulty.options, difficulty)
            if instrument.difficulty is not None and difficulty is not None
            else None
        ),
    )
    if instrument.id == PHQ9.id:
        return _with_safety_item(result)
    if instrument.id == PCL5.id:
        return _with_clusters(result, instrument)
    return result


def _label(options: tuple[ScaleOption, ...], value: int) -> str:
    return next(option.label for option in options if option.value == value)


def _is_int(value: object) -> TypeGuard[int]:
    # bool is an int subclass, but True on a form is a checkbox, not an answer.
    return isinstance(value, int) and not isinstance(value, bool)


def _validated_answers(
    instrument: Instrument,
    answers: Mapping[int, int] | Sequence[int],
    difficulty: int | None,
) -> tuple[int, ...]:
    """Every answer in item order, or MeasureInputError naming every bad field."""
    errors: dict[str, str] = {}
    given = _answers_by_item(instrument, answers, errors)
    top = instrument.max_answer
    values: list[int] = []
    for item in instrument.items:
        field = f"item_{item.number}"
        if item.number not in given:
            errors[field] = f"Answer item {item.number}."
            continue
        value = given[item.number]
        if _is_int(value) and 0 <= value <= top:
            values.append(value)
        else:
            errors[field] = f"Answer item {item.number} with a number from 0 to {top}."

    if difficulty is not None:
        question = instrument.difficulty
        if question is None:
            errors["difficulty"] = f"{instrument.title} has no difficulty question."
        elif not _is_int(difficulty) or not 0 <= difficulty <= question.options[-1].value:
            errors["difficulty"] = (
                "Answer the difficulty question with a number "
                f"from 0 to {question.options[-1].value}."
            )

    if errors:
        raise MeasureInputError(errors)
    return tuple(values)


def _answers_by_item(
    instrument: Instrument,
    answers: Mapping[int, int] | Sequence[int],
    errors: dict[str, str],
) -> dict[int, object]:
    """The raw answers keyed by item number; item numbers that do not exist go to ERRORS."""
    count = len(instrument.items)
    if isinstance(answers, Mapping):
        pairs: list[tuple[object, object]] = list(answers.items())
    elif isinstance(answers, Sequence) and not isinstance(answers, str | bytes):
        pairs = list(enumerate(answers, start=1))
    else:
        # A str is a Sequence too, but "0123" is not four answers.
        raise MeasureInputError(
            {"answers": "Give the answers as a list in item order or by item number."}
        )
    given: dict[int, object] = {}
    for key, value in pairs:
        if not _is_int(key):
            errors["answers"] = f"Number the answers by item, 1 to {count}."
        elif not 1 <= key <= count:
            errors[f"item_{key}"] = f"{instrument.title} has items 1 to {count}; remove item {key}."
        else:
            given[key] = value
    return given


def _with_safety_item(result: Score) -> Score:
    """Flag any answer above 0 on PHQ-9 item 9 for the clinician's attention today."""
    answer = result.answers[PHQ9_SAFETY_ITEM - 1]
    if answer == 0:
        return result
    label = PHQ9.label_for(answer)
    return replace(
        result,
        safety_flag=True,
        safety_message=f"Item {PHQ9_SAFETY_ITEM} answered '{label}': review suicide risk today.",
    )


def _with_clusters(result: Score, instrument: Instrument) -> Score:
    """Add the PCL-5 cut-point flag and the DSM-5 cluster rule (B1, C1, D2, E2)."""
    clusters = tuple(_cluster_result(cluster, result.answers) for cluster in instrument.clusters)
    return replace(
        result,
        probable_ptsd=result.total >= PCL5_CUTOFF,
        provisional_dsm5_diagnosis=all(cluster.met for cluster in clusters),
        clusters=clusters,
    )


def _cluster_result(cluster: Cluster, answers: tuple[int, ...]) -> ClusterResult:
    """Sum CLUSTER's items and count those rated 2 ("Moderately") or more."""
    ratings = [answers[number - 1] for number in cluster.item_numbers]
    return ClusterResult(
        letter=cluster.letter,
        title=cluster.title,
        subtotal=sum(ratings),
        endorsed=sum(rating >= PCL5_SYMPTOM_RATING for rating in ratings),
        required=cluster.required,
    )
