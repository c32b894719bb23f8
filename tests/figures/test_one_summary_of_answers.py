"""Every title and the alt text name a case's answers from one ordered list.

A teacher's audit found figures 02 to 07 and captions.md choosing and ordering a
case's answers each its own way, by the top cause even in a figure about another
(figure 03 began "leg or buttock pain, age 26, ...", the alt text "spasms for 30 weeks,
leg or buttock pain, ..."). One function owns the list; a shorter form names its first
items and counts the rest.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from backspasm import figures
from backspasm.diagnosis import Diagnosis, diagnose
from backspasm.figures._case_answers import HOW_CHOSEN, case_answers
from backspasm.figures._words import answer_units
from backspasm.figures.scenarios import scenario_answers
from helpers import heading_of

DATA = Path(__file__).resolve().parents[2] / "data"


def _one_line(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split())


def _named(text: str, said: list[str]) -> int:
    """Return how many of ``said`` (its first) ``text`` names, the rest counted; 0 if none."""
    text = _one_line(text)
    for keep in range(len(said), 0, -1):
        listed = _one_line("".join(answer_units("", said[:keep], len(said) - keep)))
        if f"for: {listed}" in text or f"({listed})" in text:
            return keep
    return 0


def test_the_order_is_not_the_top_cause_s(ex16: Diagnosis) -> None:
    said = case_answers(ex16)
    assert said == scenario_answers(ex16)  # figure 07's panel says the same list
    # the person first, with the triage's own answer (see a doctor: spasms for more
    # than 12 weeks) in it
    assert said[0] == "man, 26, lower back, 30 weeks"
    top_first = figures._words.by_effect(ex16)  # the top cause's order, as titles had it
    assert next(iter(top_first)) == "leg_or_buttock_pain"
    assert said[0] != "leg or buttock pain"


@pytest.mark.parametrize("size", ["slide", "page", "column"])
def test_every_title_names_the_first_of_the_same_answers(ex16: Diagnosis, size: str) -> None:
    said = case_answers(ex16)
    cause = "herniated_disc"  # a figure about another cause than the top one
    axes = [
        figures.plot_causes(ex16, size=size),
        figures.plot_evidence_impact(ex16, cause, size=size),
        figures.plot_next_questions(ex16, size=size),
    ]
    if size == "slide":
        axes.append(figures.plot_network_beliefs(ex16))
    for ax in axes:
        title = heading_of(ax)
        assert _named(title, said) >= 1, title
    plt.close("all")


def test_captions_name_the_first_of_the_same_answers_and_say_how(tmp_path: Path) -> None:
    table = pd.read_csv(DATA / "example_cases.csv", dtype=str, keep_default_na=False)
    figures.write_teaching_figures(
        tmp_path, cases=table, case_id="EX16", only=["03", "04", "05"], dpi=40
    )
    text = (tmp_path / "captions.md").read_text(encoding="utf-8")
    assert _one_line(HOW_CHOSEN) in _one_line(text)
    d = diagnose(
        {
            k: v
            for k, v in table[table["case_id"] == "EX16"].iloc[0].items()
            if v and k not in ("case_id", "expected_cause", "note")
        }
    )
    said = case_answers(d)
    lines = [x for x in text.splitlines() if x.startswith("- `0")]
    assert len(lines) == 3
    for line in lines:
        assert _named(line, said) >= 1, line
