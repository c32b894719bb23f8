"""What the teaching set shows: the example case and every result its figures draw.

The example case's answers are read from a case table (:func:`_answers_of`, as
``diagnose`` reads a row); the case is diagnosed, its sensitivity table computed,
the case file scored with :func:`backspasm.scoring.score_cases`, and synthetic cases
drawn and evaluated with :mod:`backspasm.learning`, each when the first figure that
shows it is drawn (:class:`_Work`), so that a set of a few figures computes only
what they show; the ``plot_*`` functions then only draw those results.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import pandas as pd

from backspasm.exceptions import BackspasmError, EvidenceError
from backspasm.figures._inputs import asked_by
from backspasm.figures.scenarios import SCENARIOS

if TYPE_CHECKING:
    from backspasm.diagnosis import Diagnosis
    from backspasm.learning import Evaluation
    from backspasm.network import Network

_SYNTHETIC_N = 300
_EVALUATION_N = 2000
_SYNTHETIC = f"{_EVALUATION_N} synthetic cases drawn from the network itself (seed 0)"
#: What figures 09 and 10 show, and what they do not: near-perfect curves on the network's
#: own cases check the inference, and say nothing of how the model fares on real patients.
_SELF_CHECK = "a check of the inference, not of the model on real patients (see evaluate)"


def _answers_of(cases: pd.DataFrame, case_id: object, network: Network) -> dict[str, Any]:
    """Return one case's answers (by case_id, else row number from 1) as diagnose reads a row."""
    from backspasm.diagnosis.build import _row_answers
    from backspasm.questionnaire import questions_for

    if "case_id" in cases.columns:
        match = cases[cases["case_id"].astype(str) == str(case_id)]
        if match.empty:
            ids = cases["case_id"].astype(str)
            held = (
                f"its {len(ids)} ids run {ids.iloc[0]!r} to {ids.iloc[-1]!r}"
                if len(ids)
                else "it has no rows"
            )
            raise BackspasmError(
                f"No case with case_id {case_id!r} in the cases table: {held} (a row "
                "number names a case only in a table without a case_id column)."
            )
        row = match.iloc[0]
    else:
        row = cases.iloc[_row_number(cases, case_id) - 1]
    questions = questions_for(network)
    answered = {q.column for q in questions if q.node is not None}
    return {
        k: v
        for k, v in _row_answers(row, questions, network).items()
        if k in answered
        and not (v is None or (isinstance(v, float) and math.isnan(v)))
        and str(v).strip() != ""
    }


def _row_number(cases: pd.DataFrame, case_id: object) -> int:
    """Return the row number (1 = the first case) a ``case_id`` names in a table without ids."""
    text = str(case_id).strip()
    if not text.isdigit() or not 1 <= int(text) <= len(cases):
        rows = f"1 to {len(cases)}" if len(cases) else "none: the table has no rows"
        raise BackspasmError(
            f"The cases table has no case_id column, so 'case_id' is a row number "
            f"(1 = the first case; {rows}); got {case_id!r} instead."
        )
    return int(text)


@dataclass(frozen=True)
class _Results:
    """What the teaching set shows, computed before any figure is drawn."""

    case: Diagnosis
    followed: str  # the cause of the evidence-impact and sensitivity figures
    table: pd.DataFrame  # its sensitivity table
    scenarios: list[Diagnosis]  # of the built-in SCENARIOS, in their order
    scored: pd.DataFrame
    mix_name: str  # what the case-mix title calls the scored cases
    evaluation: Evaluation
    case_id: object = None  # the case's case_id (row number) in its file; None: DEFAULT_CASE
    given: bool = False  # the case was given by its answers (no file): not DEFAULT_CASE
    cases_name: str | None = None  # the file of the cases (its name)
    only: tuple[str, ...] | None = None  # the figures drawn (stems); None: every one
    size: str = "slide"  # the named size of the case figures (the network's: a slide)

    @property
    def network(self) -> Network:
        return self.case.network


class _Work:
    """What the teaching set shows, each part computed when a figure first needs it.

    The attributes of :class:`_Results`, so that
    :func:`backspasm.figures.teaching._teaching_set` draws either.
    """

    def __init__(
        self,
        network: Network,
        answers: Mapping[str, Any],
        *,
        cause: str | None,
        cases: pd.DataFrame | None,
        cases_name: str | None,
        case_id: object,
        only: tuple[str, ...] | None,
        size: str = "slide",
        given: bool = False,
    ) -> None:
        self.network = network
        self._answers = answers
        self._cause = cause
        self._cases = cases
        self.cases_name = cases_name
        self.case_id = case_id
        self.given = given
        self.only = only
        self.size = size

    @cached_property
    def case(self) -> Diagnosis:
        from backspasm.diagnosis import diagnose

        try:
            if self.case_id is not None:  # a file's row: yes or no, as score reads it
                from backspasm.columns import refused_cell
                from backspasm.questionnaire import questions_for

                questions = {q.column: q for q in questions_for(self.network)}
                refused = refused_cell(self._answers, questions, self.network.states)
                if refused is not None:
                    raise EvidenceError(refused)
            return diagnose(self._answers, network=self.network)  # checks the answers
        except EvidenceError as exc:
            if self.case_id is None:
                raise
            # say which case of which file holds the answer diagnose refused
            file = f"'{self.cases_name}'" if self.cases_name else "the cases table"
            named = (
                "row" if self._cases is not None and "case_id" not in self._cases else "case_id"
            )
            raise type(exc)(f"{file}, {named} {self.case_id}: {exc}") from None

    @cached_property
    def followed(self) -> str:
        return self._cause if self._cause is not None else self.case.top_cause

    @cached_property
    def table(self) -> pd.DataFrame:
        from backspasm.sensitivity import sensitivity

        return sensitivity(self.case, self.followed)

    @cached_property
    def scenarios(self) -> list[Diagnosis]:
        from backspasm.diagnosis import diagnose

        return [
            diagnose(asked_by(a, self.network, name), network=self.network)
            for name, a in SCENARIOS.items()
        ]

    @cached_property
    def _mix(self) -> tuple[pd.DataFrame, str]:
        from backspasm.scoring.cases import score_table

        if self._cases is None:
            cases, name = _default_cases(self.network)
        else:
            cases = self._cases
            name = f"cases of {self.cases_name}" if self.cases_name else "cases"
        return score_table(cases, self.network, name_passed=False), name  # notes kept

    @property
    def scored(self) -> pd.DataFrame:
        return self._mix[0]

    @property
    def mix_name(self) -> str:
        return self._mix[1]

    @cached_property
    def evaluation(self) -> Evaluation:
        from backspasm.learning import evaluate, sample_cases

        sample = sample_cases(_EVALUATION_N, network=self.network, seed=0)
        return evaluate(sample, network=self.network)


_Shown = _Results | _Work


def _default_cases(network: Network) -> tuple[pd.DataFrame, str]:
    """Return the case-mix table when none is given: a synthetic sample of presenters."""
    from backspasm.learning import sample_cases

    sample = sample_cases(_SYNTHETIC_N, network=network, seed=0)
    answers = [c for c in sample.columns if not str(c).startswith("true_")]
    return sample[answers], "synthetic cases"


def _case_name(results: _Shown) -> str:
    """``case EX18 of example_cases.csv``, ``the case given`` or ``the built-in example case``."""
    if results.given:
        return "the case given"
    if results.case_id is None:
        return "the built-in example case"
    named = f"case {results.case_id}"
    return f"{named} of {results.cases_name}" if results.cases_name else named


def _case_title(results: _Shown) -> str | None:
    """``Case EX18`` or ``Case given``, as figure 07 names its panel; None: the built-in case."""
    if results.given:
        return "Case given"
    return None if results.case_id is None else f"Case {results.case_id}"
