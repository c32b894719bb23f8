"""backspasm ask: red-flag screen first, next-best questions, skip, back, quit, piped stdin."""

from __future__ import annotations

import io
import math

import pandas as pd
import pytest

from backspasm._text import reason_for_person
from backspasm.cli import main
from backspasm.diagnosis import diagnose
from backspasm.exceptions import BackspasmError
from backspasm.interview import interview
from backspasm.network import default_network
from backspasm.questionnaire import default_questions
from backspasm.triage import emergency_nodes, paired_screen_nodes, screen_nodes
from helpers import METASTASIS, NG65_FEATURES

RED_FLAGS = {q.column: q.prompt for q in default_questions() if q.red_flag}
# The screen: the red flags and every question that can set a triage level alone.
_TRIAGE_NODES = screen_nodes(default_network())
SCREEN = {q.column: q.prompt for q in default_questions() if q.red_flag or q.node in _TRIAGE_NODES}
_PAIRED = paired_screen_nodes(default_network())


def run(lines, **options):
    prompts: list[str] = []
    shown: list[str] = []
    feed = iter(lines)

    def read(prompt):
        prompts.append(prompt)
        return next(feed, None)

    result = interview(read, shown.append, **options)
    return result, prompts, shown


def ask(monkeypatch, capsys, lines, *options):
    monkeypatch.setattr("sys.stdin", io.StringIO("".join(f"{line}\n" for line in lines)))
    assert main(["ask", *options]) == 0
    return capsys.readouterr().out


def valid_answer(prompt, yes_no="yes"):
    """A valid answer to any question: a value, or ``yes_no`` to a yes/no question."""
    if "in weeks" in prompt:  # not "In the last few weeks, have you had ...?"
        return "3"
    if "How old" in prompt:
        return "40"
    if "your sex" in prompt:  # not "a change in sexual feeling"
        return "female"
    if "Where exactly" in prompt:
        return "lower_back"
    return yes_no


# ------------------------------------------------------------------ the order


def test_interview_order_puts_the_screen_first():
    d = diagnose({"spasm_location": "flank"})
    default = d.next_questions()
    gains = default["expected_information_gain"].tolist()
    assert gains == sorted(gains, reverse=True)  # the default order is unchanged
    ordered = d.next_questions(order="interview")
    flags = ordered["screen"].tolist()
    assert set(ordered["question"][ordered["screen"]]) == set(SCREEN) - {"spasm_location"}
    assert set(RED_FLAGS) <= set(SCREEN)
    assert {"murphy_sign_positive", "age", "spasm_duration_weeks"} <= set(SCREEN)
    assert flags == sorted(flags, reverse=True)  # every screen question before the rest
    # saddle numbness and bladder control, an emergency on their own, come first (they
    # were asked 22nd and 23rd, after Murphy's sign): a person may stop early
    urgent = emergency_nodes(default_network())
    assert {"saddle_numbness", "bowel_or_bladder_loss"} <= urgent
    assert set(ordered["node"][: len(urgent)]) == urgent
    # then the rest of the screen by gain, and last the questions that set a level
    # only with another answer (asked once that answer may have closed them) and the
    # signs of an examination: Murphy's sign was asked of every patient among the
    # history, 13th to 19th (ask audit, session 57)
    screen = ordered[ordered["screen"]].iloc[len(urgent) :]
    later = (screen["node"].isin(_PAIRED) | screen["examination"]).tolist()
    assert any(later)
    assert later == sorted(later)
    assert "murphy_sign_positive" in set(screen["question"][screen["examination"]])
    mask = pd.Series(later, index=screen.index)
    for part in (screen[~mask], screen[mask]):
        gains = part["expected_information_gain"].tolist()
        assert gains == sorted(gains, reverse=True)
    with pytest.raises(ValueError, match="order must be"):
        d.next_questions(order="random")


def test_asks_the_red_flag_screen_first():
    expected = diagnose({}).next_questions(order="interview")
    _, prompts, _ = run(["quit"])
    assert prompts[0].startswith(expected["prompt"].iloc[0])
    assert bool(expected["screen"].iloc[0])


def test_answers_update_the_ranking_and_skip_moves_on():
    start = {"spasm_location": "flank"}
    ranked = diagnose(start).next_questions(order="interview")["question"].tolist()
    replies = iter(["skip", None, "quit"])
    prompts: list[str] = []
    shown: list[str] = []

    def read(prompt):
        prompts.append(prompt)
        reply = next(replies)
        return valid_answer(prompt, "no") if reply is None else reply

    d = interview(read, shown.append, answers=start)
    assert ranked[0] not in d.answers  # skipped
    assert ranked[1] in d.answers  # the next question was asked and answered
    assert len(prompts) == 3
    assert len(d.answers) == 2
    assert sum(line.startswith("  -> ") for line in shown) == 2  # at the start, after it


def test_invalid_answer_is_explained_and_asked_again():
    _, prompts, shown = run(["maybe", "quit"], answers={"spasm_duration_weeks": 2, "age": 30})
    assert prompts[0] == prompts[1]
    assert any("'maybe' is not an answer to this question" in line for line in shown)
    assert any("or skip, back or quit" in line for line in shown)  # was the column's name


def screen_answer(prompt):
    """A plain answer to any screen question: no, or a valid value."""
    return valid_answer(prompt, "no")


def test_the_screen_comes_before_the_stopping_rule():
    prompts: list[str] = []
    shown: list[str] = []

    def read(prompt):
        prompts.append(prompt)
        return screen_answer(prompt)

    d = interview(read, shown.append, min_gain=10.0)
    # A question that sets a level only with another answer (the thyroid question,
    # with tingling around the mouth) is asked after the rest of the screen, and not
    # at all once that answer is no: every "no" here closes the first four of them,
    # and an age of 40 with three weeks of pain closes NICE's referral features.
    paired = {q.column for q in default_questions() if q.node in _PAIRED}
    assert paired == {
        "known_osteoporosis",
        "neck_or_thyroid_surgery",
        "pain_below_knee",
        "right_upper_abdominal_pain",
        *NG65_FEATURES,
    }
    assert len(prompts) == len(SCREEN) - len(paired)  # no other question is worth 10 bits
    assert {c for c in SCREEN if c in d.answers} == set(SCREEN) - paired
    assert "No remaining question is worth asking." in shown
    assert f"screen: all {len(SCREEN) - len(paired)} screening questions answered." in shown
    assert "triage:" in "\n".join(shown)


def test_a_young_person_with_chronic_pain_is_asked_the_referral_features():
    # Under 40 with half a year of pain, four of NICE's referral features, and an
    # anti-inflammatory that did not help: that "no" makes the other features look
    # uninformative, and the interview once ended "screen complete" without asking
    # them, and without the rheumatologist. They are asked after the rest of the
    # screen, until the count is reached or out of reach.
    features = {q.column: q.prompt for q in default_questions() if q.column in NG65_FEATURES}
    prompts: list[str] = []
    shown: list[str] = []

    def read(prompt):
        prompts.append(prompt)
        if "How old" in prompt:
            return "24"
        if "in weeks" in prompt:
            return "26"
        if features["eased_by_anti_inflammatories"] in prompt:
            return "no"
        if any(features[c] in prompt for c in NG65_FEATURES - {"eased_by_anti_inflammatories"}):
            return "yes"
        return screen_answer(prompt)

    d = interview(read, shown.append)
    asked = {c for c, p in features.items() if any(p in line for line in prompts)}
    assert len(asked & NG65_FEATURES) >= 4
    assert any("rheumatologist" in r for r in d.triage_reasons)
    assert any("rheumatologist" in line for line in shown)
    assert any(line.startswith("screen: all ") for line in shown)


def test_a_paired_screening_question_is_asked_once_its_partner_is_yes():
    # Tingling around the mouth after a thyroid operation is an emergency: with
    # tingling answered yes, the thyroid question stays in the screen and is asked
    # (after the other screening questions); the answer then sets the level.
    prompts: list[str] = []
    thyroid = SCREEN["neck_or_thyroid_surgery"]

    def read(prompt):
        prompts.append(prompt)
        if SCREEN["perioral_or_fingertip_tingling"] in prompt or thyroid in prompt:
            return "yes"
        return screen_answer(prompt)

    d = interview(read, lambda line: None, min_gain=10.0)
    asked = [i for i, p in enumerate(prompts) if thyroid in p]
    assert asked, "the thyroid question was never asked"
    others = [i for c, q in SCREEN.items() for i, p in enumerate(prompts) if q in p]
    assert asked[0] == max(others)  # the last screening question asked
    assert d.triage == "emergency"


def test_an_answer_that_sets_the_triage_alone_is_asked_before_self_care():
    # A positive Murphy's sign sends a case to a doctor by itself, but it was not a
    # red-flag question: ask concluded self_care without ever asking it.
    def read(prompt):
        return "yes" if "Murphy" in prompt else screen_answer(prompt)

    d = interview(read, lambda line: None)
    assert d.answers["murphy_sign_positive"] == "yes"
    assert d.triage == "see_doctor"


def test_end_of_input_stops_cleanly():
    d, _, shown = run([])
    assert "Stopped." in shown
    assert d.triage in {"emergency", "see_doctor", "self_care"}
    # with nothing answered there is no advice (it said "self_care" before any answer)
    assert "No question was answered: there is no advice to give." in shown
    assert not any(line.startswith("triage:") for line in shown)
    d, _, shown = run(["no", None])
    assert any(line.startswith(f"screen: 1 of {len(SCREEN)}") for line in shown)


def test_back_undoes_the_last_answer():
    d, prompts, shown = run(["no", "back", "no", "quit"])
    first = prompts[0]
    assert prompts[1] != first  # the next question came up ...
    assert prompts[2] == first  # ... and after 'back' the first is asked again
    column = next(c for c, p in SCREEN.items() if first.startswith(p))
    assert d.answers == {column: "no"}
    assert any(line.startswith("  Undone: ") for line in shown)
    _, _, shown = run(["back", "quit"])
    assert "  Nothing to undo." in shown


def test_an_emergency_ends_the_questions_but_can_be_undone():
    # After "go to an emergency department now" ask went on with six more questions,
    # toe touching and planks among them.
    d, prompts, shown = run(["no", "yes", ""])  # the second: an emergency on its own
    assert d.triage == "emergency"
    assert len(prompts) == 3
    assert prompts[2].startswith("Go to an emergency department now")
    assert not any("plank" in p for p in prompts)
    assert "triage: emergency - go to an emergency department now" in shown
    assert "screen: the other screening questions can wait; go now." in shown
    # '?' at that prompt shows the choices instead of ending the interview
    d, prompts, shown = run(["no", "yes", "?", "back", "no", "quit"])
    assert (
        "  Press Enter to finish, type more to record the other warning signs, or back to "
        "undo your last answer." in shown
    )
    assert list(d.answers.values()) == ["no", "no"]  # the first two, undone and answered
    # a slip of the key can be taken back, and the questions go on
    d, prompts, shown = run(["no", "yes", "back", "no", "quit"])
    assert d.triage != "emergency"
    assert list(d.answers.values()) == ["no", "no"]  # the first two, undone and answered
    assert any(line.startswith("  Undone: ") for line in shown)


def test_no_reassurance_before_the_screen_is_done():
    # After one answer ask said "look after yourself at home", and a person who quit
    # with 22 of 23 warning signs unasked was told self_care in those words.
    d, _, shown = run(["no", "quit"])
    assert d.triage == "self_care"
    text = "\n".join(shown)
    assert "look after yourself at home" not in text
    words = f"no warning sign yet (1 of {len(SCREEN)} screening questions answered)"
    assert words in text
    assert f"triage: self_care so far, screen not finished - {words}" in shown


# ------------------------------------------------------------------ the command line


def test_cli_ask_reads_piped_stdin(monkeypatch, capsys):
    out = ask(monkeypatch, capsys, ["no", "no", "no", "quit"])
    assert out.count("> ") >= 3
    assert "Stopped." in out
    assert "triage:" in out


def test_cli_ask_all_skip_still_screens_every_red_flag(monkeypatch, capsys):
    out = ask(monkeypatch, capsys, ["skip"] * 80, "--min-gain", "100")
    for column in (
        "saddle_numbness",
        "bowel_or_bladder_loss",
        "unexplained_weight_loss",
        "iv_drug_use_or_immunosuppression",
        "long_term_steroid_use",
    ):
        assert out.count(RED_FLAGS[column]) == 1, column  # asked once
    assert out.count("> skip") == len(SCREEN)  # nothing else is worth 100 bits
    assert "No question was answered: there is no advice to give." in out
    assert "get help if anything below happens:" in out  # the safety net all the same


def test_cli_ask_progress_back_and_plain_words(monkeypatch, capsys):
    out = ask(monkeypatch, capsys, ["no", "40", "back", "41", "quit"])
    assert "question 1 of about " in out
    assert f"screen 0/{len(SCREEN)}" in out
    assert f"screen 1/{len(SCREEN)}" in out
    assert out.count("question 2 of about") == 2  # asked again after 'back'
    assert out.count("  Undone: ") == 1
    assert "bits" not in out
    assert "P(" not in out
    taught = ask(monkeypatch, capsys, ["no", "quit"], "--show-information")
    assert "bits" in taught
    assert "P(serious cause)" in taught


def test_a_blank_or_fifty_fifty_answer_is_not_taken_and_a_percentage_is(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("unknown\n0.5\n30%\nquit\n"))
    assert main(["ask"]) == 0
    out = capsys.readouterr().out
    assert "'unknown' answers nothing; type skip to pass the question." in out
    assert "'0.5' answers nothing" in out
    assert "screen: 1 of" in out  # only the 30% was an answer (70% would lean to an emergency)
    # the closing says so, as diagnose does
    closing = out[out.index("Stopped.") :]
    assert "unsure answers (soft evidence): " in closing
    assert "unsure, leaning no 70%:30%" in closing


def test_the_closing_summary_says_why_a_doctor(monkeypatch, capsys):
    order = diagnose({}).next_questions(order="interview")["question"].tolist()
    before = order.index("age")  # 70 sends to a doctor by itself
    assert before < 8  # after the emergency questions, the first of the rest
    monkeypatch.setattr("sys.stdin", io.StringIO("no\n" * before + "70\nquit\n"))
    assert main(["ask"]) == 0
    out = capsys.readouterr().out
    closing = out[out.index("\ntriage: ") :]
    first = closing.splitlines()[1]
    assert closing.splitlines()[2].startswith("  because of: ")
    assert first.startswith("triage: see_doctor")


def test_ask_says_how_soon_to_see_a_doctor_for_a_likely_metastasis():
    # A likely spinal metastasis was told "see a doctor soon", as tight hamstrings are;
    # NICE CG75 asks that it be discussed within 24 hours.
    d, _, shown = run(["quit"], answers=METASTASIS)
    assert d.triage_within_hours == 24
    assert shown[2].startswith("  -> so far: see a doctor within 24 hours (because of: ")
    assert "triage: see_doctor - see a doctor within 24 hours" in shown
    assert "see a doctor soon" not in "\n".join(shown)
    # without a timed rule, a doctor's visit is still "soon"
    _, _, shown = run(["quit"], answers={"age": 70})
    assert "triage: see_doctor - see a doctor soon" in shown


def test_an_impossible_answer_is_refused_and_the_question_asked_again():
    # An answer impossible with the earlier ones once ended the session with a
    # traceback and no summary.
    said: list[str] = []

    def read(prompt):
        if "pregnant" in prompt:
            said.append(prompt)
            return "yes" if len(said) == 1 else "no"
        return "skip"

    shown: list[str] = []
    # Every question is asked (min_gain 0), pregnancy too, though a man's answer
    # to it carries no information.
    result = interview(read, shown.append, answers={"sex": "male"}, min_gain=0)
    assert len(said) == 2  # asked again after the impossible answer
    assert any("impossible" in line for line in shown)
    assert result.answers["recent_pregnancy_or_childbirth"] == "no"


def test_an_empty_line_or_a_question_mark_asks_again_and_closing_says_not_answered():
    # An accidental Enter (or '?' meant as a request for help) skipped a red flag.
    d, prompts, shown = run(["", "?", "150%", "no", None])
    assert prompts[0] == prompts[1] == prompts[2] == prompts[3]
    assert sum(line.startswith("  Answer yes/no") for line in shown) == 2
    assert len(d.answers) == 1
    d, prompts, shown = run(["no", "150%", None])
    second = next(c for c, p in SCREEN.items() if prompts[1].startswith(p))
    assert any(f"({'not answered'})" in line and SCREEN[second] in line for line in shown)


def test_the_status_never_calls_an_uncertain_cause_certain():
    d, _, shown = run(
        [],
        answers={
            "spasm_location": "flank",
            "blood_in_urine": "yes",
            "pain_spreading_to_groin_in_waves": "yes",
            "previous_kidney_stone": "yes",
            "costovertebral_angle_tenderness": "yes",
        },
    )
    assert 0.99 < d.posterior("kidney_stones") < 1
    said = [line for line in shown if "need not add up to 100%" not in line]
    assert not any("100%" in line or "100.0%" in line for line in said)


def test_cli_ask_refuses_a_min_gain_that_is_not_a_finite_number(capsys):
    # --min-gain nan was accepted and the interview then never stopped on the gain.
    with pytest.raises(SystemExit):
        main(["ask", "--min-gain", "nan"])
    assert "must be a finite number" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("min_gain", math.nan),
        ("min_gain", math.inf),
        ("min_gain", -5.0),
        ("top", 0),
        ("max_questions", -1),
    ],
)
def test_interview_refuses_what_the_cli_refuses(option, value):
    # interview(min_gain=nan) asked all 63 questions where ask --min-gain nan is refused.
    asked: list[str] = []

    def read(prompt: str) -> str:
        asked.append(prompt)
        return "skip"

    with pytest.raises(BackspasmError, match=f"'{option}' must be"):
        interview(read, lambda line: None, **{option: value})
    assert asked == []


def test_ask_says_the_reasons_in_words_not_column_names():
    # "because of: pain_spreading_to_groin_in_waves=yes; ..." is a programmer's text.
    _, _, shown = run([], answers={"spasm_location": "flank", "blood_in_urine": "yes"})
    because = [line for line in shown if "because of" in line]
    assert because
    assert all("_" not in line and "=yes" not in line for line in because)
    assert any("Blood in urine" in line for line in because)


def test_an_examination_sign_is_asked_as_one_a_clinician_checks():
    # Murphy's sign and a straight-leg raise were asked of a patient as symptoms.
    exams = {q.column for q in default_questions() if q.section == "examination"}
    assert exams == {
        "straight_leg_raise_positive",
        "murphy_sign_positive",
        "costovertebral_angle_tenderness",
        "palpable_step_in_spine",
    }
    _, prompts, _ = run(["skip"] * 70, min_gain=0.0)
    marked = [p for p in prompts if p.startswith("(a clinician's examination")]
    assert len(marked) == len(exams)
    assert all("?" in p for p in marked)
    assert not any(p.startswith("(a clinician") for p in prompts if "hamstring" in p.lower())


def test_an_interview_that_starts_at_an_emergency_asks_nothing():
    # Answers given up front that make an emergency: ask offered the ranking anyway.
    _, prompts, _ = run([""], answers={"saddle_numbness": "yes"})
    assert len(prompts) == 1
    assert prompts[0].startswith("Go to an emergency department now")
    assert "back to undo" not in prompts[0]


def test_the_closing_says_what_a_no_to_back_spasm_means():
    _, _, shown = run(["quit"], answers={"back_spasm": "no", "age": 40})
    assert any(line.startswith("note: back_spasm = no") for line in shown)


def test_a_min_gain_of_zero_asks_every_question():
    # Documented in --help and the docstring: a gain is never negative.
    _, prompts, _ = run(["skip"] * 200, min_gain=0.0)
    assert len(prompts) == len(diagnose({}).next_questions())


# ------------------------------------------------------------------ one wording


def test_ask_leads_an_emergency_with_its_reason_not_with_a_harmless_cause():
    # "so far: go to an emergency department now (because of: Saddle numbness). Most
    # likely: Muscle strain 55.5%" read as reassurance, and so did the final report.
    from backspasm.triage import EMERGENCY_HOLDS

    d, _, shown = run(["yes", ""])  # the first question: its yes alone is an emergency
    assert d.triage == "emergency"
    assert d.causes["group"].iloc[0] != "serious"  # the likeliest cause is not what sends them
    status = next(line for line in shown if line.startswith("  -> so far: go to an emergency"))
    reasons = "; ".join(d.triage_reasons)
    assert f"(because of: {reasons}). {EMERGENCY_HOLDS} Most likely: " in status
    closing = shown[shown.index("triage: emergency - go to an emergency department now") :]
    assert closing[1:4] == [
        f"  because of: {reasons}",
        f"  {EMERGENCY_HOLDS}",
        "most likely causes:",
    ]
    # a doctor's visit is not told so
    _, _, calm = run(["quit"], answers={"age": 70})
    assert not any(EMERGENCY_HOLDS in line for line in calm)
    # the percentages are not shares of one whole (a clinician read 65% and 63% as
    # adding up to more than 100%), as diagnose says under its table
    listed = closing.index("most likely causes:") + 1
    note = next(
        line for line in closing[listed:] if not line.startswith("  ") or "coexist" in line
    )
    assert note == "  (causes can coexist: the posteriors need not add up to 100%)"


def test_ask_calls_the_screen_screening_questions_and_keeps_warning_sign_for_red_flags():
    # "no warning sign yet (1 of 23 checked)" counted red flags and the questions that
    # set triage alone (pain below the knee with a cancer history) as warning signs.
    red = sum(1 for c in SCREEN if c in RED_FLAGS)
    _, _, shown = run(["no", "quit"])
    intro = shown[1]
    assert intro.startswith(f"The {len(SCREEN)} screening questions come first: the {red} ")
    assert f"the {red} warning signs and {len(SCREEN) - red} other questions" in intro
    # the four that set the advice only with another answer are said to wait for it
    assert f"({len(_PAIRED)} only with another: asked last, and left out once" in intro
    assert f"screen: 1 of {len(SCREEN)} screening questions answered; not answered:" in shown
    assert "  Unanswered screening questions leave this advice incomplete." in shown
    listed = [
        line
        for line in shown
        if line.startswith("  - ") and line.endswith(("(not asked)", "(not answered)"))
    ]
    assert len(listed) == len(SCREEN) - 1
    # a warning sign is marked as one, a screening question that is none is not
    for column, prompt in SCREEN.items():
        line = next((x for x in listed if prompt in x), None)
        if line is not None:
            assert line.startswith("  - (warning sign) ") == (column in RED_FLAGS), line
    assert not any("warning signs and triage questions" in line for line in shown)


def test_ask_says_a_doctors_reasons_in_the_words_of_diagnose():
    d, _, shown = run(["quit"], answers={"age": 34, "history_of_cancer": "yes"})
    assert d.triage == "see_doctor"
    # diagnose's reasons, each threshold said to the person in words
    reasons = "; ".join(reason_for_person(r) for r in d.triage_words)
    assert any(w.startswith("Spinal tumour") for w in d.triage_words)
    assert "from which this advice is given" in reasons
    status = [line for line in shown if line.startswith("  -> so far: ")]
    assert status
    assert all(f"(because of: {reasons}). Most likely: " in line for line in status)
    assert f"  because of: {reasons}" in shown


def test_ask_names_a_cause_the_answers_point_to_below_the_five_it_lists():
    # An older man with a fever after a bacterial infection: a spinal abscess stays
    # below five common causes, but the answers raised its odds many times over.
    answers = {"age": 61, "sex": "male", "fever": "yes", "recent_bacterial_infection": "yes"}
    d, _, shown = run(["quit"], answers=answers)
    table = d.causes.set_index("cause")
    assert "epidural_abscess" not in list(table.index[:5])
    heading = next(line for line in shown if line.startswith("  lower down, the answers point"))
    below = shown[shown.index(heading) + 1 :]
    factor = table.loc["epidural_abscess", "odds_factor"]
    assert below[0].startswith("  Epidural abscess")
    assert below[0].endswith(f"x{factor:.1f}")
    assert factor >= 3
    # the list ends where the screen begins
    calm, _, plain = run(["quit"], answers={"age": 40, "recent_exertion": "yes"})
    assert not any(line.startswith("  lower down, the answers point") for line in plain)
    assert calm.triage == "self_care"


def test_ask_refuses_bytes_that_are_not_utf8_and_asks_again(monkeypatch, capsys):
    # Read strictly (a UTF-8 locale), such bytes ended ask with a UnicodeDecodeError.
    raw = io.BytesIO(b"\xff\xfeyes\nquit\n")
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(raw, encoding="utf-8", errors="strict"))
    assert main(["ask"]) == 0
    out = capsys.readouterr().out
    assert "instead" in out  # the answer refused, in ask's words
    assert "Stopped." in out


def test_ask_with_standard_input_closed_stops_as_at_its_end(monkeypatch, capsys):
    # `backspasm ask <&-` raised AttributeError on sys.stdin.isatty().
    monkeypatch.setattr("sys.stdin", None)
    assert main(["ask"]) == 0
    assert "Stopped." in capsys.readouterr().out


# ------------------------------------------------------------------ answers as typed


def answered_as_typed(typed: dict[str, str]):
    """Run an interview answering ``no`` except where a prompt holds a key of ``typed``."""
    said: list[str] = []

    left = dict(typed)

    def read(prompt):
        for key in list(left):
            if key in prompt:  # typed once: a refused answer is then answered validly
                return left.pop(key)
        return valid_answer(prompt, "no")

    return interview(read, said.append, max_questions=12), said


def test_a_number_with_its_unit_and_a_choice_in_words_are_taken():
    # '45 years', '3 days' and 'lower back' (as the widget shows it) were refused, with
    # no hint, though the prompts say "whole years" and "in weeks" (ask audit, session 57)
    d, said = answered_as_typed(
        {"How old": "45 years", "in weeks": "3 days", "Where exactly": "lower back"}
    )
    assert d.answers["age"] == 45.0
    assert d.answers["spasm_location"] == "lower_back"
    assert d.answers["spasm_duration_weeks"] == pytest.approx(3 / 7)
    assert d.evidence["spasm_duration"] == "acute"
    assert not [line for line in said if "not an answer" in line]
    d, _ = answered_as_typed({"How old": "72 yrs", "in weeks": "2 months"})
    assert d.evidence["age_group"] == "65+"
    assert d.answers["spasm_duration_weeks"] == pytest.approx(52 / 6)


def test_a_choice_is_taken_from_the_start_only_one_choice_has():
    from backspasm.interview import as_asked
    from backspasm.questionnaire import get_question

    questions = default_questions()
    sex = get_question("sex", questions)
    assert as_asked(sex, "M") == "male"
    assert as_asked(sex, " F ") == "female"
    assert as_asked(sex, "Woman") == "female"
    assert as_asked(sex, "man") == "male"
    location = get_question("spasm_location", questions)
    assert as_asked(location, "flank") == "flank"
    assert as_asked(location, "Mid-back") == "mid_back"
    assert as_asked(location, "back") == "back"  # no choice starts so: read as typed
    age = get_question("age", questions)
    assert as_asked(age, "45 weeks") == "45 weeks"  # not an age's unit: refused later
    for typed in ("45 years old", "45yo", "45 yrs", "45 Years."):
        assert as_asked(age, typed) == 45.0, typed
    weeks = get_question("spasm_duration_weeks", questions)
    assert as_asked(weeks, "5d") == pytest.approx(5 / 7)
    assert as_asked(weeks, "2 wks") == 2.0
    assert as_asked(weeks, "1.5 years") == 78.0
    # pain that began today was refused (a clinician's audit): hours and days in words
    assert as_asked(weeks, "2 hours") == pytest.approx(2 / 168)
    assert as_asked(weeks, "today") == 0.0
    assert as_asked(weeks, "Yesterday") == pytest.approx(1 / 7)
    assert as_asked(age, "today") == "today"  # not an age: refused later


def test_a_refused_answer_is_said_without_the_column_name_and_dont_know_skips():
    d, said = answered_as_typed({"How old": "4O", "saddle": "not sure"})
    refused = [line for line in said if "not an answer" in line]
    assert refused
    assert "'4O' is not an answer to this question: answer" in refused[0]
    assert "or skip, back or quit" in refused[0]
    assert not any("'age'" in line for line in said)
    assert "saddle_numbness" not in d.answers
    assert "  Skipped. If you lean one way, say how far (e.g. 70%)." in said
    _, _, shown = run(["stop"])
    assert "Stopped." in shown


def test_after_an_emergency_a_clinician_may_record_the_other_screening_questions():
    # 'yes' to the first cauda equina question ended the interview at once: saddle
    # numbness and retention could not be entered, and the causes shown read "Muscle
    # strain 56.6%" (ask audit, session 57). 'more' goes on with the screen only.
    first = {"early_cauda_equina_symptoms": "yes"}
    assert diagnose(first).triage == "emergency"
    answers = iter(["more", "yes", "yes"])
    prompts: list[str] = []
    shown: list[str] = []

    def read(prompt):  # more, then yes to the next two yes/no questions, then no
        prompts.append(prompt)
        if "Go to an emergency" in prompt or "yes/no" in prompt:
            return next(answers, "no")
        return valid_answer(prompt, "no")

    d = interview(read, shown.append, answers=first)
    assert "more to record the other warning signs" in prompts[0]
    assert "  The advice stays: go to an emergency department now." in shown
    asked = [p for p in prompts[1:] if "Go to an emergency" not in p]
    assert asked  # the screen's questions, and only those
    screen_prompts = set(SCREEN.values())
    assert all(any(p.startswith(q) or q in p for q in screen_prompts) for p in asked)
    assert d.triage == "emergency"
    assert set(d.answers) - set(first) <= set(SCREEN)
    assert len(d.answers) > len(first) + 5
    assert "Every screening question has been asked." in shown
    # and Enter still finishes at once, as before
    d, prompts, _ = run([""], answers=first)
    assert d.answers == first
    assert len(prompts) == 1


def test_an_impossible_answer_is_said_briefly_with_the_table_that_rules_it_out(tmp_path):
    # a variant ruling out diuretics under 40 answered 'yes' was refused with every
    # answer so far, about 1,500 characters, each time (ask audit, session 57)
    import shutil
    from pathlib import Path

    import backspasm
    from backspasm.network import load_network

    kb = tmp_path / "kb"
    shutil.copytree(Path(backspasm.__file__).parent / "knowledge", kb)
    exposures = kb / "exposures.toml"
    text = exposures.read_text()
    assert 'leak = { p = 0.02, source = "Fryar17"' in text
    exposures.write_text(
        text.replace(
            'leak = { p = 0.02, source = "Fryar17"', 'leak = { p = 0.0, source = "Fryar17"'
        )
    )
    tries = iter(["yes", "skip"])
    shown: list[str] = []

    def read(prompt):
        return next(tries) if "diuretic" in prompt else "skip"

    d = interview(read, shown.append, network=load_network(kb), answers={"age": 30}, min_gain=0)
    (said,) = [line for line in shown if "impossible" in line]
    assert said.startswith("  This answer is impossible together with your earlier answers")
    assert "P(diuretic_use=yes)=0 when age_group=18-39" in said
    assert "{" not in said
    assert len(said) < 400
    assert "diuretic_use" not in d.answers


def test_ctrl_c_at_a_terminal_stops_with_the_summary_and_exit_130(monkeypatch, capsys):
    # Ctrl-C printed '^Cbackspasm ask: interrupted' and dropped the answers so far
    # without a summary; Ctrl-D printed 'Stopped.' on the prompt's line (ask audit 57)
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    keys = iter(["no"])

    def typed(prompt):
        answer = next(keys, None)
        if answer is None:
            raise KeyboardInterrupt
        return answer

    monkeypatch.setattr("sys.stdin", Terminal())
    monkeypatch.setattr("builtins.input", typed)
    assert main(["ask"]) == 130
    out = capsys.readouterr().out
    assert "\nStopped.\n" in out
    assert "most likely causes:" in out  # the summary of the one answer given

    def ended(prompt):
        raise EOFError

    monkeypatch.setattr("builtins.input", ended)
    assert main(["ask"]) == 0
    assert "\nStopped.\n" in capsys.readouterr().out  # on a line of its own


def test_the_yes_no_words_are_said_in_full_once_then_briefly():
    # every yes/no prompt repeated '[yes/no, y/n, true/false or 1/0; unsure: how
    # far you lean to yes, e.g. 70%]' (ask audit, session 57)
    _, prompts, shown = run(["no", "no", "?", "quit"])
    full = "[yes/no, y/n, true/false or 1/0; unsure: how far you lean to yes, e.g. 70%]"
    assert full in prompts[0]
    assert "[yes/no, or a lean such as 70%]" in prompts[1]
    assert full not in prompts[1]
    assert prompts[3] == prompts[2]  # asked again after "?", as it was
    assert any("Answer yes/no, y/n, true/false or 1/0; unsure" in line for line in shown)


def test_a_threshold_is_said_to_the_person_in_words():
    # A clinician's audit: ask told a person "because of: Any serious cause 20.2%
    # (>= 5%)", the model's workings. The person is told what the number means.
    known = {"age": 70, "fever": "yes", "spine_tender_to_tapping": "yes"}
    d, _, shown = run(["quit"], answers=known)
    assert any(r.endswith("(>= 5%)") for r in d.triage_reasons)  # diagnose keeps its form
    (because,) = [line for line in shown if line.startswith("  because of: ")]
    assert "(>= " not in because
    assert "a 24.9% chance of any serious cause, at or above the 5% from which this advice" in (
        because
    )
    assert "Fever (a possible sign of infection)" in because  # a flag keeps its name
