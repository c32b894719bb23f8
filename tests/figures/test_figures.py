"""Figures draw what they claim: bars equal the numbers, labels name the nodes.

Run with ``--save-figures DIR`` to keep every figure drawn here as a PNG for review.
"""

from __future__ import annotations

import itertools
import math
import re
import subprocess
import sys
from pathlib import Path

import matplotlib
import matplotlib.figure
import matplotlib.text

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.patches import FancyBboxPatch

from backspasm import figures
from backspasm._text import percent
from backspasm.diagnosis import Diagnosis, diagnose
from backspasm.exceptions import BackspasmError
from backspasm.explain.odds import pointed_causes
from backspasm.figures import _style, _words
from backspasm.figures.scenarios import scenario_answers
from backspasm.network import Network
from backspasm.scoring import score_cases
from backspasm.sensitivity import sensitivity
from backspasm.spec import GROUPS
from helpers import heading_of

DATA = Path(__file__).resolve().parents[2] / "data"


pytestmark = pytest.mark.usefixtures("figures_closed")


@pytest.fixture(scope="module")
def abscess(net: Network) -> Diagnosis:
    return diagnose(dict(figures.DEFAULT_CASE), network=net)


@pytest.fixture(scope="module")
def stone(net: Network) -> Diagnosis:
    # an unsure answer (soft evidence) as well as hard ones
    return diagnose({**figures.SCENARIOS["Kidney stones"], "fever": 0.3}, network=net)


@pytest.fixture(scope="module")
def examples() -> pd.DataFrame:
    return pd.read_csv(DATA / "example_cases.csv", dtype=str, keep_default_na=False)


def by_gid(ax: plt.Axes, prefix: str) -> dict[str, object]:
    return {
        p.get_gid()[len(prefix) :]: p
        for p in [*ax.patches, *ax.lines, *ax.texts]
        if isinstance(p.get_gid(), str) and p.get_gid().startswith(prefix)
    }


def title(ax: plt.Axes) -> str:
    return heading_of(ax)


def texts(ax: plt.Axes) -> list[str]:
    return [t.get_text() for t in ax.texts]


def smallest_font_on_a_slide(fig: matplotlib.figure.Figure) -> float:
    """The smallest visible text (points) once the figure is fitted onto a slide.

    A figure wider or taller than 13.33 x 7.5 in is shrunk to fit (keeping its
    aspect ratio), and its text with it.
    """
    fig.canvas.draw()
    scale = min(1.0, 13.33 / fig.get_figwidth(), 7.5 / fig.get_figheight())
    return min(
        t.get_fontsize() * scale
        for t in fig.findobj(matplotlib.text.Text)
        if t.get_visible() and t.get_text().strip()
    )


def assert_slide_readable(fig: matplotlib.figure.Figure, *, slide: bool = True) -> None:
    assert smallest_font_on_a_slide(fig) >= 9.0
    assert fig.get_figwidth() == pytest.approx(13.33)
    if slide:  # fits a 16:9 slide whole
        assert fig.get_figheight() == pytest.approx(7.5)


# ---------------------------------------------------------------------- network


def test_plot_network_draws_every_node_edge_and_group(net: Network) -> None:
    ax = figures.plot_network(net)
    boxes = by_gid(ax, "node:")
    assert set(boxes) == set(net.model.nodes())
    assert len(boxes) == len(net.model.nodes())
    assert all(isinstance(b, FancyBboxPatch) for b in boxes.values())
    edges = by_gid(ax, "edge:")
    assert {tuple(e.split("->")) for e in edges} == set(net.model.edges())
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == [_style.tagged(figures.GROUP_NAMES[g], g) for g in GROUPS]
    assert f"{len(net.model.nodes())} nodes" in title(ax)
    assert f"{len(net.model.edges())} arrows" in title(ax)
    for node, box in boxes.items():  # coloured by group
        edge = matplotlib.colors.to_hex(box.get_edgecolor())
        group = net.group_of(node)
        assert edge in {figures.GROUP_COLOURS[group].lower(), "#c2b40a"}


def test_plot_network_labels_fit_their_boxes_and_nothing_overlaps(net: Network) -> None:
    ax = figures.plot_network(net)
    fig = ax.get_figure()
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = by_gid(ax, "node:")
    extents = {n: b.get_window_extent(renderer) for n, b in boxes.items()}
    for node, label in by_gid(ax, "label:").items():
        text_box = label.get_window_extent(renderer)
        assert extents[node].contains(text_box.x0 + 1, text_box.y0 + 1), node
        assert extents[node].contains(text_box.x1 - 1, text_box.y1 - 1), node
    names = sorted(extents)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            assert not extents[a].overlaps(extents[b]), (a, b)
    headers = [t.get_window_extent(renderer) for t in by_gid(ax, "header:").values()]
    for i, a in enumerate(headers):
        assert not any(a.overlaps(b) for b in headers[i + 1 :])


def test_plot_network_is_deterministic_and_draws_on_a_given_axes(net: Network) -> None:
    first = {
        n: b.get_x() + b.get_y() * 1j
        for n, b in by_gid(figures.plot_network(net), "node:").items()
    }
    _fig, ax = plt.subplots(figsize=(20, 12))
    out = figures.plot_network(net, ax=ax, show_legend=False)
    assert out is ax
    assert ax.get_legend() is None
    second = {n: b.get_x() + b.get_y() * 1j for n, b in by_gid(ax, "node:").items()}
    assert first == second


def test_plot_network_groups_draws_a_subnetwork(net: Network) -> None:
    import networkx as nx

    groups = ("cause_serious", "mechanism", "finding")
    ax = figures.plot_network(net, groups=groups)
    # the serious causes, the mechanisms they act through and the findings that
    # reveal them: nothing unconnected to a serious cause
    inside = nx.DiGraph(net.model.subgraph({n for g in groups for n in net.nodes_in(g)}))
    serious = set(net.nodes_in("cause_serious"))
    expected = serious | {d for c in serious for d in nx.descendants(inside, c)}
    assert set(by_gid(ax, "node:")) == expected
    unlinked = {n for g in groups for n in net.nodes_in(g)} - expected
    assert unlinked  # some mechanisms and findings have nothing to do with them
    assert "electrolyte_or_fluid_imbalance" in unlinked
    assert "only the nodes linked to the causes shown" in title(ax)
    edges = {tuple(e.split("->")) for e in by_gid(ax, "edge:")}
    assert edges == {(u, v) for u, v in inside.edges() if u in expected and v in expected}
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        _style.tagged(figures.GROUP_NAMES[g], g) for g in groups
    ]
    # groups without causes draw every node of the groups
    ax = figures.plot_network(net, groups=("mechanism", "finding"))
    assert set(by_gid(ax, "node:")) == set(net.nodes_in("mechanism")) | set(
        net.nodes_in("finding")
    )
    with pytest.raises(BackspasmError, match="'groups' parameter"):
        figures.plot_network(net, groups=("causes",))


def test_plot_network_beliefs_bars_equal_posteriors(stone: Diagnosis) -> None:
    ax = figures.plot_network_beliefs(stone)
    tracks = by_gid(ax, "track:")
    bars = by_gid(ax, "belief:")
    net = stone.network
    assert set(tracks) == set(net.model.nodes())
    for node in net.model.nodes():
        width = tracks[node].get_width()
        if net.states(node) == ("no", "yes"):
            assert bars[node].get_width() / width == pytest.approx(
                stone.beliefs[node]["yes"], abs=1e-12
            )
        else:
            for state in net.states(node):
                seg = bars[f"{node}:{state}"]
                assert seg.get_width() / width == pytest.approx(
                    stone.beliefs[node][state], abs=1e-12
                )
    rings = by_gid(ax, "evidence:")
    assert set(rings) == set(stone.evidence)
    assert rings["fever"].get_linestyle() != "-"  # the unsure answer is dashed
    assert rings["blood_in_urine"].get_linewidth() > 2
    observed = {k: t.get_text() for k, t in by_gid(ax, "observed:").items()}
    assert observed["spasm_location"] == "= flank"
    assert "fever" not in observed
    assert stone.triage.replace("_", " ") in title(ax)
    assert "because: " in title(ax)  # the triage's reasons, as diagnose says them
    assert "unsure answer" in [t.get_text() for t in ax.get_legend().get_texts()]


# ----------------------------------------------------------------------- causes


def test_plot_causes_bar_lengths_equal_prior_and_posterior(abscess: Diagnosis) -> None:
    ax = figures.plot_causes(abscess)
    posts, priors = by_gid(ax, "posterior:"), by_gid(ax, "prior:")
    table = abscess.causes.set_index("cause")
    assert set(posts) == set(priors) == set(table.index)
    for cause, row in table.iterrows():
        assert posts[cause].get_width() == pytest.approx(row["posterior"], abs=1e-12)
        assert list(priors[cause].get_xdata()) == pytest.approx([row["prior"]] * 2, abs=1e-12)
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    for label in table["label"]:
        assert any(label in t for t in ticks)
    serious = [t for t in ax.get_yticklabels() if t.get_text().startswith("⚠")]
    assert len(serious) == len(abscess.network.serious_causes)
    assert all(t.get_fontweight() == "bold" for t in serious)
    assert "emergency" in title(ax)
    assert f"P(a serious cause) = {percent(abscess.p_serious)}" in title(ax)  # as diagnose
    assert ax.get_xlabel()
    # the prior, three kinds of cause, and what the odds factor of a pointed cause says
    pointed = bool(pointed_causes(abscess.causes))
    assert len(ax.get_legend().get_texts()) == 4 + pointed


def test_plot_causes_top_keeps_the_most_probable(abscess: Diagnosis) -> None:
    ax = figures.plot_causes(abscess, top=3)
    assert set(by_gid(ax, "posterior:")) == set(abscess.causes["cause"].head(3))
    with pytest.raises(BackspasmError, match="'top'"):
        figures.plot_causes(abscess, top=0)


# --------------------------------------------------------------- evidence impact


def test_plot_evidence_impact_bars_equal_log_odds_changes(abscess: Diagnosis) -> None:
    cause = "epidural_abscess"
    ax = figures.plot_evidence_impact(abscess, cause)
    reasons = abscess.reasons(cause).set_index("question")
    bars = by_gid(ax, "impact:")
    assert set(bars) == set(reasons.index)
    for question, bar in bars.items():
        assert bar.get_width() == pytest.approx(
            reasons.loc[question, "log_odds_change"], abs=1e-12
        )
        expected = _style.RAISED if bar.get_width() >= 0 else _style.LOWERED
        assert matplotlib.colors.to_hex(bar.get_facecolor()) == expected.lower()
    widths = [b.get_width() for b in sorted(bars.values(), key=lambda b: b.get_y())]
    assert widths == sorted(widths)  # tornado: sorted by effect
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    # the answers in the words of the title and the node labels, never column names
    for said in ("Fever", "IV drug use / immunosuppr.", "Spasms for 1 week", "Age 52"):
        assert said in ticks
    assert "Spasms: mid back" in ticks
    assert not any("_" in t or " = " in t for t in ticks)
    assert "Epidural abscess" in title(ax)
    assert "log-odds" in ax.get_xlabel()
    odds = {q: t.get_text() for q, t in by_gid(ax, "odds:").items()}
    assert odds["fever"] == "odds ×24.5"
    # three significant digits, always; an answer without effect says so
    for q, text in odds.items():
        change = reasons.loc[q, "log_odds_change"]
        if abs(change) < 1e-9:
            assert text == "no effect", q
        elif abs(change) < math.log(1.005):  # a change too small to show, but a change
            assert text == ("odds ×1.00" if change > 0 else "odds ÷1.00"), q
        else:
            digits = text.split("×" if change > 0 else "÷")[1]
            assert len(digits.replace(".", "").lstrip("0")) == 3, text


def test_odds_ratios_read_alike_everywhere() -> None:
    assert _words.odds_ratio(26.2) == "×26.2"
    assert _words.odds_ratio(26.0) == "×26.0"
    assert _words.odds_ratio(9.0) == "×9.00"
    assert _words.odds_ratio(1 / 5.02) == "÷5.02"
    assert _words.odds_ratio(1 / 1.1) == "÷1.10"
    assert _words.odds_ratio(123.4) == "×123"
    assert _words.odds_ratio(0.9999) == "no effect"
    assert _words.odds_ratio(1.001) == "no effect"


def test_plot_evidence_impact_rejects_an_unknown_cause(abscess: Diagnosis) -> None:
    with pytest.raises(BackspasmError, match="Did you mean 'kidney_stones'"):
        figures.plot_evidence_impact(abscess, "kidney_stone")


def test_plot_evidence_impact_without_answers(net: Network) -> None:
    ax = figures.plot_evidence_impact(diagnose({}, network=net), "kidney_stones")
    assert not by_gid(ax, "impact:")
    assert "no answers to weigh" in texts(ax)


# --------------------------------------------------------------- next questions


def test_plot_next_questions_bars_equal_information_gain(w08: Diagnosis) -> None:
    ax = figures.plot_next_questions(w08, top=6)
    table = w08.next_questions(order="interview").head(6).set_index("question")
    bars = by_gid(ax, "gain:")
    assert list(bars) == list(table.index)
    for question, bar in bars.items():
        assert bar.get_width() == pytest.approx(
            table.loc[question, "expected_information_gain"], abs=1e-12
        )
    tops = sorted(bars, key=lambda q: -bars[q].get_y())
    assert tops[0] == table.index[0]  # the first to ask at the top
    ticks = " ".join(t.get_text().replace("\n", " ") for t in ax.get_yticklabels())
    assert table["prompt"].iloc[0] in ticks
    assert "bits" in ax.get_xlabel()
    assert title(ax)


# ------------------------------------------------------------------ sensitivity


def test_plot_sensitivity_bars_span_the_perturbed_posteriors(abscess: Diagnosis) -> None:
    table = sensitivity(abscess, "epidural_abscess")
    ax = figures.plot_sensitivity(table, top=10)
    highs, lows = by_gid(ax, "sens_high:"), by_gid(ax, "sens_low:")
    assert len(highs) == len(lows) == 10
    for rank in range(10):
        row = table.iloc[rank]
        for bar, value in ((highs[str(rank)], row["p_high"]), (lows[str(rank)], row["p_low"])):
            assert bar.get_x() == pytest.approx(row["p_base"], abs=1e-12)
            assert bar.get_x() + bar.get_width() == pytest.approx(value, abs=1e-12)
    ticks = [t.get_text().replace("\n", " ") for t in ax.get_yticklabels()]
    assert ticks[0].startswith(table["label"].iloc[0])  # largest swing at the top
    assert ax.get_yticks()[0] == max(ax.get_yticks())
    assert "Epidural abscess" in title(ax)
    with pytest.raises(BackspasmError, match="empty"):
        figures.plot_sensitivity(table.iloc[:0])


# -------------------------------------------------------------------- scenarios


def test_plot_scenarios_one_panel_per_case(net: Network) -> None:
    cases = [diagnose(a, network=net) for a in figures.SCENARIOS.values()]
    names = list(figures.SCENARIOS)
    fig = figures.plot_scenarios(cases, names=names, top=6)
    axes = fig.get_axes()
    assert len(axes) == 4
    for i, (ax, d, name) in enumerate(zip(axes, cases, names, strict=True)):
        head = by_gid(ax, f"scenario:{i}")[""].get_text()
        assert name in head
        assert figures.TRIAGE_NAMES[d.triage] in head
        # the answers that set the triage first, then by effect (see scenario_answers)
        assert title(ax).replace("\n", " ") == "".join(
            _words.answer_units("", scenario_answers(d))
        )
        posts = by_gid(ax, f"posterior:{i}:")
        assert len(posts) == 6
        table = d.causes.set_index("cause")
        for cause, bar in posts.items():
            assert bar.get_width() == pytest.approx(table.loc[cause, "posterior"], abs=1e-12)
        assert ax.get_xlabel()
    ticks = [t.get_text() for t in axes[0].get_yticklabels()]
    assert _style.tagged("Kidney stones", "cause_serious") in ticks  # ⚠ Kidney stones
    assert _style.tagged("Epidural abscess", "cause_serious") in ticks
    assert fig.get_suptitle()
    assert len(fig.legends) == 1


@pytest.mark.parametrize("size", ["slide", "column"])
def test_a_scenario_left_unscreened_says_so_under_its_level(net: Network, size: str) -> None:
    # The built-in lifting strain read "self-care" with 22 of 27 screening questions
    # unasked, where figures 03 and 05, figure 08 and diagnose all say the screen is
    # incomplete; an emergency stands whatever is unasked and says nothing more.
    cases = [diagnose(a, network=net) for a in figures.SCENARIOS.values()]
    fig = figures.plot_scenarios(cases, names=list(figures.SCENARIOS), size=size)
    for i, (ax, d) in enumerate(zip(fig.get_axes(), cases, strict=True)):
        head = by_gid(ax, f"scenario:{i}")[""].get_text()
        if d.triage == "emergency" or not d.unscreened:
            assert "screen" not in head
        elif size == "slide":
            assert head.endswith(
                f"\nscreen incomplete\n({len(d.unscreened)} of {len(d.screen)} unasked)"
            )
        else:
            assert head.endswith("\nscreen incomplete")
    assert any(d.triage == "self_care" and d.unscreened for d in cases)  # not vacuous
    plt.close(fig)


def test_plot_scenarios_checks_its_arguments(abscess: Diagnosis) -> None:
    with pytest.raises(BackspasmError, match="1 to 4"):
        figures.plot_scenarios([abscess] * 5)
    with pytest.raises(BackspasmError, match="'names'"):
        figures.plot_scenarios([abscess, abscess], names=["one"])
    fig = figures.plot_scenarios([abscess, abscess])
    heads = [by_gid(ax, f"scenario:{i}")[""].get_text() for i, ax in enumerate(fig.get_axes())]
    assert [h.split("\n")[0] for h in heads] == ["case 1", "case 2"]


# --------------------------------------------------------------------- case mix


def test_plot_case_mix_counts(net: Network) -> None:
    scored = pd.DataFrame(
        {
            "top_cause": ["kidney_stones", "kidney_stones", "herniated_disc", "", "dehydration"],
            "triage": ["emergency", "emergency", "see_doctor", "", "self_care"],
            "error": ["", "", "", "age: 7 is below 18", ""],
        }
    )
    fig = figures.plot_case_mix(scored, network=net)
    left, right = fig.get_axes()
    causes = by_gid(left, "top_cause:")
    assert {k: v.get_width() for k, v in causes.items()} == {
        "kidney_stones": 2,
        "herniated_disc": 1,
        "dehydration": 1,
    }
    levels = by_gid(right, "triage:")
    assert {k: v.get_height() for k, v in levels.items()} == {
        "emergency": 2,
        "see_doctor": 1,
        "self_care": 1,
        "error": 1,
    }
    for level, colour in figures.TRIAGE_COLOURS.items():
        assert matplotlib.colors.to_hex(levels[level].get_facecolor()) == colour.lower()
    # a serious cause tagged as in the causes and scenarios figures (teacher audit 23)
    assert "⚠\u00a0Kidney stones" in [t.get_text() for t in left.get_yticklabels()]
    assert "1 could not be scored" in fig.get_suptitle()
    assert title(left)
    assert title(right)
    assert left.get_xlabel()
    assert right.get_ylabel()
    with pytest.raises(BackspasmError, match="top_cause"):
        figures.plot_case_mix(scored.drop(columns="top_cause"))


@pytest.mark.filterwarnings("ignore:columns passed through unscored")  # its notes
def test_plot_case_mix_of_the_example_file(net: Network, examples: pd.DataFrame) -> None:
    scored = score_cases(examples, network=net)
    fig = figures.plot_case_mix(scored, network=net)
    left, right = fig.get_axes()
    total = sum(b.get_width() for b in by_gid(left, "top_cause:").values())
    assert total == len(examples) == sum(b.get_height() for b in by_gid(right, "triage:").values())


def test_the_case_mix_says_how_many_self_care_rows_are_not_fully_screened(net: Network) -> None:
    # The triage panel counted self-care rows like settled advice, though diagnose
    # says "no warning sign yet" while screening questions are open.
    scored = pd.DataFrame(
        {
            "top_cause": ["muscle_strain"] * 4,
            "triage": ["self_care", "self_care", "self_care", "see_doctor"],
            "screen_unanswered": [0.0, 3.0, 25.0, 20.0],
            "error": [""] * 4,
        }
    )
    _, right = figures.plot_case_mix(scored, network=net).get_axes()
    names = [t.get_text() for t in right.get_xticklabels()]
    assert names == ["emergency", "see a doctor", "self-care\n(2 screen\nincomplete)"]
    assert by_gid(right, "triage:")["self_care"].get_height() == 3  # the bar counts all
    complete = scored.assign(screen_unanswered=0.0)
    _, right = figures.plot_case_mix(complete, network=net).get_axes()
    assert [t.get_text() for t in right.get_xticklabels()][-1] == "self-care"
    _, right = figures.plot_case_mix(
        scored.drop(columns="screen_unanswered"), network=net
    ).get_axes()
    assert [t.get_text() for t in right.get_xticklabels()][-1] == "self-care"  # an older file


def test_the_case_mix_alt_text_says_it_too(tmp_path: Path) -> None:
    cases = Path(__file__).resolve().parents[2] / "data" / "example_cases.csv"
    figures.write_teaching_figures(tmp_path, cases=cases, only=["08"], dpi=50)
    caption = (tmp_path / "captions.md").read_text(encoding="utf-8")
    # every self-care row of the example file leaves some screening question open
    assert "13 self-care (13 of them with the screen incomplete)." in caption


# ------------------------------------------------------------- module contract


def test_plots_leave_rcparams_alone(abscess: Diagnosis) -> None:
    before = dict(matplotlib.rcParams)
    figures.plot_causes(abscess)
    figures.plot_network_beliefs(abscess)
    assert dict(matplotlib.rcParams) == before


def test_evaluation_plots_live_in_figures() -> None:
    from backspasm.figures import evaluation

    assert figures.plot_calibration is evaluation.plot_calibration
    assert figures.plot_roc is evaluation.plot_roc
    with pytest.raises(AttributeError):
        figures.plot_nothing  # noqa: B018


def test_importing_figures_does_not_import_matplotlib() -> None:
    code = "import sys, backspasm.figures; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ---------------------------------------------------------------- teaching set


def test_write_teaching_figures_is_byte_for_byte_reproducible(
    tmp_path: Path, net: Network, examples: pd.DataFrame
) -> None:
    runs = []
    # the second run with a notebook's figure.dpi: figures 03, 05, 07, 09 and 10, which
    # measure their text in a draw at the dpi they are made with, moved (session 52)
    for run, screen in (("a", 100.0), ("b", 72.0)):
        with matplotlib.rc_context({"figure.dpi": screen}):
            paths = figures.write_teaching_figures(
                tmp_path / run, formats=("png", "svg"), network=net, cases=examples, dpi=60
            )
        runs.append(paths)
    names = [p.name for p in runs[0]]
    assert names == [p.name for p in runs[1]]
    stems = {Path(n).stem for n in names}
    assert len(stems) >= 8
    assert {"01-network", "06-sensitivity", "08-case-mix"} <= stems
    for a, b in zip(*runs, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    png = runs[0][0].read_bytes()
    assert png.startswith(b"\x89PNG")
    assert b"Software" not in png
    svg = runs[0][1].read_text()
    assert "<dc:date>" not in svg


@pytest.mark.filterwarnings("ignore:columns passed through unscored")  # its notes
def test_write_teaching_figures_for_a_case_of_a_file(
    tmp_path: Path, net: Network, examples: pd.DataFrame
) -> None:
    # an example whose intended cause is not its top cause: the lesson follows the cause
    scored = score_cases(examples, network=net)
    missed = scored["top_cause"].to_numpy() != examples["expected_cause"].to_numpy()
    case = examples[missed].iloc[0]
    paths = figures.write_teaching_figures(
        tmp_path,
        formats=("pdf", "svg"),
        network=net,
        cases=examples,
        case_id=case["case_id"],
        cause=case["expected_cause"],
        dpi=50,
    )
    pdfs = [p for p in paths if p.suffix == ".pdf"]
    assert len(pdfs) == len(paths) // 2
    assert all(p.read_bytes().startswith(b"%PDF") for p in pdfs)
    assert not plt.get_fignums()  # every figure was closed
    label = net.label(case["expected_cause"])
    for stem in ("04-evidence-impact", "06-sensitivity"):
        assert label in (tmp_path / f"{stem}.svg").read_text(), stem
    with pytest.raises(BackspasmError, match=r"'cause'.*epidural_abscess"):
        figures.write_teaching_figures(tmp_path, cause="abscess")
    with pytest.raises(BackspasmError, match=r"--cause.*Did you mean 'epidural_abscess'\?"):
        figures.write_teaching_figures(tmp_path, cause="epidural_absces")
    with pytest.raises(BackspasmError, match="No case"):
        figures.write_teaching_figures(tmp_path, cases=examples, case_id="nope")
    # A row number for a file that has ids: the message says what the ids look like.
    ids = examples["case_id"]
    said = f"{len(ids)} ids run '{ids.iloc[0]}' to '{ids.iloc[-1]}' (a row number"
    with pytest.raises(BackspasmError, match=re.escape(said)):
        figures.write_teaching_figures(tmp_path, cases=examples, case_id="18")
    with pytest.raises(BackspasmError, match="'formats'"):
        figures.write_teaching_figures(tmp_path, formats=("gif",))
    with pytest.raises(BackspasmError, match="'cases'"):
        figures.write_teaching_figures(tmp_path, case_id="EX01")


def test_write_teaching_figures_defaults_to_synthetic_cases(tmp_path: Path, net: Network) -> None:
    paths = figures.write_teaching_figures(tmp_path, network=net, dpi=30)
    assert [p.name for p in paths] == [
        "01-network.png",
        "01b-diagnostic-view.png",
        "02-network-beliefs.png",
        "03-causes.png",
        "04-evidence-impact.png",
        "05-next-questions.png",
        "06-sensitivity.png",
        "07-scenarios.png",
        "08-case-mix.png",
        "09-calibration.png",
        "10-roc-serious.png",
    ]


def test_percent_labels_are_written_as_diagnose_writes_them() -> None:
    # The bars said '13%', '<0.1%' and '>99.9%' where diagnose's table said
    # '12.5%', '0.063%' and '99.98%' for the same numbers.
    for p in (0.12508, 0.00063, 0.9998, 0.0123, 0.734):
        assert _words.percent(p) == percent(p)
    assert _words.percent(0.00063) == "0.063%"
    assert _words.percent(0.12508) == "12.5%"


# ------------------------------------------------------------ slides and titles

FLANK = {"age": 39, "spasm_location": "flank", "blood_in_urine": "yes", "fever": "no"}


@pytest.fixture(scope="module")
def flank(net: Network) -> Diagnosis:
    return diagnose(FLANK, network=net)


def test_titles_name_the_answers(flank: Diagnosis) -> None:
    said = "age 39, spasms: flank, blood in urine, no fever"
    assert figures.describe_answers(FLANK) == said
    assert figures.describe_answers({}) == "no answers yet"
    # An unsure answer says its lean as diagnose does: "fever (70% likely)" read as a
    # probability, which the figure's Fever box then contradicted (66.5%).
    assert "fever (unsure, leaning yes 70%:30%)" in figures.describe_answers({"fever": 0.7})
    assert "fever (unsure, leaning no 70%:30%)" in figures.describe_answers({"fever": 0.3})
    # "I don't know" (a 50% lean) is no answer, and back_spasm = yes what every case
    # assumes: titles listed "fever (50% likely)", which diagnose had left out
    said_nothing = {"fever": 0.5, "night_pain": "50%", "back_spasm": "Y"}
    assert figures.describe_answers({**said_nothing, "age": 40}) == "age 40"
    assert figures.describe_answers(said_nothing) == "no answers yet"
    assert figures.describe_answers({"back_spasm": "no"}) == "no back spasm"
    # A no reads as a person would say it where "no" before the label would not: the
    # titles said "no cannot touch toes" and "no not improving after a month"
    negatives = {
        "cannot_touch_toes": "no",
        "not_improving_after_a_month": "no",
        "straight_leg_raise_positive": "no",
        "recent_pregnancy_or_childbirth": "no",
    }
    # (an answer with a comma of its own: the list is joined by semicolons)
    assert figures.describe_answers(negatives) == (
        "can touch toes; improving after a month; negative straight-leg raise; "
        "not pregnant, no recent birth"
    )
    for ax, what in (
        (figures.plot_causes(flank), "Causes of back spasm for: "),
        (figures.plot_evidence_impact(flank, "kidney_stones"), "How each answer moved"),
        (figures.plot_next_questions(flank), "Which question to ask next for: "),
        (figures.plot_network_beliefs(flank), "What the network believes after 4 answers for: "),
        (
            figures.plot_sensitivity(
                sensitivity(flank, "kidney_stones"), top=5, answers=flank.answers
            ),
            "Which numbers of the network matter for P(Kidney stones) for: ",
        ),
    ):
        text = title(ax).replace("\n", " ")
        assert what in text
        # every answer, the person first in one phrase ("age 39, flank")
        for answer in scenario_answers(flank):
            assert answer in text, (answer, text)


@pytest.mark.filterwarnings("ignore:columns passed through unscored")  # its notes
def test_every_figure_is_readable_at_slide_size(
    net: Network, abscess: Diagnosis, stone: Diagnosis, examples: pd.DataFrame
) -> None:
    from backspasm.learning import evaluate, sample_cases

    evaluation = evaluate(sample_cases(400, network=net, seed=1), network=net)
    slides = {
        "diagnostic view": figures.plot_diagnostic_view(net).get_figure(),
        "causes": figures.plot_causes(abscess).get_figure(),
        "evidence impact": figures.plot_evidence_impact(abscess, "epidural_abscess").get_figure(),
        "next questions": figures.plot_next_questions(abscess).get_figure(),
        "sensitivity": figures.plot_sensitivity(
            sensitivity(abscess, "epidural_abscess"), answers=abscess.answers
        ).get_figure(),
        "scenarios": figures.plot_scenarios(
            [diagnose(a, network=net) for a in figures.SCENARIOS.values()],
            names=list(figures.SCENARIOS),
        ),
        "case mix": figures.plot_case_mix(score_cases(examples, network=net), network=net),
        "calibration": figures.plot_calibration(evaluation).get_figure(),
        "roc": figures.plot_roc(evaluation).get_figure(),
    }
    slides["network"] = figures.plot_network(net).get_figure()
    slides["network beliefs"] = figures.plot_network_beliefs(stone).get_figure()
    for name, fig in slides.items():
        assert smallest_font_on_a_slide(fig) >= 9.0, name
        assert tuple(fig.get_size_inches()) == pytest.approx(figures.SLIDE_SIZE), name


def test_a_figure_drawn_taller_than_a_slide_counts_as_smaller() -> None:
    fig = plt.figure(figsize=(13.33, 15.0))
    fig.text(0.5, 0.5, "a note", fontsize=12)
    assert smallest_font_on_a_slide(fig) == pytest.approx(6.0, abs=0.01)


def inside_and_apart(ax: plt.Axes) -> None:
    """Every node box lies on the figure, holds its label and overlaps no other box,
    no header, the title or the legend."""
    fig = ax.get_figure()
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    page = fig.bbox
    boxes = {n: b.get_window_extent(renderer) for n, b in by_gid(ax, "node:").items()}
    for node, box in boxes.items():
        assert page.x0 - 1 <= box.x0, node
        assert box.x1 <= page.x1 + 1, node
        assert page.y0 - 1 <= box.y0, node
        assert box.y1 <= page.y1 + 1, node
    for node, label in by_gid(ax, "label:").items():
        text = label.get_window_extent(renderer)
        assert boxes[node].contains(text.x0 + 1, text.y0 + 1), node
        assert boxes[node].contains(text.x1 - 1, text.y1 - 1), node
    names = sorted(boxes)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            assert not boxes[a].overlaps(boxes[b]), (a, b)
    others = [t.get_window_extent(renderer) for t in by_gid(ax, "header:").values()]
    others.append(ax.get_legend().get_window_extent(renderer))
    heading = ax.get_title(loc="left")
    titles = [t for t in fig.findobj(matplotlib.text.Text) if heading and t.get_text() == heading]
    assert titles
    others += [t.get_window_extent(renderer) for t in titles]
    for node, box in boxes.items():
        assert not any(box.overlaps(o) for o in others), node


def test_the_whole_network_fits_one_slide_with_9pt_labels(net: Network) -> None:
    ax = figures.plot_network(net)
    fig = ax.get_figure()
    assert tuple(fig.get_size_inches()) == pytest.approx(figures.SLIDE_SIZE)
    assert smallest_font_on_a_slide(fig) >= 9.0
    assert {t.get_fontsize() for t in by_gid(ax, "label:").values()} == {9.0}
    inside_and_apart(ax)
    said = title(ax)
    nodes, arrows = len(net.node_names), int(net.summary()["edges"])
    assert said.startswith(f"The back-spasm network: {nodes} nodes, {arrows} arrows\n")
    # the structure only: no probabilities, so not "before any answer" (that is 02's)
    assert "answer" not in said
    assert "each arrow points from a cause to its effect" in said
    # labels wrap at word boundaries, onto at most two lines
    for node, label in by_gid(ax, "label:").items():
        text = label.get_text()
        assert text.count("\n") <= 1, node
        # a break replaces a space, or follows a slash
        said = _style.tagged(net.label(node), net.group_of(node))
        assert said in (text.replace("\n", " "), text.replace("/\n", "/")), node


def test_network_beliefs_fit_one_slide_and_say_for_which_answers(
    stone: Diagnosis, abscess: Diagnosis
) -> None:
    for case in (stone, abscess):
        ax = figures.plot_network_beliefs(case)
        fig = ax.get_figure()
        assert tuple(fig.get_size_inches()) == pytest.approx(figures.SLIDE_SIZE)
        assert smallest_font_on_a_slide(fig) >= 9.0
        for prefix in ("label:", "value:", "observed:"):
            assert {t.get_fontsize() for t in by_gid(ax, prefix).values()} == {9.0}, prefix
        inside_and_apart(ax)
        said = title(ax).replace("\n", " ")
        n = sum(1 for k in case.evidence if k != "back_spasm")
        assert f"What the network believes after {n} answers for: " in said
        for answer in scenario_answers(case):  # the one list, the person first
            assert answer in said, answer
        assert f"triage: {figures.TRIAGE_NAMES[case.triage]}" in said
        tracks, values = by_gid(ax, "track:"), by_gid(ax, "value:")
        boxes = by_gid(ax, "node:")
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        for node, value in values.items():  # each value sits inside its box, right of its bar
            box = boxes[node].get_window_extent(renderer)
            text = value.get_window_extent(renderer)
            assert box.x0 <= text.x0, node
            assert text.x1 <= box.x1 + 0.5, node
            assert text.x0 >= tracks[node].get_window_extent(renderer).x1, node


def test_a_figure_drawn_wider_than_a_slide_counts_as_smaller() -> None:
    fig = plt.figure(figsize=(26.66, 7.5))
    fig.suptitle("title", fontsize=17)
    fig.text(0.5, 0.5, "a note", fontsize=12)
    assert smallest_font_on_a_slide(fig) == pytest.approx(6.0, abs=0.01)


def test_diagnostic_view_shows_causes_mechanisms_and_findings_only(net: Network) -> None:
    ax = figures.plot_diagnostic_view(net)
    shown = set(by_gid(ax, "node:"))
    expected = {
        n
        for g in ("cause_serious", "cause_pathologic", "cause_fitness", "mechanism", "finding")
        for n in net.nodes_in(g)
    }
    assert shown == expected
    assert not shown & set(net.nodes_in("exposure"))
    assert not shown & set(net.nodes_in("complication"))
    labels = {n: t.get_text() for n, t in by_gid(ax, "label:").items()}
    assert labels == {n: _style.tagged(net.label(n), net.group_of(n)) for n in expected}
    edges = {tuple(e.split("->")) for e in by_gid(ax, "edge:")}
    assert edges == {(u, v) for u, v in net.model.edges() if u in expected and v in expected}
    assert "Diagnostic view" in title(ax)
    fig = ax.get_figure()
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    inside = fig.bbox
    boxes = [t.get_window_extent(renderer) for t in by_gid(ax, "label:").values()]
    for box in boxes:  # no label runs off the figure
        assert inside.x0 <= box.x0
        assert box.x1 <= inside.x1 + 0.5
    for i, a in enumerate(boxes):  # and no two labels overlap
        assert not any(a.overlaps(b) for b in boxes[i + 1 :])


def test_svg_keeps_text_as_text(tmp_path: Path, flank: Diagnosis) -> None:
    before = dict(matplotlib.rcParams)
    path = figures.save_figure(figures.plot_causes(flank).get_figure(), tmp_path / "causes.svg")
    assert dict(matplotlib.rcParams) == before
    svg = path.read_text()
    assert svg.count("<text") > 20
    for label in ("Kidney stones", "Pyelonephritis", "blood in urine"):
        assert label in svg
    with pytest.raises(BackspasmError, match="'path' parameter"):
        figures.save_figure(plt.figure(), tmp_path / "x.gif")


# ------------------------------------------------------- audit: files and numbers


def test_save_figure_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "causes.png"
    path.write_bytes(b"the good figure")
    fig = plt.figure()
    real = matplotlib.figure.Figure.savefig

    def broken(self: matplotlib.figure.Figure, fname: object, **kwargs: object) -> None:
        real(self, fname, **kwargs)  # a whole figure is written ...
        raise OSError("disk full")  # ... and then the save fails

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", broken)
    with pytest.raises(OSError, match="disk full"):
        figures.save_figure(fig, path)
    assert path.read_bytes() == b"the good figure"  # the old file is intact
    assert sorted(p.name for p in tmp_path.iterdir()) == ["causes.png"]  # no temp file
    assert not plt.fignum_exists(fig.number)  # closed all the same

    def interrupted(self: matplotlib.figure.Figure, fname: object, **kwargs: object) -> None:
        fname.write(b"\x89PNG half")  # type: ignore[attr-defined]
        raise KeyboardInterrupt

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", interrupted)
    fig = plt.figure()
    with pytest.raises(KeyboardInterrupt):
        figures.save_figure(fig, path, close=False)
    assert path.read_bytes() == b"the good figure"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["causes.png"]
    assert plt.fignum_exists(fig.number)  # close=False leaves it open

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", real)
    figures.save_figure(fig, path, dpi=20)
    assert path.read_bytes().startswith(b"\x89PNG")  # a good save replaces it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["causes.png"]


def test_percent_never_rounds_to_certainty() -> None:
    assert _words.percent(0.99865) == "99.9%"
    assert _words.percent(0.9996) == "99.96%"
    assert _words.percent(0.996) == "99.6%"
    assert _words.percent(0.99999999) == ">99.9999%"
    assert _words.percent(1.0) == "100%"
    assert _words.percent(0.0) == "0%"
    assert _words.percent(0.00001) == "0.0010%"
    assert _words.percent_to(0.99999, 0) == "99.999%"
    assert _words.percent_to(0.00001, 0) == "0.001%"
    assert _words.percent_to(0.9973, 2) == "99.73%"
    assert _words.percent_sig(0.9999) == "99.990%"
    assert _words.percent_sig(0.00013) == "0.013%"


def _hundred_percent(texts: list[str]) -> list[str]:
    return [t for t in texts if "100%" in t]


#: A textbook low-calcium case (TB04): P(low calcium) is over 0.99.
LOW_CALCIUM = {
    "age": 48,
    "sex": "female",
    "spasm_duration_weeks": 1,
    "spasm_location": "upper_back",
    "neck_or_thyroid_surgery": "yes",
    "cramps_elsewhere": "yes",
    "perioral_or_fingertip_tingling": "yes",
    "hand_or_foot_spasm": "yes",
}


def test_no_text_says_100_percent_for_a_probability_below_1(net: Network) -> None:
    # a textbook low-calcium case with tingling: P(low calcium) is over 0.995 at 30
    # (at 48 it is 0.993 since cramps weigh less past 40, Naylor94)
    tb04 = diagnose({**LOW_CALCIUM, "age": 30, "tingling_or_numbness": "yes"}, network=net)
    p = float(tb04.causes.set_index("cause").loc["low_calcium", "posterior"])
    assert 0.995 < p < 1
    said = _words.percent(p)  # 99.7%, 99.9%: a rounding to 0 decimals would say 100%
    assert said.startswith("99.")
    ax = figures.plot_causes(tb04)
    values = {k: t.get_text() for k, t in by_gid(ax, "value:").items()}
    assert values["low_calcium"] == said
    assert not _hundred_percent(texts(ax))
    ax = figures.plot_evidence_impact(tb04, "low_calcium")
    assert f"{said} after them" in title(ax).replace("\n", " ")
    assert not _hundred_percent([title(ax), *texts(ax)])
    ax = figures.plot_network_beliefs(tb04)
    said = title(ax).replace("\n", " ")
    assert not _hundred_percent([said, *texts(ax)])
    assert f"Low calcium {_words.percent(tb04.posterior('low_calcium'))} (≥ 20%" in said
    assert by_gid(ax, "value:")["low_calcium"].get_text() == _words.percent(p)
    ax = figures.plot_sensitivity(sensitivity(tb04, "low_calcium"), answers=tb04.answers)
    shown = [*texts(ax), ax.get_xlabel(), *(t.get_text() for t in ax.get_xticklabels())]
    # a tick may sit at exactly 100%; no value does
    assert not _hundred_percent([*texts(ax), ax.get_xlabel()])
    assert shown


def test_sensitivity_near_certainty_reads_distinct_values(net: Network) -> None:
    tb04 = diagnose(LOW_CALCIUM, network=net)
    table = sensitivity(tb04, "low_calcium")
    ax = figures.plot_sensitivity(table, top=12, answers=tb04.answers)
    fig = ax.get_figure()
    fig.canvas.draw()
    lo, hi = ax.get_xlim()
    assert 0.0 <= lo < hi <= 1.0  # the axis stops at 100%
    ticks = [t.get_text() for t in ax.get_xticklabels() if lo <= t.get_position()[0] <= hi]
    assert len(ticks) >= 3
    assert len(set(ticks)) == len(ticks), ticks  # no "99% 99% 100%"
    # the values read as far apart as they are: distinct numbers, distinct labels
    rows = table.sort_values("swing", ascending=False, kind="stable").head(12)
    highs, lows = by_gid(ax, "sens_high_value:"), by_gid(ax, "sens_low_value:")
    pairs = [(float(r.p_high), highs[str(i)].get_text()) for i, r in enumerate(st_rows(rows))]
    pairs += [(float(r.p_low), lows[str(i)].get_text()) for i, r in enumerate(st_rows(rows))]
    for (a, ta), (b, tb) in ((x, y) for x in pairs for y in pairs):
        if abs(a - b) > 0.0002:
            assert ta != tb, (a, b, ta)
    # each value sits at the end of its own bar, inside the Axes, off the tick labels
    renderer = fig.canvas.get_renderer()
    box = ax.get_window_extent(renderer)
    bars = {**by_gid(ax, "sens_high:"), **{f"l{k}": v for k, v in by_gid(ax, "sens_low:").items()}}
    labels = {**highs, **{f"l{k}": v for k, v in lows.items()}}
    for key, label in labels.items():
        text = label.get_window_extent(renderer)
        bar = bars[key].get_window_extent(renderer)
        assert box.x0 <= text.x0, key
        assert text.x1 <= box.x1, key
        gap = text.x0 - bar.x1 if label.get_ha() == "left" else bar.x0 - text.x1
        assert 0 <= gap <= 10, key  # a few points from the bar's end


def st_rows(table: pd.DataFrame) -> list[object]:
    return _style.rows(table)


def test_sensitivity_crowding_an_end_uses_log_odds(abscess: Diagnosis) -> None:
    import numpy as np

    table = sensitivity(abscess, "epidural_abscess").head(8).copy()
    table["p_base"] = 0.02
    table["p_low"] = np.geomspace(0.0002, 0.015, len(table))
    table["p_high"] = np.linspace(0.4, 0.03, len(table))
    table["swing"] = table["p_high"] - table["p_low"]
    ax = figures.plot_sensitivity(table)
    assert ax.get_xscale() == "logit"
    lo, hi = ax.get_xlim()
    assert 0.0 < lo < 0.0002
    assert 0.4 < hi < 1.0
    ticks = [t.get_text() for t in ax.get_xticklabels() if lo <= t.get_position()[0] <= hi]
    assert len(set(ticks)) == len(ticks) >= 3
    lows = [t.get_text() for t in by_gid(ax, "sens_low_value:").values()]
    assert len(set(lows)) == len(lows), lows  # 0.020%, 0.037%, ... not 0.1% twice
    assert "log-odds" in ax.get_xlabel()
    # a value strictly below 1 never reads 100% on a log-odds axis near 1 either
    table["p_base"] = 0.999
    table["p_low"] = 1 - np.geomspace(0.01, 0.0015, len(table))
    table["p_high"] = 1 - np.geomspace(1e-6, 8e-4, len(table))
    ax = figures.plot_sensitivity(table)
    assert ax.get_xscale() == "logit"
    assert not _hundred_percent(texts(ax))


def test_cause_values_sit_at_the_end_of_their_own_bar(abscess: Diagnosis, net: Network) -> None:
    ax = figures.plot_causes(abscess)
    fig = ax.get_figure()
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    posts, priors, values = by_gid(ax, "posterior:"), by_gid(ax, "prior:"), by_gid(ax, "value:")
    assert set(values) == set(posts)
    for cause, value in values.items():
        bar = posts[cause].get_window_extent(renderer)
        tick = priors[cause].get_window_extent(renderer)
        text = value.get_window_extent(renderer)
        # right after its bar, or just past the prior tick when that stands in the way
        start = max(bar.x1, tick.x1) if tick.x0 <= text.x0 + 2 else bar.x1
        assert 0 <= text.x0 - start <= 12 or text.x1 <= bar.x1, cause
        assert not text.overlaps(tick) or text.x1 <= bar.x1, cause
    # muscle strain: 30% after the answers, 59% before; its value reads at its bar
    strain = values["muscle_strain"].get_window_extent(renderer)
    assert strain.x0 - posts["muscle_strain"].get_window_extent(renderer).x1 < 12
    assert strain.x1 < priors["muscle_strain"].get_window_extent(renderer).x0
    # the prior tick is grey, the value black: they never read as one another
    tick_colour = matplotlib.colors.to_hex(priors["muscle_strain"].get_color())
    assert tick_colour != matplotlib.colors.to_hex(values["muscle_strain"].get_color())
    fig = figures.plot_scenarios(
        [diagnose(a, network=net) for a in figures.SCENARIOS.values()],
        names=list(figures.SCENARIOS),
    )
    fig.canvas.draw()
    for i, ax in enumerate(fig.get_axes()):
        posts, values = by_gid(ax, f"posterior:{i}:"), by_gid(ax, f"value:{i}:")
        priors = by_gid(ax, f"prior:{i}:")
        for cause, value in values.items():
            bar = posts[cause].get_window_extent(renderer=fig.canvas.get_renderer())
            text = value.get_window_extent(renderer=fig.canvas.get_renderer())
            tick = priors[cause].get_window_extent(renderer=fig.canvas.get_renderer())
            inside = text.x1 <= bar.x1
            assert inside or text.x0 - max(bar.x1, tick.x1 if tick.x0 < text.x0 else 0) < 12
            assert not text.overlaps(tick) or inside, (i, cause)


def test_network_slides_keep_their_layout_whatever_the_title(
    net: Network, abscess: Diagnosis
) -> None:
    # many answers and red flags: a title that would run to five lines
    long = diagnose(
        {
            **LOW_CALCIUM,
            "fever": "no",
            "night_pain": "no",
            "blood_in_urine": "no",
            "saddle_numbness": "no",
            "iv_drug_use_or_immunosuppression": "no",
        },
        network=net,
    )
    short = diagnose({"age": 30}, network=net)
    places = []
    for case in (abscess, long, short):
        ax = figures.plot_network_beliefs(case)
        fig = ax.get_figure()
        said = title(ax)
        assert said.count("\n") <= 3, said  # at most four lines
        assert ">=" not in said
        assert smallest_font_on_a_slide(fig) >= 9.0
        assert {t.get_fontsize() for t in by_gid(ax, "label:").values()} == {9.0}
        inside_and_apart(ax)
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        heading = next(t for t in fig.findobj(matplotlib.text.Text) if t.get_text() == said)
        extent = heading.get_window_extent(renderer)
        assert fig.bbox.x0 + 5 <= extent.x0  # a margin on the left ...
        assert extent.x1 <= fig.bbox.x1 - 5  # ... and nothing runs off on the right
        assert extent.y1 <= fig.bbox.y1
        places.append({n: (b.get_x(), b.get_y()) for n, b in by_gid(ax, "node:").items()})
    assert places[0] == places[1] == places[2]  # no box moves between case slides
    said = title(figures.plot_network_beliefs(long))
    assert "≥" in said
    assert "IV drug\nuse" not in said


def test_red_flags_are_said_in_words(abscess: Diagnosis) -> None:
    said = title(figures.plot_network_beliefs(abscess)).replace("\n", " ")
    # what set the triage, after "because:" as diagnose says it, in its words
    assert (
        "because: Fever with injecting drugs or a weakened immune system (a warning sign of "
        "spinal infection);" in said
    )
    assert "_" not in said
    assert "=yes" not in said


def test_network_titles_have_a_margin_and_no_box_is_cut(net: Network) -> None:
    ax = figures.plot_network(net)
    fig = ax.get_figure()
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    axes_box = ax.get_window_extent(renderer)
    for node, box in by_gid(ax, "node:").items():
        extent = box.get_window_extent(renderer)
        # the whole box, its outline included, lies within the Axes that clip it
        assert axes_box.y0 <= extent.y0 - 0.5, node
    heading = next(
        t for t in fig.findobj(matplotlib.text.Text) if t.get_text() == ax.get_title(loc="left")
    )
    assert heading.get_window_extent(renderer).x0 >= 0.1 * fig.dpi


def test_roc_names_the_causes_it_cannot_draw(net: Network) -> None:
    from backspasm.learning import evaluate, sample_cases

    evaluation = evaluate(sample_cases(400, network=net, seed=6), network=net)
    present = dict(
        zip(evaluation.per_cause["cause"], evaluation.per_cause["n_present"], strict=True)
    )
    serious = list(net.serious_causes)
    empty = [c for c in serious if present[c] == 0]
    assert empty  # epidural abscess has no case among these 400
    ax = figures.plot_roc(evaluation, causes=serious, min_cases=1)
    note = " ".join(by_gid(ax, "roc:not_drawn")[""].get_text().split())  # as read, unwrapped
    for cause in empty:
        assert f"{net.label(cause)} (no case with it among 400)" in note
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    drawn = [c for c in serious if c not in empty]
    for cause in drawn:
        n = present[cause]
        assert any(
            t.startswith(net.label(cause)) and f"{n} case{'s' * (n != 1)})" in t for t in legend
        ), cause
    colours = {matplotlib.colors.to_hex(line.get_color()) for line in ax.get_lines()}
    assert "#f0e442" not in colours  # no yellow line
    with pytest.raises(BackspasmError, match="no curve"):
        figures.plot_roc(evaluation, causes=["kidney_stone"])


def test_roc_of_every_cause_keeps_its_plot_and_title_readable(net: Network) -> None:
    # With all 19 causes the legend went to two columns: it took two thirds of the
    # slide, the square plot shrank to a stamp and the title ran off the left edge.
    from backspasm.learning import evaluate, sample_cases

    evaluation = evaluate(sample_cases(3000, network=net, seed=3), network=net)
    ax = figures.plot_roc(evaluation)
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    width, _ = fig.get_size_inches() * fig.dpi
    assert len(ax.get_legend().get_texts()) >= 15
    assert ax.get_window_extent(renderer).width >= 0.4 * width
    title = ax.title.get_window_extent(renderer)
    assert title.x0 >= 0
    assert title.x1 <= width
    assert ax.get_legend().get_window_extent(renderer).x1 <= width


def test_triage_has_a_palette_of_its_own() -> None:
    triage = {c.lower() for c in figures.TRIAGE_COLOURS.values()}
    groups = {c.lower() for c in figures.GROUP_COLOURS.values()}
    assert not triage & groups
    assert len(triage) == 3

    def luminance(colour: str) -> float:
        r, g, b = (
            c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
            for c in matplotlib.colors.to_rgb(colour)
        )
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    # each readable as text on white (the questionnaire widget writes the level in it)
    for colour in triage:
        assert 1.05 / (luminance(colour) + 0.05) >= 4.5, colour


def test_titles_never_break_around_a_slash(abscess: Diagnosis, net: Network) -> None:
    heads = [
        title(figures.plot_causes(abscess)),
        title(figures.plot_evidence_impact(abscess, "epidural_abscess")),
        title(figures.plot_next_questions(abscess)),
        title(
            figures.plot_sensitivity(
                sensitivity(abscess, "epidural_abscess"), top=3, answers=abscess.answers
            )
        ),
        title(figures.plot_network_beliefs(abscess)),
    ]
    fig = figures.plot_scenarios([abscess, abscess])
    heads += [title(ax) for ax in fig.get_axes()]
    for head in heads:
        assert "IV drug use / immunosuppr." in head.replace("\n", " ")
        assert "/\n" not in head
        assert "\n/" not in head
        assert "IV drug\nuse" not in head
        assert "IV\ndrug" not in head


# ------------------------------------------ audit 2: known causes, sets, words, colours

#: A case whose answers include the cause itself ("... and a scan shows a stone").
SCAN = {
    "age": "38",
    "sex": "male",
    "spasm_location": "flank",
    "blood_in_urine": "yes",
    "kidney_stones": "yes",
}
#: A case file without a case_id column: the scan case is its second data row.
NO_IDS = pd.DataFrame(
    [{"age": "30", "sex": "male", "spasm_location": "lower_back", "fever": "no"}, SCAN],
    dtype=str,
).fillna("")


@pytest.mark.parametrize("answer", ["yes", "no"])
def test_sensitivity_of_a_cause_the_case_answers_says_no_number_moves_it(
    net: Network, answer: str
) -> None:
    case = diagnose({**SCAN, "kidney_stones": answer}, network=net)
    ax = figures.plot_sensitivity(sensitivity(case, "kidney_stones"), top=12, answers=case.answers)
    note = by_gid(ax, "sens_settled")[""].get_text().replace("\n", " ")
    assert f"Kidney stones is answered ({answer})" in note
    assert f"P(Kidney stones = yes) is {'100%' if answer == 'yes' else '0%'}" in note
    assert "no number changes it" in note
    assert not by_gid(ax, "sens_high:")
    assert not by_gid(ax, "sens_low:")
    assert "Which numbers of the network matter for P(Kidney stones)" in title(ax)


def test_the_teaching_set_of_a_known_cause_case_from_a_file_without_ids(
    tmp_path: Path, net: Network
) -> None:
    # row 2 is the second data row, as `backspasm score` counts: the scan case
    paths = figures.write_teaching_figures(
        tmp_path, formats=("svg",), network=net, cases=NO_IDS, case_id="2", dpi=20
    )
    assert len(paths) == 11
    assert "man, 38, flank" in (tmp_path / "03-causes.svg").read_text()  # the person first
    assert "no number changes it" in (tmp_path / "06-sensitivity.svg").read_text()
    impact = (tmp_path / "04-evidence-impact.svg").read_text()
    assert "odds ×∞: now known" in impact
    assert "193,401" not in impact  # no finite odds ratio for a certainty


def test_case_id_row_numbers_are_checked_before_anything_is_written(
    tmp_path: Path, net: Network, capsys: pytest.CaptureFixture[str]
) -> None:
    from backspasm.cli import main

    out = tmp_path / "figs"
    for bad in ("0", "3", "first"):
        with pytest.raises(BackspasmError, match=r"row number \(1 = the first case; 1 to 2\)"):
            figures.write_teaching_figures(out, network=net, cases=NO_IDS, case_id=bad)
    broken = NO_IDS.assign(age=["abc", "38"])
    with pytest.raises(BackspasmError, match=r"row 1: age: 'abc' is not allowed"):
        figures.write_teaching_figures(out, network=net, cases=broken, case_id="1")
    assert not out.exists()  # no empty folder left behind
    csv = tmp_path / "noid.csv"
    NO_IDS.to_csv(csv, index=False)
    code = main(["figures", "--out", str(out), "--cases", str(csv), "--case-id", "5"])
    err = capsys.readouterr().err
    assert code != 0
    assert "row number" in err
    assert "Traceback" not in err
    assert not out.exists()


def test_a_run_that_fails_part_way_leaves_the_previous_set_whole(
    tmp_path: Path,
    net: Network,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from backspasm.cli import main
    from backspasm.figures import teaching

    out = tmp_path / "set"
    assert main(["figures", "--out", str(out), "--format", "PNG,png", "--dpi", "20"]) == 0
    listed = capsys.readouterr().out.split()
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def disk_full(*args: object, **kwargs: object) -> None:
        raise BackspasmError("the disk is full")

    monkeypatch.setattr(teaching, "plot_case_mix", disk_full)  # the 9th of 11 figures
    with pytest.raises(BackspasmError, match="disk is full"):
        figures.write_teaching_figures(
            out, network=net, cases=NO_IDS.assign(case_id=["a", "b"]), case_id="a", dpi=20
        )
    # every file as it was (none from the other case), and no temporary file
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert not plt.get_fignums()
    # a format named twice is written, and listed, once
    assert len(listed) == len(set(listed)) == 12  # 11 figures, then captions.md
    assert set(before) == {Path(p).name for p in listed}


def test_a_figure_saved_in_two_formats_is_the_one_saved_in_either_alone(
    tmp_path: Path, net: Network
) -> None:
    def scenarios() -> matplotlib.figure.Figure:
        return figures.plot_scenarios(
            [diagnose(a, network=net) for a in figures.SCENARIOS.values()],
            names=list(figures.SCENARIOS),
        )

    for dpi in (40, 100):  # under and over the 72 dpi of SVG and PDF
        figures.save_figure(scenarios(), tmp_path / "alone.png", dpi=dpi)
        figures.save_figure(scenarios(), tmp_path / "alone.svg", dpi=dpi)
        fig = scenarios()
        figures.save_figure(fig, tmp_path / "both.svg", dpi=dpi, close=False)
        figures.save_figure(fig, tmp_path / "both.png", dpi=dpi)
        assert (tmp_path / "both.png").read_bytes() == (tmp_path / "alone.png").read_bytes()
        fig = scenarios()
        figures.save_figure(fig, tmp_path / "then.png", dpi=dpi, close=False)
        figures.save_figure(fig, tmp_path / "then.svg", dpi=dpi)
        assert (tmp_path / "then.svg").read_bytes() == (tmp_path / "alone.svg").read_bytes()


def test_evidence_impact_of_a_known_cause_says_known_not_a_number(net: Network) -> None:
    for answer, words in (("yes", "odds ×∞: now known"), ("no", "odds ÷∞: now ruled out")):
        case = diagnose({**SCAN, "kidney_stones": answer}, network=net)
        ax = figures.plot_evidence_impact(case, "kidney_stones")
        odds = {q: t.get_text() for q, t in by_gid(ax, "odds:").items()}
        assert odds["kidney_stones"] == words
        # once the cause is known, no other answer moves it
        assert {t for q, t in odds.items() if q != "kidney_stones"} == {"no effect"}
        bar = by_gid(ax, "impact:")["kidney_stones"]
        # to the edge on its side (the other side, with no bar, keeps only a margin)
        lo, hi = ax.get_xlim()
        assert bar.get_width() == pytest.approx(hi if answer == "yes" else lo)


def top_tick_labels(ax: plt.Axes) -> list[matplotlib.text.Text]:
    fig = ax.get_figure()
    fig.canvas.draw()
    (top,) = [c for c in ax.child_axes if c.xaxis.get_label().get_text() == "odds ratio"]
    return [t for t in top.get_xticklabels() if t.get_visible() and t.get_text()]


@pytest.mark.parametrize(
    "answers",
    [SCAN, {**SCAN, "kidney_stones": 0.99999}],
    ids=["known", "nearly known"],
)
def test_evidence_impact_odds_ratio_ticks_never_overlap(
    net: Network, answers: dict[str, object]
) -> None:
    ax = figures.plot_evidence_impact(diagnose(answers, network=net), "kidney_stones")
    labels = top_tick_labels(ax)
    assert 3 <= len(labels) <= 9
    renderer = ax.get_figure().canvas.get_renderer()
    boxes = sorted((t.get_window_extent(renderer) for t in labels), key=lambda b: b.x0)
    for left, right in itertools.pairwise(boxes):
        assert left.x1 + 5 < right.x0  # at least 5 px apart
    if answers is not SCAN:  # a long axis: powers of ten only (×10⁴, not ×10000)
        said = [t.get_text() for t in labels]
        assert "×1" in said
        assert not any("3" in t for t in said)
        assert any("⁴" in t or "⁶" in t for t in said), said


def test_duration_bands_are_said_as_bands(net: Network) -> None:
    said = figures.describe_answers
    assert said({"spasm_duration_weeks": "acute"}) == "spasms for under 6 weeks (acute)"
    assert said({"spasm_duration_weeks": "subacute"}) == "spasms for 6 to 12 weeks (subacute)"
    assert said({"spasm_duration_weeks": "chronic"}) == "spasms for over 12 weeks (chronic)"
    assert said({"spasm_duration_weeks": 1}) == "spasms for 1 week"
    assert said({"spasm_duration_weeks": "8"}) == "spasms for 8 weeks"
    # an answer of 0 to "how long ..., in weeks?" is under a week, not "0 weeks"
    assert said({"spasm_duration_weeks": 0}) == "spasms for under a week"
    assert said({"spasm_duration_weeks": "0"}) == "spasms for under a week"
    # a fraction of a week in days, as it was meant (a published case's 1 day: 0.14)
    assert said({"spasm_duration_weeks": "0.14"}) == "spasms for 1 day"
    assert said({"spasm_duration_weeks": 0.5}) == "spasms for 4 days"
    assert said({"spasm_duration_weeks": "0.05"}) == "spasms for under a day"
    assert said({"spasm_duration_weeks": "0.95"}) == "spasms for 1 week"  # not "7 days"
    assert said({"age": "40-64"}) == "age 40-64"
    case = diagnose({"spasm_duration_weeks": "chronic", "age": 50}, network=net)
    ax = figures.plot_evidence_impact(case, case.top_cause)
    head = title(ax).replace("\n", " ")
    assert "age 50, over 12 weeks (chronic)" in head  # the person's phrase says it short
    assert "weeks weeks" not in head
    assert "Spasms for over 12 weeks (chronic)" in [t.get_text() for t in ax.get_yticklabels()]
    assert said({"spasm_duration_weeks": "chronic"}).count("weeks") == 1


def test_scenarios_title_says_what_differs(net: Network) -> None:
    from backspasm import load_network

    case = figures.SCENARIOS["Kidney stones"]
    base = diagnose(case, network=net)
    variant = load_network()
    cpd = variant.model.get_cpds("kidney_stones")
    values = cpd.values.copy()
    values[1] = values[1] / 10  # kidney stones ten times rarer
    values[0] = 1 - values[1]
    cpd.values = values
    edited = diagnose(case, network=variant)
    other = diagnose(figures.SCENARIOS["Cauda equina"], network=net)
    heads = {
        "what-if": plot_title(figures.plot_scenarios([base, edited])),
        "answers": plot_title(figures.plot_scenarios([base, other])),
        "both": plot_title(figures.plot_scenarios([other, edited])),
        "one": plot_title(figures.plot_scenarios([base])),
    }
    assert heads["what-if"].startswith("The same answers, different networks")
    assert heads["answers"].startswith("The same network, different answers")
    assert heads["both"].startswith("Different networks and different answers")
    assert "same" not in heads["one"]
    assert heads["one"].endswith("in 1 case")
    assert "One to four" in (figures.plot_scenarios.__doc__ or "")


def plot_title(fig: matplotlib.figure.Figure) -> str:
    return fig.get_suptitle().replace("\n", " ")


def test_a_variant_network_names_its_nodes_in_every_figure(tmp_path: Path) -> None:
    import importlib.resources
    import shutil

    from backspasm import load_network
    from backspasm.learning import evaluate, sample_cases

    bundled = importlib.resources.files("backspasm") / "knowledge"
    kb = tmp_path / "kb"
    with importlib.resources.as_file(bundled) as folder:
        shutil.copytree(folder, kb)
    for name, old, new in (
        ("causes.toml", 'label = "Kidney stones"', 'label = "Renal calculi"'),
        ("findings.toml", 'label = "Fever"', 'label = "Raised temperature"'),
    ):
        text = (kb / name).read_text()
        assert text.count(old) == 1
        (kb / name).write_text(text.replace(old, new))
    variant = load_network(kb)
    evaluation = evaluate(sample_cases(300, network=variant, seed=0), network=variant)
    ax = figures.plot_roc(evaluation, causes=["kidney_stones"], network=variant)
    shown = [t.get_text() for t in ax.get_legend().get_texts()] + texts(ax)
    assert any("Renal calculi" in t for t in shown)
    assert not any("Kidney stones" in t for t in shown)
    ax = figures.plot_calibration(evaluation, cause="kidney_stones", network=variant)
    assert "Renal calculi" in title(ax)
    case = diagnose({"fever": "yes", "spasm_location": "flank"}, network=variant)
    ax = figures.plot_sensitivity(
        sensitivity(case, "kidney_stones"), top=3, answers=case.answers, network=variant
    )
    assert "raised temperature" in title(ax)
    assert "fever" not in title(ax)


def test_case_mix_counts_are_whole_numbers_written_beside_their_bars(net: Network) -> None:
    scored = score_cases(NO_IDS, network=net)
    fig = figures.plot_case_mix(scored, network=net)
    left, right = fig.get_axes()
    fig.canvas.draw()
    for axis in (left.xaxis, right.yaxis):
        ticks = [t for t in axis.get_majorticklocs() if 0 <= t <= axis.get_view_interval()[1]]
        assert ticks
        assert all(float(t).is_integer() for t in ticks)
    for ax in (left, right):
        counts = by_gid(ax, "count:")
        bars = {g: b for g, b in by_gid(ax, "").items() if g.startswith(("top_cause:", "triage:"))}
        assert bars
        assert set(counts) == set(bars)  # every bar says its count
        for gid, label in counts.items():
            bar = bars[gid]
            count = bar.get_width() if ax is left else bar.get_height()
            assert label.get_text() == str(round(count))
            assert label.get_anncoords() == "offset points"  # the same gap at any count


def lab(colour: str) -> tuple[float, float, float]:
    """CIE L*a*b* of an sRGB colour (D65 white)."""
    lin = [
        c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
        for c in matplotlib.colors.to_rgb(colour)
    ]
    m = ((0.4124, 0.3576, 0.1805), (0.2126, 0.7152, 0.0722), (0.0193, 0.1192, 0.9505))
    xyz = [sum(r * c for r, c in zip(row, lin, strict=True)) for row in m]
    xyz = [v / w for v, w in zip(xyz, (0.95047, 1.0, 1.08883), strict=True)]
    f = [v ** (1 / 3) if v > (6 / 29) ** 3 else v / (3 * (6 / 29) ** 2) + 4 / 29 for v in xyz]
    return 116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])


def delta_e(a: str, b: str) -> float:
    """Colour difference (CIE 1976) of two colours."""
    return math.dist(lab(a), lab(b))


def test_colours_that_are_not_groups_never_look_like_one(net: Network) -> None:
    from backspasm._palette import LINE_COLOURS, LOWERED, RAISED
    from backspasm.learning import evaluate, sample_cases

    taken = [*figures.GROUP_COLOURS.values(), *figures.TRIAGE_COLOURS.values()]
    for colour in (RAISED, LOWERED, *LINE_COLOURS):
        assert min(delta_e(colour, t) for t in taken) > 15, colour
    assert delta_e(RAISED, LOWERED) > 40
    evaluation = evaluate(sample_cases(400, network=net, seed=1), network=net)
    ax = figures.plot_roc(evaluation, causes=list(net.serious_causes), min_cases=1)
    curves = [line for line in ax.get_lines() if line.get_label() != "chance"]
    assert curves
    for line in curves:
        assert matplotlib.colors.to_hex(line.get_color()) in {c.lower() for c in LINE_COLOURS}
    ax = figures.plot_calibration(evaluation)
    (line,) = [li for li in ax.get_lines() if li.get_label() == "all causes"]
    assert matplotlib.colors.to_hex(line.get_color()) == LINE_COLOURS[0].lower()


def test_dpi_is_capped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from backspasm.cli import main

    # (a tiny figure first: 5000 dpi of a whole slide would need more than 10 GB)
    with pytest.raises(BackspasmError, match=r"'dpi'.*1 to 1200; got 5000"):
        figures.save_figure(plt.figure(figsize=(0.1, 0.1)), tmp_path / "big.png", dpi=5000)
    with pytest.raises(BackspasmError, match=r"'dpi'.*1 to 1200; got 5000"):
        figures.write_teaching_figures(tmp_path / "big", dpi=5000)
    with pytest.raises(SystemExit) as info:  # the command line refuses the option itself
        main(["figures", "--out", str(tmp_path / "big"), "--dpi", "5000"])
    assert info.value.code == 2
    assert "argument --dpi: must be 1 to 1200; got 5000" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_plot_functions_refuse_arguments_they_cannot_draw(
    net: Network, abscess: Diagnosis
) -> None:
    with pytest.raises(BackspasmError, match="'groups' parameter of plot_network"):
        figures.plot_network(net, groups=[])
    for top in (0, -1):
        with pytest.raises(BackspasmError, match="'top' parameter of plot_next_questions"):
            figures.plot_next_questions(abscess, top=top)
        with pytest.raises(BackspasmError, match="'top' parameter of plot_sensitivity"):
            figures.plot_sensitivity(sensitivity(abscess, "epidural_abscess"), top=top)
    with pytest.raises(BackspasmError, match=r"'cause'.*got 'fever'"):
        figures.plot_evidence_impact(abscess, "fever")


@pytest.fixture(scope="module")
def all_yes(net: Network) -> Diagnosis:
    from backspasm.questionnaire import default_questions

    questions = default_questions()
    return diagnose(
        {q.column: "yes" for q in questions if q.kind == "yes_no" and q.node}, network=net
    )


def test_a_band_is_never_cut_to_a_digit(all_yes: Diagnosis, net: Network) -> None:
    ax = figures.plot_network_beliefs(all_yes)
    said = by_gid(ax, "value:")["age_group"].get_text()
    first = said.split()[0]
    # the band whole ("40-64", "40-64 >99.9%"), or only its percentage: never "4 >99.9%"
    assert first in net.states("age_group") or first.endswith("%"), said


def test_titles_of_a_case_with_many_answers_stay_short(all_yes: Diagnosis) -> None:
    cause = all_yes.top_cause
    for ax, extra in (
        (figures.plot_causes(all_yes), 1),
        (figures.plot_evidence_impact(all_yes, cause), 2),  # its second part wraps too
        (figures.plot_next_questions(all_yes), 1),
        (figures.plot_sensitivity(sensitivity(all_yes, cause), answers=all_yes.answers), 1),
    ):
        head = title(ax)
        assert head.count("\n") + 1 <= 3 + extra, head
        # counted, those that moved the cause less said to have (04: "it")
        assert re.search(r" and \d+ more( that moved [^\u00a0]+\u00a0less)?\n", head), head


@pytest.fixture(scope="module")
def w08(net: Network) -> Diagnosis:
    from backspasm.figures.teaching import _answers_of

    vignettes = pd.read_csv(DATA / "vignettes.csv", dtype=str, keep_default_na=False)
    return diagnose(_answers_of(vignettes, "W08", net), network=net)


def drawn(ax: plt.Axes) -> object:
    fig = ax.get_figure()
    assert fig is not None
    fig.canvas.draw()
    return fig.canvas.get_renderer()  # type: ignore[attr-defined]


def test_evidence_impact_title_is_wrapped_inside_the_figure(w08: Diagnosis) -> None:
    ax = figures.plot_evidence_impact(w08, "vertebral_compression_fracture")
    renderer = drawn(ax)
    fig = ax.get_figure()
    assert fig is not None
    head = ax.get_title(loc="left")
    (text,) = [t for t in fig.findobj(matplotlib.text.Text) if t.get_text() == head]
    assert text.get_window_extent(renderer).x1 <= fig.bbox.x1, head
    assert all(len(line) <= _words.TITLE_WIDTH for line in head.split("\n")), head
    assert "each answer judged by leaving it out" in head.replace("\n", " ")
    assert head.count("\n") + 1 <= 5, head


def assert_tick_labels_apart(ax: plt.Axes, most: int = 2) -> None:
    renderer = drawn(ax)
    labels = [t for t in ax.get_yticklabels() if t.get_text()]
    assert labels
    for label in labels:
        assert label.get_text().count("\n") < most, label.get_text()
    boxes = [t.get_window_extent(renderer) for t in labels]
    for (a, ta), (b, tb) in itertools.combinations(zip(boxes, labels, strict=True), 2):
        apart = a.y1 < b.y0 or b.y1 < a.y0 or a.x1 < b.x0 or b.x1 < a.x0
        assert apart, (ta.get_text(), tb.get_text())


def test_long_tick_labels_keep_to_few_lines_and_never_touch(
    w08: Diagnosis, abscess: Diagnosis, net: Network
) -> None:
    cause = "vertebral_compression_fracture"
    table = sensitivity(w08, cause)
    assert_tick_labels_apart(figures.plot_sensitivity(table, top=12, answers=w08.answers))
    ax = figures.plot_sensitivity(table, answers=w08.answers)  # the default top=15
    assert_tick_labels_apart(ax)
    # a label wrapped whole where a wider column holds it, and always ending with its value
    first = ax.get_yticklabels()[0].get_text()
    assert "…" not in first, first
    # (on the line of the text's last word: joined by no-break spaces)
    assert first.endswith(f"\u00a0=\u00a0{table['value'].iloc[0]:.3g}"), first
    table = sensitivity(abscess, "epidural_abscess")
    assert_tick_labels_apart(figures.plot_sensitivity(table, top=12, answers=abscess.answers))
    ax = figures.plot_next_questions(w08)  # (an emergency's shows no questions)
    assert_tick_labels_apart(ax, most=3)  # ten rows leave room for three lines


def test_a_label_too_long_for_any_width_is_cut_and_keeps_its_value() -> None:
    long = "P(Thing = yes | " + ", ".join(f"Parent number {i}" for i in range(12))
    short = "P(Fever = yes | no parent present"
    said = _words.wrap_all([long, short], (44, 52), lines=2, tails=[") = 0.5", ") = 0.02"])
    assert said[0].count("\n") == 1, said[0]
    assert said[0].endswith("…) = 0.5"), said[0]
    assert said[1] == "P(Fever = yes | no parent present) = 0.02"  # whole, on one line
    # the narrowest width that holds them all whole, on two lines before three
    text = "word " * 17  # 85 characters
    assert _words.wrap_all([text], (44, 52, 60), lines=3) == [_words.wrap(text, 44)]
    assert _words.wrap_all([text * 2], (44, 52, 60), lines=3)[0].count("\n") == 2


def test_a_figure_that_cannot_be_renamed_leaves_the_set_whole(
    tmp_path: Path, net: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    from backspasm import _files

    out = tmp_path / "set"
    cases = NO_IDS.assign(case_id=["a", "b"])
    figures.write_teaching_figures(out, network=net, cases=cases, case_id="a", dpi=20)
    (out / "10-roc-serious.png").unlink()
    (out / "10-roc-serious.png").mkdir()  # a folder where a figure goes
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    with pytest.raises(BackspasmError, match=r"10-roc-serious\.png'.*folder") as caught:
        figures.write_teaching_figures(out, network=net, cases=cases, case_id="b", dpi=20)
    assert ".tmp" not in str(caught.value)
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
    (out / "10-roc-serious.png").rmdir()
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    # a rename that fails part-way (a file held open on Windows): the renamed ones undone
    replace = _files.AtomicFile.replace

    def held_open(self: _files.AtomicFile) -> None:
        if self.path.name.startswith("06-"):
            raise PermissionError(13, "Permission denied", str(self.tmp))
        replace(self)

    monkeypatch.setattr(_files.AtomicFile, "replace", held_open)
    with pytest.raises(BackspasmError, match=r"06-sensitivity\.png'.*denied") as caught:
        figures.write_teaching_figures(out, network=net, cases=cases, case_id="b", dpi=20)
    assert ".tmp" not in str(caught.value)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # no file left over


def test_sensitivity_bars_are_neutral_not_raised_or_lowered(abscess: Diagnosis) -> None:
    from backspasm._palette import DIVIDED, LOWERED, MULTIPLIED, RAISED

    ax = figures.plot_sensitivity(sensitivity(abscess, "epidural_abscess"), top=5)
    faces = {
        matplotlib.colors.to_hex(bar.get_facecolor())
        for prefix in ("sens_high:", "sens_low:")
        for bar in by_gid(ax, prefix).values()  # type: ignore[attr-defined]
    }
    assert faces == {MULTIPLIED.lower(), DIVIDED.lower()}
    for colour in (MULTIPLIED, DIVIDED):
        assert min(delta_e(colour, c) for c in (RAISED, LOWERED)) > 25
    assert ax.get_legend() is not None
    legend = {matplotlib.colors.to_hex(p.get_facecolor()) for p in ax.get_legend().get_patches()}
    assert legend == faces


def ciede2000(a: str, b: str) -> float:
    """Colour difference (CIEDE2000) of two colours."""

    (l1, a1, b1), (l2, a2, b2) = lab(a), lab(b)
    c_bar = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(c_bar**7 / (c_bar**7 + 25**7)))
    a1, a2 = (1 + g) * a1, (1 + g) * a2
    c1, c2 = math.hypot(a1, b1), math.hypot(a2, b2)
    h1, h2 = math.degrees(math.atan2(b1, a1)) % 360, math.degrees(math.atan2(b2, a2)) % 360
    dh = 0.0 if c1 * c2 == 0 else (h2 - h1 + 180) % 360 - 180
    big_dh = 2 * math.sqrt(c1 * c2) * math.sin(math.radians(dh / 2))
    l_bar, c_bar = (l1 + l2) / 2, (c1 + c2) / 2
    if c1 * c2 == 0:
        h_bar = h1 + h2
    elif abs(h1 - h2) <= 180:
        h_bar = (h1 + h2) / 2
    else:
        h_bar = (h1 + h2 + 360) / 2 if h1 + h2 < 360 else (h1 + h2 - 360) / 2
    t = (
        1
        - 0.17 * math.cos(math.radians(h_bar - 30))
        + 0.24 * math.cos(math.radians(2 * h_bar))
        + 0.32 * math.cos(math.radians(3 * h_bar + 6))
        - 0.2 * math.cos(math.radians(4 * h_bar - 63))
    )
    theta = 30 * math.exp(-(((h_bar - 275) / 25) ** 2))
    rc = 2 * math.sqrt(c_bar**7 / (c_bar**7 + 25**7))
    sl = 1 + 0.015 * (l_bar - 50) ** 2 / math.sqrt(20 + (l_bar - 50) ** 2)
    sc, sh = 1 + 0.045 * c_bar, 1 + 0.015 * c_bar * t
    rt = -math.sin(math.radians(2 * theta)) * rc
    dl, dc, dhh = (l2 - l1) / sl, (c2 - c1) / sc, big_dh / sh
    return math.sqrt(dl**2 + dc**2 + dhh**2 + rt * dc * dhh)


def test_line_colours_are_far_from_groups_triage_and_each_other(net: Network) -> None:
    from backspasm._palette import LINE_COLOURS
    from backspasm.learning import evaluate, sample_cases

    assert round(ciede2000("#FFFFFF", "#000000"), 1) == 100.0
    taken = [*figures.GROUP_COLOURS.values(), *figures.TRIAGE_COLOURS.values()]
    for colour in LINE_COLOURS:
        assert min(ciede2000(colour, t) for t in taken) >= 20, colour
    # the first six (as many as the serious causes) far apart, all twelve apart
    assert len(LINE_COLOURS) == 12
    for a, b in itertools.combinations(LINE_COLOURS[:6], 2):
        assert ciede2000(a, b) >= 20, (a, b)
    for a, b in itertools.combinations(LINE_COLOURS, 2):
        assert ciede2000(a, b) >= 15, (a, b)
    # and the curves differ in line style from the first on: no two look alike
    evaluation = evaluate(sample_cases(400, network=net, seed=1), network=net)
    ax = figures.plot_roc(evaluation, causes=list(net.causes))
    curves = [line for line in ax.get_lines() if line.get_label() != "chance"]
    looks = [(line.get_color(), line.get_linestyle()) for line in curves]
    assert len(set(looks)) == len(looks) > 5
    assert curves[0].get_linestyle() != curves[1].get_linestyle()


@pytest.mark.parametrize("count", [6, 12])
def test_every_two_roc_curves_differ_in_colour(net: Network, count: int) -> None:
    # The notebook's ROC of six causes drew kidney stones and tight hamstrings in the
    # same red (five colours for six curves), told apart by their line style alone.
    from backspasm.learning import evaluate, sample_cases

    evaluation = evaluate(sample_cases(2000, network=net, seed=1), network=net)
    six = [
        "kidney_stones",
        "pyelonephritis",
        "herniated_disc",
        "spinal_stenosis",
        "dehydration",
        "tight_hamstrings",
    ]
    causes = six + [c for c in net.causes if c not in six][: count - 6]
    ax = figures.plot_roc(evaluation, causes=causes, network=net)
    curves = [line for line in ax.get_lines() if line.get_label() != "chance"]
    assert len(curves) == count
    least = 20 if count <= 6 else 15  # CIEDE2000
    for a, b in itertools.combinations(curves, 2):
        apart = ciede2000(a.get_color(), b.get_color())
        assert apart >= least, (a.get_label(), b.get_label(), apart)
    # a curve after the twelfth takes a colour again, never with its line style
    ax = figures.plot_roc(evaluation, network=net)
    curves = [line for line in ax.get_lines() if line.get_label() != "chance"]
    assert len(curves) > 12
    looks = [(line.get_color(), line.get_linestyle()) for line in curves]
    assert len(set(looks)) == len(looks)


def test_a_short_odds_axis_still_reads_as_odds_ratios() -> None:
    # Thinning the top axis to powers of ten left an axis of ÷2.7..×2.7 with ×1 alone.
    from backspasm.figures._words import ratio_ticks as _ratio_ticks

    assert _ratio_ticks(0.97) == [0.5, 1.0, 2.0]
    assert _ratio_ticks(1.2) == [1 / 3, 1.0, 3.0]
    assert len(_ratio_ticks(30.0)) <= 7


@pytest.mark.parametrize("width", range(18, 70))
def test_an_evidence_title_never_ends_on_its_count_alone(width: int) -> None:
    # At a column's width the title's last line read "12" (or "of 12") on its own.
    from types import SimpleNamespace

    from backspasm.figures._impact_title import how_words
    from backspasm.figures._wrap import wrap_phrases

    row = SimpleNamespace(prior=0.008, posterior=0.983)
    text = wrap_phrases(how_words("Kidney stones", row, 7, 12), width)
    last = text.split("\n")[-1].replace("\u00a0", " ")
    assert not re.fullmatch(r"(of )?12", last), text
    assert last.endswith("moved it most of 12")


@pytest.mark.parametrize(
    "draw",
    [
        figures.plot_causes,
        figures.plot_evidence_impact,
        figures.plot_next_questions,
        figures.plot_network_beliefs,
        lambda answers: figures.plot_scenarios([answers]),
    ],
    ids=["causes", "impact", "next", "beliefs", "scenarios"],
)
def test_answers_given_for_a_diagnosis_are_refused_by_name(draw) -> None:
    # the notebook passes diagnose(figures.DEFAULT_CASE); passing the answers
    # themselves gave "'dict' object has no attribute 'causes'" (session 52 review)
    with pytest.raises(TypeError, match=r"takes a Diagnosis, got answers: diagnose the answers"):
        draw(dict(figures.DEFAULT_CASE))


@pytest.mark.parametrize("murphy", ["yes", 0.8])
def test_the_answer_that_set_the_triage_leads_its_scenario_panel_even_unsure(murphy) -> None:
    # The flag was found by its name in the triage reasons, which an unsure answer
    # ends with " (unsure)": the sign that set see_doctor was then listed last.
    answers = {"age": 30, "recent_exertion": "yes", "spasm_location": "lower_back"}
    d = diagnose({**answers, "fever": "no", "murphy_sign_positive": murphy})
    assert d.triage == "see_doctor"
    assert scenario_answers(d)[0] == "age 30, lower back"  # the person, then the flag
    assert scenario_answers(d)[1].startswith("positive Murphy's sign")


def test_the_network_beliefs_title_says_when_the_screen_is_incomplete() -> None:
    # 03, 05 and 07 said "screen incomplete" under a see-a-doctor triage; 02 gave the
    # same triage as if settled, so a slide made from 02 alone overstated it.
    unsettled = diagnose({"age": 41, "spasm_duration_weeks": 104})
    assert unsettled.triage == "see_doctor"
    said = title(figures.plot_network_beliefs(unsettled)).replace("\n", " ")
    assert f"screen incomplete: {len(unsettled.unscreened)} of {len(unsettled.screen)}" in said
    emergency = diagnose({"age": 41, "saddle_numbness": "yes"})
    assert emergency.triage == "emergency"
    assert "screen incomplete" not in title(figures.plot_network_beliefs(emergency))
    plt.close("all")
