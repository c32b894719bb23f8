"""A case's answers begin with the person, in one phrase, as a clinician presents a case.

Figure 03's title for case EX16 read "spasms for 30 weeks, age 26, spasms: lower back,
no fever, male, leg or buttock pain, night or rest pain and 3 more": the person
scattered among the symptoms, and the inflammatory items (waking in the second half of
the night) left in "and 3 more" because age and duration moved the odds most. The
person now comes first in one phrase (``man, 26, lower back, 30 weeks``), then the
answers by the one order, a denial (``no fever``) after the findings the person has.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

from backspasm import figures
from backspasm.diagnosis import Diagnosis, diagnose
from backspasm.figures._case_answers import case_answers
from backspasm.figures._words import answer_units, answers_heading
from helpers import heading_of

DATA = Path(__file__).resolve().parents[2] / "data"


def _one_line(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split())


def test_the_person_comes_first_in_one_phrase(ex16: Diagnosis) -> None:
    said = case_answers(ex16)
    assert said[0] == "man, 26, lower back, 30 weeks"  # the answers' own numbers
    rest = " | ".join(said[1:])
    for scattered in ("age 26", "male", "spasms: lower back", "spasms for 30 weeks"):
        assert scattered not in rest, said
    # the findings the person has before what they deny
    assert said[1:] == [
        "leg or buttock pain",
        "night or rest pain",
        "wakes in second half of night",
        "better with exercise, not rest",
        "spine stiffness",
        "no fever",
    ]


def test_figure_03_names_the_person_then_the_inflammatory_items(ex16: Diagnosis) -> None:
    title = _one_line(heading_of(figures.plot_causes(ex16)))
    plt.close("all")
    assert "for: man, 26, lower back, 30 weeks; leg or buttock pain, " in title, title
    assert "wakes in second half of night" in title, title


def test_the_phrase_says_only_what_was_answered() -> None:
    d = diagnose(
        {"age": 70, "spasm_location": "flank", "care_setting": "emergency", "fever": "yes"}
    )
    assert case_answers(d)[0] == "age 70, flank, in A&E"  # no sex: "age" says what 70 is
    d = diagnose({"spasm_duration_weeks": 0, "sex": "female", "fever": "no", "age": 40})
    assert case_answers(d) == ["woman, 40, under a week", "no fever"]


def test_a_title_naming_the_person_alone_counts_the_rest_after_a_semicolon(
    ex16: Diagnosis,
) -> None:
    said = case_answers(ex16)
    title = answers_heading("Causes for: ", said, 40, lines=1)
    assert _one_line(title) == "Causes for: man, 26, lower back, 30 weeks; and 6 more"
    # its commas are its own: the list after it keeps commas where no answer has one
    assert "".join(answer_units("", said[:3])) == (
        "man, 26, lower back, 30 weeks; leg or buttock pain, night or rest pain"
    )
