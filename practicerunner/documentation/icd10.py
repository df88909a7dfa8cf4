"""ICD-10-CM diagnoses: look a code up, insist on a billable one, search by code or words.

The classification comes from the `simple-icd-10-cm` package (the CMS April 2026 release,
shipped as data inside the package, so nothing goes to the network). A code is billable when
it has no more specific code below it: the package's `is_leaf`.

Importing the package parses a 10 MB XML file (about 3 s and 175 MB; our index adds about
1 s and 15 MB), so both happen on first use only, once per process, under a lock.
"""

from __future__ import annotations

import heapq
import re
import threading
import unicodedata
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from practicerunner.core.errors import DomainError

# Shown first in every search with the mental and behavioural chapter (F01–F99): the
# psychosocial Z codes therapists use beside (or instead of) a disorder.
THERAPY_Z_CATEGORIES: frozenset[str] = frozenset({"Z56", "Z60", "Z62", "Z63", "Z65"})

# Longest real code is 7 characters plus the dot ("T74.31XA"); anything much longer is not
# echoed back in a message.
_MAX_ECHO = 12
_SUGGESTIONS = 3

_WORD = re.compile(r"[a-z0-9]+")
# Letter, digit, then up to five more characters, with the dot optional after the category:
# "F4", "f41", "F41.", "F41.1", "f411", "T74.31XA".
_CODE_LIKE = re.compile(r"[A-Z][0-9](?:[0-9A-Z](?:\.?[0-9A-Z]{0,4})?)?")


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """One ICD-10-CM code, its official description, and whether a claim may carry it."""

    code: str
    description: str
    billable: bool


class DiagnosisCodeError(DomainError):
    """A diagnosis code is unknown, or too general to bill."""

    def __init__(self, message: str, code: str = "diagnosis_code", field: str | None = None):
        super().__init__(code, message, field)


@dataclass(frozen=True, slots=True)
class _Index:
    # Every category and subcategory by dotted code, billable or not.
    by_code: dict[str, Diagnosis]
    # Blocks of categories ("F40-F48"): names people may paste, never codes to record.
    blocks: frozenset[str]
    # Billable codes in result order (see _rank); a code's position is its id everywhere below.
    billable: tuple[Diagnosis, ...]
    # Billable codes without dots, sorted as strings, with their ids: a code prefix is a slice.
    code_keys: tuple[str, ...]
    code_ids: tuple[int, ...]
    # Every prefix of every description word -> ascending ids of the codes whose description
    # has a word starting with it.
    postings: dict[str, list[int]]


_index: _Index | None = None
_index_lock = threading.Lock()


def lookup(code: str) -> Diagnosis | None:
    """Return the category or subcategory for `code` ("F41.1", "f411", " F41.1 "), else None."""
    compact = _compact(code)
    if compact is None:
        return None
    return _get_index().by_code.get(_dotted(compact))


def validate_billable(code: str) -> Diagnosis:
    """Return the billable diagnosis for `code`, or raise DiagnosisCodeError saying why not."""
    shown = code.strip().upper()
    if not shown:
        raise DiagnosisCodeError("Enter an ICD-10-CM code.", code="diagnosis_code_missing")
    diagnosis = lookup(code)
    index = _get_index()
    if diagnosis is None:
        if shown in index.blocks:
            first, last = shown.split("-", 1)
            raise DiagnosisCodeError(
                _too_general(shown, "a block of categories", _codes_between(index, first, last)),
                code="diagnosis_code_not_billable",
            )
        named = shown if len(shown) <= _MAX_ECHO else "That"
        raise DiagnosisCodeError(
            f"{named} is not an ICD-10-CM code.", code="diagnosis_code_unknown"
        )
    if not diagnosis.billable:
        kind = "a category" if len(diagnosis.code) == 3 else "a subcategory"
        prefix = diagnosis.code.replace(".", "")
        raise DiagnosisCodeError(
            _too_general(diagnosis.code, kind, _codes_between(index, prefix, prefix)),
            code="diagnosis_code_not_billable",
        )
    return diagnosis


def search(query: str, limit: int = 20) -> list[Diagnosis]:
    """Return up to `limit` billable diagnoses matching a code prefix or the words of `query`.

    A query shaped like a code ("F43", "f43.1", "F32.A") matches codes starting with it, dot
    optional; other queries match descriptions where every query word begins a word ("gen
    anx" finds "Generalized anxiety disorder"), ignoring case and accents. A code-shaped query
    no code starts with is read as words ("B12"). Results list F01–F99 and the therapy Z codes
    (THERAPY_Z_CATEGORIES) first, then the rest, each by code.
    """
    text = query.strip()
    if not text or limit <= 0:
        return []
    index = _get_index()
    ids: list[int] = []
    upper = text.upper()
    if _CODE_LIKE.fullmatch(upper):
        ids = _ids_by_code_prefix(index, upper.replace(".", ""), limit)
    if not ids:
        ids = _ids_by_words(index, _words(text), limit)
    return [index.billable[i] for i in ids]


def loaded() -> bool:
    """Whether this process has built the index already."""
    return _index is not None


def preload() -> None:
    """Build the index now (about 4 s), e.g. when a worker starts, rather than on first use."""
    _get_index()


def bench_queries() -> list[str]:
    """Return realistic queries a therapist types, for the search benchmark."""
    return [
        # Words, as typed into a diagnosis picker.
        "major depressive",
        "major depressive disorder recurrent",
        "major depressive disorder, single episode, moderate",
        "depression",
        "depress unspec",
        "adjustment",
        "adjustment disorder with anxiety",
        "adjustment disorder mixed anxiety depressed mood",
        "generalized anxiety",
        "gen anx",
        "anxiety",
        "panic disorder",
        "social phobia",
        "post-traumatic stress",
        "post traumatic stress disorder chronic",
        "ptsd",
        "acute stress reaction",
        "prolonged grief",
        "bereavement",
        "insomnia",
        "obsessive compulsive",
        "bipolar",
        "bipolar ii",
        "bipolar disorder current episode depressed",
        "attention deficit hyperactivity",
        "adhd",
        "autism",
        "eating disorder",
        "anorexia nervosa",
        "bulimia",
        "binge eating",
        "alcohol use",
        "alcohol dependence uncomplicated",
        "cannabis abuse",
        "opioid dependence",
        "borderline personality",
        "dysthymic",
        "persistent depressive",
        "relationship distress with spouse",
        "problems in relationship with spouse",
        "parent child",
        "divorce",
        "unemployment",
        "disorder",
        "other specified",
        "unspecified",
        "gender dysphoria",
        "sezary",
        "Sézary",
        # Codes, with and without dots.
        "F43",
        "F43.1",
        "f431",
        "F41.1",
        "F32.A",
        "F3",
        "F",
        "Z63",
        "z63.0",
        "T74.31XA",
        "S72",
    ]


def _get_index() -> _Index:
    global _index
    index = _index
    if index is None:
        with _index_lock:
            if _index is None:
                _index = _build_index()
            index = _index
    return index


def _build_index() -> _Index:
    # Imported here: the package parses its XML at import time.
    import simple_icd_10_cm as icd

    by_code: dict[str, Diagnosis] = {}
    blocks: set[str] = set()
    # A block holding one category shares its name with it (B99): dict.fromkeys keeps it once.
    for name in dict.fromkeys(icd.get_all_codes(with_dots=True)):
        if icd.is_category_or_subcategory(name):
            by_code[name] = Diagnosis(name, icd.get_description(name), icd.is_leaf(name))
        elif "-" in name:
            blocks.add(name)

    billable = tuple(sorted((d for d in by_code.values() if d.billable), key=_rank))
    keyed = sorted((d.code.replace(".", ""), i) for i, d in enumerate(billable))

    # Postings per whole word first, then per prefix as the union of its words' postings:
    # 7,500 distinct words have 33,000 prefixes, so most prefixes belong to one word and
    # share its list.
    by_word: dict[str, list[int]] = {}
    for i, diagnosis in enumerate(billable):
        for word in set(_words(diagnosis.description)):
            by_word.setdefault(word, []).append(i)
    words_by_prefix: dict[str, list[str]] = {}
    for word in by_word:
        for end in range(1, len(word) + 1):
            words_by_prefix.setdefault(word[:end], []).append(word)
    postings: dict[str, list[int]] = {}
    for prefix, words in words_by_prefix.items():
        if len(words) == 1:
            postings[prefix] = by_word[words[0]]
        else:
            postings[prefix] = sorted(set().union(*(by_word[w] for w in words)))

    return _Index(
        by_code=by_code,
        blocks=frozenset(blocks),
        billable=billable,
        code_keys=tuple(key for key, _ in keyed),
        code_ids=tuple(i for _, i in keyed),
        postings=postings,
    )


def _rank(diagnosis: Diagnosis) -> tuple[int, str]:
    code = diagnosis.code
    therapy = code.startswith("F") or code[:3] in THERAPY_Z_CATEGORIES
    # Dotless, like code_keys, so that both orders agree code by code.
    return (0 if therapy else 1, code.replace(".", ""))


def _compact(code: str) -> str | None:
    """Return `code` upper-cased without its dot, or None if a dot is anywhere but 4th."""
    text = code.strip().upper()
    dot = text.find(".")
    if dot == -1:
        return text
    if dot != 3 or text.count(".") > 1:
        return None
    return text[:3] + text[4:]


def _dotted(compact: str) -> str:
    return compact if len(compact) <= 3 else f"{compact[:3]}.{compact[3:]}"


def _fold(text: str) -> str:
    """Lower-case `text`, strip accents and drop apostrophes ("Sézary's" -> "sezarys")."""
    text = text.casefold()
    if not text.isascii():
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    # So that "alzheimer" finds "Alzheimer's" rather than needing a separate "s".
    return text.replace("'", "").replace("\u2019", "")


def _words(text: str) -> list[str]:
    return _WORD.findall(_fold(text))


def _ids_by_code_prefix(index: _Index, prefix: str, limit: int) -> list[int]:
    lo = bisect_left(index.code_keys, prefix)
    # "~" sorts after every character a code uses (digits and capitals).
    hi = bisect_left(index.code_keys, prefix + "~", lo)
    return heapq.nsmallest(limit, index.code_ids[lo:hi])


def _ids_by_words(index: _Index, words: Iterable[str], limit: int) -> list[int]:
    lists: list[list[int]] = []
    for word in set(words):
        posting = index.postings.get(word)
        if posting is None:
            return []
        lists.append(posting)
    if not lists:
        return []
    lists.sort(key=len)
    if len(lists) == 1:
        return lists[0][:limit]
    candidates = set(lists[0])
    for posting in lists[1:]:
        # Probing each candidate by bisection beats scanning a list many times longer.
        if len(candidates) * 16 < len(posting):
            candidates = {i for i in candidates if _contains(posting, i)}
        else:
            candidates.intersection_update(posting)
        if not candidates:
            return []
    return heapq.nsmallest(limit, candidates)


def _contains(ids: Sequence[int], wanted: int) -> bool:
    at = bisect_left(ids, wanted)
    return at < len(ids) and ids[at] == wanted


def _codes_between(index: _Index, first: str, last: str) -> list[str]:
    """Return the first few billable codes, by code, from `first` to codes starting `last`."""
    lo = bisect_left(index.code_keys, first)
    hi = bisect_left(index.code_keys, last + "~", lo)
    return [_dotted(key) for key in index.code_keys[lo : min(hi, lo + _SUGGESTIONS)]]


def _too_general(shown: str, kind: str, examples: list[str]) -> str:
    message = f"{shown} is {kind}, not a billable code"
    if not examples:
        return message + "."
    listed = examples[-1] if len(examples) == 1 else f"{', '.join(examples[:-1])} or {examples[-1]}"
    return f"{message}: choose a more specific code such as {listed}."
