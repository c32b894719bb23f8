"""Figure 06 writes one decimal, as every other figure, unless the bars need two (a teacher's audit).

Case EX16's sensitivity figure wrote every value, and the line, with two decimals
(52.93%, 58.20%): two values of a span of 14 points, 56.49% and 56.51%, would both
read "56.5%". Bars that close look the same length; their values need not part them.
"""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from backspasm import figures
from backspasm.diagnosis import diagnose
from backspasm.figures.sensitivity import _value_decimals
from backspasm.scoring.cases import read_case_table
from backspasm.sensitivity import sensitivity

pytestmark = pytest.mark.usefixtures("figures_closed")

DATA = Path(__file__).resolve().parents[2] / "data"


def test_two_values_whose_bars_look_alike_leave_one_decimal() -> None:
    # a span of 14 points: 56.49% and 56.51% are a seven-hundredth of it apart
    assert _value_decimals(np.array([0.4539, 0.5293, 0.5649, 0.5651, 0.5905]), 0.1366) == 1
    # a span of about a point: 99.24% and 99.20% are told apart (the low-calcium case)
    assert _value_decimals(np.array([0.9850, 0.9920, 0.9924, 0.9950]), 0.01) == 2


def test_figure_06_of_case_ex16_writes_one_decimal() -> None:
    cases = read_case_table(str(DATA / "example_cases.csv"))[0].set_index("case_id")
    d = diagnose(cases.loc["EX16"].drop(["expected_cause", "note"]).dropna().to_dict())
    ax = figures.plot_sensitivity(sensitivity(d, "muscle_strain"), top=12)
    values = [t.get_text() for t in ax.texts if str(t.get_gid()).startswith("sens_")]
    assert len(values) == 24
    assert all(re.fullmatch(r"\d+\.\d%", v) for v in values), values
    said = re.search(r"the model as it is \(([\d.]+%)\)", " ".join(ax.get_xlabel().split()))
    assert said is not None
    assert re.fullmatch(r"\d+\.\d%", said.group(1))
