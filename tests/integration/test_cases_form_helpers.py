"""The case form's pure helpers: the live share total, share parsing, titles, the URL's case id."""

from __future__ import annotations

import pytest

from practicerunner.clients.case_state import case_id_in, total_label
from practicerunner.clients.cases import format_share, parse_share


@pytest.mark.parametrize(
    ("shares", "expected"),
    [
        (["50", "50"], ("Total: 100%", True)),
        (["33.33", "33.33", "33.34"], ("Total: 100%", True)),
        (["50", "49.99"], ("Total: 99.99%", False)),
        (["60%", ""], ("Total: 60%", False)),
        (["50", "lots"], ("Total: enter each share as a number", False)),
        (["nan"], ("Total: enter each share as a number", False)),
    ],
)
def test_it_totals_the_typed_shares_as_the_user_types(shares, expected):
    assert total_label(shares) == expected


@pytest.mark.parametrize(("text", "points"), [("50", 5000), ("33.33%", 3333), (" 12.5 ", 1250)])
def test_it_reads_shares_as_basis_points(text, points):
    assert parse_share(text) == points
    assert parse_share(format_share(points)) == points


@pytest.mark.parametrize(
    ("path", "case_id"),
    [("/cases/12", 12), ("/cases/12/edit", 12), ("/cases/new", None), ("/cases/12x", None)],
)
def test_it_reads_the_case_id_from_the_url(path, case_id):
    assert case_id_in(path) == case_id
