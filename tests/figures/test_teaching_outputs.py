"""What a teacher gets from `backspasm figures`: the figures asked for, and their alt text.

Defects of a teacher's blind audit: figure 07 in a case's folder showed the built-in
scenarios (a cauda equina at 17%) beside the case's own figures (11.4%) without a
word; its panels' answers were cut ("and 2 more") with a warning sign among those
left out; in a grey print its serious and fitness bars were one grey, with no ⚠ on
its rows, and figure 08's bars were colour only; 08's legend lay over a bar; every
run drew all eleven figures, silently; the figures had no alt text; and a mistyped
``--out`` became a new folder without a word.
"""

from __future__ import annotations

import contextlib
import io
import re
import shutil
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.figure
import matplotlib.text
import pandas as pd
import pytest
from PIL import Image

from backspasm import figures
from backspasm._text import percent as diagnose_percent
from backspasm.cli import main
from backspasm.diagnosis import diagnose
from backspasm.exceptions import BackspasmError
from backspasm.figures import _style, teaching
from backspasm.figures._words import by_effect, percent
from backspasm.figures.scenarios import scenario_answers
from backspasm.network import Network, default_network
from backspasm.scoring import score_cases

DATA = Path(__file__).resolve().parents[2] / "data"

pytestmark = pytest.mark.usefixtures("figures_closed")

#: A cauda equina presentation with many answers, as a teacher's file gives them:
#: its two warning signs (which set the emergency) move the top cause less than
#: "care setting: emergency" and "no fever" do.
CAUDA = {
    "care_setting": "emergency",
    "age": 62,
    "sex": "male",
    "spasm_duration_weeks": 0.29,
    "spasm_location": "lower_back",
    "tingling_or_numbness": "yes",
    "saddle_numbness": "yes",
    "muscle_weakness": "yes",
    "bowel_or_bladder_loss": "yes",
    "leg_or_buttock_pain": "yes",
    "fever": "no",
    "recent_exertion": "yes",
    "pain_below_knee": "yes",
    "straight_leg_raise_positive": "yes",
}


def run(argv: list[str]) -> tuple[int, str, str]:
    """Run the command line, returning its exit code, standard output and error."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def case_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """`backspasm figures --only case,07` for a case of the example file, in a new folder."""
    out = tmp_path_factory.mktemp("figs") / "lesson" / "figs"  # two folders to create
    argv = ["figures", "--out", str(out), "--format", "png,svg", "--dpi", "20"]
    argv += ["--cases", str(DATA / "example_cases.csv"), "--case-id", "EX28"]
    code, stdout, stderr = run([*argv, "--only", "case,07"])
    return {"out": out, "code": code, "stdout": stdout, "stderr": stderr}


def captions(folder: Path) -> dict[str, str]:
    """The sentences of captions.md, by each file its line lists."""
    said: dict[str, str] = {}
    for line in (folder / teaching.CAPTIONS_FILE).read_text(encoding="utf-8").splitlines():
        match = re.match(r"^- ((?:`[^`]+`)(?:, `[^`]+`)*): (.+)$", line)
        if match:
            for name in re.findall(r"`([^`]+)`", match[1]):
                said[name] = match[2]
    return said


# -------------------------------------------------------- --only, and what it says


def test_only_case_writes_exactly_the_case_figures(case_run: dict[str, Any]) -> None:
    assert case_run["code"] == 0, case_run["stderr"]
    stems = ["02-network-beliefs", "03-causes", "04-evidence-impact"]
    stems += ["05-next-questions", "06-sensitivity", "07-scenarios"]
    expected = [f"{s}.{fmt}" for s in stems for fmt in ("png", "svg")]
    listed = [Path(line).name for line in case_run["stdout"].splitlines()]
    assert listed == [*expected, "captions.md"]  # stdout: the files written, nothing else
    on_disk = sorted(p.name for p in case_run["out"].iterdir())
    assert on_disk == sorted([*expected, "captions.md"])
    # one progress line per figure on stderr, in order
    drew = [line for line in case_run["stderr"].splitlines() if " drew " in line]
    assert [line.split()[4] for line in drew] == stems, case_run["stderr"]
    assert all(f"drew {i}/6 " in line for i, line in enumerate(drew, start=1))


def test_only_takes_numbers_and_groups() -> None:
    assert teaching.select_figures(["case"]) == teaching.TEACHING_FIGURES[2:7]
    assert teaching.select_figures(["3", "01b", "10-roc-serious", "03"]) == (
        "01b-diagnostic-view",
        "03-causes",
        "10-roc-serious",
    )
    assert teaching.select_figures(None) == teaching.TEACHING_FIGURES
    with pytest.raises(BackspasmError, match="got '11'"):
        teaching.select_figures(["11"])
    with pytest.raises(BackspasmError, match=r"'only' parameter.*--only"):
        figures.write_teaching_figures("unused", only=["nope"])


def test_a_bad_only_is_refused_before_anything_is_drawn(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["figures", "--out", str(tmp_path / "figs"), "--only", "cases"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "argument --only" in err
    assert "Did you mean 'case'?" in err
    assert not (tmp_path / "figs").exists()


def test_a_missing_folder_is_created_and_said(case_run: dict[str, Any]) -> None:
    out = case_run["out"]
    said = [line for line in case_run["stderr"].splitlines() if "created folder" in line]
    assert len(said) == 1, case_run["stderr"]
    assert f"created folder '{out}'" in said[0]
    assert f"from '{out.parent}'" in said[0]  # the topmost folder created, to spot a typo
    # save_figure creates none: a mistyped folder is refused; both are documented
    fig = figures.plot_causes(diagnose({"age": 30})).get_figure()
    assert fig is not None
    with pytest.raises(BackspasmError, match="creates no folder"):
        figures.save_figure(fig, out / "nope" / "x.png")
    assert "refuses a folder that does not exist" in (figures.write_teaching_figures.__doc__ or "")
    assert "The folder must exist" in (figures.save_figure.__doc__ or "")


def test_no_progress_silences_the_lines_but_not_the_new_folder(tmp_path: Path) -> None:
    out = tmp_path / "new"
    code, stdout, stderr = run(
        ["figures", "--out", str(out), "--only", "03", "--dpi", "20", "--no-progress"]
    )
    assert code == 0, stderr
    assert [Path(line).name for line in stdout.splitlines()] == ["03-causes.png", "captions.md"]
    assert " drew " not in stderr
    assert "created folder" in stderr


# ------------------------------------------------------------- captions, alt text


def test_captions_list_every_file_written_and_the_files_carry_them(
    case_run: dict[str, Any],
) -> None:
    out = case_run["out"]
    said = captions(out)
    written = [Path(line) for line in case_run["stdout"].splitlines()][:-1]  # less captions.md
    assert {p.name for p in written} <= set(said)
    for path in written:
        sentence = said[path.name]
        assert "\n" not in sentence
        assert sentence.endswith(".")
        if path.suffix == ".png":
            assert Image.open(path).text["Description"] == sentence
        else:
            svg = path.read_text(encoding="utf-8")
            desc = re.search(r"<desc>(.*?)</desc>", svg)
            assert desc is not None
            assert desc[1] == sentence.replace("&", "&amp;").replace("<", "&lt;")
            assert "<title>" in svg


def test_captions_say_the_case_and_its_numbers_as_the_figures_do(
    case_run: dict[str, Any], net: Network
) -> None:
    table = pd.read_csv(DATA / "example_cases.csv", dtype=str, keep_default_na=False)
    case = diagnose(teaching._answers_of(table, "EX28", net), network=net)
    said = captions(case_run["out"])
    for stem in ("02-network-beliefs", "03-causes", "04-evidence-impact", "06-sensitivity"):
        assert "case EX28 of example_cases.csv" in said[f"{stem}.png"], stem
    serious = f"P(a serious cause) = {diagnose_percent(case.p_serious)}"
    assert serious in said["03-causes.png"]
    top = case.causes.iloc[0]
    assert f"{top['label']} {percent(top['posterior'])}" in said["03-causes.png"]
    # 07 names the case's panel with the same P(serious) as 02 and 03
    assert f"Case EX28: emergency, P(serious) {serious.split('= ')[1]}" in said["07-scenarios.png"]


def test_captions_keep_the_lines_of_figures_drawn_before(tmp_path: Path) -> None:
    base = ["figures", "--out", str(tmp_path), "--dpi", "20", "--no-progress"]
    assert run([*base, "--only", "03"])[0] == 0
    first = captions(tmp_path)["03-causes.png"]
    assert run([*base, "--only", "05", "--format", "svg"])[0] == 0
    said = captions(tmp_path)
    assert said["03-causes.png"] == first  # kept: its file is still there
    assert "05-next-questions.svg" in said
    (tmp_path / "03-causes.png").unlink()
    assert run([*base, "--only", "05"])[0] == 0
    assert "03-causes.png" not in captions(tmp_path)  # its file is gone


def test_captions_keep_what_a_user_wrote_and_a_foreign_captions_file_is_refused(
    tmp_path: Path,
) -> None:
    # a teacher's notes added to captions.md, and a captions.md of their own, were
    # replaced without a word by the next run (teacher audit, session 57)
    base = ["figures", "--out", str(tmp_path), "--dpi", "20", "--no-progress"]
    assert run([*base, "--only", "04"])[0] == 0
    path = tmp_path / teaching.CAPTIONS_FILE
    path.write_text(path.read_text() + "\nFigure 04 goes on slide 12.\n\n- not a figure\n")
    for _ in range(2):  # kept once, not again and again
        assert run([*base, "--only", "05"])[0] == 0
        text = path.read_text()
        assert text.count("Figure 04 goes on slide 12.") == 1
        assert text.count("- not a figure") == 1
        assert "05-next-questions.png" in captions(tmp_path)
        assert "04-evidence-impact.png" in captions(tmp_path)
    own = tmp_path / "own"
    own.mkdir()
    (own / teaching.CAPTIONS_FILE).write_text("my lecture notes\n")
    code, _, err = run(["figures", "--out", str(own), "--only", "04", "--no-progress"])
    assert code == 2
    assert "is not a captions file backspasm wrote" in err
    assert (own / teaching.CAPTIONS_FILE).read_text() == "my lecture notes\n"
    assert sorted(p.name for p in own.iterdir()) == [teaching.CAPTIONS_FILE]


# ------------------------------------------------------------------- figure 07


def _scenarios(case_id: str | None, net: Network) -> tuple[matplotlib.figure.Figure, Any]:
    table = pd.read_csv(DATA / "example_cases.csv", dtype=str, keep_default_na=False)
    answers = teaching._answers_of(table, case_id, net) if case_id else dict(figures.DEFAULT_CASE)
    work = teaching._Work(
        net,
        answers,
        cause=None,
        cases=table,
        cases_name="example_cases.csv",
        case_id=case_id,
        only=("07-scenarios",),
    )
    ((stem, fig),) = list(teaching._teaching_set(work))
    assert stem == "07-scenarios"
    return fig, work


def _heads(fig: matplotlib.figure.Figure) -> list[str]:
    return [
        t.get_text()
        for t in fig.findobj(matplotlib.text.Text)
        if str(t.get_gid()).startswith("scenario:")
    ]


def test_07_says_its_scenarios_are_built_in_when_no_case_is_given(net: Network) -> None:
    fig, _ = _scenarios(None, net)
    title = " ".join(fig.get_suptitle().split())
    assert "4 built-in example cases" in title
    assert "the epidural abscess is the example case of figures 02-06" in title
    assert all("(built-in)" in head.split("\n")[0] for head in _heads(fig))


def test_07_of_a_case_shows_the_case_beside_three_built_in_ones(net: Network) -> None:
    fig, work = _scenarios("EX28", net)
    title = " ".join(fig.get_suptitle().split())
    assert "case EX28 of example_cases.csv beside 3 built-in example cases" in title
    heads = _heads(fig)
    names = [head.split("\n")[0] for head in heads]
    assert names == [
        "Lifting strain (built-in)",
        "Kidney stones (built-in)",
        "Cauda equina (built-in)",
        "Case EX28",
    ]
    # the case's panel says what 03 says of it: P(a serious cause) as diagnose writes it
    assert heads[-1].endswith(diagnose_percent(work.case.p_serious))


def test_a_panel_keeps_the_red_flags_over_answers_that_moved_the_cause_more(
    net: Network,
) -> None:
    case = diagnose(CAUDA, network=net)
    assert case.triage == "emergency"
    flags = {f.partition("=")[0] for f in case.red_flags if "=" in f}
    assert {"saddle_numbness", "bowel_or_bladder_loss"} <= flags
    said = scenario_answers(case)
    # the two warning signs that set the emergency come first, although care setting
    # and fever moved the top cause more (the order of the case figures' titles)
    effect = list(by_effect(case))
    assert effect.index("care_setting") < effect.index("saddle_numbness")
    # (after the person's phrase: who, where, how long, the care setting)
    assert said[0] == "man, 62, lower back, 2 days, in A&E"
    assert said[1:3] == ["saddle numbness", "bowel or bladder loss"]
    # then the other warning signs present, before any other answer
    assert set(said[3:5]) == {"muscle weakness", "tingling or numbness"}
    fig = figures.plot_scenarios([case], names=["cauda"])
    shown = " ".join(fig.get_axes()[0].get_title(loc="center").split())
    assert re.search(r" and \d+ more$", shown), shown  # some answers had no room
    person, _, rest = shown.split(" and ")[0].partition("; ")
    kept = [person, *rest.split(", ")]
    assert kept[:5] == said[:5]
    left_out = said[len(kept) :]
    assert left_out
    assert not {"saddle numbness", "bowel or bladder loss", "muscle weakness"} & set(left_out)


def test_a_see_a_doctor_flag_comes_first_too(net: Network) -> None:
    case = diagnose(
        {"age": 37, "sex": "male", "spasm_duration_weeks": 14, "leg_or_buttock_pain": "yes"},
        network=net,
    )
    assert case.triage == "see_doctor"
    assert any("12 weeks" in r for r in case.triage_reasons)
    # in the person's phrase, which comes first
    assert scenario_answers(case)[0] == "man, 37, 14 weeks"


# -------------------------------------------------------------- a grey print


def test_07_tells_serious_causes_apart_without_colour(net: Network) -> None:
    fig, work = _scenarios("EX28", net)
    ax = fig.get_axes()[0]
    serious = set(net.serious_causes)
    labels = {str(p.get_label()): p for p in ax.patches if str(p.get_gid()).startswith("post")}
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    for cause in work.case.causes.itertuples():
        if cause.label not in labels:
            continue
        bar = labels[cause.label]
        assert bool(bar.get_hatch()) == (cause.cause in serious), cause.cause
        tagged = _style.tagged(cause.label, "cause_serious")
        assert (tagged in ticks) == (cause.cause in serious), cause.cause
    # the legend shows the same cue
    legend = fig.legends[0]
    shown = dict(
        zip([t.get_text() for t in legend.get_texts()], legend.legend_handles, strict=True)
    )
    serious_name = _style.tagged(figures.GROUP_NAMES["cause_serious"], "cause_serious")
    assert shown[serious_name].get_hatch()
    others = [h for t, h in shown.items() if t != serious_name and hasattr(h, "get_hatch")]
    assert others  # the pathologic and fitness entries: plain
    assert not any(h.get_hatch() for h in others)
    # every prior tick has a white outline, so that it shows inside a long bar
    ticks_drawn = [line for line in ax.lines if str(line.get_gid()).startswith("prior:")]
    assert ticks_drawn
    assert all(line.get_path_effects() for line in ticks_drawn)


@pytest.mark.filterwarnings("ignore:columns passed through unscored")  # its notes
def test_08_hatches_serious_bars_and_its_legend_covers_no_bar(net: Network) -> None:
    table = pd.read_csv(DATA / "example_cases.csv", dtype=str, keep_default_na=False)
    fig = figures.plot_case_mix(score_cases(table, network=net), network=net)
    left = fig.get_axes()[0]
    bars = {str(p.get_gid())[len("top_cause:") :]: p for p in left.patches if p.get_gid()}
    assert any(c in net.serious_causes for c in bars)
    for cause, bar in bars.items():
        assert bool(bar.get_hatch()) == (cause in net.serious_causes), cause
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    legend = left.get_legend().get_window_extent(renderer)
    drawn = [b.get_window_extent(renderer) for b in bars.values()]
    drawn += [t.get_window_extent(renderer) for t in left.texts]  # the counts
    drawn += [t.get_window_extent(renderer) for t in left.get_yticklabels()]
    drawn.append(left.xaxis.label.get_window_extent(renderer))
    assert not any(legend.overlaps(box) for box in drawn)
    assert fig.bbox.contains(legend.x0, legend.y0)
    assert fig.bbox.contains(legend.x1, legend.y1)
    assert any(h.get_hatch() for h in left.get_legend().legend_handles)


def test_save_figure_writes_the_alt_text_it_is_given(tmp_path: Path) -> None:
    said = "Bar chart of the causes of back spasm for age 30: muscle strain first."
    for suffix in ("png", "svg", "pdf"):
        fig = figures.plot_causes(diagnose({"age": 30})).get_figure()
        assert fig is not None
        path = figures.save_figure(fig, tmp_path / f"a.{suffix}", dpi=20, description=said)
        data = path.read_bytes()
        if suffix == "png":
            assert Image.open(path).text["Description"] == said
        elif suffix == "svg":
            assert f"<desc>{said}</desc>".encode() in data
        else:
            assert b"/Subject" in data
    plain = figures.plot_causes(diagnose({"age": 30})).get_figure()
    assert plain is not None
    path = figures.save_figure(plain, tmp_path / "plain.png", dpi=20)
    assert "Description" not in Image.open(path).text  # none given, none written


def test_captions_say_the_network_of_each_file_and_a_mixed_folder_is_warned_of(
    tmp_path: Path,
) -> None:
    # figures of a variant network had the same titles, metadata and captions as the
    # bundled network's, and a folder mixing the two said nothing (teacher audit 57)
    variant = tmp_path / "kb2"
    shutil.copytree(Path(teaching.__file__).parents[1] / "knowledge", variant)
    findings = variant / "findings.toml"
    text = findings.read_text()
    old = 'leak = { p = 0.03, source = "Hiatt94"'
    assert old in text
    findings.write_text(text.replace(old, 'leak = { p = 0.06, source = "Hiatt94"'))
    out = tmp_path / "figs"
    base = ["figures", "--out", str(out), "--dpi", "20", "--no-progress", "--only"]
    code, _, err = run([*base, "03,04"])
    assert code == 0
    assert "another network" not in err
    bundled = default_network().fingerprint()[:12]
    listed = (out / teaching.CAPTIONS_FILE).read_text()
    line = f"- backspasm/knowledge (bundled), fingerprint {bundled}: `03-causes.png`"
    assert line + ", `04-evidence-impact.png`" in listed
    code, _, err = run([*base, "04", "--network", str(variant)])
    assert code == 0
    assert "1 figure file(s)" in err
    assert f"were drawn from another network than these ({variant}, fingerprint" in err
    assert ": 03-causes.png;" in err
    listed = (out / teaching.CAPTIONS_FILE).read_text()
    assert line + "\n" in listed  # 03 alone is the bundled network's now
    assert f"- {variant}, fingerprint " in listed
    assert "03-causes.png" in captions(out)
    assert "Notes kept" not in listed  # the section is not taken for a user's notes


def test_a_column_of_scenarios_shows_each_panels_likeliest_serious_cause() -> None:
    # at column size each panel keeps five rows, and the cauda equina panel's "P(serious)
    # 17.2%" stood over no serious cause: its spinal tumour (8.7%) was cut (teacher
    # audit, session 57)
    from backspasm.figures.scenarios import SCENARIOS

    named = dict(SCENARIOS)
    cases = [diagnose(named[name]) for name in named]
    for size in ("column", None):
        fig = figures.plot_scenarios(cases, names=list(named), size=size)
        labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
        for d in cases:
            serious = d.causes[d.causes["group"] == "serious"].iloc[0]
            if serious["posterior"] >= 0.01:
                assert any(str(serious["label"]) in label for label in labels), labels
        if size == "column":
            assert len(labels) == 5  # the place of another cause, not a sixth row
        matplotlib.pyplot.close(fig)


GIVEN = {
    "age": "30",
    "sex": "female",
    "fever": "yes",
    "spasm_location": "flank",
    "painful_urination": "yes",
}


def test_a_case_given_by_its_answers_is_drawn_as_the_same_case_from_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A teacher wanting a what-if case on a slide had to write a one-row CSV
    # (teacher audit, session 57): `figures -a NAME=VALUE` takes the answers as
    # diagnose does. The figures are those of the same case read from a file, but
    # for its name: "the case given", and "Case given" in figure 07's panel.
    given = tmp_path / "given"
    argv = ["figures", "--out", str(given), "--only", "03,07", "--no-progress"]
    assert main([*argv, *(f"-a{k}={v}" for k, v in GIVEN.items())]) == 0
    from_file = tmp_path / "file"
    csv = tmp_path / "one.csv"
    pd.DataFrame([{"case_id": "W1", **GIVEN}]).to_csv(csv, index=False)
    argv = ["figures", "--out", str(from_file), "--only", "03,07", "--no-progress"]
    assert main([*argv, "--cases", str(csv), "--case-id", "W1"]) == 0
    capsys.readouterr()

    def captions(folder: Path) -> list[str]:
        text = (folder / "captions.md").read_text()
        return [line for line in text.splitlines() if line.startswith("- `0")]

    said, read = captions(given), captions(from_file)
    assert [s.replace("the case given", "case W1 of one.csv") for s in said] == [
        r.replace("Case W1:", "Case given:") for r in read
    ]
    top = diagnose(GIVEN).causes.iloc[0]
    assert "for the case given (woman, 30, flank; fever, " in said[0]
    assert f"most probable {top['label']} {diagnose_percent(top['posterior'])}" in said[0]
    assert "in the case given beside 3 built-in example cases" in said[1]
    assert "Case given: emergency" in said[1]
    # Either the answers or a case of a file, not both; a wrong answer is named.
    argv = ["figures", "--out", str(tmp_path / "x"), "-a", "fever=yes"]
    assert main([*argv, "--cases", str(csv), "--case-id", "W1"]) == 2
    assert "give the example case once: --case-id or --answer" in capsys.readouterr().err
    assert main(["figures", "--out", str(tmp_path / "x"), "-a", "fever=maybe"]) == 2
    assert "fever" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()
    with pytest.raises(BackspasmError, match="'case_id' or 'answers'"):
        figures.write_teaching_figures(
            tmp_path / "y", cases=pd.read_csv(csv), case_id="W1", answers=GIVEN
        )
