"""A name declared in two files of a variant: one problem, naming both, and no others.

A variant author's audit: a node declared in two files of a knowledge folder was
blamed on the file read second (files are read in name order), without a line, and a
partial copy read first (only the fields the author meant to change) was checked as
the node, with a dozen problems that only the duplicate caused.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from backspasm.exceptions import SpecError
from backspasm.spec import load_spec
from helpers import bundled_variant


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(SpecError) as info:
        load_spec(folder)
    return list(info.value.problems)


def test_a_cause_whose_group_was_not_read_is_not_called_a_non_cause(tmp_path):
    # Each cause rule of triage.toml on it said "'kidney_stones' is a  node, not a cause".
    folder = bundled_variant(
        tmp_path / "kb",
        "causes.toml",
        r'(\[nodes\.kidney_stones\]\n)group = "cause_serious"',
        r"\1group = 5",
    )
    assert problems_of(folder) == [
        "causes.toml: node 'kidney_stones', field 'group': must be a string; got 5. "
        "[rule: field-type]"
    ]
