"""Contract: every field of a row scored with ``explain=True`` equals the one-case Diagnosis.

Both go through :mod:`backspasm.queries` (one case is a batch of one), so a scored
file says exactly what ``backspasm diagnose`` says for the same answers: posteriors,
P(serious), P(pathologic) and complication risks to 1e-12, the same triage and red
flags, top cause, conflict, next question, reasons and most probable explanation.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from backspasm import queries
from backspasm.diagnosis import Diagnosis, diagnose
from backspasm.learning import sample_cases
from backspasm.network import default_network
from backspasm.questionnaire import default_questions
from backspasm.scoring import output_columns, score_cases

DATA = Path(__file__).resolve().parents[2] / "data"
TOL = 1e-12


def _cases() -> pd.DataFrame:
    """A few hundred varied cases as text cells (blank = not answered)."""
    questions = [q.column for q in default_questions() if q.column != "case_id"]
    parts = [
        sample_cases(100, seed=11),
        sample_cases(40, seed=12, missing=0.0),  # every question: many emergencies
        sample_cases(40, seed=13, missing=0.8),  # sparse answers
        pd.read_csv(DATA / "example_cases.csv", dtype=str, keep_default_na=False),
        pd.read_csv(DATA / "vignettes.csv", dtype=str, keep_default_na=False),
    ]
    frames = [p.astype(str).replace({"nan": "", "None": ""}) for p in parts]
    table = pd.concat(frames, ignore_index=True).fillna("")
    keep = [c for c in questions if c in table.columns]
    table = table[keep].astype(str)
    # A few known causes (a scan, a lab result), as a file may carry them.
    table.loc[::37, "herniated_disc"] = "yes"
    table.loc[5::41, "kidney_stones"] = "no"
    return table.fillna("")


@pytest.fixture(scope="module")
def contract() -> tuple[pd.DataFrame, pd.DataFrame, list[Diagnosis]]:
    cases = _cases()
    scored = score_cases(cases.replace("", None), explain=True)
    singles = [diagnose(_answers(row)) for _, row in cases.iterrows()]
    return cases, scored, singles


def _answers(row: pd.Series) -> dict[str, str]:
    return {k: v for k, v in row.items() if v != ""}


def _factor_text(w: float) -> str:
    cap = math.log(999.0)
    if abs(w) >= cap:
        return "x>999" if w > 0 else "/>999"
    return ("x" if w > 0 else "/") + f"{round(math.exp(abs(w)), 9):.1f}"


def _expected_reasons(d: Diagnosis) -> list[tuple[str, float]]:
    """The reasons text of the top cause, built from the Diagnosis table."""
    table = d.reasons(d.top_cause)
    table = table[table["log_odds_change"].abs() >= math.log(1.1)].head(3)
    return [
        (f"{r.question}={r.answer}", float(r.log_odds_change))
        for r in table.itertuples(index=False)
    ]


def _same_reasons(text: str, expected: list[tuple[str, float]]) -> bool:
    parts = [p for p in text.split("; ") if p]
    if len(parts) != len(expected):
        return False
    for part, (cell, w) in zip(parts, expected, strict=True):
        name, _, label = part.rpartition(" (")
        if name != cell:
            return False
        if label[:-1] != _factor_text(w):
            return False
    return True


def test_the_cases_are_varied(contract):
    _, scored, singles = contract
    assert len(singles) >= 300
    levels = scored["triage"].value_counts()
    assert {"emergency", "see_doctor", "self_care"} <= set(levels.index)
    assert scored["top_cause"].nunique() >= 6
    assert (scored["error"] == "").all()


def test_probabilities_equal_the_diagnosis(contract):
    _, scored, singles = contract
    net = default_network()
    for i, d in enumerate(singles):
        row = scored.iloc[i]
        for c in net.causes:
            assert row[f"p_{c}"] == pytest.approx(d.posterior(c), abs=TOL), (i, c)
        assert row["p_serious"] == pytest.approx(d.p_serious, abs=TOL), i
        assert row["p_pathologic"] == pytest.approx(d.p_pathologic, abs=TOL), i
        for r in d.complications.itertuples(index=False):
            assert row[f"risk_{r.complication}"] == pytest.approx(r.risk, abs=TOL), i
        assert row["conflict"] == pytest.approx(d.conflict, abs=1e-10), i


def test_decisions_and_words_equal_the_diagnosis(contract):
    _, scored, singles = contract
    for i, d in enumerate(singles):
        row = scored.iloc[i]
        assert row["top_cause"] == d.top_cause, i
        assert row["triage"] == d.triage, i
        assert row["red_flags"] == "; ".join(d.red_flags), i
        ranked = d.next_questions(order="interview")  # what ask asks next
        first = str(ranked["question"].iloc[0]) if len(ranked) else ""
        if row["next_question"] != first:  # only a tie to rounding may pick either
            gains = ranked.set_index("question")["expected_information_gain"]
            assert gains[row["next_question"]] == pytest.approx(gains.iloc[0], abs=1e-12), i
        assert _same_reasons(row["reasons"], _expected_reasons(d)), (i, row["reasons"])
        present = [c for c, s in d.most_probable_explanation.items() if s == "yes"]
        assert row["mpe"] == ("; ".join(present) or "none"), i
        assert row["p_mpe"] == pytest.approx(d.mpe_probability, rel=1e-9), i


def test_many_engine_calls_give_the_same_rows(contract, monkeypatch):
    # Stacked hypothetical queries are split into several engine calls on big
    # chunks; a tiny limit forces the split on this small file.
    cases, scored, _ = contract
    monkeypatch.setattr(queries._common, "_STACK_ROWS", 97)
    again = score_cases(cases.iloc[:60].replace("", None), explain=True)
    pd.testing.assert_frame_equal(again, scored.iloc[:60], check_exact=False, atol=1e-12)


def test_explain_adds_columns_and_keeps_the_default_ones():
    net = default_network()
    plain = output_columns(net)
    full = output_columns(net, explain=True)
    assert [c for c in full if c in plain] == list(plain)
    added = set(full) - set(plain)
    assert {"p_pathologic", "reasons", "next_question", "mpe", "p_mpe"} <= added
    assert {f"risk_{c}" for c in net.nodes_in("complication")} <= added
    frame = pd.DataFrame({"fever": ["yes", "maybe"], "age": ["70", "70"]})
    scored = score_cases(frame, explain=True)
    assert list(scored.columns) == ["fever", "age", *full]
    assert scored.loc[1, "error"] != ""
    assert np.isnan(scored.loc[1, "p_pathologic"])
    assert scored.loc[1, "mpe"] == ""
    assert scored.loc[0, "mpe"] != ""
