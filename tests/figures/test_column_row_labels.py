"""Figures 03 and 05 at a journal column's width keep every row label in, at any dpi.

A review: ``plot_causes(case, size="column")`` then ``save_figure(fig, "03.png",
dpi=80)`` warned that "Weak or tight back muscles" was cut, and figure 05 of a case
without a red flag that "⚠ Both-sided or worsening deficit" was: a figure is laid out
once, measuring its text at 600 dpi, and a column's 6.3 pt row labels drawn at 80 dpi
are up to 12% wider (0.17 in of a 1.5 in label), more than the room kept at the
figure's left edge.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

from backspasm import figures
from backspasm.diagnosis import diagnose
from backspasm.figures import _save
from backspasm.network import Network

pytestmark = pytest.mark.usefixtures("figures_closed")

CASES = {
    "example": dict(figures.DEFAULT_CASE),
    "lifting strain": dict(figures.SCENARIOS["Lifting strain"]),
    "no answers": {},
}
DRAW = {"03": figures.plot_causes, "05": figures.plot_next_questions}


@pytest.mark.parametrize("dpi", [80, 100, 300])
@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("stem", list(DRAW))
def test_a_column_figure_saved_at_any_dpi_cuts_no_row_label(
    net: Network, tmp_path: Path, stem: str, name: str, dpi: int
) -> None:
    fig = DRAW[stem](diagnose(CASES[name], network=net), size="column").get_figure()
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        figures.save_figure(fig, tmp_path / f"{stem}.png", dpi=dpi, close=False)
    assert [str(w.message) for w in said] == [], (stem, name, dpi)
    # as the file draws it: every text inside the figure
    fig.set_dpi(dpi)
    assert _save.texts_cut(fig) == [], (stem, name, dpi)
    plt.close(fig)
