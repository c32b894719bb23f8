"""The Jupyter questionnaire: drive it through its handle and read what it shows."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

import backspasm
from backspasm import EvidenceError, diagnose, explore
from backspasm._palette import ALERT
from backspasm._text import percent
from backspasm.exceptions import BackspasmError, CaseFileError
from backspasm.questionnaire import questions_for
from backspasm.scoring import ScoringWarning
from backspasm.widgets import Explorer
from helpers import METASTASIS, SPONDYLITIS, bundled_variant

CASES = Path(__file__).resolve().parents[2] / "data" / "example_cases.csv"


class _Tags(HTMLParser):
    """Collect the attributes and text of the tags that carry a given class."""

    def __init__(self, cls: str) -> None:
        super().__init__()
        self.cls = cls
        self.found: list[dict[str, str]] = []
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if self.cls in found.get("class", "").split():
            found["text"] = ""
            self.found.append(found)
            self._depth = 1
        elif self._depth:
            self._depth += 1

    def handle_endtag(self, tag: str) -> None:
        if self._depth:
            self._depth -= 1

    def handle_data(self, data: str) -> None:
        if self._depth and self.found:
            self.found[-1]["text"] += data


def tags(html: str, cls: str) -> list[dict[str, str]]:
    parser = _Tags(cls)
    parser.feed(html)
    return parser.found


def shown_bars(ex: Explorer) -> dict[str, tuple[float, float]]:
    """Cause -> (prior, posterior) as the bar view carries them, in display order."""
    rows = tags(ex.views["bars"].value, "bs-cause")
    return {r["data-cause"]: (float(r["data-prior"]), float(r["data-posterior"])) for r in rows}


def shown_triage(ex: Explorer) -> str:
    (level,) = tags(ex.views["triage"].value, "bs-level")
    return level["text"]


def test_explore_is_a_public_name() -> None:
    assert "explore" in backspasm.__all__
    assert backspasm.explore is explore


def test_one_control_per_question_grouped_by_section() -> None:
    ex = explore()
    contract = [q for q in questions_for(ex.network) if q.kind != "id"]
    assert sorted(ex.controls) == sorted(q.column for q in contract)
    # the accordion has one page per section, each titled with its answered count
    accordion = ex.widget.children[3].children[0].children[1]
    sections = list(dict.fromkeys(q.section for q in contract))
    assert len(accordion.children) == len(sections)
    assert [len(page.children) for page in accordion.children] == [
        sum(q.section == s for q in contract) for s in sections
    ]
    assert accordion.titles[1].startswith("Symptoms: 0/")


def test_red_flag_questions_are_marked_and_others_are_not() -> None:
    ex = explore()
    marked: dict[str, bool] = {}
    for page in ex.widget.children[3].children[0].children[1].children:
        for row in page.children:
            (label,) = tags(row.children[0].value, "bs-question")
            marked[label["data-column"]] = bool(tags(row.children[0].value, "bs-flag"))
    expected = {q.column: q.red_flag for q in questions_for(ex.network) if q.kind != "id"}
    assert marked == expected
    assert marked["saddle_numbness"] is True
    assert marked["sex"] is False


def test_bars_show_the_prior_before_any_answer() -> None:
    ex = explore()
    d = diagnose({})
    bars = shown_bars(ex)
    assert list(bars) == list(d.causes["cause"])
    for r in d.causes.itertuples():
        assert bars[r.cause] == pytest.approx((r.prior, r.posterior), abs=1e-12)
    assert shown_triage(ex) == d.triage


def test_set_answer_updates_the_bars_triage_and_diagnosis() -> None:
    ex = explore({"spasm_location": "flank"})
    ex.set_answer("blood_in_urine", " Y ")
    expected = diagnose({"spasm_location": "flank", "blood_in_urine": "yes"})
    assert dict(ex.answers) == {"spasm_location": "flank", "blood_in_urine": "yes"}
    assert ex.diagnosis.triage == expected.triage == "emergency"
    bars = shown_bars(ex)
    assert next(iter(bars)) == expected.top_cause == "kidney_stones"
    for r in expected.causes.itertuples():
        assert bars[r.cause][1] == pytest.approx(r.posterior, abs=1e-12)
    assert shown_triage(ex) == "emergency"
    drivers = [t["text"] for t in tags(ex.views["triage"].value, "bs-driver")]
    assert drivers == list(expected.triage_words)  # in words, as diagnose and ask say them
    assert "Blood in urine" in drivers
    assert ex.controls["blood_in_urine"].value == "yes"
    # A doctor's visit says why too: here the pain moved to the middle of the back.
    ex.set_answer("blood_in_urine", "")
    ex.set_answer("spasm_location", "mid_back")
    assert shown_triage(ex) == "see_doctor"
    drivers = [t["text"] for t in tags(ex.views["triage"].value, "bs-driver")]
    assert drivers == list(ex.diagnosis.triage_words)
    (driver,) = drivers
    assert "thoracic" in driver.lower()  # the wording is triage's own


def test_the_triage_view_says_how_soon_to_see_a_doctor() -> None:
    # A likely spinal metastasis read "see a doctor soon", as tight hamstrings do;
    # NICE CG75 asks that it be discussed within 24 hours.
    ex = explore(METASTASIS)
    assert shown_triage(ex) == "see_doctor"
    assert ex.diagnosis.triage_within_hours == 24
    (view,) = tags(ex.views["triage"].value, "bs-triage")
    assert "see_doctor \u2014 see a doctor within 24 hours" in view["text"]
    ex.clear()
    ex.set_answer("age", 70)
    (view,) = tags(ex.views["triage"].value, "bs-triage")
    assert "see_doctor \u2014 see a doctor soon" in view["text"]


def test_self_care_shows_the_safety_net() -> None:
    ex = explore({"age": 30, "recent_exertion": "yes", "spasm_location": "lower_back"})
    d = ex.diagnosis
    assert d.triage == "self_care"
    assert shown_triage(ex) == "self_care"
    shown = [t["text"] for t in tags(ex.views["triage"].value, "bs-safety")]
    assert shown == list(d.safety_net)
    assert shown  # a person sent home is told what should bring them back


def test_clear_restores_the_prior_picture() -> None:
    ex = explore()
    before = shown_bars(ex)
    ex.set_answer("fever", "yes")
    assert shown_bars(ex) != before
    ex.clear("fever")
    assert dict(ex.answers) == {}
    assert ex.controls["fever"].value == ""
    assert shown_bars(ex) == before
    assert shown_triage(ex) == diagnose({}).triage


def test_clicking_a_control_updates_the_diagnosis() -> None:
    ex = explore({"spasm_location": "flank"})
    ex.controls["fever"].value = "yes"  # what a click on the "yes" toggle does
    ex.controls["sex"].value = "female"
    ex.controls["age"].value = "70"
    answers = {"spasm_location": "flank", "fever": "yes", "sex": "female", "age": 70}
    assert dict(ex.answers) == answers
    expected = diagnose(answers)
    assert ex.diagnosis.top_cause == expected.top_cause
    assert shown_bars(ex)[expected.top_cause][1] == pytest.approx(
        expected.posterior(expected.top_cause), abs=1e-12
    )


def test_unsure_answer_is_soft_evidence() -> None:
    ex = explore()
    ex.controls["fever"].value = "unsure"
    ex.set_answer("fever", 0.7)
    assert ex.controls["fever"].value == "unsure"
    assert dict(ex.answers) == {"fever": 0.7}
    assert ex.diagnosis.evidence["fever"] == pytest.approx((0.3, 0.7))
    assert ex.diagnosis.posterior("pyelonephritis") == pytest.approx(
        diagnose({"fever": 0.7}).posterior("pyelonephritis"), abs=1e-12
    )


def test_a_bad_value_typed_shows_a_message_not_a_traceback() -> None:
    ex = explore({"fever": "yes"})
    ex.controls["age"].value = "12"
    message = ex.views["message"].value
    assert "age" in message
    assert "18 to 120" in message
    assert "age" not in ex.answers
    assert ex.controls["age"].value == ""  # the box shows the answers that hold
    ex.controls["age"].value = "45"
    assert ex.views["message"].value == ""
    assert ex.answers["age"] == 45


def test_bad_values_from_code_raise_like_diagnose() -> None:
    ex = explore({"fever": "yes"})
    for column, value in [("age", 12), ("fevr", "yes"), ("spasm_location", "flnak")]:
        with pytest.raises(EvidenceError) as from_diagnose:
            diagnose({column: value})
        with pytest.raises(EvidenceError) as from_widget:
            ex.set_answer(column, value)
        assert str(from_widget.value) == str(from_diagnose.value)
    assert dict(ex.answers) == {"fever": "yes"}  # left as they were
    with pytest.raises(EvidenceError, match="Did you mean 'fever'"):
        explore({"fevr": "yes"})


def test_next_question_is_highlighted() -> None:
    ex = explore({"spasm_location": "flank"})
    first = str(ex.diagnosis.next_questions(order="interview")["question"].iloc[0])
    (shown,) = tags(ex.views["next"].value, "bs-next")
    assert shown["data-column"] == first
    ex.set_answer(first, "no")
    after = str(ex.diagnosis.next_questions(order="interview")["question"].iloc[0])
    (shown,) = tags(ex.views["next"].value, "bs-next")
    assert shown["data-column"] == after != first


def test_reasons_follow_the_chosen_cause() -> None:
    ex = explore({"spasm_location": "flank", "blood_in_urine": "yes"})
    (box,) = tags(ex.views["reasons"].value, "bs-reasons")
    assert box["data-cause"] == "kidney_stones"  # the top cause by default
    ex.show_reasons("pyelonephritis")
    (box,) = tags(ex.views["reasons"].value, "bs-reasons")
    assert box["data-cause"] == "pyelonephritis"
    rows = tags(ex.views["reasons"].value, "bs-reason")
    expected = ex.diagnosis.reasons("pyelonephritis")
    assert [r["data-question"] for r in rows] == list(expected["question"])
    assert [float(r["data-log-odds-change"]) for r in rows] == pytest.approx(
        list(expected["log_odds_change"])
    )
    with pytest.raises(EvidenceError, match="Did you mean 'gallstones'"):
        ex.show_reasons("galstones")
    # a name nothing resembles is refused as Diagnosis.reasons refuses it: with the
    # list of causes, not only "is not a cause" (session 52 review)
    with pytest.raises(EvidenceError) as refused:
        ex.show_reasons("pyelo")
    with pytest.raises(BackspasmError) as reasons:
        ex.diagnosis.reasons("pyelo")
    assert str(refused.value) == str(reasons.value)
    assert "The causes: muscle_strain" in str(refused.value)


def test_load_row_loads_a_case_file_row() -> None:
    ex = explore({"fever": "yes", "history_of_cancer": "yes"})
    ex.load_row(CASES, "TB17")
    assert ex.case_id == "TB17"
    assert ex.answers.get("fever") == "no"  # replaced, not merged
    assert "history_of_cancer" not in ex.answers
    assert "expected_cause" not in ex.answers  # not a question: ignored
    assert next(iter(shown_bars(ex))) == "kidney_stones"
    frame = pd.read_csv(CASES, dtype=str, keep_default_na=False)
    row = frame[frame["case_id"] == "TB17"].iloc[0]
    same = explore()
    same.load_row(frame, int(row.name) + 1)  # row 1 is the first case
    assert dict(same.answers) == dict(ex.answers)
    assert ex.diagnosis.top_cause == "kidney_stones"


def test_a_band_named_instead_of_a_number_works_as_in_diagnose() -> None:
    ex = explore({"age": "65+"})
    ex.controls["spasm_duration_weeks"].value = "chronic"  # typed into the box
    assert dict(ex.answers) == {"age": "65+", "spasm_duration_weeks": "chronic"}
    assert ex.views["message"].value == ""
    assert ex.controls["age"].value == "65+"
    expected = diagnose({"age": "65+", "spasm_duration_weeks": "chronic"})
    assert ex.diagnosis.p_serious == pytest.approx(expected.p_serious, abs=1e-12)


def test_an_unsure_red_flag_that_leans_yes_shows_the_emergency() -> None:
    ex = explore({"age": 50})
    ex.set_answer("saddle_numbness", 0.8)
    assert ex.diagnosis.triage == diagnose({"age": 50, "saddle_numbness": 0.8}).triage
    assert ex.diagnosis.triage == "emergency"


def test_load_row_reads_parquet_with_blank_cells(tmp_path: Path) -> None:
    frame = pd.read_csv(CASES, dtype_backend="numpy_nullable")
    frame.to_parquet(tmp_path / "cases.parquet")
    ex = explore()
    ex.load_row(tmp_path / "cases.parquet", "TB17")
    from_csv = explore()
    from_csv.load_row(CASES, "TB17")
    assert dict(ex.answers) == dict(from_csv.answers)
    ex.load_row(frame.convert_dtypes(), "TB17")
    assert dict(ex.answers) == dict(from_csv.answers)


def test_load_row_errors_are_case_file_errors(tmp_path: Path) -> None:
    ex = explore()
    with pytest.raises(CaseFileError, match="Did you mean 'TB17'"):
        ex.load_row(CASES, "TB-17")
    with pytest.raises(CaseFileError, match=r"cannot read case file .*missing\.csv.*no such file"):
        ex.load_row(tmp_path / "missing.csv", 0)


def test_load_row_refuses_a_cell_score_refuses(tmp_path: Path) -> None:
    # An unsure 0.7 in a file's cell is refused by score ("a case file holds yes or
    # no"); the widget loaded it as an unsure yes and showed an emergency.
    from backspasm.scoring import score_file

    src = tmp_path / "soft.csv"
    src.write_text("case_id,age,fever,saddle_numbness\nA,50,0.7,0.8\nB,50,yes,no\n")
    summary = score_file(src, tmp_path / "o.csv")
    scored = pd.read_csv(tmp_path / "o.csv", dtype=str, keep_default_na=False)
    said = scored.loc[0, "error"]
    assert summary.errors == 1
    assert said.startswith("fever: 0.7 is not allowed")
    ex = explore()
    with pytest.raises(EvidenceError) as info:
        ex.load_row(src, "A")
    assert str(info.value) == f"row A: {said.split('; saddle_numbness')[0]}"
    ex.load_row(src, "B")  # a row score takes, the widget takes
    assert ex.answers["fever"] == "yes"


def test_the_load_boxes_report_errors_in_the_widget() -> None:
    ex = explore()
    path, row, load, _ = ex.widget.children[1].children  # the case-file bar
    path.value = str(CASES)
    row.value = "nope"
    load.click()
    assert "no row 'nope'" in ex.views["message"].value
    assert f"color:{ALERT}" in ex.views["message"].value  # a refusal, in red
    row.value = "TB17"
    load.click()
    message = ex.views["message"].value
    assert "no row" not in message  # the error went with the old case
    assert "columns ignored (not questions of this network): 'note'." in message  # as score
    assert "color:" not in message  # a notice, not the red of a refusal
    assert ex.case_id == "TB17"
    ex.clear()
    ex.load_row(CASES, "TB03")  # from code: the boxes say where the case came from
    assert (path.value, row.value) == (str(CASES), "TB03")
    ex.load_row(pd.read_csv(CASES, dtype=str), 2)
    assert (path.value, row.value) == ("", "2")


def test_displays_in_a_notebook() -> None:
    ex = explore()
    bundle = ex._repr_mimebundle_()
    assert bundle is not None
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == ex.widget.model_id
    assert "triage=" in repr(ex)


def test_clicking_unsure_waits_for_a_lean_before_answering() -> None:
    # One click on "unsure" once recorded 0.5, an answer that says nothing, and
    # marked a red flag as screened.
    ex = explore({"age": 45})
    ex.controls["muscle_weakness"].value = "unsure"
    assert "muscle_weakness" not in ex.answers
    assert ex.controls["muscle_weakness"].value == "unsure"  # the slider stays open
    ex.set_answer("muscle_weakness", 0.8)
    assert ex.answers["muscle_weakness"] == 0.8
    ex.set_answer("muscle_weakness", 0.5)  # back to even: no answer
    assert "muscle_weakness" not in ex.answers
    ex.clear()
    assert ex.controls["muscle_weakness"].value != "unsure"


def test_an_unsure_answer_the_slider_cannot_show_is_refused() -> None:
    with pytest.raises(EvidenceError, match="slider's range"):
        explore({"fever": 0.9999})
    ex = explore({"fever": 0.999})
    assert ex.answers["fever"] == 0.999
    assert ex.controls["fever"].value == "unsure"


def test_the_widget_follows_an_edited_network(tmp_path: Path) -> None:
    # An edit of network.model once left the open widget on the old numbers, and a
    # refused edit made "clear all" do nothing without a word.
    net = backspasm.load_network()
    answers = {"age": 45, "spasm_location": "flank", "blood_in_urine": "yes"}
    ex = explore(answers, network=net)
    before = ex.diagnosis.posterior("kidney_stones")
    values = net.model.get_cpds("kidney_stones").values
    values[1] *= 0.1
    values[0] = 1 - values[1]
    after = ex.diagnosis.posterior("kidney_stones")  # refreshed on access
    assert after == pytest.approx(diagnose(answers, network=net).posterior("kidney_stones"))
    assert after < before
    values[1, 0, 0] += 0.2  # no longer sums to 1
    reset = next(b for b in _buttons(ex.widget) if getattr(b, "description", "") == "clear all")
    reset.click()
    assert "sums to" in ex.views["message"].value


def _buttons(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _buttons(child)


def test_load_row_reads_any_separator_and_names_misspelt_columns(tmp_path: Path) -> None:
    path = tmp_path / "semi.csv"
    path.write_text("case_id;age;blood_urine\nA;45;yes\n")
    ex = explore()
    ex.load_row(str(path), 1)
    assert ex.case_id == "A"
    message = ex.views["message"].value
    assert "did you mean 'blood_in_urine'" in message
    tab = tmp_path / "tab.csv"
    tab.write_text("case_id\tage\tfever\nB\t45\tyes\n")
    ex.load_row(str(tab), "B")
    assert dict(ex.answers) == {"age": 45, "fever": "yes"}
    import numpy as np

    ex.load_row(str(tab), np.int64(1))
    assert ex.case_id == "B"


def test_explore_refuses_a_path_for_a_network_and_names_the_question_of_a_node() -> None:
    with pytest.raises(TypeError, match="load_network"):
        explore(network="knowledge/")  # type: ignore[arg-type]
    with pytest.raises(EvidenceError, match="answer its question 'age'"):
        explore({"age_group": "65+"})


def test_near_certain_causes_never_read_100_percent_and_colours_match_the_figures() -> None:
    """A teacher's slide and the widget must agree: 99.94% is not "100%" anywhere, a
    raised odds is drawn in the figures' 'raised' colour, and the triage colours are
    the figures' own."""
    from backspasm._palette import RAISED, TRIAGE_COLOURS

    ex = explore()
    ex.load_row(CASES, "TB17")  # a textbook kidney stone
    d = ex.diagnosis
    assert 0.995 < d.posterior("kidney_stones") < 1.0
    assert 0.9995 < d.p_serious < 1.0
    shown = ex.views["triage"].value + ex.views["bars"].value + ex.views["reasons"].value
    assert "100%" not in shown
    assert "100.0%" not in shown
    assert f"Kidney stones {percent(d.posterior('kidney_stones'))} (>= 50%)" in d.triage_reasons
    assert TRIAGE_COLOURS["emergency"] in ex.views["triage"].value
    assert f"color:{RAISED}" in ex.views["reasons"].value
    assert TRIAGE_COLOURS["emergency"] in d._repr_html_()
    assert "100.0%" not in d.summary()
    assert "100.0%" not in d._repr_html_()


def test_load_row_refuses_a_column_named_like_a_question_but_for_its_case() -> None:
    # 'Saddle Numbness' = yes was ignored with a note, and the widget showed self care;
    # diagnose(row) and score refuse the same row.
    ex = explore()
    frame = pd.DataFrame([{"case_id": "M1", "age": "40", "Saddle Numbness": "yes"}])
    with pytest.raises(EvidenceError, match="'Saddle Numbness' for 'saddle_numbness'"):
        ex.load_row(frame, "M1")
    assert dict(ex.answers) == {}


def test_group_colours_mark_only_groups_in_the_widget() -> None:
    # The red-flag mark and the messages took the serious group's vermillion, and the
    # 'Ask next' bar and the highlight the pathologic blue: beside the cause bars they
    # read as a serious or a pathologic cause.
    from backspasm._palette import GROUP_COLOURS
    from backspasm.widgets.form import _HIGHLIGHT
    from backspasm.widgets.views import FLAG

    ex = explore()
    shown = {name: view.value for name, view in ex.views.items() if name != "bars"}
    for colour in GROUP_COLOURS.values():
        for name, html_ in [*shown.items(), ("flag", FLAG), ("highlight", _HIGHLIGHT)]:
            assert colour.lower() not in html_.lower(), (name, colour)


def test_a_number_that_is_a_case_id_but_no_position_says_how_to_load_it() -> None:
    # "The case file has no row 102 ... Did you mean '102'?" contradicted itself.
    frame = pd.DataFrame({"case_id": [101, 102], "fever": ["yes", "no"]})
    ex = explore()
    with pytest.raises(CaseFileError, match="pass the text '102'"):
        ex.load_row(frame, 102)
    ex.load_row(frame, "102")
    assert dict(ex.answers) == {"fever": "no"}


def test_the_reasons_panel_says_odds_as_the_figures_do() -> None:
    # A known cause read 'odds ×1.95e+11' in the widget and 'now known' in the figures;
    # a lowering answer read ×0.62 here and ÷1.61 there.
    ex = explore({"spasm_location": "flank", "blood_in_urine": "yes", "kidney_stones": "yes"})
    ex.show_reasons("kidney_stones")
    text = ex.views["reasons"].value
    assert "odds ×∞: now known" in text
    assert "e+" not in text
    ex = explore({"spasm_location": "flank", "blood_in_urine": "no", "fever": "no"})
    ex.show_reasons("kidney_stones")
    text = ex.views["reasons"].value
    assert "odds ÷" in text
    assert "×0." not in text


def test_a_refused_edit_shows_in_the_widget_and_repr_still_works() -> None:
    # refresh() raised with the message view empty, and repr(ex) raised too.
    net = backspasm.load_network()
    ex = explore({"age": 45, "fever": "yes"}, network=net)
    values = net.model.get_cpds("fever").values
    values *= 1.5  # the columns no longer sum to 1
    with pytest.raises(backspasm.BackspasmError):
        ex.refresh()
    assert "the edited network" in ex.views["message"].value
    assert "edited network is refused" in repr(ex)


def test_an_answer_set_from_code_on_a_refused_network_says_why_in_the_widget() -> None:
    # set_answer on a network diagnose refuses raised with the message view left empty
    # (a change of a control said it, naming the question rather than the network).
    net = backspasm.load_network()
    ex = explore({"spasm_location": "flank"}, network=net)
    blood = net.model.get_cpds("blood_in_urine")
    good = blood.values.copy()
    bad = good.copy()
    bad.flat[0] = -0.2
    blood.values = bad
    for refused in ({"blood_in_urine": "yes"}, {"fever": "yes"}):
        ((column, value),) = refused.items()
        with pytest.raises(BackspasmError) as from_diagnose:
            diagnose({"spasm_location": "flank", **refused}, network=net)
        with pytest.raises(BackspasmError) as from_widget:
            ex.set_answer(column, value)
        said = f"the edited network: {from_diagnose.value}"
        assert str(from_widget.value) == str(from_diagnose.value)
        assert "holds -0.2" in said
        assert _message(ex) == said
        assert dict(ex.answers) == {"spasm_location": "flank"}  # left as they were
        assert ex.controls[column].value == ""
        ex.views["message"].value = ""
        ex.controls[column].value = value  # the control says the same
        assert _message(ex) == said
    assert "the edited network is refused" in repr(ex)
    blood.values = good / good.sum(axis=0) * 1.5  # columns no longer sum to 1
    with pytest.raises(BackspasmError, match=r"sums to 1\.5"):
        ex.clear()
    assert _message(ex).startswith("the edited network: In the pgmpy model, ")
    blood.values = good  # the edit undone: the answer is taken, the message cleared
    ex.set_answer("blood_in_urine", "yes")
    assert ex.views["message"].value == ""
    assert ex.answers["blood_in_urine"] == "yes"
    with pytest.raises(EvidenceError) as bad_value:
        ex.set_answer("age", 12)  # a value refused: named by its question, as a control's
    assert _message(ex) == f"age: {bad_value.value}"


def test_the_widget_asks_nothing_before_an_emergency_and_says_its_notes() -> None:
    ex = explore({"saddle_numbness": "yes"})
    assert "none before going" in ex.views["next"].value
    calm = explore({"back_spasm": "no", "age": 40})
    assert "chances for someone without back spasm" in calm.views["triage"].value
    assert "strain, fitness or electrolytes" in calm.views["bars"].value


def test_the_widget_says_what_diagnose_says_in_the_same_words() -> None:
    # One wording per thing: the reasons as diagnose prints them, the emergency before
    # the causes it holds over, and a screening question not marked a warning sign.
    from backspasm.triage import EMERGENCY_HOLDS

    ex = explore({"saddle_numbness": "yes"})
    view = ex.views["triage"].value
    drivers = [t["text"] for t in tags(view, "bs-driver")]
    assert drivers == list(ex.diagnosis.triage_reasons)
    (driver,) = drivers
    assert driver.startswith("Saddle numbness")
    (holds,) = tags(view, "bs-holds")
    assert holds["text"] == EMERGENCY_HOLDS
    assert view.index("bs-driver") < view.index("bs-holds") < view.index("P(at least one")
    assert "next_questions()" in ex.views["next"].value  # the research ranking is elsewhere
    calm = explore({"age": 34, "history_of_cancer": "yes"})
    assert not tags(calm.views["triage"].value, "bs-holds")
    assert [t["text"] for t in tags(calm.views["triage"].value, "bs-driver")] == list(
        calm.diagnosis.triage_reasons
    )


def test_the_next_question_marks_a_screening_question_that_is_no_warning_sign() -> None:
    answers: dict[str, str] = {"age": "45"}
    for _ in range(40):  # warning signs answered no until another screening question leads
        table = diagnose(answers).next_questions(order="interview")
        if bool(table["screen"].iloc[0]) and not bool(table["red_flag"].iloc[0]):
            break
        answers[str(table["question"].iloc[0])] = "no"
    ex = explore(answers)
    (shown,) = tags(ex.views["next"].value, "bs-next")
    assert shown["data-column"] == table["question"].iloc[0]
    assert "(screening question)" in shown["text"]
    assert not tags(ex.views["next"].value, "bs-flag")
    flagged = explore({"age": "45"})
    assert tags(flagged.views["next"].value, "bs-flag")  # a warning sign keeps its flag
    assert "(screening question)" not in flagged.views["next"].value


def _row_of(ex: Explorer, column: str):
    """The questionnaire row (label, control, slider, note...) of one question."""
    accordion = ex.widget.children[3].children[0].children[1]
    return next(
        row
        for page in accordion.children
        for row in page.children
        if row.children[1] is ex.controls[column]
    )


def _button(ex: Explorer, description: str):
    return next(b for b in _buttons(ex.widget) if getattr(b, "description", "") == description)


def _why_list(ex: Explorer):
    return next(w for w in _buttons(ex.widget) if getattr(w, "description", "") == "Why:")


def test_go_to_it_is_hidden_when_there_is_no_question_to_go_to() -> None:
    # In an emergency "Ask next" said "none before going" while "go to it" stayed
    # visible and enabled, and a click on it did nothing.
    ex = explore({"age": 45, "spasm_location": "lower_back"})
    goto = _button(ex, "go to it")
    accordion = ex.widget.children[3].children[0].children[1]
    first = tags(ex.views["next"].value, "bs-next")[0]["data-column"]
    assert not goto.disabled
    assert goto.layout.display != "none"
    goto.click()  # opens the section of the question to ask next
    page = accordion.children[accordion.selected_index]
    assert ex.controls[first] in [row.children[1] for row in page.children]
    assert _row_of(ex, first).layout.border
    ex.controls["saddle_numbness"].value = "yes"
    assert ex.diagnosis.triage == "emergency"
    assert "none before going" in ex.views["next"].value
    assert goto.disabled
    assert goto.layout.display == "none"
    assert not _row_of(ex, first).layout.border  # no row outlined either
    ex.controls["saddle_numbness"].value = "no"  # no longer an emergency: back again
    assert not goto.disabled
    assert goto.layout.display != "none"


def test_clear_all_and_a_new_case_set_the_why_list_back_to_the_top_cause() -> None:
    # After a pick of muscle strain, "clear all" and a new case loaded still showed
    # muscle strain's reasons, not the new top cause's.
    ex = explore({"spasm_location": "flank", "blood_in_urine": "yes"})
    why = _why_list(ex)
    why.value = "muscle_strain"
    ex.controls["fever"].value = "no"  # an ordinary answer keeps the pick
    (box,) = tags(ex.views["reasons"].value, "bs-reasons")
    assert box["data-cause"] == "muscle_strain"
    _button(ex, "clear all").click()
    assert why.value == ""
    (box,) = tags(ex.views["reasons"].value, "bs-reasons")
    assert box["data-cause"] == ex.diagnosis.top_cause
    why.value = "muscle_strain"
    path, row, load, _ = ex.widget.children[1].children  # the case-file bar
    path.value = str(CASES)
    row.value = "TB17"
    load.click()
    assert ex.case_id == "TB17"
    assert why.value == ""
    (box,) = tags(ex.views["reasons"].value, "bs-reasons")
    assert box["data-cause"] == ex.diagnosis.top_cause == "kidney_stones"
    ex.show_reasons("pyelonephritis")
    row.value = "nope"  # a row that is not there: the case and the pick stay
    load.click()
    assert why.value == "pyelonephritis"


def test_the_slider_says_that_an_even_lean_is_no_answer() -> None:
    # "Unsure" with the slider at 0.5 changed neither the answers nor the count, and
    # nothing in the widget said why.
    ex = explore({"age": 45})
    box = _row_of(ex, "fever").children[2]  # the slider and the note under it
    slider, note = box.children
    assert "0.5 counts as not answered" in note.value
    assert box.layout.display == "none"  # hidden until "unsure" is picked
    ex.controls["fever"].value = "unsure"
    assert box.layout.display != "none"
    assert slider.value == 0.5
    assert dict(ex.answers) == {"age": 45}
    assert "1 of " in ex.views["title"].value
    slider.value = 0.7
    assert ex.answers["fever"] == 0.7
    assert "2 of " in ex.views["title"].value
    slider.value = 0.5  # back to even: no answer again, the slider stays open
    assert "fever" not in ex.answers
    assert "1 of " in ex.views["title"].value
    assert box.layout.display != "none"
    ex.controls["fever"].value = "no"
    assert box.layout.display == "none"


def test_the_bars_mark_a_cause_lower_down_that_the_answers_point_to() -> None:
    answers = dict(SPONDYLITIS)
    ex = explore(answers)
    expected = diagnose(answers).causes.set_index("cause")["odds_factor"]
    (mark,) = tags(ex.views["bars"].value, "bs-pointed")
    factor = float(mark["data-odds-factor"])
    assert factor == pytest.approx(expected["ankylosing_spondylitis"], rel=1e-12)
    assert mark["text"] == f"x{factor:.1f}"
    assert "same age, sex and setting" in mark["title"]
    # clearing the spondylitis answers takes the mark away, as it leaves the report
    for column in list(answers)[3:]:
        ex.set_answer(column, "")
    assert tags(ex.views["bars"].value, "bs-pointed") == []


def test_a_new_case_starts_with_every_slider_even() -> None:
    # After "clear all" or a row loaded, one click on "unsure" entered the last
    # case's lean at once: saddle numbness 0.7 made the next patient an emergency.
    ex = explore({"age": 45})
    slider = _row_of(ex, "saddle_numbness").children[2].children[0]
    ex.controls["saddle_numbness"].value = "unsure"
    slider.value = 0.7
    assert ex.diagnosis.triage == "emergency"
    _button(ex, "clear all").click()
    assert slider.value == 0.5
    ex.controls["age"].value = "45"
    ex.controls["saddle_numbness"].value = "unsure"  # waits for a lean, as ever
    assert dict(ex.answers) == {"age": 45}
    assert ex.diagnosis.triage != "emergency"
    slider.value = 0.6  # moving it answers
    assert ex.answers["saddle_numbness"] == 0.6
    cases = pd.DataFrame({"case_id": ["A", "B"], "age": ["45", "45"], "fever": ["yes", ""]})
    fever = _row_of(ex, "fever").children[2].children[0]
    ex.load_row(cases, "A")
    ex.set_answer("fever", 0.8)  # a file holds yes or no: the lean is set by hand
    assert fever.value == 0.8
    ex.load_row(cases, "B")
    assert fever.value == 0.5
    ex.controls["fever"].value = "unsure"
    assert dict(ex.answers) == {"age": 45}
    ex.set_answer("fever", 0.8)
    ex.controls["fever"].value = "no"  # a yes or no answer sets it back too
    assert fever.value == 0.5
    assert ex.answers["fever"] == "no"


def _message(ex: Explorer) -> str:
    return tags(ex.views["message"].value, "bs-message")[0]["text"]


def test_load_row_says_which_columns_and_rows_it_left_out(tmp_path: Path) -> None:
    # A column the network does not ask about, a repeated column and a repeated
    # case_id were dropped without a word, where score warns of each.
    no_fever = r'question = \{ column = "fever"[^\n]*\n'  # the question, not the node
    variant = bundled_variant(tmp_path / "kb", "findings.toml", no_fever, "")
    ex = explore(network=backspasm.load_network(variant))
    frame = pd.DataFrame({"case_id": ["A"], "age": ["45"], "fever": ["yes"]})
    ex.load_row(frame, "A")
    assert "fever" not in ex.controls
    assert _message(ex) == "columns ignored (not questions of this network): 'fever'."
    path = tmp_path / "dup.csv"
    path.write_text("case_id,age,age\nA,45,46\nB,50,60\nA,,30\nC,45,70\n")
    ex = explore()
    merged = (
        "column 'age' appears 2 times; a blank cell takes the answer of another copy, and a "
        "row whose copies give different answers is not used (its error names them)."
    )
    with pytest.warns(ScoringWarning, match="'age' appears 2 times"):  # score's reader
        ex.load_row(path, "A")
    assert dict(ex.answers) == {"age": 45}  # the first column, of the first row
    assert _message(ex).splitlines() == [
        merged,
        "case_id is not unique: 2 rows have the id 'A' (rows 1, 3, counting from 1 after "
        "the header); the first, row 1, was loaded. Give another's row number to load it.",
    ]
    with pytest.warns(ScoringWarning, match="'age' appears 2 times"):
        ex.load_row(path, 3)  # a blank first copy takes the second's answer, as score does
    assert dict(ex.answers) == {"age": 30}
    assert "case_id" not in _message(ex)
    clash = r"row C: age: the column appears 2 times .* different answers \('45' and '70'\)"
    repeated = pytest.warns(ScoringWarning, match="'age' appears 2 times")
    with repeated, pytest.raises(EvidenceError, match=clash):  # score leaves it unscored
        ex.load_row(path, "C")
    same = pd.DataFrame([["A", "45", "46"]], columns=["case_id", "age", "age"])
    ex.load_row(same, "A")  # a frame's repeated label: merged too
    assert dict(ex.answers) == {"age": 45}
    assert _message(ex) == merged
    with pytest.raises(EvidenceError, match=clash.replace("row C", "row A")):
        ex.load_row(pd.DataFrame([["A", "45", "70"]], columns=["case_id", "age", "age"]), "A")


def test_self_care_before_the_screen_is_done_says_so_far() -> None:
    # A clinician read "self_care" in bold for a person who had answered two questions:
    # like ask and diagnose, the view says it is the level so far.
    ex = explore({"age": 30})
    assert ex.diagnosis.triage == "self_care"
    assert ex.diagnosis.unscreened
    (view,) = tags(ex.views["triage"].value, "bs-triage")
    assert (
        "self_care \u2014 so far, screen not finished \u2014 no warning sign yet" in view["text"]
    )


def test_a_case_id_in_other_capitals_is_suggested() -> None:
    # "The case file has no row 'tb17' (...)." said nothing of TB17 in the file, while
    # 'TB99' got "Did you mean 'TB19'?": difflib's match is case-sensitive.
    frame = pd.DataFrame({"case_id": ["TB17", "TB19"], "fever": ["yes", "no"]})
    ex = explore()
    with pytest.raises(CaseFileError, match=r"Did you mean 'TB17'\? A case_id must match"):
        ex.load_row(frame, "tb17")
    with pytest.raises(CaseFileError, match=r"Did you mean 'TB19'\?"):
        ex.load_row(frame, "TB99")
    ex.load_row(frame, "TB17")
    assert dict(ex.answers) == {"fever": "yes"}
