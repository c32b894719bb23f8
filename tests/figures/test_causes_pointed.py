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
    assert values["ankylosing_spondylitis"] == f"{percent(posterior)}  x{factor:.1f}"
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
    assert not any(" x" in v for v in _values(ax).values())
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
    assert line.startswith("- `03-causes.png`")
    assert f"the answers raised the odds of Ankylosing spondylitis {factor:.1f}-fold" in line
    # the value alone where the sentence names the serious cause
    assert f"most probable serious cause Ankylosing spondylitis {said};" in line
