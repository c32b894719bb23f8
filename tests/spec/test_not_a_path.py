"""A knowledge base is named by a path: anything else is told so, not met by pathlib's words."""

from __future__ import annotations

import pytest

import backspasm
from backspasm.spec.reader import load_spec


@pytest.mark.parametrize("given", [5, ["knowledge"], {"path": "knowledge"}])
def test_a_value_that_is_not_a_path_is_refused_with_what_to_pass(given: object) -> None:
    with pytest.raises(TypeError, match=r"path of its folder or TOML file, not a"):
        load_spec(given)  # type: ignore[arg-type]


def test_a_loaded_network_passed_again_is_told_to_be_used_as_it_is() -> None:
    net = backspasm.load_network()
    with pytest.raises(TypeError, match=r"not a Network .*use it as it is"):
        backspasm.load_network(net)  # type: ignore[arg-type]
