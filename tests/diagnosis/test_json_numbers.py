"""Every numeric type an answer may be given in comes out of ``to_dict`` as a JSON number.

``Decimal("0.7")`` was written as the text ``"0.7"`` where ``Fraction(7, 10)`` and 0.7
gave the number 0.7, and ``Decimal("45")`` as ``"45"`` where 45.0 gave 45 (a
researcher's audit): a JSON reader got a string for one and a number for the other.
"""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

from backspasm import diagnose


@pytest.mark.parametrize("lean", [0.7, np.float64(0.7), Decimal("0.7"), Fraction(7, 10)])
def test_an_unsure_answer_of_any_numeric_type_is_the_number_0_7(lean: object) -> None:
    exported = json.loads(json.dumps(diagnose({"fever": lean}).to_dict()))
    assert exported["answers"]["fever"] == 0.7
    assert type(exported["answers"]["fever"]) is float


@pytest.mark.parametrize("age", [45, 45.0, np.int64(45), Decimal("45"), Fraction(45)])
def test_a_whole_age_of_any_numeric_type_is_the_whole_number_45(age: object) -> None:
    d = diagnose({"age": age})
    assert type(d.answers["age"]) is int
    exported = json.loads(json.dumps(d.to_dict()))
    assert exported["answers"]["age"] == 45
    assert type(exported["answers"]["age"]) is int
