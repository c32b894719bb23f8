"""Fixtures shared by the figure tests: the bundled network and the example case."""

from __future__ import annotations

import pytest

from backspasm import figures
from backspasm.diagnosis import Diagnosis, diagnose
from backspasm.network import Network, default_network


@pytest.fixture(scope="session")
def net() -> Network:
    """The bundled network (one object for the whole run: default_network caches it)."""
    return default_network()


@pytest.fixture(scope="session")
def case(net: Network) -> Diagnosis:
    """The teaching set's example case (:data:`~backspasm.figures.DEFAULT_CASE`)."""
    return diagnose(dict(figures.DEFAULT_CASE), network=net)
