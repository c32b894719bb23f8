"""Figure 03 marks the causes lower down that the answers point to, as ``diagnose`` does.

The text report names them under "why" with their odds factor and the explorer marks
their bars; a teacher's figure of the same case showed a spondylitis at 8% with
nothing to say that the answers had raised its odds eight-fold.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

from backspasm import figures
from backspasm._text import percent
from backspasm.diagnosis import diagnose
from backspasm.explain.odds import pointed_causes
from backspasm.figures.case import POINTED_LEGEND
from helpers import SPONDYLITIS


def _values(ax: plt.Axes) -> dict[str, str]:
    return {
        str(t.get_gid()).removeprefix("value:"): t.get_text()
        for t in ax.texts
        if str(t.get_gid()).startswith("value:")
    }


def _legend(ax: plt.Axes) -> list[str]:
    legend = ax.get_legend()
    return [] if legend is None else [t.get_text() for t in legend.get_texts()]


@pytest.mark.parametrize("size", ["slide", "column"])
def test_a_pointed_cause_shows_its_odds_factor_as_diagnose_says_it(size: str) -> None:
    d = diagnose(SPONDYLITIS)
    assert pointed_causes(d.causes) == ["ankylosing_spondylitis"]
    table = d.causes.set_index("cause")
    ax = figures.plot_causes(d, size=size)
    values = _values(ax)
    factor = float(table.loc["ankylosing_spondylitis", "odds_factor"])
    assert factor > 7.5
    posterior = float(table.loc["ankylosing_spondylitis", "posterior"])
    base = float(table.loc["ankylosing_spondylitis", "given_context"])
    said = f"{percent(posterior)}  \u00d7{factor:.1f} over {percent(base)}"
    assert values["ankylosing_spondylitis"] == said
    assert f"x{factor:.1f} " in str(d)  # the same figure as under "why"
    for cause, said in values.items():  # every other value is the posterior alone
        if cause != "ankylosing_spondylitis":
            assert said == percent(float(table.loc[cause, "posterior"])), cause
    assert POINTED_LEGEND in _legend(ax)
    plt.close("all")


def test_no_factor_and_no_legend_entry_when_nothing_is_pointed_to() -> None:
    d = diagnose({"age": 26, "sex": "male"})
    assert pointed_causes(d.causes) == []
    ax = figures.plot_causes(d)
    assert not any(" \u00d7" in v for v in _values(ax).values())
    assert POINTED_LEGEND not in _legend(ax)
    plt.close("all")


def test_the_alt_text_says_the_factor_as_the_figure_writes_it(tmp_path: Path) -> None:
    import pandas as pd

    from backspasm.figures import write_teaching_figures

    cases = pd.DataFrame([{**SPONDYLITIS, "case_id": "AS1"}]).astype(str)
    write_teaching_figures(tmp_path, cases=cases, case_id="AS1", only=["03"], dpi=40)
    lines = (tmp_path / "captions.md").read_text(encoding="utf-8").splitlines()
    (line,) = [x for x in lines if x.startswith("- `03-causes.png`: ")]  # its caption line
    row = diagnose(SPONDYLITIS).causes.set_index("cause").loc["ankylosing_spondylitis"]
    factor, said = float(row["odds_factor"]), percent(float(row["posterior"]))
    base = percent(float(row["given_context"]))
    assert line.startswith("- `03-causes.png`")
    assert f"raised the odds of Ankylosing spondylitis {factor:.1f}-fold over {base}," in line
    assert f"(marked \u00d7{factor:.1f} over {base})" in line
    # the value alone where the sentence names the serious cause
    assert f"most probable serious cause Ankylosing spondylitis {said};" in line


#: EX16 of the example cases: spinal stenosis falls below its tick (2.8% to 0.7%) yet
#: is pointed to, its odds raised 3.3-fold over age, sex and setting alone.
EX16 = {
    "age": 26,
    "sex": "male",
    "spasm_duration_weeks": 30,
    "spasm_location": "lower_back",
    "spine_stiffness": "yes",
    "leg_or_buttock_pain": "yes",
    "fever": "no",
    "night_pain": "yes",
    "better_with_exercise_not_rest": "yes",
    "wakes_second_half_of_night": "yes",
}


@pytest.mark.parametrize("size", ["slide", "page", "column"])
def test_a_factor_on_a_bar_that_fell_names_the_belief_it_is_over(size: str) -> None:
    """A bare "x3.3" on a bar below its tick read as a contradiction (a teacher's audit)."""
    d = diagnose(EX16)
    row = d.causes.set_index("cause").loc["spinal_stenosis"]
    assert "spinal_stenosis" in pointed_causes(d.causes)
    assert float(row["posterior"]) < float(row["prior"])  # the bar fell below its tick
    assert float(row["given_context"]) < float(row["posterior"])  # but rose over its base
    said = _values(figures.plot_causes(d, size=size))["spinal_stenosis"]
    base = percent(float(row["given_context"]))
    assert (
        said
        == f"{percent(float(row['posterior']))}  \u00d7{float(row['odds_factor']):.1f} over {base}"
    )
    assert said.endswith(f" over {base}")
    assert base != percent(float(row["prior"]))
    plt.close("all")
