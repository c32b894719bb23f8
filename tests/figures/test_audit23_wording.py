"""Wording as the other figures say it (teacher audit 23, #11).

Figure 06 called the model's P(epidural abscess) "(45%)" where 03 and 04 (and
diagnose) say 44.7%; the heading of an emergency's questions that can wait ended
"by expected information", the word "gain" left out; and a case with no answers
drew an empty 04 whose caption read like any other's.
"""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pytest

from backspasm import figures
from backspasm.diagnosis import diagnose
from backspasm.figures import _emergency
from backspasm.figures._words import percent
from backspasm.network import default_network
from backspasm.scoring.cases import read_case_table
from backspasm.sensitivity import sensitivity

pytestmark = pytest.mark.usefixtures("figures_closed")

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.mark.parametrize("size", ["slide", "column"])
def test_the_sensitivity_axis_says_the_model_as_diagnose_does(size: str) -> None:
    d = diagnose(figures.DEFAULT_CASE)
    table = sensitivity(d, "epidural_abscess")
    ax = figures.plot_sensitivity(table, top=8, size=size)
    said = " ".join(ax.get_xlabel().split())
    assert f"the model as it is ({percent(d.posterior('epidural_abscess'))})" in said


def test_the_sensitivity_line_is_said_to_the_bars_decimals_near_certainty() -> None:
    # the line of a 99.876% stone read "(99.9%)", left of the axis's 99.9% tick and
    # beside bars said to 99.78%; the title's band read "99.7-99.93%" against that
    # 99.78% bar (teacher audit, session 57)
    cases = read_case_table(str(DATA / "example_cases.csv"))[0].set_index("case_id")
    d = diagnose(cases.loc["TB17"].drop(["expected_cause", "note"]).dropna().to_dict())
    p = d.posterior("kidney_stones")
    assert percent(p) == "99.9%"  # the case the audit drew
    assert p < 0.999
    table = sensitivity(d, "kidney_stones")
    values = table[["p_low", "p_high"]].to_numpy().ravel()
    for size in ("slide", "column"):
        ax = figures.plot_sensitivity(table, top=12, size=size)
        said = " ".join(ax.get_xlabel().split())
        assert f"the model as it is ({100 * p:.2f}%)" in said, said
        heading = ax.get_title(loc="left") or ax.figure.get_suptitle()
        title = " ".join(heading.split())
        low, high = re.search(r"out of ([\d.]+)-([\d.]+)%", title).groups()
        assert len(low.partition(".")[2]) == len(high.partition(".")[2]) == 2
        assert float(low) <= 100 * values.min()
        assert float(high) >= 100 * values.max()
        assert float(low) >= round(100 * values.min(), 2) - 0.01  # within the bars' digit


def test_the_heading_of_what_can_wait_says_information_gain() -> None:
    assert _emergency._WAIT_HEADING.endswith("by expected information gain")


def test_the_caption_of_an_empty_evidence_chart_says_it_is_empty(tmp_path: Path) -> None:
    """#8: a case with no answers draws 04 with no bar; its caption says so first."""
    table = read_case_table(str(DATA / "example_cases.csv"))[0]
    figures.write_teaching_figures(tmp_path, only=["04"], cases=table, case_id="EX31", dpi=50)
    (line,) = [
        line
        for line in (tmp_path / "captions.md").read_text(encoding="utf-8").splitlines()
        if line.startswith("- `04-")
    ]
    assert line.split(": ", 1)[1].startswith("Empty chart: no answers to weigh for case EX31")


def test_the_case_mix_tags_a_serious_cause_as_03_and_07_do(tmp_path: Path) -> None:
    """#11: serious causes were tagged ⚠ (bold, in their colour) in 03 and 07, not in 08."""
    import matplotlib.figure

    from backspasm.figures import _style, teaching

    seen: list[matplotlib.figure.Figure] = []
    render = teaching._render

    def kept(fig: matplotlib.figure.Figure, fmt: str, dpi: int) -> bytes:
        seen.append(fig)
        return render(fig, fmt, dpi)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(teaching, "_render", kept)
        figures.write_teaching_figures(tmp_path, only=["08"], dpi=50)
    (fig,) = seen
    left = fig.get_axes()[0]
    net = default_network()
    labels = {net.label(c): c for c in net.causes}
    tagged = 0
    for tick in left.get_yticklabels():
        text = tick.get_text()
        name = text.removeprefix(_style.GROUP_TAGS.get("cause_serious", ""))
        serious = labels.get(name) in net.serious_causes
        assert text.startswith("⚠") == serious, text
        if serious:
            tagged += 1
            assert tick.get_fontweight() == "bold"
            assert matplotlib.colors.to_hex(tick.get_color()) == matplotlib.colors.to_hex(
                _style.colour("cause_serious")
            )
    assert tagged  # the sample has a serious cause ranked first


@pytest.mark.parametrize("size", ["slide", "column"])
def test_a_serious_cause_s_bar_is_hatched_in_03_as_in_07_and_08(size: str) -> None:
    """#11: 03 drew serious causes solid while the legends of 07 and 08 show them hatched."""
    d = diagnose(figures.DEFAULT_CASE)
    net = default_network()
    ax = figures.plot_causes(d, size=size)
    bars = {
        str(p.get_gid()).removeprefix("posterior:"): p
        for p in ax.patches
        if str(p.get_gid()).startswith("posterior:")
    }
    assert bars
    for cause, bar in bars.items():
        assert bool(bar.get_hatch()) == (cause in net.serious_causes), cause
    legend = ax.get_legend() or ax.get_figure().legends[0]
    entries = {
        t.get_text(): h for t, h in zip(legend.get_texts(), legend.legend_handles, strict=True)
    }
    serious = [h for text, h in entries.items() if "serious" in text]
    assert serious
    assert serious[0].get_hatch()


@pytest.mark.parametrize("size", ["slide", "page", "column"])
def test_the_evidence_axis_gives_its_width_to_the_side_the_bars_take(size: str) -> None:
    """#10: every answer raised the cause, and half of 04's axis stayed empty."""
    d = diagnose(figures.DEFAULT_CASE)
    cause = "epidural_abscess"
    assert (d.reasons(cause)["log_odds_change"] > 0).all()
    ax = figures.plot_evidence_impact(d, cause, size=size)
    lo, hi = ax.get_xlim()
    assert -lo <= 0.2 * hi  # a margin left of 0, the rest for the bars
    bars = [p for p in ax.patches if str(p.get_gid()).startswith("impact:")]
    assert max(b.get_width() for b in bars) <= hi
