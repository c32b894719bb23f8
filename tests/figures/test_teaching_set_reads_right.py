"""What a teacher sees in the teaching set agrees with `diagnose` and fits the slide.

Defects of a teacher's audit: figure 05 ranked questions by information alone
(warning signs missing, a question offered before an emergency department); the ROC
title was cut at the left edge; a long label in a variant shrank the network slide
under 9 pt; node groups told apart by colour alone; figures 01 and 02 laid the nodes
out differently; edges ran off the bottom of the network slide; muscle strain and
the electrolyte causes were called "fitness deficiency"; and ``--cases`` without
``--case-id`` drew the built-in case without a word. A second audit: a self-care triage
looked settled with 18 of 25 screening questions unasked (21 of 28 now); figure 05 showed ten
screening questions of 0.029 to 0.0004 bits ("0.000") and never the questions worth
most (0.264 bits); a kidney stone at 99.98% filled the sensitivity axis with bars from
99.964% to 99.989% without saying that no number changes the conclusion.
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
from backspasm.figures import _style, _words, teaching
from backspasm.figures.teaching import _answers_of, example_case_note
from backspasm.network import Network, load_network
from backspasm.sensitivity import sensitivity
from helpers import KIDNEY_STONE_EMERGENCY, heading_of

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
KNOWLEDGE = ROOT / "model" / "backspasm" / "knowledge"

pytestmark = pytest.mark.usefixtures("figures_closed")


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
    # the screening questions unasked: the first six in the interview's order, then
    # the four most useful of the others (as diagnose ranks them)
    interview = case.next_questions(order="interview")
    others = case.next_questions().query("not screen")
    expected = pd.concat([interview.head(6), others.head(4)], ignore_index=True)
    assert shown == list(expected["question"])
    # what `backspasm diagnose` prints first: the screening questions (the warning
    # signs of cauda equina syndrome and of a medical emergency, sepsis or another,
    # whose yes alone is an emergency, then weakness,
    # which can set the triage level; pain below the knee, which sets one only with
    # a cancer history, waits until that question is answered)
    assert shown[:6] == [
        "early_cauda_equina_symptoms",
        "bilateral_or_progressive_deficit",
        "saddle_numbness",
        "seriously_unwell",
        "bowel_or_bladder_loss",
        "muscle_weakness",
    ]
    screen = dict(zip(expected["question"], expected["screen"], strict=True))
    labels = sorted(ax.get_yticklabels(), key=lambda t: -t.get_position()[1])
    ticks = [t.get_text() for t in labels]  # top to bottom
    for question, tick in zip(shown, ticks, strict=True):
        assert tick.startswith("⚠") == bool(screen[question]), (question, tick)
        assert bool(bars[question].get_hatch()) == bool(screen[question]), question
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("screening question" in t for t in legend), legend
    assert not any("warning sign" in t for t in legend), legend  # a red-flag question only
    title = heading_of(ax)
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
        assert "triage: emergency" in heading_of(ax)
    stone = diagnose(figures.SCENARIOS["Kidney stones"], network=net)
    if stone.triage == "emergency":
        assert not gids(figures.plot_next_questions(stone), "gain:")


STRAIN = {  # a lifting strain: self-care, 7 of 28 screening questions answered
    "age": 32,
    "sex": "male",
    "spasm_duration_weeks": 1,
    "spasm_location": "lower_back",
    "recent_exertion": "yes",
    "pain_below_knee": "no",
    "fever": "no",
    "saddle_numbness": "no",
    "bowel_or_bladder_loss": "no",
}
STONE = KIDNEY_STONE_EMERGENCY


@pytest.fixture(scope="module")
def strain(net: Network) -> Diagnosis:
    return diagnose(STRAIN, network=net)


@pytest.fixture(scope="module")
def stone(net: Network) -> Diagnosis:
    return diagnose(STONE, network=net)


def _one_line(text: str) -> str:
    return text.replace("\n", " ")


def _drawn(ax: Any) -> Any:
    fig = ax.get_figure()
    fig.canvas.draw()
    return fig.canvas.get_renderer()


def test_next_questions_reach_the_most_useful_past_the_screen(strain: Diagnosis) -> None:
    assert strain.triage == "self_care"
    unasked = len(strain.unscreened)
    assert unasked > 10  # the screen alone would fill the figure
    ax = figures.plot_next_questions(strain)
    bars = gids(ax, "gain:")
    shown = sorted(bars, key=lambda q: -bars[q].get_y())  # top to bottom
    interview = strain.next_questions(order="interview")
    others = strain.next_questions().query("not screen")
    # above the rule, the screen as diagnose orders it; under it, the questions worth
    # most that are not screening questions, as diagnose ranks them
    assert shown[:6] == list(interview["question"].head(6))
    assert shown[6:] == list(others["question"].head(4))
    assert shown[6] == "cannot_touch_toes"  # the most useful question of all
    gain = others.set_index("question")["expected_information_gain"]
    screening = interview.query("screen")["expected_information_gain"]
    assert gain["cannot_touch_toes"] > 0.2 > 0.03 > screening.max()
    # the dashed rule lies between the last screening question and the first other
    (rule,) = [line for line in ax.lines if line.get_linestyle() == "--"]
    y = rule.get_ydata()[0]
    assert bars[shown[6]].get_y() + bars[shown[6]].get_height() < y < bars[shown[5]].get_y()
    # the counts are diagnose's own: unasked of the screen, and those left out
    title = _one_line(heading_of(ax))
    assert f"{unasked} of {len(strain.screen)} unasked" in title, title
    assert "in the interview's order, not by information" in title
    more = gids(ax, "more-screening")[""].get_text()
    assert more.startswith(f"{unasked - 6} more screening questions to ask first"), more
    # what is drawn is what diagnose says: the rows above the rule are its first
    hatched = [q for q in shown if bars[q].get_hatch()]
    assert hatched == shown[:6]


def test_next_questions_of_a_full_screen_keep_the_interview_order(net: Network) -> None:
    nearly = {**STRAIN, **{q.column: "no" for q in diagnose(STRAIN, network=net).unscreened}}
    done = diagnose({k: v for k, v in nearly.items() if k != "muscle_weakness"}, network=net)
    assert len(done.unscreened) == 1
    assert done.triage != "emergency"
    ax = figures.plot_next_questions(done)
    bars = gids(ax, "gain:")
    shown = sorted(bars, key=lambda q: -bars[q].get_y())
    assert shown == list(done.next_questions(order="interview")["question"].head(10))
    assert not gids(ax, "more-screening")  # nothing left out
    assert f"1 of {len(done.screen)} unasked" in _one_line(heading_of(ax))


def test_a_gain_under_a_thousandth_of_a_bit_reads_less_than_it(net: Network) -> None:
    case = vignette(net, "S01")
    ax = figures.plot_next_questions(case)
    table = case.next_questions(order="interview").set_index("question")
    values = {q: t.get_text().strip() for q, t in gids(ax, "bits:").items()}
    small = [q for q in values if table.loc[q, "expected_information_gain"] < 0.001]
    assert small  # saddle numbness, loss of bladder control
    for question, text in values.items():
        gain = float(table.loc[question, "expected_information_gain"])
        assert text == ("<0.001" if gain < 0.001 else f"{gain:.3f}"), (question, text)
    assert "0.000" not in values.values()
    assert _words.bits(0.0004) == "<0.001"
    assert _words.bits(0.0012) == "0.001"
    assert _words.bits(0.0) == "0"


def test_the_labels_of_next_questions_keep_clear_of_the_bars(strain: Diagnosis) -> None:
    ax = figures.plot_next_questions(strain)
    renderer = _drawn(ax)
    bars = [b.get_window_extent(renderer) for b in gids(ax, "gain:").values()]
    more = gids(ax, "more-screening")[""].get_window_extent(renderer)
    legend = ax.get_legend().get_window_extent(renderer)
    for box in bars:
        assert not box.overlaps(more)
        assert not box.overlaps(legend)
    assert ax.get_window_extent(renderer).contains(more.x0, more.y0)
    assert gids(ax, "more-screening")[""].get_fontsize() >= _style.MIN_FONT


def test_a_triage_with_screening_questions_unasked_says_so(
    strain: Diagnosis, stone: Diagnosis, net: Network
) -> None:
    note = (
        f"screen incomplete: {len(strain.unscreened)} of {len(strain.screen)} "
        "screening questions unasked"
    )
    assert note == "screen incomplete: 22 of 29 screening questions unasked"
    said = _one_line(figures.plot_causes(strain).get_title(loc="left"))
    assert "triage: self-care" in said
    assert note in said, said
    # an emergency holds whatever the rest: no note
    assert stone.triage == "emergency"
    assert stone.unscreened
    for ax in (figures.plot_causes(stone), figures.plot_next_questions(stone)):
        said = _one_line(heading_of(ax))
        assert "triage: emergency" in said
        assert "screen incomplete" not in said
    # a see-a-doctor triage with questions unasked says it too
    s01 = vignette(net, "S01")
    assert s01.triage == "see_doctor"
    said = _one_line(figures.plot_causes(s01).get_title(loc="left"))
    assert f"screen incomplete: {len(s01.unscreened)} of {len(s01.screen)}" in said


def test_a_conclusion_no_number_moves_says_it_holds(stone: Diagnosis, net: Network) -> None:
    table = sensitivity(stone, "kidney_stones")
    ax = figures.plot_sensitivity(table, top=12, answers=stone.answers, network=net)
    title = _one_line(ax.get_title(loc="left"))
    values = table[["p_base", "p_low", "p_high"]].to_numpy()
    assert values.min() > 0.9995
    assert values.max() < 0.9999
    # both ends to the bars' own decimals (99.963%, not 99.96%: teacher audit 57)
    assert "no single number moves it out of 99.963-99.989%" in title, title
    assert "above every triage cut-off for it (20%, 50%): the conclusion holds" in title
    # a posterior the numbers move across a cut-off (an abscess from 24% to 53%) has none
    abscess = diagnose(dict(figures.DEFAULT_CASE), network=net)
    table = sensitivity(abscess, "epidural_abscess")
    ax = figures.plot_sensitivity(table, top=12, answers=abscess.answers)
    assert "conclusion holds" not in ax.get_title(loc="left")


def test_the_band_of_a_conclusion_that_holds_contains_every_value() -> None:
    from backspasm.figures.sensitivity import _band

    assert _band(0.99964, 0.99989) == "99.96-99.99%"
    assert _band(0.999991, 0.999996) == "99.9991-99.9996%"
    assert _band(0.0021, 0.0035) == "0.2-0.4%"
    assert _band(0.000004, 0.00002) == "0.0004-0.002%"
    assert _band(0.998, 0.999996) == "99.8-99.9996%"  # never 100%
    assert _band(0.0000001, 0.003) == "0.00001-0.3%"  # never 0%


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
