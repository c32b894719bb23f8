"""The bundled data files and their data dictionary."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from backspasm.diagnosis import diagnose
from backspasm.dictionary import data_dictionary_markdown, output_dictionary
from backspasm.network import default_network
from backspasm.questionnaire import default_questions

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture(scope="module")
def examples():
    return pd.read_csv(DATA / "example_cases.csv", dtype=str, keep_default_na=False)


def test_data_dictionary_documents_every_contract_column():
    text = (DATA / "README.md").read_text()
    for q in default_questions():
        assert f"`{q.column}`" in text, q.column


def test_data_readme_holds_the_schema_table_as_the_cli_prints_it():
    # The table is `backspasm schema --format markdown`; a question moved to another
    # section (or reworded) once left the README's copy behind.
    assert data_dictionary_markdown().strip() in (DATA / "README.md").read_text()


def test_data_readme_holds_the_output_table_as_the_cli_prints_it():
    # `backspasm schema --outputs --format markdown`: a meaning reworded in the code
    # must reach the README's copy.
    table = data_dictionary_markdown(output_dictionary())
    assert table.strip() in (DATA / "README.md").read_text()
    assert "\\|" not in table  # no meaning needs a pipe escaped


def test_data_readme_counts_the_vignettes_as_they_are():
    # The file grows pass by pass; its description said 20 and 14 care settings long
    # after the file held 31 and 29.
    text = (DATA / "README.md").read_text()
    vignettes = pd.read_csv(DATA / "vignettes.csv", dtype=str, keep_default_na=False)
    settings = vignettes["care_setting"].value_counts()
    assert f"| `vignettes.csv` | {len(vignettes)} published presentations" in text
    assert (
        f"({settings['emergency']} emergency departments or urgent-care centres, "
        f"{settings['primary_care']} first-contact practices, {settings['']} blank)"
    ) in text
    kinds = vignettes["source_kind"].value_counts()
    assert f"`teaching` ({kinds['teaching']}:" in text
    assert f"`case_report` ({kinds['case_report']}:" in text


def test_example_cases_follow_the_contract(examples):
    contract = {q.column for q in default_questions()}
    assert len(examples) >= 30
    assert examples["case_id"].is_unique
    assert set(examples.columns) - contract == {"expected_cause", "note"}
    assert (examples.drop(columns=["case_id", "note", "expected_cause"]) == "").any().any()


def test_example_cases_span_every_cause(examples):
    intended = set(examples["expected_cause"]) - {""}
    assert intended == set(default_network().causes)


def test_each_example_raises_its_expected_cause(examples):
    contract = {q.column for q in default_questions()}
    top3 = 0
    cases = examples[examples["expected_cause"] != ""]
    for record in cases.to_dict(orient="records"):
        d = diagnose({k: v for k, v in record.items() if k in contract})
        row = d.causes.set_index("cause").loc[record["expected_cause"]]
        assert row["posterior"] > row["prior"], record["case_id"]
        top3 += record["expected_cause"] in d.causes["cause"].head(3).tolist()
    # Guard against regressions: the intended cause is in the top three in most cases
    # (the misses are the weakly identifiable causes: see the closing note).
    assert top3 / len(cases) >= 0.75


def test_every_cause_ranks_first_on_its_textbook_presentation(examples):
    contract = {q.column for q in default_questions()}
    textbook = examples[examples["case_id"].str.startswith("TB")]
    assert set(textbook["expected_cause"]) == set(default_network().causes)
    first = {}
    for record in textbook.to_dict(orient="records"):
        d = diagnose({k: v for k, v in record.items() if k in contract})
        first[record["expected_cause"]] = d.top_cause == record["expected_cause"]
    # Issue target: every cause first. Measured today: all but three, which the
    # closing note reports: curvature (a visible curve points to it only about
    # 12-fold, and no other asked finding separates it); spondylitis (TB14, 0.33,
    # second, with a good response to anti-inflammatories, since the young rows took
    # the 5% of chronic back pain begun before 45, Rudwaleit04, vanHoeven15) and arthritis (TB08, 0.35, second to strain) since the durations of
    # first-contact consulters came from MATCH18 and IMPaCT14, under which chronic pain
    # weighs little, and since stiffness of any kind took the 79% read among other
    # chronic back pain (Arnbak16), under which it hardly points to inflammation.
    # All four inflammatory items and a good response to anti-inflammatories give
    # axial SpA about 7-fold odds against other chronic back pain (Braun11, axial SpA
    # column) on a 5% share of chronic back pain: short of first without imaging or
    # HLA-B27. This guards the rest against
    # regressions.
    known_misses = {"spinal_curvature", "ankylosing_spondylitis", "spinal_arthritis"}
    assert {c for c, ok in first.items() if not ok} <= known_misses
