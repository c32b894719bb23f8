"""The command line: thin subcommands, exit codes, one-line errors."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pandas as pd
import pytest

from backspasm import load_network
from backspasm.cli import main
from helpers import FLANK_TENDER

DATA = Path(__file__).resolve().parent.parent / "data"
KNOWLEDGE = DATA.parent / "model" / "backspasm" / "knowledge"


def test_help_lists_the_subcommands(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for command in ("diagnose", "check", "export", "schema"):
        assert command in out


def test_check_reports_counts_and_sourced_share(capsys):
    assert main(["check"]) == 0
    out = capsys.readouterr().out
    assert "(valid)" in out
    assert f"nodes: {len(load_network().model.nodes())}" in out
    assert "cite a literature source" in out
    assert "by kind: read " in out
    assert "secondary" in out
    assert "memory" in out


def test_check_invalid_spec_lists_every_problem(tmp_path, capsys):
    (tmp_path / "bad.toml").write_text(
        '[nodes.x]\ngroup = "nope"\nlabel = "X"\ndescription = "d"\n'
        'prior = { p = 2, source = "assumption" }\n'
    )
    assert main(["check", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"The knowledge base at {tmp_path} has 4 problems" in err
    assert "unknown group 'nope'" in err
    assert "no node 'back_spasm'" in err
    assert "got 2" in err
    assert "needs a one-line 'why'" in err


def test_diagnose_prints_ranked_causes(capsys):
    code = main(
        ["diagnose", "-a", "spasm_location=flank", "-a", "blood_in_urine=yes", "--top", "3"]
    )
    assert code == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith("triage: emergency")
    first = next(line for line in lines if line.startswith("kidney_stones"))
    assert (
        lines.index(first) == lines.index(next(ln for ln in lines if ln.startswith("cause"))) + 1
    )


def test_the_readme_shows_what_diagnose_prints(capsys):
    # The README's console example is what a new user runs first; a change of numbers
    # that left it stale went unnoticed once (74% in the README, 73% printed), and
    # again on the third line, which was not compared (86.5% shown, 86.4% printed).
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    lines = readme.splitlines()
    section = lines.index("## Command line")  # not the variant example of "The model"
    start = next(
        i for i, ln in enumerate(lines) if i > section and ln.startswith("$ backspasm diagnose ")
    )
    command = lines[start].removeprefix("$ backspasm ").split("#")[0].split()
    end = next(i for i in range(start + 1, len(lines)) if lines[i] == "...")
    shown = lines[start + 1 : end]  # every line shown before the "..."
    assert len(shown) >= 3
    assert main(command) == 0
    assert capsys.readouterr().out.splitlines()[: len(shown)] == shown


def test_diagnose_takes_answers_with_or_without_a(capsys):
    # ``backspasm diagnose fever=yes age=70`` is what a user types first
    assert main(["diagnose", "fever=yes", "age=70", "--json"]) == 0
    bare = json.loads(capsys.readouterr().out)
    assert main(["diagnose", "-a", "fever=yes", "-a", "age=70", "--json"]) == 0
    flagged = json.loads(capsys.readouterr().out)
    # the same answers, hence the same report; numbers to 1e-12, as a run's last bits
    # may depend on what ran before it in the process (information gains, differences
    # of entropies, differed by 1e-15 after tests/test_knowledge.py had run)
    assert _close(bare, flagged)
    assert bare["answers"] == {"fever": "yes", "age": "70"}


def _close(left: object, right: object) -> bool:
    """Whether two JSON values agree, every number to 1e-12."""
    if isinstance(left, float) or isinstance(right, float):
        return left == pytest.approx(right, rel=1e-12, abs=1e-12)
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(_close(left[k], right[k]) for k in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(map(_close, left, right))
    return left == right


def test_diagnose_json(capsys):
    assert main(["diagnose", "-a", "fever=yes", "-a", "age=70", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["answers"] == {"fever": "yes", "age": "70"}
    assert {c["cause"] for c in payload["causes"]} >= {"epidural_abscess", "pyelonephritis"}
    assert payload["triage"] in {"emergency", "see_doctor", "self_care"}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["diagnose", "-a", "fevr=yes"], "Unknown question 'fevr'. Did you mean 'fever'?"),
        # the question that extends the name, not a shorter one a few letters away
        (["diagnose", "-a", "steroid_use=yes"], "Did you mean 'long_term_steroid_use'?"),
        (["diagnose", "-a", "spasm_durations=3"], "Did you mean 'spasm_duration_weeks'?"),
        # a node's name in other case or spacing: its question, as for the exact name
        (["diagnose", "-a", "Spasm_Duration=3"], "answer its question 'spasm_duration_weeks'"),
        (["diagnose", "-a", "Age group=40"], "answer its question 'age'"),
        (["diagnose", "-a", "fever"], "an answer takes NAME=VALUE"),
        (["diagnose", "fever"], "an answer takes NAME=VALUE"),
        (
            ["diagnose", "-a", "age=12"],
            "must be whole years, 18 to 120, or a band: 18-39, 40-64, 65+; got 12",
        ),
        (["check", "/nonexistent/kb"], "no such file or folder"),
    ],
)
def test_errors_are_one_line_with_exit_2(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert message in err
    assert "Traceback" not in err


@pytest.mark.parametrize("fmt", ["csv", "markdown", "table"])
def test_schema_lists_the_whole_contract(fmt, capsys):
    from backspasm.questionnaire import default_questions

    assert main(["schema", "--format", fmt]) == 0
    out = capsys.readouterr().out
    for q in default_questions():
        assert q.column in out


@pytest.mark.parametrize("fmt", ["csv", "markdown", "table"])
def test_schema_outputs_describes_every_column_score_adds(fmt, capsys, tmp_path):
    from backspasm.scoring import output_columns

    assert main(["schema", "--outputs", "--format", fmt]) == 0
    out = capsys.readouterr().out
    names = output_columns(explain=True)
    for name in names:
        assert name in out
    if fmt == "csv":
        table = pd.read_csv(io.StringIO(out), dtype=str, keep_default_na=False)
        assert tuple(table["column"]) == names  # in the order a scored file has them
        explain_only = set(table.loc[table["with"] == "--explain", "column"])
        assert explain_only == set(names) - set(output_columns())
        assert table["meaning"].str.len().min() > 10
    if fmt == "table":  # left-aligned, one line per column
        lines = out.splitlines()
        assert lines[0].startswith("column ")
        assert lines[1].startswith("p_muscle_strain ")
        assert len(lines) == len(names) + 1
    # every column the dictionary names is one a scored file has, with --explain
    src = tmp_path / "one.csv"
    src.write_text("age\n40\n")
    assert main(["score", str(src), "-o", str(tmp_path / "s.csv"), "--explain"]) == 0
    scored = pd.read_csv(tmp_path / "s.csv")
    assert tuple(scored.columns[1:]) == names


def test_export(tmp_path, capsys):
    target = tmp_path / "net.bif"
    assert main(["export", "--format", "bif", "-o", str(target)]) == 0
    assert target.read_text().count("variable ") == len(load_network().model.nodes())


def test_figures_command_writes_the_teaching_set(tmp_path, capsys):
    out = tmp_path / "figs"
    code = main(
        [
            "figures",
            "--out",
            str(out),
            "--format",
            "png,svg",
            "--dpi",
            "60",
            "--cases",
            str(DATA / "example_cases.csv"),
            "--case-id",
            "EX22",
        ]
    )
    assert code == 0
    pngs = sorted(p.name for p in out.glob("*.png"))
    svgs = sorted(p.name for p in out.glob("*.svg"))
    assert len(pngs) >= 8
    assert [p[:-4] for p in pngs] == [s[:-4] for s in svgs]
    out_text, err = capsys.readouterr()
    assert "wrote" in err
    assert err.count(" drew ") == len(pngs)  # a line per figure, as it is drawn
    # standard output lists every file written, captions.md last (it was left out)
    listed = [Path(line).name for line in out_text.splitlines()]
    assert sorted(listed) == sorted([*pngs, *svgs, "captions.md"])
    assert listed[-1] == "captions.md"
    said = (out / "captions.md").read_text(encoding="utf-8")
    assert all(f"`{name}`" in said for name in pngs + svgs)


def test_figures_help_says_how_to_draw_some_figures_and_where(capsys):
    with pytest.raises(SystemExit) as info:
        main(["figures", "--help"])
    assert info.value.code == 0
    said = " ".join(capsys.readouterr().out.split())
    assert "--only LIST" in said
    assert "case (02-06)" in said
    assert "--no-progress" in said
    assert "captions.md" in said
    assert "created folder" in said  # --out is created, and it is said


def test_figures_case_id_needs_cases(tmp_path, capsys):
    assert main(["figures", "--out", str(tmp_path), "--case-id", "EX22"]) == 2
    assert "--case-id needs --cases FILE." in capsys.readouterr().err


def test_sample_fit_evaluate_round_trip(tmp_path, capsys):
    cases = tmp_path / "cases.csv"
    assert main(["sample", "-n", "300", "--seed", "3", "--missing", "0.2", "-o", str(cases)]) == 0
    spec = tmp_path / "fitted.toml"
    assert main(["fit", str(cases), "-o", str(spec), "--max-iter", "2"]) == 0
    capsys.readouterr()
    assert main(["check", str(spec)]) == 0
    out = capsys.readouterr().out
    assert "(valid)" in out
    assert "were fitted to data" in out
    assert main(["evaluate", str(cases), "--json", "--network", str(spec)]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["n_cases"] == 300
    assert 0 <= payload["top3"] <= 1
    assert len(payload["per_cause"]) == len(load_network().causes)


# ------------------------------------------------------------------ issue 11: rough edges


def test_diagnose_takes_an_unsure_answer_as_soft_evidence(capsys):
    from backspasm.diagnosis import diagnose

    assert main(["diagnose", "-a", "fever=0.7", "-a", "age=45"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == (
        "unsure answers (soft evidence): fever: unsure, leaning yes 70%:30% (odds of yes x2.33)"
    )
    assert main(["diagnose", "-a", "fever=70%", "-a", "age=45", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["notes"] == [out.splitlines()[0]]  # said in JSON as in text
    expected = diagnose({"fever": 0.7, "age": 45})
    assert payload["p_serious"] == pytest.approx(expected.p_serious, abs=1e-12)
    # Softer than a plain yes, harder than no answer at all.
    sure = diagnose({"fever": "yes", "age": 45}).p_serious
    unknown = diagnose({"age": 45}).p_serious
    assert unknown < payload["p_serious"] < sure


def test_diagnose_rejects_a_repeated_answer(capsys):
    assert main(["diagnose", "-a", "fever=yes", "-a", "fever=no"]) == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert len(err.splitlines()) == 1
    assert "fever" in err
    assert "'yes'" in err
    assert "'no'" in err
    assert captured.out == ""


def test_diagnose_states_the_conflict_threshold(capsys):
    from backspasm.diagnosis import conflict_threshold

    assert main(["diagnose", "-a", "age=45", "-a", "leg_or_buttock_pain=yes"]) == 0
    out = capsys.readouterr().out
    assert "warning:" not in out
    line = next(ln for ln in out.splitlines() if ln.startswith("conflict: "))
    assert f"flagged above {conflict_threshold():.2f}" in line
    assert "1% of the presenters sampled from the network" in line


def test_evaluate_prints_calibration_that_adds_up(capsys):
    import re

    assert main(["evaluate", str(DATA / "synthetic_cases.csv")]) == 0
    out = capsys.readouterr().out
    head = next(ln for ln in out.splitlines() if ln.startswith("calibration, every cause"))
    ece = float(re.search(r"expected calibration error (\d\.\d+)", head).group(1))
    lines = out.splitlines()
    start = lines.index(head) + 1
    assert lines[start].split() == ["bin", "count", "mean_predicted", "observed_rate"]
    rows = []
    for line in lines[start + 1 :]:
        if not line.strip():
            break
        _, count, predicted, observed = line.split()
        rows.append((int(count), float(predicted), float(observed)))
    assert len(rows) >= 5
    total = sum(n for n, _, _ in rows)
    assert total == 5000 * len(load_network().causes)  # every case and cause, once
    by_hand = sum(n * abs(o - p) for n, p, o in rows) / total
    # both sides are printed to 4 decimals: the ECE is off by at most 0.00005, and
    # each bin's |observed - predicted| by at most 0.0001, so their mean too
    assert ece == pytest.approx(by_hand, abs=1.5e-4)
    assert 0 < ece < 0.05  # the network is calibrated on its own samples


def _some_vignettes(folder, case_ids):
    """Write the vignettes with these case_ids to a CSV file in folder; return its path."""
    vignettes = pd.read_csv(DATA / "vignettes.csv", dtype=str, keep_default_na=False)
    path = folder / "few.csv"
    vignettes[vignettes["case_id"].isin(case_ids)].to_csv(path, index=False)
    return path


def test_evaluate_ranks_by_expected_disablement_on_request(tmp_path, capsys):
    # Two flank cases with blood in the urine and a vertebral fracture whose answers
    # point to it: the ranking named on the command line is the one reported.
    few = _some_vignettes(tmp_path, ["S17", "Y26", "Y08"])
    assert main(["evaluate", str(few), "--rank", "disablement", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["rank"] == "disablement"
    assert report["n_cases"] == 3
    assert report["top1"] == 1.0  # Y08 ranks its fracture first only by disablement
    assert main(["evaluate", str(few), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["top1"] == pytest.approx(2 / 3)
    # by what the answers say beyond age and sex, Y08's fracture ranks first too
    assert main(["evaluate", str(few), "--rank", "odds_factor", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["rank"], report["top1"]) == ("odds_factor", 1.0)
    assert main(["evaluate", str(few), "--rank", "odds"]) == 2
    err = capsys.readouterr().err
    assert "(--rank) must be one of posterior, disablement, odds_factor" in err


def test_evaluate_by_a_column_reports_each_group(tmp_path, capsys):
    # A stone and an abscess (case reports) and a teaching stone: the groups and
    # the whole file each get their own numbers, in text and in JSON.
    few = _some_vignettes(tmp_path, ["S16", "S06", "Y26"])
    assert main(["evaluate", str(few), "--by", "source_kind", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    groups = {g["group"]: g for g in report["by"]["groups"]}
    assert report["by"]["column"] == "source_kind"
    assert set(groups) == {"case_report", "teaching", "all"}
    assert (groups["case_report"]["n_cases"], groups["teaching"]["n_cases"]) == (2, 1)
    assert groups["all"]["top1"] == pytest.approx(report["top1"])
    assert main(["evaluate", str(few), "--by", "source_kind"]) == 0
    out = capsys.readouterr().out
    assert "by source_kind" in out
    assert main(["evaluate", str(few), "--by", "kind"]) == 2
    assert "no column 'kind' to group by" in capsys.readouterr().err


def test_evaluate_reads_what_score_writes_in_every_format(tmp_path, capsys):
    few = pd.read_csv(_some_vignettes(tmp_path, ["S16", "S06", "Y26"]), dtype=str)
    few.to_csv(tmp_path / "few.csv", sep=";", index=False)
    assert main(["evaluate", str(tmp_path / "few.csv"), "--json"]) == 0
    expected = json.loads(capsys.readouterr().out)
    for out in ("scored.parquet", "scored.csv"):  # the .csv keeps the semicolons
        assert main(["score", str(tmp_path / "few.csv"), "-o", str(tmp_path / out)]) == 0
        capsys.readouterr()
        assert main(["evaluate", str(tmp_path / out), "--json"]) == 0
        report = json.loads(capsys.readouterr().out)
        assert (report["n_cases"], report["top1"]) == (3, expected["top1"])


def test_evaluate_scores_raw_cases_whose_columns_look_like_outputs(tmp_path, capsys):
    raw = _some_vignettes(tmp_path, ["S16", "S06", "Y26"])
    assert main(["evaluate", str(raw), "--json"]) == 0
    expected = json.loads(capsys.readouterr().out)
    odd = pd.read_csv(raw, dtype=str).assign(triage="?", error="old note", p_gallstones="0.5")
    odd.to_csv(tmp_path / "odd.csv", index=False)
    assert main(["evaluate", str(tmp_path / "odd.csv"), "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["top1"] == expected["top1"]
    assert "Traceback" not in captured.err


def test_evaluate_says_a_scored_file_is_not_rescored_with_another_network(tmp_path, capsys):
    import shutil

    raw = _some_vignettes(tmp_path, ["S16", "S06"])
    assert main(["score", str(raw), "-o", str(tmp_path / "s.csv")]) == 0
    capsys.readouterr()
    # The same numbers: no remark.
    assert main(["evaluate", str(tmp_path / "s.csv"), "--network", str(KNOWLEDGE)]) == 0
    assert "warning" not in capsys.readouterr().err
    variant = shutil.copytree(KNOWLEDGE, tmp_path / "kb")
    line = "strength.previous_kidney_stone = { p = 0.00902,"
    causes = (variant / "causes.toml").read_text()
    assert line in causes
    (variant / "causes.toml").write_text(causes.replace(line, line.replace("0.00902", "0.02")))
    assert main(["evaluate", str(tmp_path / "s.csv"), "--network", str(variant)]) == 0
    err = capsys.readouterr().err
    assert "backspasm evaluate: warning: " in err
    assert "was scored with another network" in err


def test_evaluate_names_a_bad_label_by_its_row_from_one(tmp_path, capsys):
    raw = pd.read_csv(_some_vignettes(tmp_path, ["S16", "S06"]), dtype=str)
    raw.loc[1, "expected_cause"] = "kidney_stone"
    raw.loc[0, "expected_cause"] = "Kidney_Stones"  # case-insensitive, as answers are
    raw.to_csv(tmp_path / "bad.csv", index=False)
    assert main(["evaluate", str(tmp_path / "bad.csv")]) == 2
    err = capsys.readouterr().err
    assert "bad.csv: Column 'expected_cause' row 2: 'kidney_stone' is not a cause" in err
    assert "Did you mean 'kidney_stones'" in err
    # A bad expected level names the file too, as score's messages do.
    raw.loc[1, "expected_cause"] = "kidney_stones"
    raw.loc[1, "expected_triage"] = "urgent"
    raw.to_csv(tmp_path / "bad.csv", index=False)
    assert main(["evaluate", str(tmp_path / "bad.csv")]) == 2
    err = capsys.readouterr().err
    assert "bad.csv: Column 'expected_triage'" in err
    assert "'urgent'" in err


def test_sample_writes_the_format_its_name_asks_for(tmp_path, capsys):
    assert main(["sample", "-n", "5", "--seed", "1", "-o", str(tmp_path / "s.parquet")]) == 0
    assert len(pd.read_parquet(tmp_path / "s.parquet")) == 5
    assert main(["sample", "-n", "5", "--seed", "1", "-o", str(tmp_path / "s.xlsx")]) == 2
    assert "'.xlsx' is not a format backspasm writes" in capsys.readouterr().err
    assert not (tmp_path / "s.xlsx").exists()


def test_export_to_stdout_and_its_errors(tmp_path, capsys):
    assert main(["export", "-f", "bif", "-o", "-"]) == 0
    assert capsys.readouterr().out.startswith("network ")
    assert not Path("-").exists()
    assert main(["export", "-o", str(tmp_path / "x.txt")]) == 2
    err = capsys.readouterr().err
    assert "format 'txt' is not one backspasm writes" in err
    assert "Network.export" not in err
    assert main(["export", "-o", str(tmp_path / "nodir" / "x.bif")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert not (tmp_path / "nodir").exists()
    # a folder was "the name has no extension to tell the format", and '-f BIF' was
    # refused where figures take 'PNG' (teacher audit, session 57)
    assert main(["export", "-f", "xdsl", "-o", str(tmp_path)]) == 2
    assert f"cannot export to '{tmp_path}': it is a folder" in capsys.readouterr().err
    assert main(["export", "-f", "XDSL", "-o", str(tmp_path / "n.xdsl")]) == 0
    assert "(xdsl)" in capsys.readouterr().err
    # XDSL into a .bif file was written without a word (teacher audit, session 57)
    assert main(["export", "-f", "xdsl", "-o", str(tmp_path / "x.bif")]) == 0
    err = capsys.readouterr().err
    assert "'" + str(tmp_path / "x.bif") + "' is named as BIF but holds XDSL" in err
    assert (tmp_path / "x.bif").read_text().lstrip().startswith("<?xml")


def test_diagnose_says_answers_are_impossible_together_without_a_traceback(capsys):
    assert main(["diagnose", "sex=male", "recent_pregnancy_or_childbirth=yes"]) == 2
    err = capsys.readouterr().err
    assert "impossible together" in err
    assert "Traceback" not in err


def test_diagnose_reads_0_and_100_percent_as_no_and_yes(capsys):
    for sure, plain in (("100%", "yes"), ("0%", "no")):
        assert main(["diagnose", f"fever={sure}", "age=45", "--json"]) == 0
        got = json.loads(capsys.readouterr().out)["p_serious"]
        assert main(["diagnose", f"fever={plain}", "age=45", "--json"]) == 0
        assert got == json.loads(capsys.readouterr().out)["p_serious"]
    with pytest.raises(SystemExit):
        main(["diagnose", "fever=yes", "--top", "0"])
    assert "must be 1 or more" in capsys.readouterr().err


def test_check_takes_the_knowledge_base_as_network_too(capsys):
    assert main(["check", "--network", str(KNOWLEDGE)]) == 0
    assert "(valid)" in capsys.readouterr().out


def test_evaluate_reads_a_scored_file_with_repeated_column_names(tmp_path, capsys):
    # Older versions kept an input 'error' column and added their own after it (score
    # now refuses such a file); the last one is the scorer's (evaluate raised on the
    # repeated name).
    raw = pd.read_csv(_some_vignettes(tmp_path, ["S16", "S06", "Y26"]), dtype=str)
    raw.assign(error="an old note").to_csv(tmp_path / "raw.csv", index=False)
    assert main(["score", str(tmp_path / "raw.csv"), "-o", str(tmp_path / "s.csv")]) == 2
    assert "named like the scores ('error')" in capsys.readouterr().err
    raw.to_csv(tmp_path / "raw.csv", index=False)
    assert main(["score", str(tmp_path / "raw.csv"), "-o", str(tmp_path / "s.csv")]) == 0
    lines = (tmp_path / "s.csv").read_text(encoding="utf-8").splitlines()
    old = ["error," + lines[0]] + ["an old note," + line for line in lines[1:]]
    (tmp_path / "s.csv").write_text("\n".join(old) + "\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["evaluate", str(tmp_path / "s.csv"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["n_cases"] == 3


def test_a_warning_is_shown_when_the_command_then_fails(tmp_path, capsys):
    # evaluate --by warned that the file has no true_<cause> columns, then failed on a
    # group named 'all'; only the error reached the user.
    few = pd.read_csv(_some_vignettes(tmp_path, ["S16", "S06"]), dtype=str)
    scored = tmp_path / "s.csv"
    assert main(["score", str(_some_vignettes(tmp_path, ["S16", "S06"])), "-o", str(scored)]) == 0
    table = pd.read_csv(scored, dtype=str, keep_default_na=False)
    table = table.drop(columns=["expected_cause"]).assign(true_muscle_strain="no", clinic="all")
    table.to_csv(scored, index=False)
    capsys.readouterr()
    assert main(["evaluate", str(scored), "--by", "clinic"]) == 2
    err = capsys.readouterr().err
    assert "error: " in err
    assert "warning: The cases have no true_dehydration" in err
    assert len(few) == 2


def test_the_same_answer_given_twice_in_two_spellings_is_one_answer(capsys):
    assert main(["diagnose", "fever=yes", "--answer", "fever=Y"]) == 0
    assert main(["diagnose", "fever=0.7", "--answer", "fever=70%"]) == 0
    capsys.readouterr()
    assert main(["diagnose", "fever=yes", "--answer", "fever=no"]) == 2
    assert "given twice" in capsys.readouterr().err
    assert main(["diagnose", "age=66", "age=66.0", "age= 66 "]) == 0
    capsys.readouterr()
    # two ages in one band were one answer: the 66 was lost without a word
    assert main(["diagnose", "age=66", "age=80"]) == 2
    assert "given twice, as '66' and '80'" in capsys.readouterr().err


def test_the_same_answer_twice_to_a_variant_question_is_one_answer(capsys, toy_spec_dir):
    # The spellings were compared by the bundled questions: a variant's own question
    # given as yes and Y was refused as given twice.
    toy = toy_spec_dir(extra=FLANK_TENDER)
    given = ["diagnose", "--network", str(toy), "--json", "flank_tender=yes"]
    assert main(given) == 0
    once = json.loads(capsys.readouterr().out)
    assert main([*given, "flank_tender=Y"]) == 0
    twice = json.loads(capsys.readouterr().out)
    assert (twice["triage"], twice["p_serious"]) == (once["triage"], once["p_serious"])
    assert main([*given, "flank_tender=no"]) == 2
    assert "given twice, as 'yes' and 'no'" in capsys.readouterr().err


def test_evaluate_refuses_text_in_a_probability_and_a_file_with_nothing_to_evaluate(
    tmp_path, capsys
):
    # 'abc' in a p_ cell dropped the row as a "scoring error" (exit 0, top-1 moved);
    # a file with no evaluable row printed NaN everywhere and exit 0.
    scored = tmp_path / "s.csv"
    assert main(["score", str(_some_vignettes(tmp_path, ["S16", "S06"])), "-o", str(scored)]) == 0
    table = pd.read_csv(scored, dtype=str, keep_default_na=False)
    table.loc[1, "p_gallstones"] = "abc"
    table.to_csv(tmp_path / "edited.csv", index=False)
    capsys.readouterr()
    assert main(["evaluate", str(tmp_path / "edited.csv")]) == 2
    assert "p_gallstones" in capsys.readouterr().err
    table = pd.read_csv(scored, dtype=str, keep_default_na=False).head(0)
    table.to_csv(tmp_path / "empty.csv", index=False)
    assert main(["evaluate", str(tmp_path / "empty.csv")]) == 2
    assert "no row of" in capsys.readouterr().err


# ------------------------------------------------------------------ audit 20: what a user reads


def test_evaluate_makes_up_no_expected_triage_from_the_cause(tmp_path, capsys):
    # Without an expected_triage column no level is derived from the cause (a tumour
    # or gallstones would have been "expected emergencies", against the triage
    # policy): no triage table, no emergency counts, one line saying so; the
    # serious-cause cases sent home still count, from the true cause.
    few = _some_vignettes(tmp_path, ["S16", "S06", "Y26"])
    pd.read_csv(few, dtype=str).drop(columns="expected_triage").to_csv(few, index=False)
    assert main(["evaluate", str(few)]) == 0
    lines = [ln.strip() for ln in capsys.readouterr().out.splitlines()]
    words = [" ".join(ln.split()) for ln in lines]
    assert "triage no expected_triage column, not compared" in words
    assert any(ln.startswith("serious-cause cases triaged self_care") for ln in lines)
    assert not any(ln.startswith("emergency cases") for ln in lines)
    assert not any(ln.startswith("triage (rows expected") for ln in lines)
    assert main(["evaluate", str(few), "--by", "source_kind"]) == 0
    out = capsys.readouterr().out
    header = out.split("by source_kind\n")[1].splitlines()[0].split()
    assert "triage_agreement" not in header
    assert "n_emergency" not in header
    assert "serious_self_care" in header
    assert main(["evaluate", str(few), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["triage"], report["n_emergency"]) == (None, None)
    assert report["n_serious"] == 3  # two kidney stones and an abscess


def test_evaluate_names_the_cases_sent_home(tmp_path, capsys):
    # A scored file whose triage sends an abscess (S06, an expected emergency) home:
    # the report names it by its row and case_id, under the triage table.
    few = _some_vignettes(tmp_path, ["S16", "S06", "Y26"])
    scored = tmp_path / "scored.csv"
    assert main(["score", str(few), "-o", str(scored)]) == 0
    table = pd.read_csv(scored, dtype=str, keep_default_na=False)
    table.loc[table["case_id"] == "S06", "triage"] = "self_care"
    table.to_csv(scored, index=False)
    capsys.readouterr()
    assert main(["evaluate", str(scored)]) == 0
    lines = [ln.strip() for ln in capsys.readouterr().out.splitlines()]
    at = lines.index("triaged self_care with a serious cause or an expected emergency")
    assert lines[at + 1].split() == [
        "row",
        "case_id",
        "true_cause",
        "expected_triage",
        "p_serious",
        "screen_unanswered",
    ]
    row = lines[at + 2].split()
    assert row[-1] == table.loc[table["case_id"] == "S06", "screen_unanswered"].item()
    assert row[:4] == [
        str(1 + list(table["case_id"]).index("S06")),
        "S06",
        "epidural_abscess",
        "emergency",
    ]
    assert at + 3 == len(lines) or not lines[at + 3].split()[0].isdigit()
    assert main(["evaluate", str(scored), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [r["case_id"] for r in report["sent_home"]] == ["S06"]


def test_evaluate_compares_triage_where_the_file_expects_a_level(tmp_path, capsys):
    few = _some_vignettes(tmp_path, ["S16", "S06", "Y26"])
    assert main(["evaluate", str(few)]) == 0
    out = capsys.readouterr().out
    assert "triage (rows expected, columns predicted)" in out
    assert "emergency cases" in out
    assert "not compared" not in out


def test_evaluate_help_says_triage_needs_an_expected_triage(capsys):
    with pytest.raises(SystemExit):
        main(["evaluate", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "only for the rows that give an expected_triage" in text
    assert "never guessed from the cause" in text


def test_evaluate_by_names_the_blank_group(tmp_path, capsys):
    few = _some_vignettes(tmp_path, ["S16", "S06", "Y26"])
    table = pd.read_csv(few, dtype=str, keep_default_na=False)
    table.loc[table["case_id"] == "S06", "source_kind"] = ""
    table.to_csv(few, index=False)
    assert main(["evaluate", str(few), "--by", "source_kind"]) == 0
    rows = capsys.readouterr().out.split("by source_kind\n")[1].splitlines()
    groups = [row.split()[0] for row in rows[1:] if row.strip()]
    assert groups == ["case_report", "teaching", "(blank)", "all"]


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["figures", "--out", "{tmp}", "--format", "jpg"], "argument --format"),
        (["figures", "--out", "{tmp}", "--format", "png,jpg"], "argument --format"),
        (["figures", "--out", "{tmp}", "--format", ","], "argument --format"),
        (["figures", "--out", "{tmp}", "--dpi", "5000"], "argument --dpi"),
        (["figures", "--out", "{tmp}", "--only", "11"], "argument --only"),
        (["figures", "--out", "{tmp}", "--only", ","], "argument --only"),
        (["sample", "-n", "5", "--seed", "1", "--missing", "1.5"], "argument --missing"),
        (["sample", "-n", "5", "--seed", "1", "--missing", "nan"], "argument --missing"),
        (["sample", "-n", "-1", "--seed", "1"], "argument -n"),
        (["sample", "-n", "5", "--seed", "-1"], "argument --seed"),
        (["fit", "cases.csv", "-o", "f.toml", "--prior-weight", "-1"], "argument --prior-weight"),
        (["fit", "cases.csv", "-o", "f.toml", "--prior-weight", "nan"], "argument --prior-weight"),
        (["fit", "cases.csv", "-o", "f.toml", "--max-iter", "0"], "argument --max-iter"),
        (["ask", "--min-gain", "-5"], "argument --min-gain: must be 0 or more"),
    ],
)
def test_option_errors_name_the_option_not_a_python_parameter(argv, option, tmp_path, capsys):
    argv = [a.replace("{tmp}", str(tmp_path / "figs")) for a in argv]
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert option in err
    assert "parameter of" not in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["figures", "--out", "{file}"], "--out must be a folder"),
        (
            ["figures", "--out", "{tmp}", "--cause", "kidney_stone"],
            "Did you mean 'kidney_stones'?",
        ),
    ],
)
def test_figures_checks_name_the_option(argv, message, tmp_path, capsys):
    (tmp_path / "a_file").write_text("")
    argv = [
        a.replace("{tmp}", str(tmp_path / "figs")).replace("{file}", str(tmp_path / "a_file"))
        for a in argv
    ]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "parameter of" not in err
    assert "--cause" in err or "--out" in err
    assert not (tmp_path / "figs").exists()


def test_the_command_line_accepts_what_the_figures_write():
    from backspasm import cli_args
    from backspasm.figures import _save

    assert cli_args.FIGURE_FORMATS == _save.FIGURE_FORMATS
    assert cli_args.MAX_DPI == _save.MAX_DPI


def test_score_caps_the_allocator_arenas_of_its_own_process(tmp_path, monkeypatch):
    # backspasm score owns its process: it caps glibc's arenas, which keep the pages of
    # the arrays its threads free (about 100 MB of a 1,000,000-row run's peak).
    import backspasm._memory as memory

    calls: list[int] = []
    monkeypatch.setattr(memory, "limit_malloc_arenas", lambda count=2: bool(calls.append(count)))
    src = _some_vignettes(tmp_path, ["S16"])
    assert main(["score", str(src), "-o", str(tmp_path / "s.csv")]) == 0
    assert calls == [2]


def test_the_arena_cap_applies_with_glibc_and_does_nothing_elsewhere(monkeypatch):
    import ctypes
    import sys

    import backspasm._memory as memory

    glibc = sys.platform.startswith("linux") and hasattr(ctypes.CDLL(None), "mallopt")
    assert memory.limit_malloc_arenas() is glibc
    monkeypatch.setattr(sys, "platform", "darwin")
    assert memory.limit_malloc_arenas() is False


class _GoneReader(io.StringIO):
    """Standard error whose reader went away (`backspasm score ... 2>&1 | head -1`)."""

    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


def test_a_reader_gone_from_standard_error_keeps_the_exit_code_of_failed_rows(
    tmp_path, monkeypatch
):
    # The summary's print raised a broken pipe, which main() took as success: a script
    # piping the log into head saw exit 0 for a file with rows in error.
    src = tmp_path / "in.csv"
    src.write_text("fever\nyes\nmaybe\n")
    monkeypatch.setattr("sys.stderr", _GoneReader())
    assert main(["score", str(src), "-o", str(tmp_path / "o.csv"), "--no-progress"]) == 3
    if not isinstance(sys.stderr, _GoneReader):
        sys.stderr.close()  # the null file that took the reader's place
    out = pd.read_csv(tmp_path / "o.csv", dtype=str, keep_default_na=False)
    assert out["error"].tolist()[0] == ""
    assert out["error"].tolist()[1].startswith("fever: 'maybe' is not allowed")


def test_every_command_that_writes_takes_o_for_its_output():
    # score, sample, fit and export took -o; figures refused it ("--out is required").
    from backspasm.cli_args import build_parser

    parser = build_parser()
    assert parser.parse_args(["figures", "-o", "slides"]).out == "slides"
    assert parser.parse_args(["score", "in.csv", "-o", "out.csv"]).output == "out.csv"


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (
            ["score", "in.csv", "-o", "o.csv", "--explian"],
            "unrecognized arguments: --explian. Did you mean '--explain'?",
        ),
        (["figures", "--out", "f", "--sizee", "column"], "column. Did you mean '--size'?"),
        (["check", "a", "b"], "unrecognized arguments: b"),
    ],
)
def test_an_unknown_argument_is_refused_with_the_commands_usage(argv, said, capsys):
    # argparse left it to the top-level parser: "usage: backspasm [-h] [--version]
    # COMMAND ..." said nothing of the command's options
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"usage: backspasm {argv[0]} ")
    assert f"backspasm {argv[0]}: error: unrecognized arguments: " in err
    assert said in err


def test_sample_names_what_is_wrong_with_the_output_folder(tmp_path, capsys):
    # sample passed the system's words through: "No such file or directory" for /proc
    missing = tmp_path / "nodir" / "x.csv"
    assert main(["sample", "-n", "5", "--seed", "1", "-o", str(missing)]) == 2
    assert f"folder '{missing.parent}' does not exist" in capsys.readouterr().err
    a_file = tmp_path / "a_file"
    a_file.write_text("")
    assert main(["sample", "-n", "5", "--seed", "1", "-o", str(a_file / "x.csv")]) == 2
    assert f"'{a_file}' is not a folder" in capsys.readouterr().err


def test_figures_name_the_file_and_case_of_an_answer_they_refuse(tmp_path, capsys):
    # the refusal said only "The answer to 'age' must be whole years ...", not where
    with_ids = tmp_path / "with_ids.csv"
    with_ids.write_text("case_id,age,fever\nA7,abc,yes\n")
    without = tmp_path / "without.csv"
    without.write_text("age,fever\n40,no\nabc,yes\n")
    for cases, case, said in ((with_ids, "A7", "case_id A7"), (without, "2", "row 2")):
        argv = ["figures", "--out", str(tmp_path / "f"), "--cases", str(cases)]
        assert main([*argv, "--case-id", case, "--only", "03", "--no-progress"]) == 2
        err = capsys.readouterr().err
        assert f"'{cases.name}', {said}: age: 'abc' is not allowed (whole years" in err
    # an unsure 0.7 is one case's answer, not a file's: refused as score refuses it
    soft = tmp_path / "soft.csv"
    soft.write_text("case_id,age,fever\nS1,40,0.7\n")
    argv = ["figures", "--out", str(tmp_path / "f"), "--cases", str(soft), "--case-id", "S1"]
    assert main([*argv, "--only", "03", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "'soft.csv', case_id S1: fever: 0.7 is not allowed" in err
    assert "a case file holds yes or no" in err


def test_an_unknown_option_before_the_command_is_backspasms_own(capsys):
    # "backspasm --bogus score ..." was blamed on score, under score's usage
    with pytest.raises(SystemExit):
        main(["--bogus", "score", "in.csv", "-o", "o.csv"])
    err = capsys.readouterr().err
    assert err.startswith("usage: backspasm [-h] [--version] COMMAND")
    assert "backspasm: error: unrecognized arguments: --bogus" in err
    # and -h/--help is never the closest option to a mistyped one
    with pytest.raises(SystemExit):
        main(["diagnose", "--ex", "fever=yes"])
    assert "--help" not in capsys.readouterr().err


def test_a_reader_gone_from_standard_output_is_not_a_success(tmp_path, monkeypatch):
    # `score in.csv -o - | head -1` exited 0 with most rows never written: under
    # `set -o pipefail` a script took the cut-off output for all of it
    import errno

    class Gone(io.RawIOBase):
        def writable(self) -> bool:
            return True

        def write(self, data: object) -> int:
            raise BrokenPipeError(errno.EPIPE, "Broken pipe")

    src = tmp_path / "in.csv"
    src.write_text("fever\nyes\nno\n")
    monkeypatch.setattr(sys, "stdout", type("Stdout", (), {"buffer": Gone(), "flush": id})())
    assert main(["score", str(src), "-o", "-", "--no-progress"]) == 141
    sys.stdout.close()  # the null file that took the reader's place
