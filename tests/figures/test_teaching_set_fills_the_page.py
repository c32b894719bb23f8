"""The teaching set shows what it explains, and uses its page.

Findings 3 and 12 of a newcomer's audit: figure 05 of an emergency (the demo's case,
the CLI's default and notebook 03's) was a blank page saying "none before going", so
no information gain was ever drawn; 09 and 10 left the right half of the slide
empty; 01b drew a finding-to-finding and a mechanism-to-mechanism edge as hooks
past the nodes (its subtitle saying every line left a cause or mechanism) and ran
two column headers into each other; 07 read "duration of spasms 0 weeks"; and the
partial network's "Findings" header stood over one of its three sub-columns.
"""

from __future__ import annotations

from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.colors
import pytest

from backspasm import figures
from backspasm.diagnosis import diagnose
from backspasm.network import Network, default_network

pytestmark = [
    pytest.mark.usefixtures("figures_closed"),
    # a label of the knowledge base too long for the network's boxes is not what
    # these tests are about (other tests hold the labels to their length)
    pytest.mark.filterwarnings("ignore:the label of .* is too long:UserWarning"),
]


def gids(ax: Any, prefix: str) -> dict[str, Any]:
    return {
        a.get_gid()[len(prefix) :]: a
        for a in [*ax.patches, *ax.texts, *ax.lines]
        if isinstance(a.get_gid(), str) and a.get_gid().startswith(prefix)
    }


def renderer_of(ax: Any) -> Any:
    fig = ax.get_figure()
    fig.canvas.draw()
    return fig.canvas.get_renderer()


# ------------------------------------------------- 05: an emergency still teaches


def test_an_emergency_says_go_first_then_the_questions_that_can_wait(net: Network) -> None:
    case = diagnose(dict(figures.DEFAULT_CASE), network=net)
    assert case.triage == "emergency"  # the demo's and the CLI's default case
    ax = figures.plot_next_questions(case)
    # the headline: what every view says
    said = " ".join(t.get_text().replace("\n", " ") for t in ax.texts)
    assert "go to an emergency department now" in said  # diagnose's words
    assert "none before going (the other questions can wait)" in said
    assert not gids(ax, "gain:")  # no question offered before going
    # under it, set apart: the questions ranked as next_questions() ranks them
    (heading,) = gids(ax, "can-wait").values()
    assert heading.get_text().startswith("Can wait: what the clinician may ask afterwards")
    bars = gids(ax, "later:")
    shown = sorted(bars, key=lambda q: -bars[q].get_y())  # top to bottom
    expected = case.next_questions().head(len(shown))
    assert len(shown) >= 5
    assert shown == list(expected["question"])
    gains = expected["expected_information_gain"]
    for question, gain in zip(expected["question"], gains, strict=True):
        assert bars[question].get_width() == pytest.approx(float(gain), abs=1e-12)
    # greyed: no group colour, no warning colour, grey prompts
    assert {matplotlib.colors.to_hex(b.get_facecolor()) for b in bars.values()} == {"#c9c9c9"}
    assert {matplotlib.colors.to_hex(t.get_color()) for t in ax.get_yticklabels()} == {"#666666"}
    # the headline stands above the questions, none of its text over a bar
    renderer = renderer_of(ax)
    top_bar = max(b.get_window_extent(renderer).y1 for b in bars.values())
    assert heading.get_window_extent(renderer).y0 > top_bar
    (headline,) = gids(ax, "no-questions").values()
    assert headline.get_window_extent(renderer).y0 > heading.get_window_extent(renderer).y1


def test_the_teaching_set_draws_the_questions_of_its_emergency() -> None:
    # what `backspasm figures` without --cases writes (figure 05 of DEFAULT_CASE)
    from backspasm.figures import teaching

    drawn = dict(teaching._teaching_set(_results()))
    ax = drawn["05-next-questions"].axes[0]
    assert gids(ax, "later:")
    assert gids(ax, "no-questions")


def _results() -> Any:
    """The teaching set's results, without the costly evaluation and scoring."""
    from backspasm.figures import teaching
    from backspasm.learning import evaluate, sample_cases
    from backspasm.scoring.cases import score_table
    from backspasm.sensitivity import sensitivity

    net = default_network()
    case = diagnose(dict(figures.DEFAULT_CASE), network=net)
    sample = sample_cases(60, network=net, seed=0)
    return teaching._Results(
        case=case,
        followed=case.top_cause,
        table=sensitivity(case, case.top_cause),
        scenarios=[diagnose(a, network=net) for a in figures.SCENARIOS.values()],
        scored=score_table(sample, net, name_passed=False),
        mix_name="cases",
        evaluation=evaluate(sample, network=net),
    )


# ----------------------------------------------------- 09 and 10: a balanced slide


@pytest.fixture(scope="module")
def evaluation(net: Network) -> Any:
    from backspasm.learning import evaluate, sample_cases

    return evaluate(sample_cases(2000, network=net, seed=0), network=net)


@pytest.mark.parametrize("kind", ["calibration", "roc"])
def test_evaluation_figures_centre_the_plot_and_its_legend(
    kind: str, evaluation: Any, net: Network
) -> None:
    if kind == "calibration":
        ax = figures.plot_calibration(evaluation, network=net)
    else:
        ax = figures.plot_roc(evaluation, causes=list(net.serious_causes), network=net)
    fig = ax.get_figure()
    renderer = renderer_of(ax)
    width = fig.bbox.width
    drawn = [ax.get_tightbbox(renderer), ax.get_legend().get_window_extent(renderer)]
    drawn += [t.get_window_extent(renderer) for t in ax.texts if t.get_gid() == "roc:not_drawn"]
    left = min(b.x0 for b in drawn)
    right = max(b.x1 for b in drawn)
    assert right <= width + 1  # nothing off the slide
    # not the square at the left with half the slide empty beside it
    assert width - right < 0.2 * width, (left / width, right / width)
    assert abs(left - (width - right)) < 0.1 * width, (left / width, right / width)
    plot = ax.get_window_extent(renderer)
    assert plot.width == pytest.approx(plot.height, rel=0.02)  # still a square


# ------------------------------------------------------ 01b: short, clean edges


def test_the_diagnostic_view_joins_neighbours_in_a_column_cleanly(net: Network) -> None:
    ax = figures.plot_diagnostic_view(net)
    edges = gids(ax, "edge:")
    nodes = gids(ax, "node:")
    renderer = renderer_of(ax)

    def xs(edge: str) -> list[float]:
        """The x of the line and its head (data units; a closing vertex is no point)."""
        path = edges[edge].get_path()
        return [float(v[0]) for v, code in path.iter_segments(simplify=False) if code != 79]

    inside = [
        (parent, child)
        for child in net.spec.nodes
        for parent in net.spec.nodes[child].parents
        if net.group_of(parent) == net.group_of(child) in ("mechanism", "finding")
    ]
    kinds = {net.group_of(child) for _, child in inside}
    assert kinds == {"mechanism", "finding"}  # the two edges of the audit, at least
    for parent, child in inside:
        route = xs(f"{parent}->{child}")
        if net.group_of(child) == "mechanism":
            # neighbours in the column: straight, within the boxes' width
            box = nodes[parent]
            left, right = box.get_x(), box.get_x() + box.get_width()
            assert all(left <= x <= right for x in route), (parent, child)
        else:
            # one finding to another: in one column, a short arc left of the dots,
            # never past them into the labels
            (px,), (cx,) = nodes[parent].get_xdata(), nodes[child].get_xdata()
            assert px == cx, (parent, child)
            assert max(route) <= px
            assert min(route) >= px - 0.3
    said = ax.get_title(loc="left")
    assert "from a cause or mechanism to what it produces" not in said
    assert "from a cause, mechanism or finding" in said
    headers = [t.get_window_extent(renderer) for t in gids(ax, "header:").values()]
    assert len(headers) == 3
    for i, a in enumerate(headers):
        assert not any(a.overlaps(b) for b in headers[i + 1 :])


def test_no_arrow_of_the_diagnostic_view_strikes_through_a_findings_label(net: Network) -> None:
    """The arrows to the right-hand findings pass under the left-hand labels' backing.

    A teacher's audit (session 47): drawn over the text, the lines into the right-hand
    column struck through "Cannot hold a plank", "Walking leg pain eased by sitting"
    and a dozen other labels on a projector.
    """
    ax = figures.plot_diagnostic_view(net)
    renderer = renderer_of(ax)
    edges = gids(ax, "edge:")
    crossed = 0
    for name, label in gids(ax, "label:").items():
        if net.group_of(name) != "finding":
            continue
        box = label.get_window_extent(renderer)
        over = [
            e
            for e in edges.values()
            if e.get_path().transformed(e.get_transform()).intersects_bbox(box, filled=True)
            and not e.get_gid().endswith(f"->{name}")
        ]
        crossed += bool(over)
        if over:
            backing = label.get_bbox_patch()
            assert backing is not None, name
            assert backing.get_facecolor()[:3] == (1.0, 1.0, 1.0), name
            assert backing.get_facecolor()[3] >= 0.8, name
            assert all(label.get_zorder() > e.get_zorder() for e in over), name
    assert crossed >= 5  # the audit's labels are crossed: the check has work to do


# ----------------------------------------------------------- 07: words of a person


def test_a_duration_of_zero_reads_under_a_week(net: Network) -> None:
    said = figures.describe_answers
    assert said({"spasm_duration_weeks": 0}) == "spasms for under a week"
    assert said({"spasm_duration_weeks": 3}) == "spasms for 3 weeks"
    fig = figures.plot_scenarios(
        [diagnose(a, network=net) for a in figures.SCENARIOS.values()],
        names=list(figures.SCENARIOS),
    )
    titles = " ".join(a.get_title(loc="center").replace("\n", " ") for a in fig.get_axes())
    titles += " ".join(t.get_text().replace("\n", " ") for a in fig.get_axes() for t in a.texts)
    assert "0 weeks" not in titles
    assert "duration of spasms" not in titles


# ------------------------------------------- network: a header over all its columns


def test_a_layer_header_spans_all_its_sub_columns(net: Network) -> None:
    ax = figures.plot_network(net, groups=["cause_serious", "mechanism", "finding"])
    boxes = gids(ax, "node:")
    findings = [b for n, b in boxes.items() if net.group_of(n) == "finding"]
    left = min(b.get_x() for b in findings)
    right = max(b.get_x() + b.get_width() for b in findings)
    columns = {round(b.get_x(), 6) for b in findings}
    assert len(columns) >= 2  # dealt into sub-columns
    (header,) = [t for k, t in gids(ax, "header:").items() if k.startswith("Findings")]
    assert header.get_position()[0] == pytest.approx((left + right) / 2, abs=1e-6)
    (rule,) = [line for k, line in gids(ax, "header-rule:").items() if k.startswith("Findings")]
    xs = rule.get_xdata()
    assert min(xs) == pytest.approx(left, abs=0.05)
    assert max(xs) == pytest.approx(right, abs=0.05)
