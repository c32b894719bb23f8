"""Figure 05 at every size: an emergency's reasons never run into what follows them,
and every case's title says its triage level (teacher audit 23, #2, #3, #11).

On a slide, an emergency's "because: ..." reasons were written in full from a fixed
place, and the "Can wait" heading and its rule were drawn at a fixed place too: with
four or five reasons (case EX18 of example_cases.csv, the README's own example) the
last lines of the reasons were drawn over the heading and the rule. And the figure of
a case not sent to the emergency department said neither its triage level nor
P(a serious cause), as the emergency's and figure 03 do.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.figure
import pytest

from backspasm import figures
from backspasm.diagnosis import Diagnosis, diagnose
from backspasm.figures import _save, _style
from backspasm.figures._results import _answers_of
from backspasm.figures._words import ge, percent
from backspasm.network import Network
from backspasm.scoring.cases import read_case_table

pytestmark = [
    pytest.mark.usefixtures("figures_closed"),
    pytest.mark.filterwarnings("ignore:the label of .* is too long:UserWarning"),
]

DATA = Path(__file__).resolve().parents[2] / "data"
SIZES = ("slide", "page", "column")


def case(net: Network, case_id: str | None) -> Diagnosis:
    if case_id is None:
        return diagnose(figures.DEFAULT_CASE, network=net)
    name = "vignettes.csv" if case_id.startswith("V") else "example_cases.csv"
    table = read_case_table(str(DATA / name))[0]
    return diagnose(_answers_of(table, case_id, net), network=net)


def boxes(fig: matplotlib.figure.Figure) -> list[tuple[Any, Any]]:
    texts = _save.drawn_texts(fig)
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    return [(t, t.get_window_extent(renderer)) for t in texts]


def overlaps(fig: matplotlib.figure.Figure) -> list[tuple[str, str]]:
    return [
        (a.get_text()[:50], b.get_text()[:50])
        for (a, x), (b, y) in itertools.combinations(boxes(fig), 2)
        if x.x0 + 0.5 < y.x1 and y.x0 + 0.5 < x.x1 and x.y0 + 0.5 < y.y1 and y.y0 + 0.5 < x.y1
    ]


def by_gid(ax: Any, gid: str) -> Any:
    (found,) = [t for t in ax.texts if t.get_gid() == gid]
    return found


@pytest.mark.parametrize("case_id", [None, "EX18", "TB15"])
def test_an_emergency_s_reasons_stay_above_the_rule_and_heading_on_a_slide(
    net: Network, case_id: str | None
) -> None:
    d = case(net, case_id)
    assert d.triage == "emergency"
    ax = figures.plot_next_questions(d, size="slide")
    fig = _style.figure_of(ax)
    assert overlaps(fig) == []
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    reasons = by_gid(ax, "reasons").get_window_extent(renderer)
    heading = by_gid(ax, "can-wait").get_window_extent(renderer)
    (rule,) = [line for line in ax.lines if not line.get_gid()]
    rule_y = rule.get_transform().transform((0.0, rule.get_ydata()[0]))[1]
    assert reasons.y0 > rule_y > heading.y1  # reasons, then the rule, then the heading
    # the bars that can wait all under the heading
    for bar in ax.patches:
        if str(bar.get_gid()).startswith("later:"):
            assert bar.get_window_extent(renderer).y1 < heading.y0
    # each reason is written, or counted at the end
    said = " ".join(by_gid(ax, "reasons").get_text().split())
    shown = [r for r in d.triage_words if " ".join(ge(r).split()) in said]
    if len(shown) < len(d.triage_words):
        assert said.endswith(f"+{len(d.triage_words) - len(shown)} more")
    assert shown  # at least the first one
    # the rows that can wait are next_questions()'s first, in its order
    later = [str(b.get_gid())[6:] for b in ax.patches if str(b.get_gid()).startswith("later:")]
    assert later == list(d.next_questions()["question"][: len(later)])
    assert len(later) >= 3
    assert "by expected information gain" in by_gid(ax, "can-wait").get_text()


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("case_id", ["EX01", "V17", "EX31"])
def test_a_case_not_sent_to_the_emergency_department_says_its_triage(
    net: Network, case_id: str, size: str
) -> None:
    d = case(net, case_id)
    assert d.triage != "emergency"
    ax = figures.plot_next_questions(d, size=size)
    fig = _style.figure_of(ax)
    said = " ".join(t.get_text() for t, _ in boxes(fig))
    level = _style.TRIAGE_NAMES.get(d.triage, d.triage)
    assert f"triage: {level}" in said, (case_id, size)
    # as diagnose writes it
    assert f"P(a serious cause) = {percent(float(d.p_serious))}" in said, (case_id, size)
    assert overlaps(fig) == [], (case_id, size)
    page = fig.bbox
    for t, b in boxes(fig):
        assert b.x0 >= page.x0 - 1, t.get_text()
        assert b.x1 <= page.x1 + 1, t.get_text()
        assert b.y0 >= page.y0 - 1, t.get_text()
        assert b.y1 <= page.y1 + 1, t.get_text()


@pytest.mark.parametrize("size", ["page", "column"])
@pytest.mark.parametrize("case_id", [None, "V17", "EX18"])
def test_a_prompt_too_long_for_a_journal_is_named_not_cut(
    net: Network, case_id: str | None, size: str
) -> None:
    """#7: "or been unable to pass…" did not say what was asked; the question is named."""
    from backspasm.questionnaire import questions_for

    d = case(net, case_id)
    ax = figures.plot_next_questions(d, size=size)
    _save.drawn_texts(_style.figure_of(ax))  # laid out
    said = [" ".join(t.get_text().removeprefix("⚠ ").split()) for t in ax.get_yticklabels()]
    assert said
    assert not any("…" in s for s in said), said
    prompts = {q.prompt for q in questions_for(net)} | {
        "(clinician's exam) " + q.prompt for q in questions_for(net)
    }
    names = {net.label(n) for n in net.node_names}
    assert all(s in prompts or s in names for s in said), said
