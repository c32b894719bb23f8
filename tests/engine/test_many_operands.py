"""``contract``: einsum over more operands than numpy takes in one call."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from backspasm._numeric import contract

LETTERS = "abcd"
CARD = {"a": 2, "b": 3, "c": 2, "d": 2}


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from(LETTERS), min_size=1, max_size=3, unique=True),
        min_size=1,
        max_size=100,
    ),
    st.lists(st.sampled_from(LETTERS), max_size=3, unique=True),
    st.integers(0, 2**32 - 1),
)
def test_contract_equals_einsum_folded_by_hand(scopes, target, seed) -> None:
    rng = np.random.default_rng(seed)
    subs = ["".join(s) for s in scopes]
    target = "".join(v for v in target if any(v in s for s in subs))
    arrays = [rng.uniform(0.5, 1.5, [CARD[v] for v in s]) for s in subs]
    # The reference: one operand at a time onto a product over every letter met.
    letters = "".join(dict.fromkeys("".join(subs)))
    product = np.ones([CARD[v] for v in letters])
    for s, a in zip(subs, arrays, strict=True):
        product = np.einsum(f"{letters},{s}->{letters}", product, a)
    expected = np.einsum(f"{letters}->{target}", product)
    np.testing.assert_allclose(contract(subs, arrays, target), expected, rtol=1e-12)
