"""Figures for a journal: a page (7.0 in) or a column (3.5 in), as well as a slide.

A university teacher's audit: ``backspasm figures`` had no size option; a figure
drawn on a 3.5 in Axes of the user's was saved 7.06 to 7.64 in wide (save_figure's
tight bounding box); the network at 7 in collapsed to a 12.16 x 1.59 in strip; the
evidence-impact labels overprinted one another at 3.5 in; the causes' side labels
("serious", "pathologic", "strain, fitness or electrolytes") overprinted one another;
the next-questions legend covered a bar; and an emergency's "Can wait" list vanished
at 7 in. Each figure is checked here at each size: the PNG file is exactly its
inches times its dpi, no two texts overlap, none runs off the figure, and none is
under 6 pt as printed (9 pt on a slide).
"""

from __future__ import annotations

import io
import itertools
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.figure
import matplotlib.pyplot as plt
import pytest
from PIL import Image

from backspasm import cli_args, figures
from backspasm.cli import main
from backspasm.diagnosis import Diagnosis, diagnose
from backspasm.exceptions import BackspasmError
from backspasm.figures import _save, _style, teaching
from backspasm.network import Network
from backspasm.sensitivity import sensitivity
from helpers import KIDNEY_STONE_EMERGENCY

pytestmark = [
    pytest.mark.usefixtures("figures_closed"),
    pytest.mark.filterwarnings("ignore:the label of .* is too long:UserWarning"),
]

DPI = 100
SIZES = ("slide", "page", "column")
JOURNAL = SIZES[1:]
#: The drawings of the whole network: on a slide whatever the size of the set.
NETWORK_FIGURES = ("01-network", "01b-diagnostic-view", "02-network-beliefs")
CAUDA_EQUINA = {
    "age": 50,
    "sex": "female",
    "spasm_duration_weeks": 2,
    "spasm_location": "lower_back",
    "pain_below_knee": "yes",
    "saddle_numbness": "yes",
    "bowel_or_bladder_loss": "yes",
    "bilateral_or_progressive_deficit": "yes",
}
#: The figure of each teaching stem (its height at a journal size).
KINDS = {
    "03-causes": "causes",
    "04-evidence-impact": "evidence_impact",
    "05-next-questions": "next_questions",
    "06-sensitivity": "sensitivity",
    "07-scenarios": "scenarios",
    "08-case-mix": "case_mix",
    "09-calibration": "calibration",
    "10-roc-serious": "roc",
}


def pixels(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:
        return image.size


def expected(size: tuple[float, float], dpi: int = DPI) -> tuple[int, int]:
    return round(size[0] * dpi), round(size[1] * dpi)


def reading(fig: matplotlib.figure.Figure, dpi: int = DPI) -> dict[str, Any]:
    """What a reader of the saved file sees: texts that overlap, run off, or are small.

    Measured at the file's resolution, on the texts the figure draws (those of
    save_figure's own check, ``_save.drawn_texts``).
    """
    own = fig.dpi
    fig.set_dpi(dpi)
    try:
        texts = _save.drawn_texts(fig)
        renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
        boxes = [(t, t.get_window_extent(renderer)) for t in texts]
        page = fig.bbox
        off = [
            t.get_text()
            for t, b in boxes
            if b.x0 < page.x0 - 1 or b.x1 > page.x1 + 1 or b.y0 < page.y0 - 1 or b.y1 > page.y1 + 1
        ]
        overlaps = [
            (a.get_text(), b.get_text())
            for (a, x), (b, y) in itertools.combinations(boxes, 2)
            if x.x0 + 0.5 < y.x1 and y.x0 + 0.5 < x.x1 and x.y0 + 0.5 < y.y1 and y.y0 + 0.5 < x.y1
        ]
        smallest = min(t.get_fontsize() for t in texts)
    finally:
        fig.set_dpi(own)
    said = " ".join(" ".join(t.get_text().split()) for t in texts)
    return {
        "off": off,
        "overlaps": overlaps,
        "smallest": smallest,
        "count": len(texts),
        "said": said,
    }


# ----------------------------------------------------------------- the sizes, once


def test_the_sizes_are_defined_once_with_their_type_rule() -> None:
    assert figures.FIGURE_SIZES == SIZES
    assert cli_args.FIGURE_SIZES == _style.FIGURE_SIZES  # the CLI's copy, for --help
    assert figures.SIZE_WIDTHS == {"slide": 13.33, "page": 7.0, "column": 3.5}
    for figure, heights in figures.FIGURE_HEIGHTS.items():
        assert set(heights) == set(JOURNAL), figure
        assert all(0 < h <= 9.0 for h in heights.values()), figure
    assert figures.type_scale(13.33) == 1.0
    assert figures.type_scale(7.0) == pytest.approx(0.8)
    assert figures.type_scale(3.5) == pytest.approx(0.7)
    assert figures.type_scale(2.0) == pytest.approx(0.7)  # never smaller
    # the rule: the slide's smallest type, scaled, is never under a journal's least
    assert figures.MIN_FONT * figures.type_scale(3.5) >= figures.JOURNAL_MIN_FONT


# ---------------------------------------------- the teaching set at every size


@pytest.fixture(scope="module")
def sets(tmp_path_factory: pytest.TempPathFactory, net: Network) -> dict[str, Any]:
    """The default teaching set at each size: its PNG files, notes and readings."""
    seen: dict[str, Any] = {}
    render = teaching._render
    for size in SIZES:
        out = tmp_path_factory.mktemp(size)
        readings: list[dict[str, Any]] = []
        notes: list[str] = []

        def measured(
            fig: matplotlib.figure.Figure, fmt: str, dpi: int, into: list[Any] = readings
        ) -> bytes:
            data = render(fig, fmt, dpi)
            into.append({**reading(fig, dpi), "inches": tuple(fig.get_size_inches())})
            return data

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(teaching, "_render", measured)
            paths = figures.write_teaching_figures(
                out, network=net, dpi=DPI, size=size, note=notes.append
            )
        stems = [p.stem for p in paths]
        seen[size] = {
            "files": {p.stem: p.read_bytes() for p in paths},
            "readings": dict(zip(stems, readings, strict=True)),
            "notes": notes,
        }
    return seen


@pytest.mark.parametrize("size", SIZES)
def test_every_png_of_the_set_is_exactly_its_inches_times_its_dpi(
    sets: dict[str, Any], size: str
) -> None:
    files = sets[size]["files"]
    assert list(files) == list(teaching.TEACHING_FIGURES)
    for stem, data in files.items():
        if stem == "01-network" and size == "page":  # the structure: as tall as it needs
            inches = sets[size]["readings"][stem]["inches"]
            assert inches[0] == pytest.approx(7.0)
            assert inches[1] <= 9.0
        elif stem in NETWORK_FIGURES or size == "slide":
            inches = figures.SLIDE_SIZE  # the network on a slide, whatever the size
        else:
            inches = (figures.SIZE_WIDTHS[size], figures.FIGURE_HEIGHTS[KINDS[stem]][size])
        assert pixels(data) == expected(inches), (size, stem)
        assert sets[size]["readings"][stem]["inches"] == pytest.approx(inches), (size, stem)


@pytest.mark.parametrize("size", JOURNAL)
def test_every_figure_of_the_set_reads_at_a_journal_size(sets: dict[str, Any], size: str) -> None:
    for stem in KINDS:
        seen = sets[size]["readings"][stem]
        assert seen["count"] > 5, (size, stem)
        assert seen["overlaps"] == [], (size, stem)
        assert seen["off"] == [], (size, stem)
        # printed at its own size: no text under 6 pt
        assert seen["smallest"] >= figures.JOURNAL_MIN_FONT, (size, stem)


@pytest.mark.parametrize("size", SIZES)
def test_the_self_check_figures_say_so_at_every_size(sets: dict[str, Any], size: str) -> None:
    # an expected calibration error of 0.002 on the network's own cases is a check of the
    # inference: a paper's column figure dropped the sentence that says so (a teacher's audit)
    for stem in ("09-calibration", "10-roc-serious"):
        assert "not of the model on real patients" in sets[size]["readings"][stem]["said"], stem


@pytest.mark.parametrize("size", JOURNAL)
def test_a_set_of_a_journal_size_draws_the_network_on_a_slide_and_says_so(
    sets: dict[str, Any], size: str
) -> None:
    (said,) = [n for n in sets[size]["notes"] if "network" in n]
    # the network's structure (01) is drawn on a page: one box per group
    drawn = "01b, 02" if size == "page" else "01, 01b, 02"
    assert said.startswith(f"figures {drawn} (the whole network) are drawn on a slide")
    assert f"not at {size} size ({figures.SIZE_WIDTHS[size]:g} in wide)" in said
    assert not sets["slide"]["notes"]


# ------------------------------------------- the case figures of other cases


CASES = {"kidney stone": KIDNEY_STONE_EMERGENCY, "cauda equina": CAUDA_EQUINA}


@pytest.fixture(scope="module")
def cases(net: Network) -> dict[str, Diagnosis]:
    return {name: diagnose(answers, network=net) for name, answers in CASES.items()}


def _case_figures(case: Diagnosis, size: str) -> dict[str, Any]:
    table = sensitivity(case, case.top_cause)
    return {
        "causes": lambda: figures.plot_causes(case, size=size),
        "evidence_impact": lambda: figures.plot_evidence_impact(case, size=size),
        "next_questions": lambda: figures.plot_next_questions(case, size=size),
        "sensitivity": lambda: figures.plot_sensitivity(
            table, top=10, answers=case.answers, network=case.network, size=size
        ),
    }


@pytest.mark.parametrize("size", JOURNAL)
@pytest.mark.parametrize("name", list(CASES))
def test_the_case_figures_of_an_emergency_read_at_a_journal_size(
    cases: dict[str, Diagnosis], name: str, size: str, tmp_path: Path
) -> None:
    case = cases[name]
    assert case.triage == "emergency"
    for kind, draw in _case_figures(case, size).items():
        fig = draw().get_figure()
        path = figures.save_figure(fig, tmp_path / f"{kind}.png", dpi=DPI, close=False)
        inches = (figures.SIZE_WIDTHS[size], figures.FIGURE_HEIGHTS[kind][size])
        assert pixels(path.read_bytes()) == expected(inches), (name, size, kind)
        seen = reading(fig)
        assert seen["overlaps"] == [], (name, size, kind)
        assert seen["off"] == [], (name, size, kind)
        assert seen["smallest"] >= figures.JOURNAL_MIN_FONT, (name, size, kind)
        plt.close(fig)


def test_an_emergency_keeps_the_questions_that_can_wait_on_a_page(
    cases: dict[str, Diagnosis],
) -> None:
    for case in cases.values():
        ax = figures.plot_next_questions(case, size="page")
        gids = {str(a.get_gid()) for a in [*ax.patches, *ax.texts]}
        assert "can-wait" in gids
        assert sum(g.startswith("later:") for g in gids) >= 5
        assert "no-questions" in gids


# --------------------------------- an Axes of the user's: drawn for its width


@pytest.mark.parametrize("inches", [(3.5, 3.0), (7.0, 5.0)])
def test_the_plot_functions_adapt_to_the_width_of_a_given_axes(
    cases: dict[str, Diagnosis], inches: tuple[float, float], tmp_path: Path
) -> None:
    case = cases["kidney stone"]
    table = sensitivity(case, case.top_cause)
    draws = {
        "causes": lambda ax: figures.plot_causes(case, ax=ax),
        "impact": lambda ax: figures.plot_evidence_impact(case, ax=ax),
        "questions": lambda ax: figures.plot_next_questions(case, ax=ax),
        "sensitivity": lambda ax: figures.plot_sensitivity(table, ax=ax, answers=case.answers),
    }
    for name, draw in draws.items():
        fig, ax = plt.subplots(figsize=inches)
        draw(ax)
        # written at the figure's size, with no text cut (that would warn: an error here)
        path = figures.save_figure(fig, tmp_path / f"{name}.png", dpi=300, close=False)
        assert pixels(path.read_bytes()) == expected(inches, 300), name
        seen = reading(fig, 300)
        assert seen["overlaps"] == [], (inches, name)
        assert seen["off"] == [], (inches, name)
        assert seen["smallest"] >= figures.JOURNAL_MIN_FONT, (inches, name)
        plt.close(fig)


def test_size_and_ax_together_are_refused(cases: dict[str, Diagnosis]) -> None:
    _, ax = plt.subplots(figsize=(3.5, 3.0))
    with pytest.raises(BackspasmError, match="takes 'size' or 'ax', not both"):
        figures.plot_causes(cases["kidney stone"], ax=ax, size="column")
    with pytest.raises(BackspasmError, match="must be one of slide, page, column"):
        figures.plot_causes(cases["kidney stone"], size="poster")


# --------------------------------------- save_figure never changes the size


def test_save_figure_keeps_the_size_and_names_the_text_it_cuts(tmp_path: Path) -> None:
    fig, ax = plt.subplots(figsize=(3.5, 2.0))
    ax.set_title("a title far too long for a figure three and a half inches wide, " * 2)
    with pytest.warns(UserWarning, match=r"run past its edges and are cut in its file: 'a title"):
        path = figures.save_figure(fig, tmp_path / "cut.png", dpi=300)
    assert pixels(path.read_bytes()) == (1050, 600)  # never larger: the figure's size


# ------------------------------------------ the network: a slide or an error


def test_the_network_refuses_a_column_naming_the_size_it_needs(
    net: Network, cases: dict[str, Diagnosis]
) -> None:
    draws = {
        "plot_network": lambda **kw: figures.plot_network(net, **kw),
        "plot_diagnostic_view": lambda **kw: figures.plot_diagnostic_view(net, **kw),
        "plot_network_beliefs": lambda **kw: figures.plot_network_beliefs(
            cases["kidney stone"], **kw
        ),
    }
    for name, draw in draws.items():
        for size in JOURNAL:
            if (name, size) == ("plot_network", "page"):
                continue  # drawn: the structure, one box per group (test_network_page.py)
            with pytest.raises(BackspasmError) as raised:
                draw(size=size)
            said = str(raised.value)
            assert said.startswith(f"{name} cannot be drawn at size '{size}'"), said
            assert "13.33 x 7.5 in (size='slide')" in said
            if name == "plot_network":  # in a column: a page is the least
                assert "the least it needs is a page, 7 in wide (size='page')" in said
            else:
                assert "the least it needs is a slide, 13.33 x 7.5 in (size='slide')" in said
        _, small = plt.subplots(figsize=(7.0, 9.0))
        with pytest.raises(BackspasmError, match=rf"{name} cannot be drawn on an Axes of a 7 x 9"):
            draw(ax=small)


def test_the_cli_refuses_the_network_in_a_column_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "figs"
    assert main(["figures", "--out", str(out), "--size", "column", "--only", "01"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("backspasm figures: error: figure 01 (01-network) cannot be drawn")
    assert "column size (3.5 in wide)" in err
    assert "13.33 x 7.5 in (--size slide)" in err
    assert "Traceback" not in err
    assert not out.exists()  # refused before anything is drawn


def test_a_group_with_the_beliefs_draws_them_on_a_slide_the_network_alone_is_refused() -> None:
    from backspasm.figures._selection import network_on_a_slide, select_figures

    case = select_figures(["case"])  # 02-06: the beliefs and the case's figures
    said = network_on_a_slide(case, "column")
    assert said is not None
    assert said.startswith("figure 02 (the whole network) is drawn on a slide")  # one figure
    assert network_on_a_slide(case, "slide") is None
    assert network_on_a_slide(select_figures(["03"]), "page") is None
    with pytest.raises(BackspasmError, match=r"figures 01, 01b \(01-network, 01b-diagnostic"):
        network_on_a_slide(select_figures(["network"]), "column")
    # on a page, 01 is drawn (one box per group) and 01b on a slide, said
    said = network_on_a_slide(select_figures(["network"]), "page")
    assert said is not None
    assert said.startswith("figure 01b (the whole network) is drawn on a slide")
    with pytest.raises(BackspasmError, match=r"figure 01b \(01b-diagnostic-view\).* draws it on"):
        network_on_a_slide(select_figures(["01b"]), "page")


def test_the_cli_writes_a_column_figure_of_its_size(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "figs"
    code = main(["figures", "--out", str(out), "--size", "column", "--only", "04", "--dpi", "300"])
    assert code == 0, capsys.readouterr().err
    data = (out / "04-evidence-impact.png").read_bytes()
    assert pixels(data) == expected(
        (3.5, figures.FIGURE_HEIGHTS["evidence_impact"]["column"]), 300
    )
    assert str(out / "04-evidence-impact.png") in capsys.readouterr().out


def test_the_help_documents_the_sizes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["figures", "--help"])
    said = " ".join(capsys.readouterr().out.split())
    assert "--size {slide,page,column}" in said
    assert "3.5 in (89 mm)" in said
    # with page, 01 is the network's structure on a page (the help said it went on a slide)
    assert "with page, 01 is its structure (one box per group, 7 in wide)" in said
    assert "with column all three are drawn on a slide" in said
