"""Whether a question's answers fit a node's states is decided from names, as a trial says.

:func:`backspasm.columns.encodable` used to encode an empty column through pandas and
catch the KeyError of a missing state; it now compares names. Over every question of
the bundled network and any states a variant may give its node, it says what the
trial says.
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backspasm import load_network
from backspasm.columns import encodable, encode_column
from backspasm.questionnaire import Question, questions_for

_NET = load_network()
_QUESTIONS = [q for q in questions_for(_NET) if q.node is not None]


def _trial(q: Question, states: tuple[str, ...]) -> bool:
    """The former test: encode an empty column and see whether a state is missing."""
    try:
        encode_column(q, pd.Series([], dtype=object), states)
    except KeyError:
        return False
    return True


def test_every_kind_is_covered() -> None:
    assert {q.kind for q in _QUESTIONS} == {"yes_no", "choice", "number"}


@pytest.mark.parametrize("q", _QUESTIONS, ids=lambda q: q.column)
def test_own_states_fit(q: Question) -> None:
    assert q.node is not None
    states = _NET.states(q.node)
    assert encodable(q, states) is _trial(q, states) is True


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_any_variant_states_agree_with_the_trial(data: st.DataObject) -> None:
    q = data.draw(st.sampled_from(_QUESTIONS))
    assert q.node is not None
    own = list(_NET.states(q.node))
    kept = data.draw(st.lists(st.sampled_from(own), unique=True, max_size=len(own)))
    extra = data.draw(st.lists(st.sampled_from(["other", "yes", "no", "maybe"]), max_size=2))
    states = tuple(dict.fromkeys([*kept, *extra]))
    states = tuple(data.draw(st.permutations(states)))
    assert encodable(q, states) is _trial(q, states)


def test_unknown_band_comparison_is_not_encodable() -> None:
    q = next(q for q in _QUESTIONS if q.kind == "number")
    odd = dataclasses.replace(q, bins=(("low", "~", 1.0), *q.bins[1:]))
    assert odd.node is not None
    states = (*q.states, "low")
    assert encodable(odd, states) is _trial(odd, states) is False
