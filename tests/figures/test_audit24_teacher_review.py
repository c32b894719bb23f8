"""What a teacher's review of the figures found, as a teacher would see it (review 24).

- #7: 01b's subtitle ran to the image's last pixel (at a low resolution, past it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest

from backspasm import figures
from backspasm.diagnosis import Diagnosis, diagnose
from backspasm.figures._results import _answers_of
from backspasm.network import Network, default_network

pytestmark = [
    pytest.mark.usefixtures("figures_closed"),
    pytest.mark.filterwarnings("ignore:the label of .* is too long:UserWarning"),
]

DATA = Path(__file__).resolve().parents[2] / "data"
SIZES = ["slide", "page", "column"]


@pytest.fixture(scope="module")
def net() -> Network:
    return default_network()


def case(net: Network, file: str | None, case_id: str | None) -> Diagnosis:
    """A case of a data file, or the built-in example case (the epidural abscess)."""
    if file is None:
        return diagnose(figures.SCENARIOS["Epidural abscess"], network=net)
    table = pd.read_csv(DATA / file, dtype=str, keep_default_na=False)
    return diagnose(_answers_of(table, case_id, net), network=net)


def one_line(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split())


def drawn(ax: Any) -> Any:
    fig = ax.get_figure(root=True)
    fig.canvas.draw()
    return fig.canvas.get_renderer()


# ---------------------------------------------- #7: 01b's subtitle has a margin


@pytest.mark.parametrize("dpi", [30, 40, 60, 72, 100, 300])
def test_the_diagnostic_views_title_keeps_clear_of_the_right_edge(dpi: int) -> None:
    ax = figures.plot_diagnostic_view()
    fig = ax.get_figure(root=True)
    fig.set_dpi(dpi)
    renderer = drawn(ax)
    title = ax.title if ax.get_title() else ax._left_title
    box = title.get_window_extent(renderer)
    assert box.x1 <= fig.bbox.x1 - 0.1 * dpi, (dpi, box.x1, fig.bbox.x1)
