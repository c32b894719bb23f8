"""What a pointed cause's odds factor is over, written beside it (figure 03).

A cause lower down that the answers point to carries its odds factor after its value:
the odds over a person of the same age, sex and care setting (``given_context``), not
over the prior's tick. A teacher read a bare ``x3.3`` on a bar that fell below its
tick (EX16's spinal stenosis: 2.8% before any answer, 0.7% after) as a contradiction:
the factor now names its baseline, ``0.7%  ×3.3 over 0.2%``, and the key says what
that is.
"""

from __future__ import annotations

from backspasm._text import TIMES
from backspasm.explain.odds import POINTING_FACTOR, WHY_SHOWN
from backspasm.figures._words import percent, with_factor

#: What joins a factor to its baseline: ``×3.3 over 0.2%``.
OVER = " over "

#: The key's entry for the factor and its baseline.
CONTEXT_LEGEND = (
    f"{TIMES}… over …%: odds over age, sex and setting\n"
    f"alone, not over the tick ({TIMES}{POINTING_FACTOR:g}+, below top {WHY_SHOWN})"
)


def factor_over(value: str, factor: float, given_context: float) -> str:
    """``"0.7%  ×3.3 over 0.2%"``: a value, its odds factor and the belief it is over.

    The belief given age, sex and care setting alone, as ``diagnose``'s table has it
    (``given_context``), written as every probability of the figure is.
    """
    return f"{with_factor(value, factor)}{OVER}{percent(given_context)}"
