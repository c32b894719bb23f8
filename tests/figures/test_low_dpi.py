"""The teaching set written at a low resolution keeps every text inside its figures.

A review: ``backspasm figures --size page --dpi 72`` (slides exported small) cut a
label of figures 03, 05, 06, 08 and 10 ("Vertebral compression fracture", the row
labels of 06, a legend entry of 10): a narrow figure is laid out where text takes
the room it takes in print (600 dpi), and the hinting of small type makes a line of
it up to about 13% wider or narrower at 70 to 80 dpi, more than the pad kept for it.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import pytest

from backspasm import figures
from backspasm.figures import _save, teaching
from backspasm.network import Network
from helpers import teaching_figure_at

pytestmark = [
    pytest.mark.usefixtures("figures_closed"),
    pytest.mark.filterwarnings("ignore:the label of .* is too long:UserWarning"),
    pytest.mark.filterwarnings("ignore:PNG files at:UserWarning"),
]

#: The figures a low resolution cut a label of, on a page.
CUT = ["03", "05", "06", "08", "10"]


def _written(
    out: Path, net: Network, dpi: int, size: str, only: list[str]
) -> dict[str, list[str]]:
    """Write figures of the set at ``dpi``; the texts cut in each PNG file, by figure."""
    render = teaching._render
    cut: list[list[str]] = []

    def measured(fig: Any, fmt: str, at: int) -> bytes:
        data = render(fig, fmt, at)
        own = fig.dpi
        fig.set_dpi(at)  # measured as the file draws it
        try:
            cut.append(_save.texts_cut(fig))
        finally:
            fig.set_dpi(own)
        return data

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(teaching, "_render", measured)
        paths = figures.write_teaching_figures(out, network=net, dpi=dpi, size=size, only=only)
    return {p.stem: c for p, c in zip(paths, cut, strict=True) if c}


@pytest.mark.parametrize("dpi", [70, 72, 75, 80])
def test_a_page_of_the_set_at_a_low_dpi_cuts_no_text(
    tmp_path: Path, net: Network, dpi: int
) -> None:
    assert _written(tmp_path, net, dpi, "page", CUT) == {}


@pytest.mark.parametrize(("size", "dpi"), [("column", 72), ("column", 75), ("slide", 75)])
def test_the_other_sizes_at_a_low_dpi_cut_no_text(
    tmp_path: Path, net: Network, size: str, dpi: int
) -> None:
    every = ["03", "04", "05", "06", "07", "08", "09", "10"]
    assert _written(tmp_path, net, dpi, size, every) == {}


@pytest.mark.parametrize("dpi", [70, 72])
def test_the_triage_levels_of_a_page_s_case_mix_keep_apart_at_a_low_dpi(
    tmp_path: Path, net: Network, dpi: int
) -> None:
    # "see a doctor" ran into "self-care (32 screen incomplete)" at 70 and 72 dpi:
    # three names of a panel 1/2.3 of the page's width, 0.04 in apart at 300 dpi
    fig = teaching_figure_at(net, "08", dpi, "page")
    boxes = [t.get_window_extent() for t in fig.axes[1].get_xticklabels()]
    gaps = [(b.x0 - a.x1) / dpi for a, b in itertools.pairwise(boxes)]
    assert min(gaps) > 0.02, gaps
