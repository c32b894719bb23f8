"""Fixtures shared by the figure tests: the bundled network and the example case."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from backspasm import figures
from backspasm.diagnosis import Diagnosis, diagnose
from backspasm.figures import teaching
from backspasm.learning import Evaluation, evaluate, sample_cases
from backspasm.network import Network, default_network
from helpers import example_work

EXAMPLES = Path(__file__).resolve().parents[2] / "data" / "example_cases.csv"


@pytest.fixture(scope="session")
def net() -> Network:
    """The bundled network (one object for the whole run: default_network caches it)."""
    return default_network()


@pytest.fixture(scope="session")
def case(net: Network) -> Diagnosis:
    """The teaching set's example case (:data:`~backspasm.figures.DEFAULT_CASE`)."""
    return diagnose(dict(figures.DEFAULT_CASE), network=net)


@pytest.fixture(scope="session")
def evaluation_2000(net: Network) -> Evaluation:
    """The teaching set's evaluation: 2000 synthetic cases drawn with seed 0."""
    return evaluate(sample_cases(2000, network=net, seed=0), network=net)


@pytest.fixture
def captions(net: Network) -> Callable[..., list[tuple[str, str]]]:
    """Draw teaching figures of the example case and return (stem, caption) of each.

    As ``backspasm figures --only`` draws them, by their stems (``"03-causes"``); each
    figure is closed once its caption is written.
    """

    def draw(*stems: str) -> list[tuple[str, str]]:
        work = example_work(net, stems)
        said = []
        for stem, fig in teaching._teaching_set(work):
            said.append((stem, teaching._caption(stem, fig, work)))
            plt.close(fig)
        return said

    return draw


@pytest.fixture(scope="module")
def ex16() -> Diagnosis:
    """Example case EX16 (a young man with inflammatory back pain), as a file gives it."""
    table = pd.read_csv(EXAMPLES, dtype=str, keep_default_na=False)
    row = table[table["case_id"] == "EX16"].iloc[0]
    answers = {
        k: v for k, v in row.items() if v and k not in ("case_id", "expected_cause", "note")
    }
    return diagnose(answers)
