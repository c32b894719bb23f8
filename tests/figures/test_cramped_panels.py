"""Causes panels in a plain 8 x 6 in 2 x 2 grid (and 10 x 4 in, 1 x 3) show 3 causes each.

A teacher's ``plt.subplots(2, 2, figsize=(8, 6))`` (no layout engine) showed one
cause a panel: the title, key and labels at the figure's type left room for one bar.
A cramped panel is drawn in smaller type (a bar's value at 7.5 pt or more), the same
in each panel of the grid, with a key of three lines that still says P(a serious cause) is
the chance of at least one and not the sum of the bars; every text in its cell.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest
from matplotlib.text import Text

from backspasm import figures
from backspasm.diagnosis import Diagnosis, diagnose
from backspasm.figures._panel import cell_of
from backspasm.network import Network


@pytest.fixture(scope="module", params=[((8.0, 6.0), (2, 2)), ((10.0, 4.0), (1, 3))])
def grid(
    case: Diagnosis, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Any]:
    # (in the 10 x 4 in grid the first panel drawn was measured without a title
    # beside it, and came out in larger type than the two after it)
    inches, shape = request.param
    fig, axes = plt.subplots(*shape, figsize=inches, dpi=100)
    for ax in axes.flat:
        figures.plot_causes(case, ax=ax)
    fig.savefig(Path(tmp_path_factory.mktemp("cramped")) / "grid.png", dpi=100)
    yield fig
    plt.close(fig)


def _texts(ax: Any) -> list[Text]:
    key = ax.get_legend()
    low, high = ax.get_xlim()
    ticks = [t for t in ax.get_xticklabels() if low <= t.get_position()[0] <= high]
    said = [*ax.texts, ax._left_title, *ax.get_yticklabels(), *ticks]
    said += [ax.xaxis.label, *(key.get_texts() if key is not None else [])]
    return [t for t in said if t.get_text().strip() and t.get_visible()]


def test_each_panel_shows_at_least_three_causes(grid: Any) -> None:
    for ax in grid.axes:
        bars = [p for p in ax.patches if str(p.get_gid()).startswith("posterior:")]
        assert len(bars) >= 3, len(bars)


def test_the_panels_are_in_one_type_no_less_than_the_floor(grid: Any) -> None:
    sizes = [sorted({round(t.get_fontsize(), 2) for t in _texts(ax)}) for ax in grid.axes]
    assert all(s == sizes[0] for s in sizes), sizes
    assert min(sizes[0]) >= 7.5, sizes


def test_the_key_says_both_points_of_a_serious_cause(grid: Any) -> None:
    for ax in grid.axes:
        said = " ".join(" ".join(t.get_text().split()) for t in ax.get_legend().get_texts())
        assert "P(a serious cause): at least one" in said, said
        assert "not the sum of their bars" in said, said


def test_every_text_is_inside_its_cell(grid: Any) -> None:
    renderer = grid.canvas.get_renderer()
    width, height = grid.bbox.width, grid.bbox.height
    for ax in grid.axes:
        x0, y0, x1, y1 = cell_of(ax.get_subplotspec(), grid)
        for text in _texts(ax):
            box = text.get_window_extent(renderer)
            inside = x0 * width - 1 <= box.x0 and box.x1 <= x1 * width + 1
            inside = inside and y0 * height - 1 <= box.y0 and box.y1 <= y1 * height + 1
            assert inside, (text.get_text(), box.extents)


def test_the_key_stays_in_the_file_drawn_at_a_lower_resolution(
    case: Diagnosis, tmp_path: Path
) -> None:
    # hung from the plot's right edge, the key (its type drawn wider at 80 dpi) had
    # its tick's handle 0.06 in past the file's left edge
    fig, axes = plt.subplots(2, 2, figsize=(8, 6), dpi=100)
    for ax in axes.flat:
        figures.plot_causes(case, ax=ax)
    fig.savefig(tmp_path / "grid.png", dpi=80)
    renderer = fig.canvas.get_renderer()
    for ax in axes.flat:
        key = ax.get_legend()
        for part in [*key.legend_handles, *key.get_texts()]:
            box = part.get_window_extent(renderer)
            assert box.x0 >= -0.5, box.extents
            assert box.x1 <= fig.bbox.x1 + 0.5, box.extents
    plt.close(fig)


def test_a_long_title_keeps_to_the_floor(net: Network, tmp_path: Path) -> None:
    # a self-care case's title says that screening questions are unasked: in the
    # cramped panel's smaller type it went down to 7.3 pt (the figure's least, scaled)
    strain = diagnose(dict(figures.SCENARIOS["Lifting strain"]), network=net)
    fig, axes = plt.subplots(2, 2, figsize=(8, 6), dpi=100)
    figures.plot_causes(strain, ax=axes[0, 0])
    fig.savefig(tmp_path / "grid.png", dpi=100)
    ax = axes[0, 0]
    assert len([p for p in ax.patches if str(p.get_gid()).startswith("posterior:")]) >= 3
    assert min(t.get_fontsize() for t in _texts(ax)) >= 7.5
    plt.close(fig)


def test_panels_of_two_cases_in_one_grid_have_one_type(
    case: Diagnosis, net: Network, tmp_path: Path
) -> None:
    # alone, the self-care case's panel (its 3 causes of one kind) was in 9.1 pt type
    # beside the example case's 8.4 pt in a 9 x 6 in grid
    strain = diagnose(dict(figures.SCENARIOS["Lifting strain"]), network=net)
    fig, axes = plt.subplots(2, 2, figsize=(9, 6), dpi=100)
    figures.plot_causes(case, ax=axes[0, 0])
    figures.plot_causes(strain, ax=axes[0, 1])
    fig.savefig(tmp_path / "grid.png", dpi=100)
    sizes = [{t.get_fontsize() for t in ax.get_yticklabels()} for ax in axes[0]]
    assert sizes[0] == sizes[1], sizes
    for ax in axes[0]:
        assert len([p for p in ax.patches if str(p.get_gid()).startswith("posterior:")]) >= 3
    plt.close(fig)


def test_a_see_a_doctor_panel_says_its_screen_in_short_and_shows_three_causes(
    case: Diagnosis, net: Network, tmp_path: Path
) -> None:
    # its title took 5 lines ("screen incomplete: 29 of 30 screening questions
    # unasked: the triage may change" on two) in the title's type: one cause shown
    doctor = diagnose(
        {"age": 70, "sex": "female", "leg_pain_on_walking_eased_by_sitting": "yes"},
        network=net,
    )
    assert doctor.triage == "see_doctor"
    strain = diagnose(dict(figures.SCENARIOS["Lifting strain"]), network=net)
    kidney = diagnose(dict(figures.SCENARIOS["Kidney stones"]), network=net)
    fig, axes = plt.subplots(2, 2, figsize=(8, 6), dpi=100)
    for ax, d in zip(axes.flat, (case, strain, doctor, kidney), strict=True):
        figures.plot_causes(d, ax=ax)
    fig.savefig(tmp_path / "grid.png", dpi=100)
    renderer = fig.canvas.get_renderer()
    width, height = fig.bbox.width, fig.bbox.height
    for ax in axes.flat:
        bars = [p for p in ax.patches if str(p.get_gid()).startswith("posterior:")]
        assert len(bars) >= 3, (ax.get_title(loc="left"), len(bars))
        x0, y0, x1, y1 = cell_of(ax.get_subplotspec(), fig)
        for text in _texts(ax):
            box = text.get_window_extent(renderer)
            inside = x0 * width - 1 <= box.x0 and box.x1 <= x1 * width + 1
            inside = inside and y0 * height - 1 <= box.y0 and box.y1 <= y1 * height + 1
            assert inside, (text.get_text(), box.extents)
    said = " ".join(axes[1, 0].get_title(loc="left").split())
    assert "screen incomplete: 29 of 30 unasked: the triage may change" in said, said
    plt.close(fig)
