"""The example case of the teaching figures is read with the network's own questions.

``backspasm figures --network V --cases F --case-id ID`` read the case with the bundled
questions: a variant's answers were dropped without a word, and the figures showed
another triage than ``backspasm diagnose --network V``. The row is now read as
``diagnose(row, network=V)`` reads it. Also: the text-width cache of the figures is
bounded (it grew with every what-if step).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest

from backspasm.cli import main
from backspasm.diagnosis import diagnose
from backspasm.exceptions import BackspasmError
from backspasm.figures import _words
from backspasm.figures.teaching import _answers_of
from backspasm.network import Network, load_network
from backspasm.scoring import ScoringWarning
from helpers import NEW_FINDING, bundled_variant

pytestmark = pytest.mark.usefixtures("figures_closed")


@pytest.fixture(scope="module")
def variant_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return bundled_variant(
        tmp_path_factory.mktemp("kb") / "variant", "findings.toml", r"\Z", NEW_FINDING
    )


@pytest.fixture(scope="module")
def variant(variant_dir: Path) -> Network:
    return load_network(variant_dir)


CASES = pd.DataFrame(
    {
        "case_id": ["A", "B"],
        "age": ["40", "40"],
        "pain_on_coughing": ["yes", ""],
        "expected_cause": ["herniated_disc", ""],
    }
)


def test_the_case_is_read_with_the_networks_questions(variant: Network) -> None:
    answers = _answers_of(CASES, "A", variant)
    assert answers == {"age": "40", "pain_on_coughing": "yes"}  # not case_id, not notes
    assert _answers_of(CASES, "B", variant) == {"age": "40"}  # blanks left out
    case = diagnose(answers, network=variant)
    assert case.triage == diagnose(CASES.iloc[0], network=variant).triage
    assert case.posterior("herniated_disc") > diagnose({"age": 40}, network=variant).posterior(
        "herniated_disc"
    )


def test_the_case_is_read_as_diagnose_reads_a_row(variant: Network) -> None:
    near = CASES.rename(columns={"pain_on_coughing": "pain_on_cough"})
    with pytest.warns(ScoringWarning, match="did you mean 'pain_on_coughing'.*left out"):
        assert _answers_of(near, "A", variant) == {"age": "40"}
    typo = CASES.rename(columns={"pain_on_coughing": "pain_on_coughin"})
    with pytest.raises(BackspasmError, match="one letter away from a question's name"):
        _answers_of(typo, "A", variant)
    misnamed = CASES.rename(columns={"pain_on_coughing": "Pain On Coughing"})
    with pytest.raises(BackspasmError, match="'Pain On Coughing' for 'pain_on_coughing'"):
        _answers_of(misnamed, "A", variant)


def test_the_figures_of_a_variant_case_say_what_diagnose_says(
    tmp_path: Path, variant_dir: Path, variant: Network, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = tmp_path / "cases.csv"
    CASES.to_csv(cases, index=False)
    out = tmp_path / "figs"
    command = ["figures", "--network", str(variant_dir), "--out", str(out), "--format", "svg"]
    assert main([*command, "--cases", str(cases), "--case-id", "A", "--dpi", "20"]) == 0
    assert "warning" not in capsys.readouterr().err  # the notes of the case mix are no news
    causes = (out / "03-causes.svg").read_text(encoding="utf-8")
    assert "pain on coughing" in causes.lower()  # the title names the variant's answer
    case = diagnose({"age": "40", "pain_on_coughing": "yes"}, network=variant)
    assert _words.triage_text(case) in causes


def test_text_width_keeps_a_bounded_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every what-if step wraps new titles and labels; the cache of their widths grew
    # without end. TextPath is replaced by a quick stand-in for the count.
    import matplotlib.textpath

    class Quick:
        def __init__(self, xy: object, text: str, size: float) -> None:
            self.vertices = [[0.0, 0.0], [len(text) * size, 0.0]]
            self.codes = None

    limit = _words.text_width.cache_info().maxsize
    assert limit is not None
    assert limit <= 10_000
    monkeypatch.setattr(matplotlib.textpath, "TextPath", Quick)
    _words.text_width.cache_clear()
    try:
        for i in range(limit + 500):
            _words.text_width(f"what-if step {i}")
        assert _words.text_width.cache_info().currsize == limit
    finally:
        _words.text_width.cache_clear()  # no stand-in widths left behind


def test_a_variant_without_a_question_the_built_in_cases_answer(tmp_path: Path, capsys) -> None:
    # check accepts a variant that drops fever's question, but figures refused the
    # whole set ("'fever' is a hidden node ... not a question"): the answer came from
    # the built-in example case, which the user never gave
    variant = bundled_variant(
        tmp_path / "kb", "findings.toml", r'question = \{ column = "fever",[^\n]*\n', ""
    )
    out = tmp_path / "figs"
    assert main(["figures", "--network", str(variant), "--only", "03,07", "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "the built-in example case 'Epidural abscess' answers fever, which this" in err
    assert (out / "03-causes.png").exists()
    assert (out / "07-scenarios.png").exists()
