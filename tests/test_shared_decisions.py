"""One rule for each decision every view makes: how causes rank, which way an unsure answer leans."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from backspasm._numeric import RANK_DECIMALS, first_ranked, lean_of, ranked_causes
from backspasm.diagnosis import diagnose
from backspasm.network import default_network, load_network
from backspasm.scoring import score_cases

TWIN = """
[nodes.stone_twin]
group = "cause_serious"
label = "Stone twin"
description = "A second kidney stone cause with the same numbers as the first."
prior = { p = 0.05, source = "Toy20" }
"""
LOCATION = """parents = ["stone", "stone_twin"]
table = [
  { when = { stone = "yes", stone_twin = "yes" }, p = { lower_back = 0.1, flank = 0.9 }, source = "Toy20" },
  { when = { stone = "yes", stone_twin = "no" }, p = { lower_back = 0.2, flank = 0.8 }, source = "Toy20" },
  { when = { stone = "no", stone_twin = "yes" }, p = { lower_back = 0.2, flank = 0.8 }, source = "Toy20" },
"""


def test_causes_sharing_their_numbers_keep_the_network_order_in_every_view(toy_spec_dir):
    # Two causes with the same numbers differ only by rounding noise, which depends on
    # how rows were batched: a scored file and diagnose must still name the same one.
    folder = toy_spec_dir(
        replace={
            'parents = ["strain", "stone"]': 'parents = ["strain", "stone", "stone_twin"]',
            'strength.stone = { p = 0.4, source = "Toy20" }': (
                'strength.stone = { p = 0.4, source = "Toy20" }\n'
                'strength.stone_twin = { p = 0.4, source = "Toy20" }'
            ),
            'parents = ["stone"]\ntable = [': LOCATION,
            'states = ["lower_back", "flank"]': (
                'states = ["lower_back", "flank"]\n'
                'question = { column = "location", prompt = "Where?", section = "symptom" }'
            ),
            'prior = { p = 0.3, source = "Toy20" }': (
                'prior = { p = 0.3, source = "Toy20" }\n'
                'question = { column = "exertion", prompt = "Lifting?", section = "exposure" }'
            ),
            '{ when = { stone = "no" }': '{ when = { stone = "no", stone_twin = "no" }',
            '  { when = { stone = "yes" }, p = { lower_back = 0.2, flank = 0.8 }, '
            'source = "Toy20" },\n': "",
        },
        extra=TWIN,
    )
    net = load_network(folder)
    rows = pd.DataFrame({"location": ["flank", "lower_back", "flank", "flank"]})
    rows["exertion"] = ["no", "yes", "", "no"]
    scored = score_cases(rows, network=net, explain=True)
    for i, row in rows.iterrows():
        answers = {k: v for k, v in row.items() if v}
        d = diagnose(answers, network=net)
        assert scored.loc[i, "top_cause"] == d.top_cause, (i, d.causes)
    # and the reasons name that cause (the explained causes are ranked the same way)
    assert scored.loc[0, "top_cause"] == "stone"


@given(
    arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 5)), elements=st.floats(0, 1)),
    st.integers(0, 3),
)
def test_noise_below_the_rank_decimals_never_reorders_causes(probs, column):
    # Causes closer than 1e-12 count as tied and keep their index order; the first of
    # ranked_causes is first_ranked's choice, as a scored file's top_cause is diagnose's.
    noisy = probs.copy()
    if column < probs.shape[1]:
        noisy[:, column] += 10.0 ** -(RANK_DECIMALS + 3)
    clean = np.round(probs, RANK_DECIMALS)
    np.testing.assert_array_equal(first_ranked(noisy), ranked_causes(noisy)[:, 0])
    expected = np.argsort(-clean, axis=1, kind="stable")  # ties in index order
    np.testing.assert_array_equal(ranked_causes(probs), expected)
    tied = np.column_stack([probs[:, 0], probs[:, 0] + 10.0 ** -(RANK_DECIMALS + 3)])
    np.testing.assert_array_equal(
        first_ranked(tied)[
            np.round(tied[:, 0], RANK_DECIMALS) == np.round(tied[:, 1], RANK_DECIMALS)
        ],
        0,
    )


@given(st.floats(0.0, 1.0, exclude_min=True, exclude_max=True))
def test_every_view_decides_an_unsure_answer_s_lean_alike(p):
    # The words of an unsure answer, the safety net, triage's flags and the scenario
    # figure each decided a lean their own way (p >= 0.5, share > 0.5, argmax); an
    # even lean (0.5) read "leaning yes" in words while triage counted it as neither.
    from backspasm._text import lean_words
    from backspasm.triage.matching import matches
    from backspasm.triage.safety import _leaning

    net = default_network()
    soft = {"fever": np.asarray([[1.0 - p, p]])}
    flag_yes = matches({"fever": "yes"}, soft, net, 1, soft)[0]
    flag_no = matches({"fever": "no"}, soft, net, 1, soft)[0]
    side = {(True, False): "yes", (False, True): "no", (False, False): None}[(flag_yes, flag_no)]
    assert _leaning((1.0 - p, p)) == side
    assert lean_words(p).startswith(f"leaning {side or 'neither way'} ")
    assert lean_of((1.0 - p, p)) == (None if side is None else ("no", "yes").index(side))


def test_an_even_lean_leans_neither_way_in_words():
    from backspasm._text import lean_words

    assert lean_words(0.5) == "leaning neither way 50%:50%"
    assert lean_words(0.7) == "leaning yes 70%:30%"


def test_figure_03_shows_the_causes_in_diagnose_s_order_even_within_rounding_noise():
    # Two causes with the same numbers can come out of a batch 1e-15 apart, the wrong
    # way round; diagnose ranks them at 12 decimals (network order), and figure 03
    # re-sorted the unrounded values: its bars then disagreed with diagnose's table.
    import dataclasses

    import matplotlib.pyplot as plt

    from backspasm import figures

    d = diagnose({"age": 40, "sex": "female"})
    causes = d.causes.copy()
    order = causes["cause"].tolist()
    first, second = (c for c in order if c in ("tight_hamstrings", "weak_abdominal_muscles"))
    tied = float(causes.loc[causes["cause"] == first, "posterior"].iloc[0])
    causes.loc[causes["cause"] == second, "posterior"] = tied + 1e-15  # batch noise
    noisy = dataclasses.replace(d, _causes=causes)
    assert noisy.causes["cause"].tolist() == order
    for top in (None, 19):
        fig, ax = plt.subplots(figsize=(8, 8))
        try:
            figures.plot_causes(noisy, ax=ax, top=top)
            said = [t.get_text().removeprefix("⚠ ") for t in ax.get_yticklabels()]
        finally:
            plt.close(fig)
        labels = [d.network.label(c) for c in (first, second)]
        assert said.index(labels[0]) < said.index(labels[1]), said
