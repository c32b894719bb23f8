"""Figure 02 writes a state in words a student reads, not cut short (a teacher's audit).

The care setting's box read "prim. 59.0%": "primary" cut to fit. A state of
_beliefs_words.BOX_WORDS takes its plain word instead, "GP", its bar or its answer.
"""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")

import pytest

from backspasm import figures
from backspasm.diagnosis import diagnose

pytestmark = pytest.mark.usefixtures("figures_closed")

#: A care setting's state cut short to fit ("prim.", "emerg.").
CUT = re.compile(r"\b(prim|prima|primar|emer|emerg|emerge|emergen|emergenc)\.")


@pytest.mark.parametrize("setting", [None, "primary_care", "emergency"])
def test_the_care_setting_is_said_in_plain_words(setting: str | None) -> None:
    case = dict(figures.DEFAULT_CASE)
    case.pop("care_setting", None)
    if setting:
        case["care_setting"] = setting
    ax = figures.plot_network_beliefs(diagnose(case))
    texts = [t.get_text() for t in ax.texts]
    assert not [t for t in texts if CUT.search(t)], [t for t in texts if CUT.search(t)]
    words = {None: r"GP \d+\.\d%", "primary_care": "= GP", "emergency": "= emergency"}
    assert any(re.fullmatch(words[setting], t) for t in texts), texts
