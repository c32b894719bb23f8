"""Questions declared in the knowledge base: parsing into QuestionSpec and their rules."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from backspasm.exceptions import SpecError
from backspasm.spec import QUESTION_SECTIONS, QuestionSpec, load_spec

QUESTIONS = {
    "exertion": 'question = { column = "heavy_lifting", prompt = "Did you lift something '
    'heavy?", section = "exposure", red_flag = true }',
    "stone": 'question = { column = "kidney_stone", prompt = "Has a doctor found a kidney '
    'stone?", section = "known_cause" }',
    "back_spasm": 'question = { column = "back_spasm", prompt = "Is it a back spasm?", '
    'section = "presentation", default = "yes" }',
    "duration": 'question = { column = "spasm_duration_weeks", prompt = "How long, in '
    'weeks?", section = "symptom", unit = "weeks", min = 0, bins = { acute = "< 6", '
    'subacute = "<= 12", chronic = "> 12" } }',
    "location": 'question = { column = "spasm_location", prompt = "Where exactly?", '
    'section = "symptom" }',
}
LABELS = {
    "exertion": 'label = "Exertion"',
    "stone": 'label = "Stone"',
    "back_spasm": 'label = "Back spasm"',
    "duration": 'label = "Duration"',
    "location": 'label = "Location"',
}


# The red-flag question on exertion needs a flag of the policy (rule red-flag-acted-on).
TRIAGE = """
[triage]
see_doctor_p_serious = { p = 0.05, source = "Toy20" }
see_doctor_p_pathologic = { p = 0.5, source = "Toy20" }
flags = [
  { name = "heavy lifting", level = "see_doctor", when = { exertion = "yes" }, source = "Toy20" },
]
"""


@pytest.fixture
def toy_spec_dir(toy_spec_dir):
    """The toy knowledge base of conftest, with a triage policy that acts on exertion."""

    def make(replace: dict[str, str] | None = None, extra: str = "") -> Path:
        folder = toy_spec_dir(replace, extra)
        (folder / "triage.toml").write_text(TRIAGE)
        return folder

    return make


def with_questions(**override: str | None) -> dict[str, str]:
    """Replacements for ``toy_spec_dir`` that give nodes a ``question`` line."""
    questions = {**QUESTIONS, **override}
    return {LABELS[n]: f"{LABELS[n]}\n{q}" for n, q in questions.items() if q is not None}


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(SpecError) as info:
        load_spec(folder)
    return list(info.value.problems)


def test_questions_load(toy_spec_dir):
    spec = load_spec(toy_spec_dir(with_questions()))
    assert [q.column for q in spec.questions] == [
        "heavy_lifting",
        "kidney_stone",
        "back_spasm",
        "spasm_duration_weeks",
        "spasm_location",
    ]
    lifting, stone, spasm, duration, location = spec.questions
    assert lifting == QuestionSpec(
        column="heavy_lifting",
        node="exertion",
        prompt="Did you lift something heavy?",
        section="exposure",
        kind="yes_no",
        choices=("no", "yes"),
        red_flag=True,
    )
    assert (stone.kind, stone.default, stone.red_flag) == ("yes_no", None, False)
    assert (spasm.kind, spasm.default, spasm.section) == ("yes_no", "yes", "presentation")
    assert duration == QuestionSpec(
        column="spasm_duration_weeks",
        node="duration",
        prompt="How long, in weeks?",
        section="symptom",
        kind="number",
        unit="weeks",
        minimum=0.0,
        bins=(("acute", "<", 6.0), ("subacute", "<=", 12.0), ("chronic", ">", 12.0)),
    )
    assert (location.kind, location.choices) == ("choice", ("lower_back", "flank"))
    assert spec.nodes["location"].question is location
    assert spec.nodes["strain"].question is None


def test_question_numbers_and_infinity(toy_spec_dir):
    age = (
        'question = { column = "age", prompt = "How old are you?", section = "context", '
        'unit = "years", integer = true, min = 18, max = 120, bins = { acute = "<= 39", '
        'subacute = "<=64", chronic = "<= inf" } }'
    )
    (question,) = load_spec(toy_spec_dir(with_questions(duration=age))).questions[3:4]
    assert (question.integer, question.minimum, question.maximum) == (True, 18.0, 120.0)
    assert question.bins[1:] == (("subacute", "<=", 64.0), ("chronic", "<=", math.inf))


def test_questions_in_declaration_order_across_files(toy_spec_dir):
    folder = toy_spec_dir(with_questions())
    (folder / "a_first.toml").write_text(
        '[nodes.fever]\ngroup = "finding"\nlabel = "Fever"\ndescription = "A fever."\n'
        'prior = { p = 0.1, source = "Toy20" }\nquestion = { column = "fever", '
        'prompt = "Have you had a fever?", section = "symptom" }\n'
    )
    columns = [q.column for q in load_spec(folder).questions]
    assert columns == [
        "fever",
        "heavy_lifting",
        "kidney_stone",
        "back_spasm",
        "spasm_duration_weeks",
        "spasm_location",
    ]


def test_bundled_knowledge_base_still_loads():
    spec = load_spec()
    assert all(isinstance(q, QuestionSpec) for q in spec.questions)
    assert all(q.section in QUESTION_SECTIONS for q in spec.questions)


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        pytest.param(
            {
                "stone": 'question = { colum = "k", column = "k", prompt = "K?", section = "symptom" }'
            },
            "nodes.toml: node 'stone', field 'question.colum': unknown field 'colum'; a "
            "question has: column, prompt, section, red_flag, unit, integer, min, max, bins, "
            "default. Did you mean 'column'? [rule: known-field]",
            id="known-field",
        ),
        pytest.param(
            {"stone": 'question = { column = "k", prompt = " ", section = "symptom" }'},
            "nodes.toml: node 'stone', field 'question.prompt': 'prompt' is missing. "
            "[rule: required-field]",
            id="required-field",
        ),
        pytest.param(
            {
                "stone": 'question = { column = "Kidney Stone", prompt = "K?", section = "symptom" }'
            },
            "nodes.toml: node 'stone', field 'question.column': a column name is lower-case "
            "letters, digits and '_', starting with a letter; got 'Kidney Stone'. Did you "
            "mean 'kidney_stone'? [rule: question-column]",
            id="question-column",
        ),
        pytest.param(
            {"stone": 'question = { column = "case_id", prompt = "K?", section = "symptom" }'},
            "nodes.toml: node 'stone', field 'question.column': 'case_id' is reserved for the "
            "case identifier; choose another column. [rule: question-column]",
            id="question-column-case-id",
        ),
        pytest.param(
            {
                "stone": 'question = { column = "heavy_lifting", prompt = "K?", '
                'section = "symptom" }'
            },
            "nodes.toml: node 'stone', field 'question.column': column 'heavy_lifting' is "
            "the question of node 'exertion' (nodes.toml line 2) and of this node (nodes.toml "
            "line 17); each column informs one node. [rule: unique-column]",
            id="unique-column",
        ),
        pytest.param(
            {"stone": 'question = { column = "k", prompt = "K?", section = "symptoms" }'},
            "nodes.toml: node 'stone', field 'question.section': unknown section 'symptoms'; "
            "allowed: context, symptom, examination, exposure, known_cause, presentation. Did you mean "
            "'symptom'? [rule: question-section]",
            id="question-section",
        ),
        pytest.param(
            {
                "stone": 'question = { column = "k", prompt = "K?", section = "symptom", '
                'red_flag = "yes" }'
            },
            "nodes.toml: node 'stone', field 'question.red_flag': must be true or false; got "
            "'yes' (a string). [rule: field-type]",
            id="field-type-red-flag",
        ),
        pytest.param(
            {"duration": QUESTIONS["duration"].replace("min = 0", "min = 0, integer = 1")},
            "nodes.toml: node 'duration', field 'question.integer': must be true or false; "
            "got 1. [rule: field-type]",
            id="field-type-integer",
        ),
        pytest.param(
            {"duration": QUESTIONS["duration"].replace("min = 0", 'min = "0"')},
            "nodes.toml: node 'duration', field 'question.min': must be a number; got '0' "
            "(a string). [rule: field-type]",
            id="field-type-min",
        ),
        pytest.param(
            {"duration": QUESTIONS["duration"].replace("min = 0", "min = 10, max = 5")},
            "nodes.toml: node 'duration', field 'question.min': min (10) must not be above "
            "max (5). [rule: question-range]",
            id="question-range",
        ),
        pytest.param(
            {
                "stone": 'question = { column = "k", prompt = "K?", section = "symptom", '
                'bins = { no = "< 1", yes = ">= 1" } }'
            },
            "nodes.toml: node 'stone', field 'question.bins': bins cut a number into the "
            "states of a multi-state node; this node's states are no, yes (drop 'bins' for a "
            "yes/no question). [rule: question-bins]",
            id="question-bins-binary",
        ),
        pytest.param(
            {"duration": QUESTIONS["duration"].replace("chronic =", "chronc =")},
            "nodes.toml: node 'duration', field 'question.bins.chronc': 'chronc' is not a "
            "state of the node; bins name every state exactly (acute, subacute, chronic). "
            "Did you mean 'chronic'? [rule: question-bins]",
            id="question-bins-keys",
        ),
        pytest.param(
            {"duration": QUESTIONS["duration"].replace(', chronic = "> 12"', "")},
            "nodes.toml: node 'duration', field 'question.bins': no bin for chronic; bins "
            "name every state exactly (acute, subacute, chronic). [rule: question-bins]",
            id="question-bins-missing",
        ),
        pytest.param(
            {"duration": QUESTIONS["duration"].replace('"<= 12"', '"=< 12"')},
            "nodes.toml: node 'duration', field 'question.bins.subacute': must be '<operator> "
            "<number>' with operator <, <=, > or >= (e.g. '<= 39' or '> 12'); got '=< 12'. "
            "[rule: question-bins]",
            id="question-bins-format",
        ),
        pytest.param(
            {"duration": QUESTIONS["duration"].replace('"<= 12"', '"<= 3"')},
            "nodes.toml: node 'duration', field 'question.bins.subacute': bounds must not "
            "decrease in state order; 'subacute' (<= 3) comes after 'acute' (< 6). "
            "[rule: question-bins]",
            id="question-bins-order",
        ),
        pytest.param(
            {"duration": QUESTIONS["duration"].replace('"> 12"', '"> 20"')},
            "nodes.toml: node 'duration', field 'question.bins': numbers between 12 and 20 "
            "fall in no band (bands are tried in state order, the first that holds wins); "
            "make each band start where the one before ends, e.g. '< 6', '<= 12', '> 12'. "
            "[rule: question-bins]",
            id="question-bins-gap",
        ),
        pytest.param(
            {"duration": QUESTIONS["duration"].replace('"<= 12"', '"< 12"')},
            "nodes.toml: node 'duration', field 'question.bins': the number 12 falls in no "
            "band (bands are tried in state order, the first that holds wins); make each band "
            "start where the one before ends, e.g. '< 6', '<= 12', '> 12'. "
            "[rule: question-bins]",
            id="question-bins-gap-at-a-bound",
        ),
        pytest.param(
            {"duration": QUESTIONS["duration"].replace('"> 12"', '"< 12"')},
            "nodes.toml: node 'duration', field 'question.bins': numbers above 12 fall in no "
            "band (bands are tried in state order, the first that holds wins); make each band "
            "start where the one before ends, e.g. '< 6', '<= 12', '> 12'. "
            "[rule: question-bins]",
            id="question-bins-open-top",
        ),
        pytest.param(
            {"duration": QUESTIONS["duration"].replace('"< 6"', '"<= 12"')},
            "nodes.toml: node 'duration', field 'question.bins': no allowed number reaches "
            "subacute: an earlier band takes all of its numbers (bands are tried in state "
            "order, the first that holds wins). [rule: question-bins]",
            id="question-bins-unreachable",
        ),
        pytest.param(
            {
                "location": 'question = { column = "loc", prompt = "Where?", section = '
                '"symptom", unit = "cm" }'
            },
            "nodes.toml: node 'location', field 'question.unit': 'unit' is only for a number "
            "question (one with 'bins'); this is a choice question. [rule: question-number]",
            id="question-number",
        ),
        pytest.param(
            {"back_spasm": QUESTIONS["back_spasm"].replace('"yes"', '"yse"')},
            "nodes.toml: node 'back_spasm', field 'question.default': unknown state 'yse' of "
            "'back_spasm'; states: no, yes. Did you mean 'yes'? [rule: known-state]",
            id="default",
        ),
        pytest.param(
            {"back_spasm": QUESTIONS["back_spasm"].replace('"yes"', '"no"')},
            "nodes.toml: node 'back_spasm', field 'question.default': score and fit read a "
            "blank back_spasm as yes (a case presents with a spasm unless it says otherwise); "
            "its question must read a blank the same way, or ask and diagnose would not: set "
            "default = \"yes\"; got 'no'. [rule: presentation]",
            id="presentation-default-no",
        ),
        pytest.param(
            {"back_spasm": QUESTIONS["back_spasm"].replace(', default = "yes"', "")},
            "nodes.toml: node 'back_spasm', field 'question.default': score and fit read a "
            "blank back_spasm as yes (a case presents with a spasm unless it says otherwise); "
            "its question must read a blank the same way, or ask and diagnose would not: set "
            'default = "yes"; got none. [rule: presentation]',
            id="presentation-default-none",
        ),
        pytest.param(
            {"stone": QUESTIONS["stone"].replace(" }", ', default = "no" }')},
            "nodes.toml: node 'stone', field 'question.default': only the presentation "
            "node's question may have a default (back_spasm = yes: every case presents with "
            "a spasm); here (group 'cause_serious') it would answer the question for every "
            "case that leaves it blank. Drop 'default'. [rule: question-default]",
            id="question-default",
        ),
        pytest.param(
            {"duration": QUESTIONS["duration"].replace("min = 0", "min = 0, max = inf")},
            "nodes.toml: node 'duration', field 'question.max': must be a finite number "
            "(leave 'max' out for no bound); got inf. [rule: question-range]",
            id="question-range-infinite",
        ),
        pytest.param(
            {"duration": QUESTIONS["duration"].replace("min = 0", "min = -inf")},
            "nodes.toml: node 'duration', field 'question.min': must be a finite number "
            "(leave 'min' out for no bound); got -inf. [rule: question-range]",
            id="question-range-minus-infinite",
        ),
    ],
)
def test_question_rule_wording(toy_spec_dir, override, expected):
    assert problems_of(toy_spec_dir(with_questions(**override))) == [expected]


def test_whole_number_bands_may_meet_at_consecutive_integers(toy_spec_dir):
    # Whole years: "<= 12" then ">= 13" leaves no answer without a band.
    whole = QUESTIONS["duration"].replace("min = 0", "min = 0, integer = true")
    load_spec(toy_spec_dir(with_questions(duration=whole.replace('"> 12"', '">= 13"'))))
    gap = whole.replace('"> 12"', '">= 14"')
    assert problems_of(toy_spec_dir(with_questions(duration=gap))) == [
        "nodes.toml: node 'duration', field 'question.bins': numbers between 12 and 14 fall "
        "in no band (bands are tried in state order, the first that holds wins); make each "
        "band start where the one before ends, e.g. '< 6', '<= 12', '> 12'. "
        "[rule: question-bins]"
    ]


def test_missing_question_fields_are_each_reported(toy_spec_dir):
    found = problems_of(toy_spec_dir(with_questions(stone="question = {}")))
    assert [p.split("field ")[1].split(":")[0] for p in found] == [
        "'question.column'",
        "'question.prompt'",
        "'question.section'",
    ]


@pytest.mark.parametrize(
    ("states", "expected"),
    [
        (
            '["Lower back", "flank"]',
            "nodes.toml: node 'location', field 'states': state 'Lower back' of a choice "
            "question can never be answered: answers are read trimmed and lower-case; name "
            "it 'lower back'. [rule: question-choice]",
        ),
        (
            '["unknown", "flank"]',
            "nodes.toml: node 'location', field 'states': state 'unknown' of a choice "
            "question reads as no answer ('unknown', 'na', 'n/a', 'nan' mean not answered); "
            "name it otherwise. [rule: question-choice]",
        ),
    ],
)
def test_every_state_of_a_choice_question_can_be_answered(toy_spec_dir, states, expected):
    # Such a knowledge base loaded, and then refused (or silently blanked) every
    # answer naming that state.
    spec = with_questions()
    old = 'states = ["lower_back", "flank"]'
    folder = toy_spec_dir({**spec, old: f"states = {states}"})
    found = [p for p in problems_of(folder) if "question-choice" in p]
    assert found == [expected]


@pytest.mark.parametrize("column", ["p_serious", "p_stone", "risk_paralysis", "triage", "error"])
def test_a_question_column_cannot_take_a_scoring_output_name(toy_spec_dir, column):
    question = QUESTIONS["stone"].replace('column = "kidney_stone"', f'column = "{column}"')
    (found,) = problems_of(toy_spec_dir(with_questions(stone=question)))
    assert f"'{column}' is the name of a column scoring adds" in found
    assert "[rule: question-column]" in found
