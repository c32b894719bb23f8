"""A wide header's names are checked against the questions' without comparing each with each.

At 16,000 columns make_plan took seconds: each name was compared with every
question's, in Python, for a near miss (difflib) and for a name one letter off.
The names compared now are only those that can match; the matches are the same.
"""

from __future__ import annotations

import difflib
import random

import pytest

import backspasm.scoring.plan as scoring_plan
from backspasm._text import close_match, column_key
from backspasm.network import default_network
from backspasm.questionnaire import questions_for
from backspasm.scoring.plan import make_plan, misnamed_columns, one_letter_off


@pytest.fixture(scope="module")
def by_name():
    return {q.column: q for q in questions_for(default_network())}


def variants(names: list[str]) -> list[str]:
    """Names a letter off the questions' (dropped, added, changed, swapped), and others."""
    out = []
    for name in names:
        for k in range(len(name)):
            out += [
                name[:k] + name[k + 1 :],
                name[:k] + "e" + name[k:],
                name[:k] + "x" + name[k + 1 :],
            ]
            out.append(name[:k] + name[k + 1 : k + 2] + name[k] + name[k + 2 :])
        out += [f"{name}s", f"my_{name}", f"{name}_2", name[::-1], name[: len(name) // 2]]
    out += ["", "a", "id", "note", "x" * 40, "e" * 200, "extra_col_7"]
    return sorted(set(random.Random(7).sample(out, 1500)) | set(out[-7:]))


def test_a_wide_header_compares_each_name_with_few_questions(monkeypatch, by_name):
    counts = {"one letter off": 0, "difflib": 0}

    def off(name, question):
        counts["one letter off"] += 1
        return one_letter_off(name, question)

    real_quick_ratio = difflib.SequenceMatcher.quick_ratio

    def quick_ratio(self):
        counts["difflib"] += 1
        return real_quick_ratio(self)

    monkeypatch.setattr(scoring_plan, "one_letter_off", off)
    monkeypatch.setattr(difflib.SequenceMatcher, "quick_ratio", quick_ratio)
    header = ["case_id", "fever", *(f"extra_col_{i}" for i in range(2_000))]
    plan = make_plan(header, default_network(), explain=False)
    # each of the 2,000 names was compared with each of the ~90 questions, twice
    assert counts["one letter off"] < 200
    assert counts["difflib"] < 200
    assert plan.warnings[0].endswith("'extra_col_9' and 1990 more.")


def test_the_close_matches_are_difflibs(by_name):
    names = tuple(by_name)
    for word in variants(list(names)):
        expected = next(iter(difflib.get_close_matches(word, list(names), 1, 0.8)), None)
        assert close_match(word, names, 0.8) == expected, word


def test_the_names_one_letter_off_are_those_of_a_comparison_with_each(by_name):
    for label in variants(list(by_name)):
        if label in by_name:
            continue
        typo = next((q for q in by_name if one_letter_off(column_key(label), q)), None)
        said = misnamed_columns([label], by_name)
        if typo is None:
            assert said is None or "one letter away" not in said, label
        else:
            assert said is not None, label
            assert f"{label!r} (for {typo!r})" in said, label
