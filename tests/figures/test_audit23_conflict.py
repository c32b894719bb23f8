"""Figures 03 and 05 and their captions warn of answers that conflict (teacher audit 23, #4).

``diagnose()`` of case V17 of vignettes.csv is ``conflicted`` (conflict 2.09 above
the flag level 1.86), and ``backspasm diagnose`` warns of it; its figures said
nothing. Now the titles of 03 and 05 and their captions say it as diagnose does,
with its numbers; a case that does not conflict says nothing of it.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.figure
import pytest

from backspasm import figures
from backspasm.diagnosis import Diagnosis, diagnose
from backspasm.figures import _save, _style
from backspasm.figures._results import _answers_of
from backspasm.network import Network
from backspasm.scoring.cases import read_case_table

pytestmark = [
    pytest.mark.usefixtures("figures_closed"),
    pytest.mark.filterwarnings("ignore:the label of .* is too long:UserWarning"),
]

DATA = Path(__file__).resolve().parents[2] / "data"


def case(net: Network, case_id: str) -> Diagnosis:
    name = "vignettes.csv" if case_id.startswith("V") else "example_cases.csv"
    table = read_case_table(str(DATA / name))[0]
    return diagnose(_answers_of(table, case_id, net), network=net)


def words(fig: matplotlib.figure.Figure) -> str:
    return " ".join(" ".join(t.get_text() for t in _save.drawn_texts(fig)).split())


def warning(d: Diagnosis) -> str:
    return f"(conflict {d.conflict:.2f} > {d.conflict_threshold:.2f}); check them"


@pytest.mark.parametrize("size", ["slide", "page", "column"])
def test_the_case_figures_warn_of_answers_that_conflict(net: Network, size: str) -> None:
    d = case(net, "V17")
    assert d.conflicted
    for draw in (figures.plot_causes, figures.plot_next_questions):
        said = words(_style.figure_of(draw(d, size=size)))
        assert "these answers are jointly surprising for the model" in said, (draw, size)
        assert warning(d) in said, (draw, size)
    fine = case(net, "EX01")
    assert not fine.conflicted
    for draw in (figures.plot_causes, figures.plot_next_questions):
        assert "conflict" not in words(_style.figure_of(draw(fine, size=size)))


@pytest.mark.parametrize("size", ["slide", "page", "column"])
def test_an_emergency_that_conflicts_says_so_too(net: Network, size: str) -> None:
    d = case(net, "EX18")
    assert d.triage == "emergency"
    assert "conflict" not in words(_style.figure_of(figures.plot_next_questions(d, size=size)))
    # the same diagnosis, its answers made to conflict
    odd = dataclasses.replace(d, conflict=d.conflict_threshold + 1.0)
    assert odd.conflicted
    said = words(_style.figure_of(figures.plot_next_questions(odd, size=size)))
    assert warning(odd) in said


def test_the_captions_of_03_and_05_warn_of_it(net: Network, tmp_path: Path) -> None:
    d = case(net, "V17")
    table = read_case_table(str(DATA / "vignettes.csv"))[0]
    figures.write_teaching_figures(
        tmp_path, only=["03", "05"], cases=table, case_id="V17", network=net, dpi=50
    )
    said = (tmp_path / "captions.md").read_text(encoding="utf-8")
    lines = [line for line in said.splitlines() if line.startswith("- `0")]
    assert len(lines) == 2
    for line in lines:
        assert f"Warning: these answers are jointly surprising for the model {warning(d)}." in line
