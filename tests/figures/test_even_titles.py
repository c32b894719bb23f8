"""A figure title wrapped over several lines keeps its lines even: no word left alone
on the last line of a title (figure 07 at column size read "... none from a case" /
"file")."""

from __future__ import annotations

import pytest

from backspasm.figures._wrap import suptitle_width, wrap, wrap_even

TITLES = [
    "Leading causes of back spasm in 4 built-in example cases, none from a case file",
    "the epidural abscess is the example case of figures 02-06; the same network, "
    "different answers",
    "Most probable cause and triage level of 300 scored synthetic cases",
]


@pytest.mark.parametrize("size", ["column", "page", "slide"])
@pytest.mark.parametrize("title", TITLES)
def test_an_even_title_takes_as_many_lines_no_wider_and_no_lone_last_word(
    title: str, size: str
) -> None:
    width = suptitle_width(size)
    greedy, even = wrap(title, width).split("\n"), wrap_even(title, width).split("\n")
    assert len(even) == len(greedy)
    assert " ".join(even) == " ".join(greedy) == title
    assert max(map(len, even)) <= width
    if len(even) > 1:
        assert " " in even[-1], even


def test_the_column_title_of_07_no_longer_ends_in_one_word() -> None:
    width = suptitle_width("column")
    assert wrap(TITLES[0], width).split("\n")[-1] == "file"  # what greedy wrapping gave
    assert wrap_even(TITLES[0], width).split("\n")[-1] == "none from a case file"
