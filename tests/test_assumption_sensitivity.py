"""The assumption sensitivity script (scripts/assumption_sensitivity.py)."""

from __future__ import annotations

import runpy
from pathlib import Path

import pandas as pd
import pytest

import backspasm
from backspasm.learning import compare_networks
from helpers import BUNDLED_KNOWLEDGE

# The script's functions (scripts/ is not a package; run_path does not call main).
SCRIPT = runpy.run_path(
    str(Path(__file__).resolve().parent.parent / "scripts" / "assumption_sensitivity.py")
)
DATA = Path(__file__).resolve().parent.parent / "data"


def test_every_scalar_assumption_is_found_and_nothing_else() -> None:
    found = list(SCRIPT["assumptions"](BUNDLED_KNOWLEDGE))
    text = {
        p.name: p.read_text(encoding="utf-8").splitlines()
        for p in BUNDLED_KNOWLEDGE.glob("*.toml")
    }
    assert len(found) > 50
    for where in found:
        line = text[where.file][where.line - 1]
        assert 'source = "assumption"' in line
        assert f"p = {line.split('p = ')[1].split(',')[0]}" in where.text
        assert 0 < where.p < 1
    # "why" texts that merely mention a number do not count: one per declared number.
    assert len({(w.file, w.line) for w in found}) == len(found)


def test_a_move_multiplies_the_odds_and_edits_one_line(tmp_path) -> None:
    assert SCRIPT["moved"](0.5, 4.0) == pytest.approx(0.8)
    assert SCRIPT["moved"](0.2, 0.25) == pytest.approx(0.0588235, rel=1e-6)
    where = next(iter(SCRIPT["assumptions"](BUNDLED_KNOWLEDGE)))
    folder = SCRIPT["variant"](BUNDLED_KNOWLEDGE, tmp_path / "kb", where, 0.123)
    before = (BUNDLED_KNOWLEDGE / where.file).read_text(encoding="utf-8").splitlines()
    after = (folder / where.file).read_text(encoding="utf-8").splitlines()
    changed = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    assert changed == [where.line - 1]
    assert "p = 0.123, source" in after[where.line - 1]
    assert (
        backspasm.load_network(folder).fingerprint
        != backspasm.load_network(BUNDLED_KNOWLEDGE).fingerprint
    )


def test_each_row_is_the_comparison_of_that_copy(tmp_path) -> None:
    cases = pd.read_csv(DATA / "vignettes.csv", dtype=str, keep_default_na=False)
    cases = cases[cases["case_id"].str.startswith("F")].drop(columns=list(SCRIPT["TEXT"]))
    table = SCRIPT["sensitivity"](cases, BUNDLED_KNOWLEDGE, factor=4.0, limit=1)
    assert len(table) == 2  # one number, both ways
    where = next(iter(SCRIPT["assumptions"](BUNDLED_KNOWLEDGE)))
    for row in table.itertuples():
        copy = SCRIPT["variant"](BUNDLED_KNOWLEDGE, tmp_path / "kb", where, row.moved_to)
        direct = compare_networks(cases, backspasm.load_network(copy))
        assert (row.top1_gained, row.top1_lost) == (direct.top1_gained, direct.top1_lost)
        assert (row.top3_gained, row.top3_lost) == (direct.top3_gained, direct.top3_lost)
        assert row.cases_moved == len(direct.moved())
    ranked = SCRIPT["ranked"](table)
    assert len(ranked) == 1
    assert ranked.loc[0, "top1_changes"] == (table["top1_gained"] + table["top1_lost"]).sum()


def test_the_baseline_is_scored_once_for_the_whole_sweep(monkeypatch) -> None:
    # Each copy used to be compared with compare_networks, which scored the unchanged
    # network again for every copy and direction: 2 x N scorings of the same answers.
    cases = pd.read_csv(DATA / "vignettes.csv", dtype=str, keep_default_na=False)
    cases = cases[cases["case_id"].str.startswith("F")].drop(columns=list(SCRIPT["TEXT"]))
    scored = []
    real = SCRIPT["prepare_frame"]

    def counted(frame, *args, **kwargs):
        scored.append(kwargs["network"].fingerprint())
        return real(frame, *args, **kwargs)

    monkeypatch.setitem(SCRIPT["sweep"].__globals__, "prepare_frame", counted)
    table = SCRIPT["sensitivity"](cases, BUNDLED_KNOWLEDGE, factor=4.0, limit=2)
    assert len(table) == 4
    bundled = backspasm.load_network(BUNDLED_KNOWLEDGE).fingerprint()
    assert scored.count(bundled) == 1  # the baseline, once
    assert len(scored) == 1 + 4  # and each copy, once per direction
