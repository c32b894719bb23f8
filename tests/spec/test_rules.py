"""The knowledge-base loader and its rule table: one test per rule, on the wording."""

from __future__ import annotations

from pathlib import Path

import pytest

from backspasm.exceptions import SpecError
from backspasm.spec import RULES, load_spec


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(SpecError) as info:
        load_spec(folder)
    return list(info.value.problems)


def test_toy_spec_loads(toy_spec_dir):
    spec = load_spec(toy_spec_dir())
    assert list(spec.nodes) == [
        "exertion",
        "strain",
        "stone",
        "back_spasm",
        "duration",
        "location",
    ]
    assert spec.nodes["strain"].form == "noisy_or"
    assert spec.nodes["duration"].form == "noisy_max"
    assert spec.nodes["location"].form == "table"
    assert spec.causes == ("strain", "stone")
    sourced, total = spec.sourced_share()
    assert (sourced, total) == (total - 2, total)
    assert len(spec.digest) == 64


def test_every_rule_has_a_test():
    tested = {
        "unique-name",
        "known-field",
        "required-field",
        "known-group",
        "states",
        "known-parent",
        "acyclic",
        "one-form",
        "strength-parent",
        "probability-range",
        "table-rows",
        "known-source",
        "triage",
        # tested in test_typecheck.py
        "field-type",
        "non-empty-name",
        "table-size",
        # tested in test_rules_questions.py
        "question",
        # tested in test_audit20.py
        "plain-text",
        # tested in test_variants.py
        "node-name",
        "output-column",
        "parent-group",
        "presentation",
        "clique-size",
    }
    assert {r.id for r in RULES} == tested


@pytest.mark.parametrize(
    ("replace", "expected"),
    [
        pytest.param(
            {'label = "Strain"': 'label = "Strain"\nlabl = "x"'},
            "nodes.toml: node 'strain', field 'labl': unknown field 'labl'; allowed: "
            "group, label, label_no, description, states, parents, extension, prior, leak, "
            "strength, base, odds, table, question. Did you mean 'label'? [rule: known-field]",
            id="known-field",
        ),
        pytest.param(
            {
                'strength.exertion = { p = 0.5, source = "Toy20" }': 'strength.exertion = { p = 0.5, sorce = "Toy20" }'
            },
            "nodes.toml: node 'strain', field 'strength.exertion.sorce': unknown field 'sorce'; "
            "a parameter has: p, source, why. Did you mean 'source'? [rule: known-field]",
            id="known-field-parameter",
        ),
        pytest.param(
            {'description = "A pulled muscle."': 'description = ""'},
            "nodes.toml: node 'strain', field 'description': 'description' is missing. "
            "[rule: required-field]",
            id="required-field",
        ),
        pytest.param(
            {'group = "cause_fitness"': 'group = "cause_fitnes"'},
            "nodes.toml: node 'strain', field 'group': unknown group 'cause_fitnes'; allowed: "
            "context, exposure, cause_fitness, cause_pathologic, cause_serious, mechanism, "
            "presentation, finding, complication. Did you mean 'cause_fitness'? "
            "[rule: known-group]",
            id="known-group",
        ),
        pytest.param(
            {'label = "Stone"': 'label = "Stone"\nstates = ["yes", "no"]'},
            "nodes.toml: node 'stone', field 'states': binary states must be in the order "
            "['no', 'yes']; got ['yes', 'no']. [rule: states]",
            id="states-order",
        ),
        pytest.param(
            {'label = "Duration"': 'label = "Duration"\nlabel_no = "Short"'},
            "nodes.toml: node 'duration', field 'label_no': 'label_no' says how a 'no' "
            "reads, so only a yes/no node may have it; this node has the states ['acute', "
            "'subacute', 'chronic']. [rule: states]",
            id="states-label-no",
        ),
        pytest.param(
            {'parents = ["exertion"]\nleak': 'parents = ["exertoin"]\nleak'},
            "nodes.toml: node 'strain', field 'parents': unknown parent 'exertoin'. "
            "Did you mean 'exertion'? [rule: known-parent]",
            id="known-parent",
        ),
        pytest.param(
            {
                'prior = { p = 0.3, source = "Toy20" }': 'parents = ["strain"]\nleak = { p = 0.3, source = "Toy20" }\n'
                'strength.strain = { p = 0.2, source = "Toy20" }'
            },
            "the parents form a cycle",
            id="acyclic",
        ),
        pytest.param(
            {
                'prior = { p = 0.05, source = "Toy20" }': 'prior = { p = 0.05, source = "Toy20" }\ntable = []'
            },
            "nodes.toml: node 'stone': needs exactly one parameter form (prior, leak + strength, "
            "base + odds, or table); got prior, table. [rule: one-form]",
            id="one-form",
        ),
        pytest.param(
            {
                'strength.stone = { p = 0.4, source = "Toy20" }': 'strength.stone = { p = 0.4, source = "Toy20" }\n'
                'strength.exertion = { p = 0.1, source = "Toy20" }'
            },
            "nodes.toml: node 'back_spasm', field 'strength.exertion': strength for 'exertion', "
            "which is not a parent; parents: strain, stone. [rule: strength-parent]",
            id="strength-non-parent",
        ),
        pytest.param(
            {'strength.stone = { p = 0.4, source = "Toy20" }\n': ""},
            "nodes.toml: node 'back_spasm', field 'strength': parent 'stone' has no strength or odds "
            "ratio. [rule: strength-parent]",
            id="strength-missing",
        ),
        pytest.param(
            {'prior = { p = 0.05, source = "Toy20" }': 'prior = { p = 1.5, source = "Toy20" }'},
            "nodes.toml: node 'stone', field 'prior.p': must be a probability between 0 and 1 "
            "(P(yes)); got 1.5. [rule: probability-range]",
            id="probability-range",
        ),
        pytest.param(
            {
                "acute = 0.7, subacute = 0.2, chronic = 0.1": "acute = 0.7, subacute = 0.2, chronic = 0.2"
            },
            "nodes.toml: node 'duration', field 'leak.p': the probabilities must sum to 1; "
            "they sum to 1.1. [rule: sums-to-one]",
            id="sums-to-one",
        ),
        pytest.param(
            {
                "acute = 0.5, subacute = 0.3, chronic = 0.2": "acute = 0.5, subacute = 0.3, chronc = 0.2"
            },
            "nodes.toml: node 'duration', field 'strength.strain.p': unknown state 'chronc'; "
            "states: acute, subacute, chronic. Did you mean 'chronic'? [rule: known-state]",
            id="known-state",
        ),
        pytest.param(
            {
                '  { when = { stone = "yes" }, p = { lower_back = 0.2, flank = 0.8 }, '
                'source = "Toy20" },\n': ""
            },
            "nodes.toml: node 'location', field 'table': no row for {'stone': 'yes'}. "
            "[rule: table-rows]",
            id="table-rows-missing",
        ),
        pytest.param(
            {'{ when = { stone = "yes" }': '{ when = { stone = "no" }'},
            "nodes.toml: node 'location', field 'table[1].when': duplicates row 0 "
            "({'stone': 'no'}). [rule: table-rows]",
            id="table-rows-duplicate",
        ),
        pytest.param(
            {
                'strength.strain = { p = 0.8, source = "Toy20" }': 'strength.strain = { p = 0.8, source = "Toy02" }'
            },
            "nodes.toml: node 'back_spasm', field 'strength.strain.source': unknown source key "
            "'Toy02'. Did you mean 'Toy20'? [rule: known-source]",
            id="known-source",
        ),
        pytest.param(
            {
                'leak = { p = 0.1, source = "assumption", why = "baseline strain rate" }': 'leak = { p = 0.1, source = "assumption" }'
            },
            "nodes.toml: node 'strain', field 'leak.why': an assumption needs a one-line 'why'. "
            "[rule: assumption-why]",
            id="assumption-why",
        ),
        pytest.param(
            {
                'leak = { p = 0.1, source = "assumption", why = "baseline strain rate" }': "leak = { p = 0.1 }"
            },
            "nodes.toml: node 'strain', field 'leak.source': no source: give a bibliography key "
            "or 'assumption' with a 'why'. [rule: has-source]",
            id="has-source",
        ),
    ],
)
def test_rule_wording(toy_spec_dir, replace, expected):
    found = problems_of(toy_spec_dir(replace))
    assert any(expected in p for p in found), "\n".join(found)


def test_duplicate_node_across_files(toy_spec_dir):
    folder = toy_spec_dir()
    (folder / "more.toml").write_text(
        '[nodes.stone]\ngroup = "cause_serious"\nlabel = "S"\ndescription = "d"\n'
        'prior = { p = 0.1, source = "Toy20" }\n'
    )
    assert problems_of(folder) == [
        "[nodes.stone] is declared in more.toml line 1 and again in nodes.toml line 16; declare "
        "each node once: keep one of the tables, with what you meant from both (neither is "
        "checked until then). [rule: unique-name]"
    ]


def test_all_problems_reported_at_once(toy_spec_dir):
    found = problems_of(
        toy_spec_dir(
            {
                'group = "cause_fitness"': 'group = "nonsense"',
                'prior = { p = 0.05, source = "Toy20" }': 'prior = { p = -1, source = "Nope" }',
            }
        )
    )
    assert len(found) == 3
    assert any("[rule: known-group]" in p for p in found)
    assert any("[rule: probability-range]" in p for p in found)
    assert any("[rule: known-source]" in p for p in found)
    with pytest.raises(SpecError, match=r"The knowledge base at .* has 3 problems"):
        load_spec(
            toy_spec_dir(
                {
                    'group = "cause_fitness"': 'group = "nonsense"',
                    'prior = { p = 0.05, source = "Toy20" }': 'prior = { p = -1, source = "Nope" }',
                }
            )
        )


def test_toml_syntax_error_names_the_file(toy_spec_dir):
    folder = toy_spec_dir(extra="[nodes.broken\n")
    (found,) = problems_of(folder)
    assert found == (
        "nodes.toml: line 50: not valid TOML: Expected ']' at the end of a table "
        "declaration, at column 14. [rule: toml-syntax]"
    )


def test_a_repeated_key_or_table_is_said_plainly(toy_spec_dir):
    # The parser says only "Cannot overwrite a value": the key is named.
    (found,) = problems_of(toy_spec_dir(extra='[nodes.extra]\nlabel = "A"\nlabel = "B"\n'))
    assert "line 52: not valid TOML: the key 'label' is given a second value" in found
    (found,) = problems_of(toy_spec_dir(extra="[nodes.extra]\n[nodes.extra]\n"))
    assert "line 51: not valid TOML: [nodes.extra] is given twice" in found
    # a value over several lines: the key's line, not the line where the value ends
    extra = '[nodes.extra]\nparents = [\n  "a",\n]\nlabel = "A"\nparents = [\n  "b",\n]\n'
    (found,) = problems_of(toy_spec_dir(extra=extra))
    assert "line 55: not valid TOML: the key 'parents' is given a second value" in found
    (found,) = problems_of(toy_spec_dir(extra="[nodes.extra]\nprior = { p = 0.1, p = 0.2 }\n"))
    assert "the key 'p' is given twice in one {...} table" in found


def test_missing_path():
    with pytest.raises(SpecError, match="no such file or folder"):
        load_spec("/nonexistent/kb")


TRIAGE = """
[triage]
emergency_p_serious = { p = 0.3, source = "assumption", why = "act on a real possibility" }
see_doctor_p_serious = { p = 0.05, source = "Toy20" }
see_doctor_p_pathologic = { p = 0.5, source = "Toy20" }
flags = [
  { name = "flank", level = "emergency", when = { location = "flank" }, source = "Toy20" },
]
"""


def test_triage_policy_loads(toy_spec_dir):
    spec = load_spec(toy_spec_dir(extra=TRIAGE))
    assert spec.triage is not None
    assert spec.triage.emergency_p_serious.p == 0.3
    (flag,) = spec.triage.flags
    assert (flag.level, dict(flag.when)) == ("emergency", {"location": "flank"})


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            'when = { location = "flank" }',
            'when = { locaton = "flank" }',
            "triage.toml: table 'triage', flag 'flank', field 'flags[0].when': unknown node 'locaton'. "
            "Did you mean 'location'? [rule: triage-flag]",
        ),
        (
            'when = { location = "flank" }',
            'when = { location = "flnk" }',
            "field 'flags[0].when.location': unknown state 'flnk' of 'location'; states: "
            "lower_back, flank. Did you mean 'flank'? [rule: known-state]",
        ),
        (
            'level = "emergency"',
            'level = "urgent"',
            "field 'flags[0].level': level must be 'emergency' or 'see_doctor'; got 'urgent'. "
            "[rule: triage-flag]",
        ),
        (
            'see_doctor_p_serious = { p = 0.05, source = "Toy20" }',
            "",
            "field 'see_doctor_p_serious': 'see_doctor_p_serious' is missing. "
            "[rule: required-field]",
        ),
        (
            'source = "Toy20" },\n]',
            'source = "Toy21" },\n]',
            "field 'flags[0].source': unknown source key 'Toy21'. Did you mean 'Toy20'?",
        ),
    ],
)
def test_triage_rule_wording(toy_spec_dir, old, new, expected):
    folder = toy_spec_dir()
    assert old in TRIAGE
    (folder / "triage.toml").write_text(TRIAGE.replace(old, new))
    found = problems_of(folder)
    assert any(expected in p for p in found), "\n".join(found)


# ------------------------------------------------------------ the logistic form

_STRAIN_NOISY_OR = (
    'leak = { p = 0.1, source = "assumption", why = "baseline strain rate" }\n'
    'strength.exertion = { p = 0.5, source = "Toy20" }'
)
_STRAIN_LOGISTIC = (
    'base = { p = 0.1, source = "Toy20" }\nodds.exertion = { p = 4.0, source = "Toy20" }'
)


def test_logistic_node_multiplies_the_odds(toy_spec_dir):
    from backspasm.network import load_network

    folder = toy_spec_dir({_STRAIN_NOISY_OR: _STRAIN_LOGISTIC})
    spec = load_spec(folder)
    assert spec.nodes["strain"].form == "logistic"
    cpd = load_network(folder).model.get_cpds("strain")
    # Odds 1/9 without exertion; times 4 with it: 4/9, so P(yes) = 4/13.
    assert cpd.values[1].tolist() == pytest.approx([0.1, 4 / 13])


_ODDS = 'odds.exertion = { p = 4.0, source = "Toy20" }'
_BASE = 'base = { p = 0.1, source = "Toy20" }'


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            _BASE,
            "nodes.toml: node 'strain', field 'odds': parent 'exertion' has no odds ratio. "
            "[rule: strength-parent]",
            id="odds-missing",
        ),
        pytest.param(
            _BASE + '\nodds.exertion = { p = 0, source = "Toy20" }',
            "nodes.toml: node 'strain', field 'odds.exertion.p': must be an odds ratio (a "
            "number from 1e-6 to 1e6) for 'exertion' = 'yes' against 'no'; got 0. "
            "[rule: probability-range]",
            id="odds-zero",
        ),
        pytest.param(
            'base = { p = 1.0, source = "Toy20" }\n' + _ODDS,
            "nodes.toml: node 'strain', field 'base.p': must be a probability strictly between "
            "0 and 1 (P(yes) with every parent in its first state); got 1.0. "
            "[rule: probability-range]",
            id="base-one",
        ),
        pytest.param(
            _ODDS,
            "nodes.toml: node 'strain', field 'base': the logistic form needs a 'base'. "
            "[rule: one-form]",
            id="base-missing",
        ),
    ],
)
def test_logistic_problems(toy_spec_dir, body, expected):
    assert expected in problems_of(toy_spec_dir({_STRAIN_NOISY_OR: body}))


# --------------------------------------- a noisy-OR whose odds a selecting parent scales

_SETTING = """
[nodes.setting]
group = "context"
label = "Setting"
description = "Where the person is seen."
states = ["clinic", "emergency"]
prior = { p = { clinic = 0.9, emergency = 0.1 }, source = "Toy20" }
"""
_SCALED = {
    'parents = ["exertion"]\n' + _STRAIN_NOISY_OR: 'parents = ["exertion", "setting"]\n'
    + _STRAIN_NOISY_OR
    + '\nodds.setting = { p = { emergency = 3.0 }, source = "Toy20" }'
}


def test_noisy_or_odds_ratio_scales_the_odds_and_keeps_the_strengths(toy_spec_dir):
    from backspasm.network import load_network

    folder = toy_spec_dir(_SCALED, extra=_SETTING)
    spec = load_spec(folder)
    assert spec.nodes["strain"].form == "noisy_or"
    cpd = load_network(folder).model.get_cpds("strain")

    # Columns: exertion (no, yes) by setting (clinic, emergency). The noisy-OR gives 0.1
    # and 1 - 0.9 * 0.5 = 0.55; the emergency column triples their odds.
    def scaled(p: float) -> float:
        return 3 * p / (1 - p) / (1 + 3 * p / (1 - p))

    assert cpd.values[1].ravel().tolist() == pytest.approx([0.1, scaled(0.1), 0.55, scaled(0.55)])


@pytest.mark.parametrize(
    ("replace", "expected"),
    [
        pytest.param(
            {
                "odds.setting = { p = { emergency = 3.0 }": "strength.setting = { p = { emergency = 0.2 }"
                ', source = "Toy20" }\nodds.setting = { p = { emergency = 3.0 }'
            },
            "nodes.toml: node 'strain', field 'odds.setting': parent 'setting' has both a "
            "strength and an odds ratio; give one: a strength adds the parent's own chance, an "
            "odds ratio scales the odds. [rule: strength-parent]",
            id="both",
        ),
        pytest.param(
            {'\nodds.setting = { p = { emergency = 3.0 }, source = "Toy20" }': ""},
            "nodes.toml: node 'strain', field 'strength': parent 'setting' has no strength or "
            "odds ratio. [rule: strength-parent]",
            id="neither",
        ),
    ],
)
def test_noisy_or_odds_problems(toy_spec_dir, replace, expected):
    scaled = dict(_SCALED)
    for old, new in replace.items():
        scaled = {k: v.replace(old, new) for k, v in scaled.items()}
    assert expected in problems_of(toy_spec_dir(scaled, extra=_SETTING))


def test_noisy_max_takes_no_odds_ratio(toy_spec_dir):
    duration = {
        'strength.strain = { p = { acute = 0.5, subacute = 0.3, chronic = 0.2 }, source = "Toy20" }': 'odds.strain = { p = 2.0, source = "Toy20" }'
    }
    found = problems_of(toy_spec_dir(duration))
    assert any(
        "node 'duration', field 'odds': odds ratios scale a yes/no node's odds; a noisy-MAX" in p
        for p in found
    ), "\n".join(found)


_AGE = """
[nodes.age]
group = "context"
label = "Age"
description = "Age band."
states = ["young", "middle", "old"]
prior = { p = { young = 0.4, middle = 0.4, old = 0.2 }, source = "Toy20" }
"""


def test_logistic_odds_name_parents_and_their_non_reference_states(toy_spec_dir):
    ages = '\nodds.age = { p = { midle = 2.0, old = -1 }, source = "Toy20" }'
    problems = problems_of(toy_spec_dir({_STRAIN_NOISY_OR: _STRAIN_LOGISTIC + ages}, extra=_AGE))
    assert (
        "nodes.toml: node 'strain', field 'odds.age': odds ratio for 'age', which is not a "
        "parent; parents: exertion. [rule: strength-parent]"
    ) in problems
    as_parent = {
        'parents = ["exertion"]\n' + _STRAIN_NOISY_OR: 'parents = ["exertion", "age"]\n'
        + _STRAIN_LOGISTIC
        + ages
    }
    problems = problems_of(toy_spec_dir(as_parent, extra=_AGE))
    assert (
        "nodes.toml: node 'strain', field 'odds.age.p': 'midle' is not a non-reference state "
        "of 'age' (allowed: middle, old). Did you mean 'middle'? [rule: known-state]"
    ) in problems
    assert (
        "nodes.toml: node 'strain', field 'odds.age.p.old': must be an odds ratio (a number "
        "from 1e-6 to 1e6); got -1. [rule: probability-range]"
    ) in problems


def test_a_cause_with_more_than_two_states_is_refused(toy_spec_dir):
    # p_<cause>, triage and the counterfactual ranking read a cause as present or
    # absent; a three-state cause gave inconsistent results and a raw ValueError.
    from backspasm.exceptions import SpecError
    from backspasm.spec import load_spec

    folder = toy_spec_dir()
    path = folder / "nodes.toml"
    text = path.read_text()
    assert 'label = "Stone"' in text
    path.write_text(
        text.replace('label = "Stone"', 'label = "Stone"\nstates = ["no", "small", "large"]')
    )
    with pytest.raises(SpecError, match=r"node 'stone', field 'states': a cause has the states"):
        load_spec(folder)
