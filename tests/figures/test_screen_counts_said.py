"""Figure 07 says what a panel's "(24 of 29 unasked)" counts (a teacher's audit).

Two panels read "24 of 29" and "29 of 35" with no word that the number of screening
questions depends on the answers (a question only some flags of two answers name
leaves the screen once the others rule them out).
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

from backspasm import figures
from backspasm.diagnosis import diagnose
from backspasm.figures._triage_words import SCREEN_COUNTS
from backspasm.figures.scenarios import SCENARIOS


def _key_title(fig: plt.Figure) -> str:
    return " ".join(fig.legends[0].get_title().get_text().split())


def test_the_key_says_what_the_unasked_counts_count_and_that_they_depend_on_the_answers() -> None:
    cases = [diagnose(dict(a)) for a in SCENARIOS.values()]
    sizes = {len(d.screen) for d in cases if d.triage != "emergency" and d.unscreened}
    fig = figures.plot_scenarios(cases, names=list(SCENARIOS))
    heads = [t.get_text() for t in fig.findobj(matplotlib.text.Text)]
    assert any(" unasked)" in h for h in heads)  # a heading counts them
    said = _key_title(fig)
    assert SCREEN_COUNTS in said
    assert "screening questions apply to the case" in said
    assert "its answers can rule some out, so m differs from case to case" in said
    assert len(sizes) >= 1
    plt.close(fig)


def test_no_such_words_where_no_heading_counts_them() -> None:
    cases = [diagnose(dict(SCENARIOS[n])) for n in SCENARIOS]
    cases = [d for d in cases if d.triage == "emergency"]
    assert cases
    fig = figures.plot_scenarios(cases)
    assert SCREEN_COUNTS not in _key_title(fig)
    plt.close(fig)
