"""One wording per thing, in every view of a diagnosis.

What set the triage level reads the same in Python, the JSON, ``diagnose``, ``ask``
and the notebook's table; "warning sign" means a red-flag question everywhere and the
larger screen is "screening questions"; an emergency is not followed by causes that
read as reassurance; and the next questions of an emergency say which list is which.
"""

from __future__ import annotations

import html
import json

import pandas as pd
import pytest

from backspasm import score_cases
from backspasm.cli import main
from backspasm.diagnosis import diagnose
from backspasm.triage import EMERGENCY_HOLDS

README_CASE = {"age": 45, "spasm_location": "flank", "blood_in_urine": "yes"}
ABSCESS = {"fever": 1.0, "iv_drug_use_or_immunosuppression": "yes"}
DOCTOR = {"fever": 0.3, "iv_drug_use_or_immunosuppression": "yes"}


def cli(capsys: pytest.CaptureFixture[str], answers: dict[str, object], *options: str) -> str:
    assert main(["diagnose", *(f"{k}={v}" for k, v in answers.items()), *options]) == 0
    return capsys.readouterr().out


# ------------------------------------------------------------------ what set the level


@pytest.mark.parametrize("answers", [README_CASE, ABSCESS, DOCTOR])
def test_triage_reasons_are_words_and_every_view_shows_the_same_ones(
    capsys: pytest.CaptureFixture[str], answers: dict[str, object]
) -> None:
    # Python held 'fever=yes' for an emergency and 'IV drug use or immunosuppression'
    # for a doctor's visit, while diagnose printed 'Fever'.
    d = diagnose(answers)
    assert d.triage_reasons
    assert not any("=yes" in r or "_" in r for r in d.triage_reasons), d.triage_reasons
    assert d.triage_words == d.triage_reasons
    said = "; ".join(d.triage_reasons)
    assert f"(because: {said})" in cli(capsys, answers)
    assert json.loads(cli(capsys, answers, "--json"))["triage_reasons"] == list(d.triage_reasons)
    assert d.to_dict()["triage_reasons"] == list(d.triage_reasons)
    assert f"because: {html.escape(said)}" in d._repr_html_()


def test_the_readme_case_reads_as_the_cli_prints_it() -> None:
    d = diagnose(README_CASE)
    assert d.triage == "emergency"
    assert "Blood in urine" in d.triage_reasons
    assert "Location of spasms: flank" in d.triage_reasons
    assert "blood_in_urine=yes" not in d.triage_reasons
    emergency = diagnose(ABSCESS)
    assert emergency.triage == "emergency"
    assert (
        "Fever with injecting drugs or a weakened immune system (a warning sign of spinal infection)"
        in emergency.triage_reasons
    )
    assert "fever=yes" not in emergency.triage_reasons


def test_red_flags_keep_the_machine_form_of_the_scored_file() -> None:
    # red_flags is what a scored file's red_flags column holds: node=state answers.
    d = diagnose(README_CASE)
    assert "blood_in_urine=yes" in d.red_flags
    assert "spasm_location=flank" in d.red_flags
    assert d.to_dict()["red_flags"] == list(d.red_flags)
    scored = score_cases(pd.DataFrame([README_CASE]))
    assert scored["red_flags"].iloc[0] == "; ".join(d.red_flags)
    # here the emergency was set by rules alone: its reasons are the driving answers,
    # one for each, in words
    assert len(d.red_flags) == len(d.triage_reasons)


def test_an_answer_inside_a_cause_rule_is_said_in_words() -> None:
    d = diagnose({"fever": 0.7, "spasm_location": "flank", "blood_in_urine": "yes"})
    rules = [r for r in d.triage_reasons if " with " in r]
    assert rules
    assert all("with fever (unsure))" in r for r in rules), rules
    assert any("with fever=yes (unsure answer))" in r for r in d.red_flags)


# ------------------------------------------------------------------ warning sign vs screen


def _a_screening_question_first() -> tuple[dict[str, str], pd.DataFrame]:
    """Answer the warning signs no until a screening question that is none comes first."""
    answers: dict[str, str] = {"age": "45"}
    for _ in range(40):
        table = diagnose(answers).next_questions(order="interview")
        first = table.iloc[0]
        if bool(first["screen"]) and not bool(first["red_flag"]):
            return answers, table
        answers[str(first["question"])] = "no"
    raise AssertionError("no screening question that is not a warning sign came first")


def test_warning_sign_marks_only_a_red_flag_question(capsys: pytest.CaptureFixture[str]) -> None:
    # diagnose marked pain_below_knee "(warning sign)"; the schema's red flags are 16
    # questions and it is not one of them.
    answers, table = _a_screening_question_first()
    question = str(table["question"].iloc[0])
    text = cli(capsys, answers)
    line = next(x for x in text.splitlines() if x.strip().startswith(question + " "))
    assert "(screening question)" in line
    assert "(warning sign)" not in line
    assert "next questions worth asking (screening questions first):" in text
    page = diagnose(answers)._repr_html_()
    assert f"{question} (screening question)" in page
    assert f"{question} (warning sign)" not in page
    records = diagnose(answers).to_dict()["next_questions"]
    assert records[0] == {
        "question": question,
        "expected_information_gain": pytest.approx(table["expected_information_gain"].iloc[0]),
        "screen": True,
        "red_flag": False,
    }


def test_a_red_flag_question_is_still_a_warning_sign(capsys: pytest.CaptureFixture[str]) -> None:
    d = diagnose({"age": 30})
    first = d.next_questions(order="interview").iloc[0]
    assert bool(first["red_flag"])
    assert f"{first['question']} (warning sign)" in d._repr_html_()
    assert d.to_dict()["next_questions"][0]["red_flag"] is True


def test_the_screen_is_counted_in_screening_questions(capsys: pytest.CaptureFixture[str]) -> None:
    # "no warning sign yet (1 of 23 checked)" counted 23 questions, 16 of them warning signs.
    d = diagnose({"age": 30})
    total = len(d.screen)
    assert total > sum(q.red_flag for q in d.screen)  # the screen is more than the red flags
    assert d.advice == f"no warning sign yet (1 of {total} screening questions answered)"
    text = cli(capsys, {"age": 30})
    assert f"screen: 1 of {total} screening questions answered" in text
    assert f"1 of {total} warning signs" not in text
    assert f"screen: 1 of {total} screening questions answered" in d._repr_html_()


# ------------------------------------------------------------------ an emergency leads


def test_an_emergency_says_it_holds_before_any_cause(capsys: pytest.CaptureFixture[str]) -> None:
    # "go to an emergency department now (because of: Saddle numbness)" was followed by
    # "Most likely: Muscle strain 55.5%", which reads as reassurance.
    d = diagnose({"saddle_numbness": "yes"})
    assert d.triage == "emergency"
    assert d.top_cause == "muscle_strain"  # the harmless cause leads the ranking
    text = cli(capsys, {"saddle_numbness": "yes"})
    lines = text.splitlines()
    assert lines[0] == (
        "triage: emergency (because: Saddle numbness (a warning sign of cauda equina syndrome))"
    )
    assert lines[1] == f"advice: go to an emergency department now. {EMERGENCY_HOLDS}"
    assert text.index(EMERGENCY_HOLDS) < text.index("muscle_strain")
    page = d._repr_html_()
    assert page.index("because: Saddle numbness") < page.index(html.escape(EMERGENCY_HOLDS))
    assert page.index(html.escape(EMERGENCY_HOLDS)) < page.index("Muscle strain")
    # not said where nothing is urgent
    assert EMERGENCY_HOLDS not in cli(capsys, DOCTOR)
    assert html.escape(EMERGENCY_HOLDS) not in diagnose(DOCTOR)._repr_html_()


# ------------------------------------------------------------------ next questions


def test_an_emergency_says_which_list_of_next_questions_is_which(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # print(d) said "none before going" while d.next_questions() listed 60 questions.
    d = diagnose(README_CASE)
    assert d.triage == "emergency"
    assert len(d.next_questions()) > 0  # research keeps the information ranking
    assert d.next_questions(order="interview").empty
    text = cli(capsys, README_CASE)
    line = next(x for x in text.splitlines() if x.startswith("next questions:"))
    assert line.startswith("next questions: none before going (the other questions can wait)")
    assert "Diagnosis.next_questions()" in line
    assert "information gain" in line
    page = d._repr_html_()
    assert "<code>next_questions()</code>" in page
    assert "next_questions(order='interview')" in page
    doc = " ".join((d.next_questions.__doc__ or "").split())
    assert "whatever the triage level" in doc
    assert 'it is empty for an emergency ("none before going"' in doc
