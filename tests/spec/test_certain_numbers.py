"""A number of exactly 0 or 1 that rules an answer out: check warns, naming where.

A researcher's variant with ``leak = { p = 1.0 }`` on a finding passed ``backspasm
check``; ``diagnose`` then refused the answer 'no' as impossible evidence without
pointing to the table. Such a number is legal (a certain link can be meant), so
check warns rather than refuses.
"""

from __future__ import annotations

import warnings

import pytest

from backspasm.cli import main
from backspasm.network import load_network
from backspasm.spec import load_spec
from backspasm.spec.rules_numbers import CertainNumberWarning, certain_numbers
from helpers import FLANK_TENDER

ADVICE = (
    "diagnose refuses an impossible answer (ImpossibleEvidenceError); keep the number if "
    "the link is meant to be certain, or use one just inside 0 and 1 (0.001, 0.999)."
)

SEVERITY = """
[nodes.severity]
group = "context"
label = "Severity"
description = "How bad it is."
states = ["mild", "moderate", "severe"]
prior = { p = { mild = 0.6, moderate = 0.4, severe = 0.0 }, source = "Toy20" }
"""


def flank(old: str = "", new: str = "") -> str:
    assert old in FLANK_TENDER
    return FLANK_TENDER.replace(old, new) if old else FLANK_TENDER


def test_check_warns_of_a_leak_of_1_naming_file_node_and_field(toy_spec_dir, capsys):
    folder = toy_spec_dir(extra=flank("leak = { p = 0.05,", "leak = { p = 1.0,"))
    assert main(["check", str(folder)]) == 0  # a warning, not an error
    out, err = capsys.readouterr()
    assert "(valid)" in out
    assert err == (
        "backspasm check: warning: nodes.toml: node 'flank_tender', field 'leak.p': a leak "
        "of 1 makes P(flank_tender=no) zero whatever its parents: the answer 'no' is "
        f"impossible; {ADVICE}\n"
    )


def test_the_bundled_knowledge_base_has_no_certain_number(capsys):
    # Its one strength of 0 (arthritis on pain when arching) makes no probability
    # zero: the parent adds nothing.
    assert certain_numbers(load_spec()) == []
    assert main(["check"]) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    ("replace", "extra", "field", "said"),
    [
        (
            {'prior = { p = 0.05, source = "Toy20" }': 'prior = { p = 0, source = "Toy20" }'},
            "",
            "node 'stone', field 'prior.p'",
            "a prior of 0 makes P(stone=yes) zero: the answer 'yes' is impossible",
        ),
        (
            {'prior = { p = 0.05, source = "Toy20" }': 'prior = { p = 1.0, source = "Toy20" }'},
            "",
            "node 'stone', field 'prior.p'",
            "a prior of 1 makes P(stone=no) zero: the answer 'no' is impossible",
        ),
        (
            {},
            SEVERITY,
            "node 'severity', field 'prior.p.severe'",
            "a prior of 0 makes P(severity=severe) zero: the answer 'severe' is impossible",
        ),
        (
            {},
            flank("leak = { p = 0.05,", "leak = { p = 0.0,"),
            "node 'flank_tender', field 'leak.p'",
            "a leak of 0 makes P(flank_tender=yes) zero when none of its parents is present: "
            "'yes' with every parent answered absent is impossible",
        ),
        (  # 1e-18 is not 0, yet 1 - 1e-18 is 1 in double precision: the same effect
            {},
            flank("leak = { p = 0.05,", "leak = { p = 1e-18,"),
            "node 'flank_tender', field 'leak.p'",
            "a leak of 1e-18 (in double precision: 1 - p rounds to 1) makes "
            "P(flank_tender=yes) zero when none of its parents is present",
        ),
        (
            {},
            flank("strength.stone = { p = 0.7,", "strength.stone = { p = 1,"),
            "node 'flank_tender', field 'strength.stone.p'",
            "a strength of 1 makes P(flank_tender=no) zero when stone=yes: the answer 'no' "
            "rules stone=yes out completely",
        ),
        (
            {},
            SEVERITY.replace("severe = 0.0", "severe = 0.01").replace("0.4", "0.39")
            + flank('parents = ["stone"]', 'parents = ["stone", "severity"]')
            + 'strength.severity = { p = { moderate = 0.2, severe = 1.0 }, source = "Toy20" }\n',
            "node 'flank_tender', field 'strength.severity.p.severe'",
            "a strength of 1 makes P(flank_tender=no) zero when severity=severe",
        ),
    ],
    ids=[
        "prior-0",
        "prior-1",
        "multistate-prior-0",
        "leak-0",
        "leak-rounds-to-0",
        "strength-1",
        "state-strength-1",
    ],
)
def test_each_certain_number_is_warned_about(toy_spec_dir, replace, extra, field, said):
    folder = toy_spec_dir(replace, extra=extra)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        net = load_network(folder)  # loading says nothing: only check warns
    with pytest.warns(CertainNumberWarning) as caught:
        report = net.report()
    assert "(valid)" in report
    (line,) = (str(w.message) for w in caught)
    assert line.startswith(f"nodes.toml: {field}: {said}")
    assert line.endswith(ADVICE)


def test_a_strength_of_0_or_a_table_with_zeros_is_not_warned_about(toy_spec_dir):
    # Neither rules an answer out on its own: a strength of 0 adds nothing, and a full
    # table may hold structural zeros on purpose.
    folder = toy_spec_dir(
        {
            "p = { lower_back = 0.9, flank = 0.1 }": "p = { lower_back = 1.0, flank = 0.0 }",
            'strength.strain = { p = 0.8, source = "Toy20" }': (
                'strength.strain = { p = 0.0, source = "Toy20" }'
            ),
        }
    )
    assert certain_numbers(load_spec(folder)) == []


def test_diagnose_names_the_table_that_makes_an_answer_impossible(toy_spec_dir):
    # The error a researcher met: the answer is refused, and now the message says
    # which table rules it out.
    from backspasm.diagnosis import diagnose
    from backspasm.exceptions import ImpossibleEvidenceError

    folder = toy_spec_dir(extra=flank("leak = { p = 0.05,", "leak = { p = 1.0,"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CertainNumberWarning)
        net = load_network(folder)
    with pytest.raises(ImpossibleEvidenceError) as caught:
        diagnose({"flank_tender": "no"}, network=net)
    assert "The table of node 'flank_tender'" in str(caught.value)
    assert "P(flank_tender=no)=0" in str(caught.value)
