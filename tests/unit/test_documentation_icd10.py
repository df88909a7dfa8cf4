"""ICD-10-CM diagnoses: lookup, the billable rule with its messages, and search by code and words.

The search index is checked against the package itself: every result is a leaf by its own
`is_leaf`, and for a sample of queries the full result equals a plain scan of every code.
"""

from __future__ import annotations

import re
import threading
import time
import unicodedata

import pytest
import simple_icd_10_cm as icd

from practicerunner.core.errors import DomainError
from practicerunner.documentation import icd10
from practicerunner.documentation.icd10 import (
    THERAPY_Z_CATEGORIES,
    Diagnosis,
    DiagnosisCodeError,
    bench_queries,
    lookup,
    search,
    validate_billable,
)

EVERYTHING = 100_000


def fold(text: str) -> str:
    """Fold as a reader would: no case, no accents, no apostrophes (independent of the module)."""
    plain = text.lower()
    if not plain.isascii():
        decomposed = unicodedata.normalize("NFKD", plain)
        plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return plain.replace("'", "")


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", fold(text))


def is_therapy_code(code: str) -> bool:
    return code.startswith("F") or code[:3] in THERAPY_Z_CATEGORIES


def in_order(results: list[Diagnosis]) -> bool:
    keys = [(not is_therapy_code(d.code), d.code.replace(".", "")) for d in results]
    return keys == sorted(keys)


@pytest.fixture(scope="module")
def billable_words() -> dict[str, str]:
    """Every billable code by the package's own test, with its description's words.

    Each as " word word ...", so that a word begins with q exactly when " q" is in it.
    """
    return {
        code: " " + " ".join(words(icd.get_description(code)))
        for code in dict.fromkeys(icd.get_all_codes())
        if icd.is_category_or_subcategory(code) and icd.is_leaf(code)
    }


# --- lookup ---


@pytest.mark.parametrize("typed", ["F41.1", "f411", " F41.1 ", "f41.1", "F411\n"])
def test_it_reads_a_code_with_or_without_the_dot_in_any_case(typed: str) -> None:
    assert lookup(typed) == Diagnosis("F41.1", "Generalized anxiety disorder", True)


def test_it_finds_codes_with_letters_after_the_dot() -> None:
    assert lookup("f32a") == Diagnosis("F32.A", "Depression, unspecified", True)
    assert lookup("t7431xa") == Diagnosis(
        "T74.31XA", "Adult psychological abuse, confirmed, initial encounter", True
    )


def test_a_category_with_codes_below_it_is_found_but_not_billable() -> None:
    assert lookup("F41") == Diagnosis("F41", "Other anxiety disorders", False)
    diagnosis = lookup("F43.1")
    assert diagnosis is not None
    assert diagnosis.billable is False


def test_a_category_without_codes_below_it_is_billable() -> None:
    diagnosis = lookup("F04")
    assert diagnosis is not None
    assert diagnosis.billable is True


@pytest.mark.parametrize("typed", ["F41.9X", "F4.11", "F41..1", "", "   ", "F40-F48", "5", "XYZ"])
def test_anything_but_a_category_or_subcategory_is_not_found(typed: str) -> None:
    assert lookup(typed) is None


# --- validate_billable ---


def test_a_billable_code_is_returned_normalised() -> None:
    assert validate_billable(" f43.10 ") == Diagnosis(
        "F43.10", "Post-traumatic stress disorder, unspecified", True
    )


def test_a_category_is_refused_with_more_specific_codes_to_choose_from() -> None:
    with pytest.raises(DiagnosisCodeError) as refused:
        validate_billable("f41")
    assert refused.value.message == (
        "F41 is a category, not a billable code: "
        "choose a more specific code such as F41.0, F41.1 or F41.3."
    )
    assert refused.value.code == "diagnosis_code_not_billable"
    assert isinstance(refused.value, DomainError)


def test_a_subcategory_is_refused_with_its_billable_codes() -> None:
    with pytest.raises(DiagnosisCodeError, match=r"^F43\.1 is a subcategory, not a billable"):
        validate_billable("F43.1")
    with pytest.raises(DiagnosisCodeError) as refused:
        validate_billable("F43.1")
    assert refused.value.message.endswith("such as F43.10, F43.11 or F43.12.")


def test_a_code_with_fewer_than_three_billable_codes_below_lists_them_all() -> None:
    with pytest.raises(DiagnosisCodeError) as refused:
        validate_billable("F32.8")
    assert refused.value.message == (
        "F32.8 is a subcategory, not a billable code: "
        "choose a more specific code such as F32.81 or F32.89."
    )


def test_an_unknown_code_is_refused_in_plain_words() -> None:
    with pytest.raises(DiagnosisCodeError) as refused:
        validate_billable("F41.9X")
    assert refused.value.message == "F41.9X is not an ICD-10-CM code."
    assert refused.value.code == "diagnosis_code_unknown"


def test_a_long_unknown_text_is_not_echoed_back() -> None:
    with pytest.raises(DiagnosisCodeError) as refused:
        validate_billable("generalized anxiety disorder")
    assert refused.value.message == "That is not an ICD-10-CM code."


def test_a_block_of_categories_is_refused_with_codes_from_it() -> None:
    with pytest.raises(DiagnosisCodeError) as refused:
        validate_billable("f40-f48")
    assert refused.value.message == (
        "F40-F48 is a block of categories, not a billable code: "
        "choose a more specific code such as F40.00, F40.01 or F40.02."
    )


def test_an_empty_code_is_refused() -> None:
    with pytest.raises(DiagnosisCodeError, match=r"^Enter an ICD-10-CM code\.$"):
        validate_billable("  ")


# --- search by code ---


@pytest.mark.parametrize("typed", ["F43.1", "f431", "F431", " f43.1 "])
def test_a_code_prefix_finds_the_billable_codes_below_it(typed: str) -> None:
    assert [d.code for d in search(typed)] == ["F43.10", "F43.11", "F43.12"]


def test_a_category_prefix_finds_its_codes_in_order() -> None:
    results = search("F43", limit=EVERYTHING)
    assert results
    assert all(d.code.startswith("F43") and d.billable for d in results)
    assert results[0].code == "F43.0"
    assert in_order(results)


def test_a_full_code_finds_itself() -> None:
    assert [d.code for d in search("f32.a")] == ["F32.A"]
    assert [d.code for d in search("F41.1")] == ["F41.1"]


def test_a_category_prefix_ending_in_a_dot_is_read_as_the_category() -> None:
    assert search("F41.") == search("F41")


def test_a_code_shaped_query_that_starts_no_code_is_read_as_words() -> None:
    results = search("b12")
    assert results
    assert all("b12" in words(d.description) for d in results)


# --- search by words ---


def test_every_query_word_must_begin_a_description_word() -> None:
    assert [d.code for d in search("gen anx")] == ["F41.1"]
    assert search("anx gen") == search("gen anx")
    assert search("xiety") == []
    assert search("ptsd") == []


def test_case_accents_and_apostrophes_do_not_matter() -> None:
    plain = search("sezary dis", limit=EVERYTHING)
    assert plain
    assert all(d.description.startswith("Sézary disease") for d in plain)
    assert search("SÉZARY Dis", limit=EVERYTHING) == plain
    assert [d.code for d in search("charcot tabetic")] == ["A52.16"]
    assert [d.code for d in search("CHARCÔT TABETIC")] == ["A52.16"]
    assert [d.code for d in search("Alzheimer's disease, unspecified")] == ["G30.9"]
    assert "G30.9" in [d.code for d in search("alzheimer unspec")]


def test_several_words_narrow_the_results() -> None:
    results = search("major depressive recurrent", limit=EVERYTHING)
    assert results
    assert {d.code[:3] for d in results} == {"F33"}
    assert len(results) < len(search("major depressive", limit=EVERYTHING))


def test_punctuation_in_the_query_is_ignored() -> None:
    assert search("adjustment disorder, with anxiety") == search("adjustment disorder with anxiety")
    assert "F43.22" in [d.code for d in search("adjustment disorder with anxiety")]


@pytest.mark.parametrize(
    "query",
    [
        "gen anx",
        "major depressive",
        "adjustment",
        "insomnia",
        "problems relationship",
        "post-traumatic",
        "sézary",
        "of",
        "left fe",
        "unspecified disorder",
    ],
)
def test_word_search_finds_exactly_what_a_full_scan_finds(
    billable_words: dict[str, str], query: str
) -> None:
    wanted = [" " + q for q in words(query)]
    expected = {code for code, spaced in billable_words.items() if all(q in spaced for q in wanted)}
    results = search(query, limit=EVERYTHING)
    assert {d.code for d in results} == expected
    assert len(results) == len(expected)
    assert in_order(results)


def test_code_search_finds_exactly_what_a_full_scan_finds(
    billable_words: dict[str, str],
) -> None:
    for prefix in ["F4", "F43", "Z6", "Z63", "S72.0", "T74.3"]:
        compact = prefix.replace(".", "")
        expected = {c for c in billable_words if c.replace(".", "").startswith(compact)}
        assert {d.code for d in search(prefix, limit=EVERYTHING)} == expected


# --- ordering, limit, empty ---


def test_the_mental_and_behavioural_chapter_comes_first() -> None:
    results = search("disorder", limit=EVERYTHING)
    assert all(d.code.startswith("F") for d in results[:20])
    assert in_order(results)
    first_other = next(i for i, d in enumerate(results) if not is_therapy_code(d.code))
    assert all(is_therapy_code(d.code) for d in results[:first_other])
    assert any(not d.code.startswith(("F", "Z")) for d in results[first_other:])


def test_therapy_z_codes_come_before_other_z_codes() -> None:
    results = search("problems related", limit=EVERYTHING)
    codes = [d.code for d in results]
    assert any(code.startswith("Z55") for code in codes)  # education, not a therapy category
    first_other = next(i for i, code in enumerate(codes) if not is_therapy_code(code))
    assert codes[:first_other]
    assert all(code[:3] in THERAPY_Z_CATEGORIES for code in codes[:first_other])


def test_the_limit_is_respected() -> None:
    assert len(search("disorder")) == 20
    assert len(search("disorder", limit=5)) == 5
    assert search("disorder", limit=5) == search("disorder")[:5]
    assert len(search("F", limit=3)) == 3
    assert search("disorder", limit=0) == []


@pytest.mark.parametrize("query", ["", " ", "\t\n", ",", "--"])
def test_an_empty_query_finds_nothing(query: str) -> None:
    assert search(query) == []


# --- the benchmark's queries, and as typed letter by letter ---


def test_benchmark_queries_return_only_billable_matching_codes_in_order() -> None:
    queries = bench_queries()
    assert len(queries) >= 50
    # As typed into a picker: every prefix of every query, about 900 searches.
    typed = [q[:end] for q in queries for end in range(1, len(q) + 1)]
    for query in typed:
        results = search(query)
        assert len(results) <= 20
        assert in_order(results)
        compact = query.strip().upper().replace(".", "")
        wanted = words(query)
        for d in results:
            assert icd.is_leaf(d.code), (query, d.code)
            assert d.billable
            assert d.description == icd.get_description(d.code)
            by_code = d.code.replace(".", "").startswith(compact)
            by_words = all(any(w.startswith(q) for w in words(d.description)) for q in wanted)
            assert by_code or by_words, (query, d.code)
    # The therapist's everyday queries find something (or, for ptsd, deliberately nothing).
    for query in ["major depressive", "adjustment", "insomnia", "F43", "F32.A", "gen anx"]:
        assert search(query), query


# --- the index is built once ---


def test_concurrent_first_calls_build_the_index_once(monkeypatch: pytest.MonkeyPatch) -> None:
    real = icd10._get_index()
    builds: list[int] = []

    def slow_build() -> icd10._Index:
        builds.append(1)
        time.sleep(0.05)
        return real

    monkeypatch.setattr(icd10, "_index", None)
    monkeypatch.setattr(icd10, "_build_index", slow_build)
    seen: list[object] = []
    threads = [threading.Thread(target=lambda: seen.append(icd10._get_index())) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert builds == [1]
    assert all(index is real for index in seen)
