"""The figures and captions.md write one multiplication sign, the true one (a teacher's audit).

Figure 03 wrote a pointed cause's odds factor after the letter x ("x3.3") and
figure 04 its odds ratios after the sign × ("×26.2"), and so did their captions.
Both are ×, which the figures' fonts draw; backspasm._text.TIMES owns it.
"""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.figure
import pytest
from matplotlib.font_manager import FontProperties, findfont, get_font

from backspasm import figures
from backspasm.diagnosis import diagnose
from backspasm.figures import _save, teaching

pytestmark = pytest.mark.usefixtures("figures_closed")

#: A number after the letter x, where an odds ratio or factor is meant: "x3.3", "x19".
LETTER = re.compile(r"(?<![\w.])x\d")
#: The true sign (backspasm._text.TIMES).
TIMES = "\u00d7"


def test_the_sign_is_the_true_one_and_the_fonts_draw_it() -> None:
    from backspasm._text import TIMES  # the one place that owns it

    assert TIMES == "\u00d7"
    font = get_font(findfont(FontProperties(family=matplotlib.rcParams["font.family"])))
    assert font.get_char_index(ord(TIMES)) != 0


def test_03_and_04_and_captions_write_one_sign(tmp_path: Path) -> None:
    seen: dict[str, str] = {}
    render = teaching._render

    def measured(fig: matplotlib.figure.Figure, fmt: str, dpi: int) -> object:
        said = " ".join(t.get_text() for t in _save.drawn_texts(fig))
        seen[str(len(seen))] = said
        return render(fig, fmt, dpi)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(teaching, "_render", measured)
        figures.write_teaching_figures(tmp_path, only=["03", "04", "06"], dpi=50)
    caption = (tmp_path / "captions.md").read_text(encoding="utf-8")
    drawn = " ".join(seen.values())
    assert TIMES in drawn
    assert TIMES in caption
    assert not LETTER.findall(drawn), LETTER.findall(drawn)
    assert not LETTER.findall(caption), LETTER.findall(caption)
    # figure 03 marks its pointed causes with the sign, its key too
    d = diagnose(dict(figures.DEFAULT_CASE))
    ax = figures.plot_causes(d)
    marked = [t.get_text() for t in ax.texts if str(t.get_gid()).startswith("value:")]
    assert any(f"  {TIMES}" in m for m in marked), marked
    legend = ax.get_legend()
    assert legend is not None
    assert any(t.get_text().startswith(f"{TIMES}… over") for t in legend.get_texts())
