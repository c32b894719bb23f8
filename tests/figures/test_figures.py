"""Figures draw what they claim: bars equal the numbers, labels name the nodes.

Run with ``--save-figures DIR`` to keep every figure drawn here as a PNG for review.
"""

from __future__ import annotations

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
from backspasm.diagnosis import Diagnosis, diagnose
from backspasm.exceptions import BackspasmError
from backspasm.figures import _style
from backspasm.network import Network, default_network
from backspasm.scoring import score_cases
from backspasm.sensitivity import sensitivity
from backspasm.spec import GROUPS

DATA = Path(__file__).resolve().parents[2] / "data"


pytestmark = pytest.mark.usefixtures("figures_closed")


@pytest.fixture(scope="module")
def net() -> Network:
    return default_network()


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
    return " ".join(ax.get_title(loc=where) for where in ("left", "center", "right")).strip()


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
    assert legend == [figures.GROUP_NAMES[g] for g in GROUPS]
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
    groups = ("cause_serious", "mechanism", "finding")
    ax = figures.plot_network(net, groups=groups)
    expected = {n for g in groups for n in net.nodes_in(g)}
    assert set(by_gid(ax, "node:")) == expected
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        figures.GROUP_NAMES[g] for g in groups
    ]
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
    assert "red flags" in title(ax)
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
    assert f"{abscess.p_serious:.0%}" in title(ax)
    assert ax.get_xlabel()
    assert len(ax.get_legend().get_texts()) == 4


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
    assert "fever = yes" in ticks
    assert "Epidural abscess" in title(ax)
    assert "log-odds" in ax.get_xlabel()
    assert any(t.get_text().startswith("odds ×") for t in ax.texts)


def test_plot_evidence_impact_rejects_an_unknown_cause(abscess: Diagnosis) -> None:
    with pytest.raises(BackspasmError, match="Did you mean 'kidney_stones'"):
        figures.plot_evidence_impact(abscess, "kidney_stone")


def test_plot_evidence_impact_without_answers(net: Network) -> None:
    ax = figures.plot_evidence_impact(diagnose({}, network=net), "kidney_stones")
    assert not by_gid(ax, "impact:")
    assert "no answers to weigh" in texts(ax)


# --------------------------------------------------------------- next questions


def test_plot_next_questions_bars_equal_information_gain(abscess: Diagnosis) -> None:
    ax = figures.plot_next_questions(abscess, top=6)
    table = abscess.next_questions().head(6).set_index("question")
    bars = by_gid(ax, "gain:")
    assert list(bars) == list(table.index)
    for question, bar in bars.items():
        assert bar.get_width() == pytest.approx(
            table.loc[question, "expected_information_gain"], abs=1e-12
        )
    tops = sorted(bars, key=lambda q: -bars[q].get_y())
    assert tops[0] == table.index[0]  # most informative at the top
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
        assert title(ax).replace("\n", " ") == figures.describe_answers(d.answers, net)
        posts = by_gid(ax, f"posterior:{i}:")
        assert len(posts) == 6
        table = d.causes.set_index("cause")
        for cause, bar in posts.items():
            assert bar.get_width() == pytest.approx(table.loc[cause, "posterior"], abs=1e-12)
        assert ax.get_xlabel()
    ticks = [t.get_text() for t in axes[0].get_yticklabels()]
    assert "Kidney stones" in ticks
    assert "Epidural abscess" in ticks
    assert fig.get_suptitle()
    assert len(fig.legends) == 1


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
    assert "Kidney stones" in [t.get_text() for t in left.get_yticklabels()]
    assert "1 could not be scored" in fig.get_suptitle()
    assert title(left)
    assert title(right)
    assert left.get_xlabel()
    assert right.get_ylabel()
    with pytest.raises(BackspasmError, match="top_cause"):
        figures.plot_case_mix(scored.drop(columns="top_cause"))


def test_plot_case_mix_of_the_example_file(net: Network, examples: pd.DataFrame) -> None:
    scored = score_cases(examples, network=net)
    fig = figures.plot_case_mix(scored, network=net)
    left, right = fig.get_axes()
    total = sum(b.get_width() for b in by_gid(left, "top_cause:").values())
    assert total == len(examples) == sum(b.get_height() for b in by_gid(right, "triage:").values())


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
    for run in ("a", "b"):
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


def test_write_teaching_figures_for_a_case_of_a_file(
    tmp_path: Path, net: Network, examples: pd.DataFrame
) -> None:
    # an example whose intended cause is not its top cause: the lesson follows the cause
    scored = score_cases(examples, network=net)
    missed = scored["top_cause"].to_numpy() != examples["intended_cause"].to_numpy()
    case = examples[missed].iloc[0]
    paths = figures.write_teaching_figures(
        tmp_path,
        formats=("pdf", "svg"),
        network=net,
        cases=examples,
        case_id=case["case_id"],
        cause=case["intended_cause"],
        dpi=50,
    )
    pdfs = [p for p in paths if p.suffix == ".pdf"]
    assert len(pdfs) == len(paths) // 2
    assert all(p.read_bytes().startswith(b"%PDF") for p in pdfs)
    assert not plt.get_fignums()  # every figure was closed
    label = net.label(case["intended_cause"])
    for stem in ("04-evidence-impact", "06-sensitivity"):
        assert label in (tmp_path / f"{stem}.svg").read_text(), stem
    with pytest.raises(BackspasmError, match=r"'cause'.*epidural_abscess"):
        figures.write_teaching_figures(tmp_path, cause="abscess")
    with pytest.raises(BackspasmError, match="No case"):
        figures.write_teaching_figures(tmp_path, cases=examples, case_id="nope")
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


def test_percent_labels() -> None:
    assert _style.percent(0.0004) == "<0.1%"
    assert _style.percent(0.0123) == "1.2%"
    assert _style.percent(0.734) == "73%"


# ------------------------------------------------------------ slides and titles

FLANK = {"age": 39, "spasm_location": "flank", "blood_in_urine": "yes", "fever": "no"}


@pytest.fixture(scope="module")
def flank(net: Network) -> Diagnosis:
    return diagnose(FLANK, network=net)


def test_titles_name_the_answers(flank: Diagnosis) -> None:
    said = "age 39, spasms: flank, blood in urine, no fever"
    assert figures.describe_answers(FLANK) == said
    assert figures.describe_answers({}) == "no answers yet"
    assert "fever (70% sure)" in figures.describe_answers({"fever": 0.7})
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
        assert said in text


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
    assert said.startswith(
        f"The back-spasm network: {nodes} nodes, {arrows} arrows, before any answer"
    )
    assert "each arrow points from a cause to its effect" in said
    # labels wrap at word boundaries, onto at most two lines
    for node, label in by_gid(ax, "label:").items():
        text = label.get_text()
        assert text.count("\n") <= 1, node
        # a break replaces a space, or follows a slash
        assert net.label(node) in (text.replace("\n", " "), text.replace("/\n", "/")), node


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
        assert figures.describe_answers(case.answers) in said
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
    assert labels == {n: net.label(n) for n in expected}
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
