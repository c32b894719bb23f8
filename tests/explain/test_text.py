"""Explanations in words: reasons, next question and MAP of a batch of cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from backspasm.explain import mpe_text, reasons_text
from backspasm.network import default_network


def test_reasons_text_names_the_strongest_answers_with_their_factor():
    change = np.array([[math.log(2.5), -math.log(1.3), math.log(1.05), np.nan]])
    cells = np.array([["a=yes", "b=no", "c=yes", "d=yes"]], dtype=object)
    assert reasons_text(change, cells)[0] == "a=yes (x2.5); b=no (/1.3)"
    # 31/4 prints the same whatever its last floating-point bits
    near = np.array([[math.log(7.75) + 1e-15], [math.log(7.75) - 1e-15]])
    texts = reasons_text(near, np.array([["q=yes"], ["q=yes"]], dtype=object))
    assert texts[0] == texts[1] == "q=yes (x7.8)"
    huge = reasons_text(np.array([[40.0]]), np.array([["k=yes"]], dtype=object))
    assert huge[0] == "k=yes (x>999)"


def test_mpe_text_lists_the_causes_present():
    net = default_network()
    states = np.zeros((3, len(net.causes)), dtype=np.int64)
    states[0, net.causes.index("kidney_stones")] = 1
    states[2] = -1
    assert list(mpe_text(net, states)) == ["kidney_stones", "none", ""]


def test_percent_never_calls_an_uncertain_probability_certain() -> None:
    from backspasm._text import percent

    assert percent(0.9994) == "99.9%"
    assert percent(0.99996) == "99.996%"
    assert percent(0.99999999) == ">99.9999%"
    assert percent(1.0) == "100%"  # certain: an answered cause
    assert percent(0.0) == "0%"
    assert percent(0.123) == "12.3%"
    assert percent(0.00012) == "0.012%"
    # a rare cause in `backspasm diagnose` read "2.4e-05%"
    assert percent(2.4e-7) == "0.000024%"
    assert percent(1e-12) == "<0.000001%"
    assert "e" not in percent(3.3e-6)


def test_answers_inside_a_cause_rule_are_said_in_words() -> None:
    # "Pyelonephritis 41% (>= 30% with fever=yes)" kept its programmer's text in ask,
    # beside "Saddle numbness (unsure)" in words.
    from backspasm._text import answer_words

    net = default_network()

    def said(text: str) -> str:
        return answer_words(text, net.label, net.spec.nodes)

    assert said("Pyelonephritis 66% (>= 30% with fever=yes)") == (
        "Pyelonephritis 66% (>= 30% with fever)"
    )
    assert said("Pyelonephritis 41% (>= 30% with fever=yes (unsure answer))") == (
        "Pyelonephritis 41% (>= 30% with fever (unsure))"
    )
    assert said("spasm_location=flank") == "Location of spasms: flank"
    assert said("fracture: age 65 or over") == "fracture: age 65 or over"
    assert said("x=yes is not a node") == "x=yes is not a node"


def test_an_unsure_answer_near_even_still_says_which_way_it_leans():
    # 0.504 read "leaning yes 50%:50%", in diagnose and now in the figure titles
    from backspasm._text import lean_words

    assert lean_words(0.7) == "leaning yes 70%:30%"
    assert lean_words(0.3) == "leaning no 70%:30%"
    assert lean_words(0.504) == "leaning yes 50.4%:49.6%"
    assert lean_words(0.4999) == "leaning no 50.01%:49.99%"


@pytest.mark.parametrize(
    ("reason", "said"),
    [
        (
            "Pyelonephritis 63.8% (>= 30% with fever)",
            "a 63.8% chance of pyelonephritis, at or above the 30% from which this advice "
            "is given with fever",
        ),
        (
            "Spinal tumour 4.2% (>= 3%)",
            "a 4.2% chance of spinal tumour, at or above the 3% from which this advice is given",
        ),
        ("Fever (a possible sign of infection)", "Fever (a possible sign of infection)"),
    ],
)
def test_a_triage_reason_is_said_to_the_person(reason, said):
    from backspasm._text import reason_for_person

    assert reason_for_person(reason) == said
