"""A bar's value is never crossed by its prior tick, at any size (teacher audit 23, #1, #6).

In a column's 03 and 07 the grey "before any answer" tick, with its white halo, was
drawn through the white in-bar value: "85.3%" read "35.3%", "76.3%" read "76 3%".
And a value could sit right of a tick far beyond its bar ("33.1%" beside a tick at
61%), so that it read as the tick's position. Measured on the drawn figures, as the
teaching set draws them for the CLI.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.figure
import pytest

from backspasm import figures
from backspasm.figures import _bars, teaching
from backspasm.scoring.cases import read_case_table

pytestmark = [
    pytest.mark.usefixtures("figures_closed"),
    pytest.mark.filterwarnings("ignore:the label of .* is too long:UserWarning"),
]

DATA = Path(__file__).resolve().parents[2] / "data"
#: The cases whose column figures had the tick through a value, and two more.
CASES = {
    None: None,
    "EX01": "example_cases.csv",
    "EX18": "example_cases.csv",
    "EX22": "example_cases.csv",
    "V17": "vignettes.csv",
}


def drawn(tmp_path: Path, size: str, case_id: str | None) -> list[matplotlib.figure.Figure]:
    """Draw 03 and 07 of the teaching set for ``case_id``; return the figures as saved."""
    seen: list[dict[str, Any]] = []
    render = teaching._render

    def measured(fig: matplotlib.figure.Figure, fmt: str, dpi: int) -> bytes:
        seen.append(crossings(fig))
        return render(fig, fmt, dpi)

    cases = None if case_id is None else read_case_table(str(DATA / str(CASES[case_id])))[0]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(teaching, "_render", measured)
        figures.write_teaching_figures(
            tmp_path, only=["03", "07"], size=size, cases=cases, case_id=case_id, dpi=100
        )
    return seen  # type: ignore[return-value]


def crossings(fig: matplotlib.figure.Figure) -> dict[str, Any]:
    """The values whose box the tick of the same bar (with 1.5 pt of halo) crosses."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    halo = 1.5 * fig.dpi / 72
    crossed, far, count = [], [], 0
    for ax in fig.get_axes():
        found: dict[str, dict[str, Any]] = {}
        for artist in [*ax.patches, *ax.lines, *ax.texts]:
            gid = artist.get_gid()
            if isinstance(gid, str) and gid.split(":")[0] in {"prior", "value", "posterior"}:
                kind, _, key = gid.partition(":")
                found.setdefault(key, {})[kind] = artist.get_window_extent(renderer)
        for key, got in found.items():
            if "value" not in got:
                continue
            count += 1
            text, tick, bar = got["value"], got["prior"], got["posterior"]
            if text.x0 - halo < tick.x1 and tick.x0 < text.x1 + halo:
                crossed.append(key)
            # a value right of its bar starts at the bar end, or just past a tick there
            if text.x0 > bar.x1 and text.x0 - bar.x1 > 0.45 * fig.dpi:
                far.append(key)
    return {"crossed": crossed, "far": far, "count": count}


@pytest.mark.parametrize("size", ["column", "page"])
@pytest.mark.parametrize("case_id", list(CASES))
def test_no_prior_tick_crosses_a_value(tmp_path: Path, size: str, case_id: str | None) -> None:
    for seen in drawn(tmp_path, size, case_id):
        assert seen["count"] >= 5
        assert seen["crossed"] == [], (size, case_id)
        assert seen["far"] == [], (size, case_id)


def test_the_place_of_a_value_is_always_clear_of_its_tick() -> None:
    """Every bar end and tick on a narrow and a wide plot: the text spans clear of the tick."""
    for per_inch in (0.5, 0.2, 0.08):  # a column's panel ... a slide's
        for wide in (0.12, 0.2, 0.35):
            for end in [i / 50 for i in range(51)]:
                for prior in [i / 50 for i in range(51)]:
                    x, where = _bars.label_place(end, prior, wide, (0.0, 1.0), per_inch)
                    pad = 4.0 / 72 * per_inch
                    x0, x1 = (
                        (x + pad, x + pad + wide)
                        if where == "right"
                        else (x - pad - wide, x - pad)
                    )
                    clear = _bars.TICK_CLEARANCE / 72 * per_inch
                    assert not (x0 - clear < prior < x1 + clear), (per_inch, wide, end, prior)
                    if where == "inside":
                        assert x0 >= 0.0  # within its own bar
                        assert x1 <= end


@pytest.mark.parametrize("size", ["slide", "page", "column"])
def test_the_scenarios_axis_runs_its_ticks_to_100_percent(size: str) -> None:
    """#10: the ticks stopped at 75% on an axis to 100%, and 0 was written "0"."""
    from backspasm.diagnosis import diagnose

    fig = figures.plot_scenarios(
        [diagnose(a) for a in figures.SCENARIOS.values()], names=list(figures.SCENARIOS), size=size
    )
    fig.canvas.draw()
    for ax in fig.get_axes():
        ticks = list(ax.get_xticks())
        assert ticks[0] == 0.0
        assert ticks[-1] == pytest.approx(1.0)
        said = [t.get_text() for t in ax.get_xticklabels()]
        assert said[0] == "0%"
        assert said[-1] in {"100%", ""}  # unwritten only beside another panel
