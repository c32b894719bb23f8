"""A label too long for its box in the network figures is cut, and the cut is said."""

from __future__ import annotations

import pytest

from backspasm.figures._layout import box_labels, cut_label
from backspasm.figures._wrap import text_width


@pytest.mark.parametrize(
    "label", ["Bandscheibenvorfallbeschwerden", "Herniated_intervertebral_disc_x"]
)
def test_a_one_word_label_is_cut_inside_the_word_and_warned_of(label: str) -> None:
    # cut_label cut only between words: a one-word label came back whole, ran over
    # its neighbours' boxes in figures 01 and 02, and no warning said so
    width = 1.0
    cut = cut_label(label, width)
    assert cut.endswith("…")
    assert label.startswith(cut[:-1])
    assert all(text_width(line) <= width for line in cut.split("\n"))
    with pytest.warns(UserWarning, match="too long for its box"):
        assert box_labels({"herniated_disc": label}, {"herniated_disc": width}, 9.0)


def test_a_label_of_words_is_still_cut_after_a_word() -> None:
    cut = cut_label("Spondylolysis or spondylolisthesis of the lower lumbar spine", 1.0)
    assert cut.endswith("…")
    assert not cut[:-1].endswith(("spondyl", "lumb"))  # a whole word before the …
