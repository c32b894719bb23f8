"""What a teacher sees in the teaching set agrees with `diagnose` and fits the slide.

Defects of a teacher's audit: figure 05 ranked questions by information alone
(warning signs missing, a question offered before an emergency department); the ROC
title was cut at the left edge; a long label in a variant shrank the network slide
under 9 pt; node groups told apart by colour alone; figures 01 and 02 laid the nodes
out differently; edges ran off the bottom of the network slide; muscle strain and
the electrolyte causes were called "fitness deficiency"; and ``--cases`` without
``--case-id`` drew the built-in case without a word.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.figure
import matplotlib.text
import pandas as pd
import pytest
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from backspasm import figures
from backspasm.cli import main
from backspasm.diagnosis import Diagnosis, diagnose
from backspasm.figures import _style, teaching
from backspasm.figures.teaching import _answers_of, example_case_note
from backspasm.network import Network, default_network, load_network

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
KNOWLEDGE = ROOT / "model" / "backspasm" / "knowledge"

pytestmark = pytest.mark.usefixtures("figures_closed")


@pytest.fixture(scope="module")
def net() -> Network:
    return default_network()


def vignette(net: Network, case_id: str) -> Diagnosis:
    table = pd.read_csv(DATA / "vignettes.csv", dtype=str, keep_default_na=False)
    return diagnose(_answers_of(table, case_id, net), network=net)


def gids(ax: Any, prefix: str) -> dict[str, Any]:
    return {
        a.get_gid()[len(prefix) :]: a
        for a in [*ax.patches, *ax.texts]
        if isinstance(a.get_gid(), str) and a.get_gid().startswith(prefix)
    }


# ------------------------------------------------------------- 05: next questions


def test_next_questions_follow_diagnose_screening_questions_first(net: Network) -> None:
    case = vignette(net, "S01")  # chronic low back pain with leg pain: see a doctor
    assert case.triage != "emergency"
    ax = figures.plot_next_questions(case)
    bars = gids(ax, "gain:")
    shown = sorted(bars, key=lambda q: -bars[q].get_y())  # top to bottom
    expected = case.next_questions(order="interview").head(10)
    assert shown == list(expected["question"])
    # what `backspasm diagnose` prints first: the screening questions (three warning
    # signs, and pain below the knee, which can set the triage level)
    assert shown[:4] == [
        "bilateral_or_progressive_deficit",
        "saddle_numbness",
        "bowel_or_bladder_loss",
        "pain_below_knee",
    ]
    screen = dict(zip(expected["question"], expected["screen"], strict=True))
    ticks = [t.get_text() for t in ax.get_yticklabels()]  # bottom to top
    for question, tick in zip(reversed(shown), ticks, strict=True):
        assert tick.startswith("⚠") == bool(screen[question]), (question, tick)
        assert bool(bars[question].get_hatch()) == bool(screen[question]), question
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("screening question" in t for t in legend), legend
    assert not any("warning sign" in t for t in legend), legend  # a red-flag question only
    title = ax.get_title(loc="left")
    assert "screening questions first" in title
    assert "warning sign" not in title


def test_next_questions_of_an_emergency_offer_none_before_going(net: Network) -> None:
    for case in (diagnose(dict(figures.DEFAULT_CASE), network=net), vignette(net, "S01")):
        if case.triage != "emergency":
            continue
        ax = figures.plot_next_questions(case)
        assert not gids(ax, "gain:")  # no ranking at all
        said = " ".join(t.get_text() for t in ax.texts)
        assert "none before going (the other questions can wait)" in said
        assert "emergency department" in said
        assert "triage: emergency" in ax.get_title(loc="left")
    stone = diagnose(figures.SCENARIOS["Kidney stones"], network=net)
    if stone.triage == "emergency":
        assert not gids(figures.plot_next_questions(stone), "gain:")


# ------------------------------------------------------------ the whole set, drawn


def _style_of(artist: Any) -> str:
    """The dashes a patch's border is drawn with (what the eye sees, not the name)."""
    offset, dashes = artist._unscaled_dash_pattern
    return "solid" if not dashes else f"{offset} {tuple(dashes)}"


def _measure(fig: matplotlib.figure.Figure) -> dict[str, Any]:
    """What a reader sees of a figure as saved: its titles, boxes, edges and legend."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    page = fig.bbox
    titles = [a.title for a in fig.axes]
    titles += [a._left_title for a in fig.axes]
    titles += [a._right_title for a in fig.axes]
    if fig._suptitle is not None:
        titles.append(fig._suptitle)
    outside = [
        t.get_text()
        for t in titles
        if t.get_text().strip()
        and not (
            page.x0 - 0.5 <= t.get_window_extent(renderer).x0
            and t.get_window_extent(renderer).x1 <= page.x1 + 0.5
            and page.y0 - 0.5 <= t.get_window_extent(renderer).y0
            and t.get_window_extent(renderer).y1 <= page.y1 + 0.5
        )
    ]
    ax = fig.axes[0]
    clip = ax.bbox
    nodes = {
        n: (round(b.get_x() + b.get_width() / 2, 6), round(b.get_y() + b.get_height() / 2, 6))
        for n, b in gids(ax, "node:").items()
        if isinstance(b, FancyBboxPatch)
    }
    boxes = {n: b for n, b in gids(ax, "node:").items() if isinstance(b, FancyBboxPatch)}
    cut = [
        e
        for e, arrow in gids(ax, "edge:").items()
        if isinstance(arrow, FancyArrowPatch)
        and not (
            clip.y0 - 1 <= arrow.get_window_extent(renderer).y0
            and arrow.get_window_extent(renderer).y1 <= clip.y1 + 1
        )
    ]
    legend = ax.get_legend()
    return {
        "titles_outside": outside,
        "nodes": nodes,
        "borders": {n: (_style_of(b), b.get_linewidth()) for n, b in boxes.items()},
        "labels": {n: t.get_text() for n, t in gids(ax, "label:").items()},
        "label_sizes": {t.get_fontsize() for t in gids(ax, "label:").values()},
        "edges_cut": cut,
        "legend": [] if legend is None else [t.get_text() for t in legend.get_texts()],
        "legend_borders": []
        if legend is None
        else [(_style_of(h), h.get_linewidth()) for h in legend.legend_handles],
    }


@pytest.fixture(scope="module")
def drawn_set(tmp_path_factory: pytest.TempPathFactory, net: Network) -> dict[str, dict[str, Any]]:
    """Every figure of the default teaching set, measured as it is saved."""
    seen: dict[str, dict[str, Any]] = {}
    names: dict[int, str] = {}
    draw, render = teaching._teaching_set, teaching._render

    def named(results: Any) -> Iterator[tuple[str, Any]]:
        for stem, fig in draw(results):
            names[id(fig)] = stem
            yield stem, fig

    def measured(fig: matplotlib.figure.Figure, fmt: str, dpi: int) -> bytes:
        data = render(fig, fmt, dpi)
        seen[names[id(fig)]] = _measure(fig)
        return data

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(teaching, "_teaching_set", named)
        patch.setattr(teaching, "_render", measured)
        figures.write_teaching_figures(tmp_path_factory.mktemp("set"), network=net, dpi=72)
    return seen


def test_every_title_of_the_set_lies_inside_its_figure(
    drawn_set: dict[str, dict[str, Any]],
) -> None:
    assert len(drawn_set) == 11
    for stem, seen in drawn_set.items():
        assert seen["titles_outside"] == [], stem


def test_the_network_and_its_beliefs_keep_every_node_in_place(
    drawn_set: dict[str, dict[str, Any]], net: Network
) -> None:
    before, after = drawn_set["01-network"]["nodes"], drawn_set["02-network-beliefs"]["nodes"]
    assert set(before) == set(after) == set(net.node_names)
    assert before == after


def test_no_edge_of_the_network_runs_off_the_slide(drawn_set: dict[str, dict[str, Any]]) -> None:
    for stem in ("01-network", "02-network-beliefs"):
        assert drawn_set[stem]["edges_cut"] == [], stem


def test_groups_sharing_a_column_differ_in_more_than_colour(
    drawn_set: dict[str, dict[str, Any]], net: Network
) -> None:
    seen = drawn_set["01-network"]

    def cue(group: str) -> tuple[Any, ...]:
        node = net.nodes_in(group)[0]
        style, width = seen["borders"][node]
        return (str(style), width, seen["labels"][node].startswith("⚠"))

    for groups in (_style.CAUSE_GROUPS, ("context", "exposure")):
        cues = {cue(g) for g in groups}
        assert len(cues) == len(groups), groups
    # the legend shows the same cue
    shown = dict(zip(seen["legend"], seen["legend_borders"], strict=True))
    for group in _style.CAUSE_GROUPS:
        name = _style.tagged(figures.GROUP_NAMES[group], group)
        style, width = seen["borders"][net.nodes_in(group)[0]]
        assert shown[name] == (style, width), group
    assert any(t.startswith("⚠") and "serious" in t for t in seen["legend"])


def test_the_legend_does_not_call_strain_a_fitness_deficiency(
    drawn_set: dict[str, dict[str, Any]], net: Network
) -> None:
    assert net.group_of("muscle_strain") == "cause_fitness"  # the knowledge base's name
    for stem in ("01-network", "01b-diagnostic-view", "02-network-beliefs", "03-causes"):
        legend = " ".join(drawn_set[stem]["legend"])
        assert "fitness deficiency" not in legend, stem
    said = figures.GROUP_NAMES["cause_fitness"]
    assert "strain" in said
    assert "electrolyte" in said  # low potassium, low calcium, dehydration


# -------------------------------------------------------- a variant's long label

LONG = "Bruising over the flank after a recent shock-wave lithotripsy session"
LONG_FINDING = f"""
[nodes.flank_bruising]
group = "finding"
label = "{LONG}"
description = "A test variant."
question = {{ column = "flank_bruising", prompt = "Is there bruising over your flank?", section = "symptom" }}
parents = ["kidney_stones"]
leak = {{ p = 0.02, source = "assumption", why = "a test variant" }}
strength.kidney_stones = {{ p = 0.3, source = "assumption", why = "a test variant" }}
"""


def test_a_long_label_is_wrapped_not_shrinking_the_slide(tmp_path: Path) -> None:
    folder = tmp_path / "variant"
    shutil.copytree(KNOWLEDGE, folder)
    with (folder / "findings.toml").open("a", encoding="utf-8") as fh:
        fh.write(LONG_FINDING)
    variant = load_network(folder)
    case = diagnose(dict(figures.DEFAULT_CASE), network=variant)
    # the same variant with a short label: one more node may cost the slide a
    # sub-column, but the long label must cost it nothing more
    short = tmp_path / "short"
    shutil.copytree(folder, short)
    text = (short / "findings.toml").read_text(encoding="utf-8")
    (short / "findings.toml").write_text(text.replace(LONG, "Flank bruising"), encoding="utf-8")
    plain = load_network(short)
    sizes = {
        "plot_network": gids(figures.plot_network(plain), "label:"),
        "plot_network_beliefs": gids(
            figures.plot_network_beliefs(diagnose(dict(figures.DEFAULT_CASE), network=plain)),
            "label:",
        ),
    }
    for name, draw in (
        ("plot_network", lambda: figures.plot_network(variant)),
        ("plot_network_beliefs", lambda: figures.plot_network_beliefs(case)),
    ):
        with pytest.warns(UserWarning, match="flank_bruising"):
            ax = draw()
        labels = gids(ax, "label:")
        expected = {t.get_fontsize() for t in sizes[name].values()}
        assert {t.get_fontsize() for t in labels.values()} == expected
        assert min(expected) >= 7.75  # a slide with one node more than the bundled one
        said = labels["flank_bruising"].get_text()
        assert said.count("\n") <= 1, said
        assert said.replace("\n", " ").removesuffix("…") in LONG
        # the column is no wider than the bundled network's widest
        widths = {round(b.get_width(), 6) for b in gids(ax, "node:").values()}
        box = gids(ax, "node:")["flank_bruising"]
        assert box.get_width() <= max(widths)
        fig = ax.get_figure()
        fig.canvas.draw()
        assert min(
            t.get_fontsize()
            for t in fig.findobj(matplotlib.text.Text)
            if t.get_visible() and t.get_text().strip()
        ) >= min(expected)


# ---------------------------------------------------- --cases without --case-id


def test_cases_without_a_case_id_say_which_case_is_drawn(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert example_case_note(None, None) is None
    assert example_case_note("cases.csv", "EX18") is None
    out = tmp_path / "figs"
    code = main(
        ["figures", "--out", str(out), "--cases", str(DATA / "example_cases.csv"), "--dpi", "10"]
    )
    assert code == 0
    err = capsys.readouterr().err
    notes = [line for line in err.splitlines() if "note:" in line]
    assert len(notes) == 1, err
    assert "built-in example case" in notes[0]
    assert "--case-id" in notes[0]
