"""The figures that give P(a serious cause) say once what it is, in 07's words.

Figure 07 said in its key what its headings' P(serious) is; the titles of 03 and 05
gave "P(a serious cause) = 53.1%" beside bars that add up to more, and said nothing
of it (teacher audit). One wording, :data:`SERIOUS_MEANING`, for all; where no cause's
bar is drawn (02, 05), without its last words on the bars (:data:`SERIOUS_PLAIN`).
02 said it in its caption only (a review): its title says it after the number, on the
triage's line, as its caption does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest
from matplotlib.text import Text

from backspasm import figures
from backspasm.diagnosis import Diagnosis, diagnose
from backspasm.figures import scenarios
from backspasm.figures._triage_words import SERIOUS_MEANING, SERIOUS_NAME, SERIOUS_PLAIN
from backspasm.network import Network

pytestmark = pytest.mark.usefixtures("figures_closed")

MEANS = f"{SERIOUS_NAME}: {SERIOUS_MEANING}"
PLAIN = f"{SERIOUS_NAME}: {SERIOUS_PLAIN}"  # where no cause's bar is drawn
BARS = "not the sum of their bars"
SHORT = f"({SERIOUS_NAME}: at least one)"


@pytest.fixture(scope="module")
def strain(net: Network) -> Diagnosis:
    return diagnose(dict(figures.SCENARIOS["Lifting strain"]), network=net)


def _said(fig: Any) -> str:
    """Every text the figure draws, each on one line, one after another."""
    return " | ".join(" ".join(t.get_text().split()) for t in fig.findobj(Text))


def test_07_and_the_others_share_one_wording() -> None:
    assert f"P(serious): {SERIOUS_MEANING}" == scenarios.SERIOUS_MEANS


@pytest.mark.parametrize("size", ["slide", "page", "column"])
def test_03_says_it_in_its_key(case: Diagnosis, size: str) -> None:
    ax = figures.plot_causes(case, size=size)
    key = ax.get_legend()
    if size == "column":  # a column's key has no line to spare: in short, in its entry
        entries = [" ".join(t.get_text().split()) for t in key.get_texts()]
        assert f"after the answers: serious {SHORT}" in entries
    else:
        assert " ".join(key.get_title().get_text().split()) == MEANS
        assert key.get_title().get_gid() == "serious_means"
        assert _said(ax.get_figure()).count(SERIOUS_MEANING) == 1
    plt.close(ax.get_figure())


@pytest.mark.parametrize("size", ["slide", "page", "column"])
@pytest.mark.parametrize("which", ["emergency", "self-care"])
def test_05_says_it_once(case: Diagnosis, strain: Diagnosis, which: str, size: str) -> None:
    d = case if which == "emergency" else strain
    ax = figures.plot_next_questions(d, size=size)
    fig = ax.get_figure()
    said = _said(fig)
    assert f"{SERIOUS_NAME} = " in said
    assert said.count(" ".join(PLAIN.split())) == 1, said
    assert BARS not in said  # 05 draws the questions' bars, not the causes'
    # inside the figure
    fig.canvas.draw()
    for text in fig.findobj(Text):
        if "at least one serious" in " ".join(text.get_text().split()):
            box = text.get_window_extent()
            assert fig.bbox.x0 - 1 <= box.x0
            assert box.x1 <= fig.bbox.x1 + 1
            assert fig.bbox.y0 - 1 <= box.y0
            assert box.y1 <= fig.bbox.y1 + 1
    plt.close(fig)


def test_the_captions_of_02_and_03_say_it(captions: Callable[..., Any]) -> None:
    drawn = captions("02-network-beliefs", "03-causes")
    assert [stem for stem, _ in drawn] == ["02-network-beliefs", "03-causes"]
    for stem, said in drawn:
        assert f"{SERIOUS_NAME} = " in said
        assert said.count(SERIOUS_PLAIN) == 1, stem
        assert (BARS in said) == (stem == "03-causes"), stem  # 02 draws no bars


@pytest.mark.parametrize("which", ["emergency", "self-care"])
def test_02_says_it_beside_the_number(case: Diagnosis, strain: Diagnosis, which: str) -> None:
    d = case if which == "emergency" else strain
    ax = figures.plot_network_beliefs(d)
    fig = ax.get_figure()
    said = _said(fig)
    assert said.count(" ".join(SERIOUS_PLAIN.split())) == 1, said
    assert BARS not in said  # 02 draws every node's belief, no sum of causes' bars
    title = " ".join(ax.get_title(loc="left").split())
    assert f"{SERIOUS_NAME} = " in title
    assert title.index(SERIOUS_NAME) < title.index(SERIOUS_PLAIN)
    # the title keeps to its four lines (and one for an incomplete screen) and the slide
    assert title.count("because:") == (which == "emergency")
    assert ax.get_title(loc="left").count("\n") + 1 <= 4 + (which == "self-care")
    fig.canvas.draw()
    box = ax._left_title.get_window_extent()
    assert fig.bbox.x0 - 1 <= box.x0
    assert box.x1 <= fig.bbox.x1 + 1
    assert box.y1 <= fig.bbox.y1 + 1
    plt.close(fig)
