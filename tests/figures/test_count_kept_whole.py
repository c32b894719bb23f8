"""A title's count of the answers it does not name is never parted over two lines.

Figure 06 for vignette W08 read "... no bowel or bladder loss and 9" with "more" alone
on the next line: the count is one phrase to a reader.
"""

from __future__ import annotations

import pytest

from backspasm.figures._words import answer_units
from backspasm.figures._wrap import wrap_phrases

ANSWERS = ["man, 45, lower back", "tingling or numbness", "no bowel or bladder loss"]


@pytest.mark.parametrize("width", range(20, 90))
def test_and_n_more_stays_on_one_line(width: int) -> None:
    said = wrap_phrases(answer_units("Which numbers matter for: ", ANSWERS, 9), width)
    assert "and 9 more" in said.split("\n")[-1], said
    assert all(len(line) <= max(width, len("and 9 more")) for line in said.split("\n"))


def test_a_number_in_an_answer_still_wraps_as_before() -> None:
    # only the count is held together: "under 6 weeks" may break as any words do
    said = wrap_phrases(["spasms for under 6 weeks (acute)"], 16)
    assert said.split("\n")[0] == "spasms for under"
