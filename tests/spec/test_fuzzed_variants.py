"""Variants a fuzzing review found the validator let through or crashed on."""

from __future__ import annotations

import pytest

from backspasm.exceptions import SpecError
from backspasm.spec import load_spec
from helpers import bundled_variant

BIG = "1" + "0" * 400  # a TOML integer no float holds

CASES = [
    # OverflowError from the noisy-OR rewrite test, before the range rule could speak
    (
        "causes.toml",
        r"leak = \{ p = 0\.045, source",
        f"leak = {{ p = {BIG}, source",
        "field 'leak.p': must be a probability between 0 and 1",
    ),
    # OverflowError in tables.py; 1e200 made a table of NaN that check accepted
    (
        "causes.toml",
        r"odds\.care_setting = \{ p = \{ emergency = 66\.0 \}",
        "odds.care_setting = { p = { emergency = 1e200 }",
        "must be an odds ratio (a number from 1e-6 to 1e6)",
    ),
    (
        "causes.toml",
        r"odds\.care_setting = \{ p = \{ emergency = 66\.0 \}",
        f"odds.care_setting = {{ p = {{ emergency = {BIG} }}",
        "must be an odds ratio (a number from 1e-6 to 1e6)",
    ),
    # OverflowError from math.isfinite
    (
        "triage.toml",
        r"p = 0\.20, within_hours = 24",
        f"p = 0.20, within_hours = {BIG}",
        "within_hours': must be a positive, finite number of hours",
    ),
    # a label of a million characters passed check and made matplotlib fail in figures
    (
        "findings.toml",
        r'label = "Alternating buttock pain"',
        'label = "' + "x" * 1_000_000 + '"',
        "field 'label': is 1,000,000 characters long; the limit is 80",
    ),
    # an emergency with no reason to give
    (
        "triage.toml",
        r'\{ name = "saddle numbness \(a warning sign of cauda equina syndrome\)", ',
        '{ name = "", ',
        "a flag needs a name: it is the reason triage gives for it",
    ),
    # answers read as the truth, or the truth as answers
    (
        "findings.toml",
        r'question = \{ column = "fever"',
        'question = { column = "true_kidney_stones"',
        "'true_kidney_stones' is the name of a truth label",
    ),
    (
        "findings.toml",
        r'question = \{ column = "fever"',
        'question = { column = "expected_triage"',
        "'expected_triage' is the name of a truth label",
    ),
]


@pytest.mark.parametrize(("file", "pattern", "replacement", "said"), CASES)
def test_the_validator_reports_what_it_once_let_through(
    tmp_path, file, pattern, replacement, said
):
    variant = bundled_variant(tmp_path / "kb", file, pattern, replacement)
    with pytest.raises(SpecError) as info:
        load_spec(variant)
    assert said in str(info.value)
    assert "1 problem" in str(info.value)
