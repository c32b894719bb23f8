"""A name declared in two files of a variant: one problem, naming both, and no others.

A variant author's audit: a node declared in two files of a knowledge folder was
blamed on the file read second (files are read in name order), without a line, and a
partial copy read first (only the fields the author meant to change) was checked as
the node, with a dozen problems that only the duplicate caused.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from backspasm.exceptions import SpecError
from backspasm.spec import load_spec
from helpers import BUNDLED_KNOWLEDGE, bundled_variant


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(SpecError) as info:
        load_spec(folder)
    return list(info.value.problems)


def test_a_cause_whose_group_was_not_read_is_not_called_a_non_cause(tmp_path):
    # Each cause rule of triage.toml on it said "'kidney_stones' is a  node, not a cause".
    folder = bundled_variant(
        tmp_path / "kb",
        "causes.toml",
        r'(\[nodes\.kidney_stones\]\n)group = "cause_serious"',
        r"\1group = 5",
    )
    assert problems_of(folder) == [
        "causes.toml: node 'kidney_stones', field 'group': must be a string; got 5. "
        "[rule: field-type]"
    ]


def fix(what: str) -> str:
    return (
        f"declare each {what} once: keep one of the tables, with what you meant from both "
        "(neither is checked until then). [rule: unique-name]"
    )


def bundled_copy(tmp_path: Path) -> Path:
    return Path(shutil.copytree(BUNDLED_KNOWLEDGE, tmp_path / "kb"))


def fever_table(folder: Path) -> str:
    """The whole [nodes.fever] table of the bundled findings.toml, as a user copies it."""
    text = (folder / "findings.toml").read_text(encoding="utf-8")
    start = text.index("[nodes.fever]\n")
    return text[start : text.index("\n[", start) + 1]


def line_of(folder: Path, file: str, text: str) -> int:
    return (folder / file).read_text(encoding="utf-8").splitlines().index(text) + 1


@pytest.mark.parametrize("extra", ["extra.toml", "zz_extra.toml"])
def test_a_node_copied_whole_into_another_file_is_one_problem_naming_both(tmp_path, extra):
    folder = bundled_copy(tmp_path)
    (folder / extra).write_text("# my edits\n\n" + fever_table(folder), encoding="utf-8")
    findings = f"findings.toml line {line_of(folder, 'findings.toml', '[nodes.fever]')}"
    first, second = sorted([findings, f"{extra} line 3"])
    assert problems_of(folder) == [
        f"[nodes.fever] is declared in {first} and again in {second}; " + fix("node")
    ]


@pytest.mark.parametrize("extra", ["a_changes.toml", "z_changes.toml"])
@pytest.mark.parametrize(
    "node", ["fever", "age_group", "kidney_stones", "nerve_root_compression", "back_spasm"]
)
def test_a_partial_copy_to_override_a_node_adds_no_follow_on_problems(tmp_path, extra, node):
    # Read first, the copy was checked as the node: a missing group, label and
    # description, no parameters, every state of age_group unknown to the tables and
    # flags that use it, every cause rule of kidney_stones on "a  node, not a cause".
    folder = bundled_copy(tmp_path)
    (folder / extra).write_text(f'[nodes.{node}]\nlabel = "My label"\n', encoding="utf-8")
    found = problems_of(folder)
    assert len(found) == 1, "\n".join(found)
    assert found[0].startswith(f"[nodes.{node}] is declared in ")
    assert f"{extra} line 1" in found[0]
    assert found[0].endswith(fix("node"))


def test_a_source_declared_in_two_files_is_one_problem_naming_both(tmp_path):
    folder = bundled_copy(tmp_path)
    (folder / "zz_refs.toml").write_text(
        '[sources.CedarsSinai]\ncitation = "Cedars-Sinai. My copy."\ntag = "found"\n',
        encoding="utf-8",
    )
    line = line_of(folder, "sources.toml", "[sources.CedarsSinai]")
    assert problems_of(folder) == [
        f"[sources.CedarsSinai] is declared in sources.toml line {line} and again in "
        "zz_refs.toml line 1; " + fix("source")
    ]


def test_a_triage_table_split_over_two_files_is_one_problem_naming_both(tmp_path):
    folder = bundled_copy(tmp_path)
    (folder / "zz_safety.toml").write_text(
        '\n[triage.safety_net]\nfever = "See a doctor if you get a fever."\n', encoding="utf-8"
    )
    line = line_of(folder, "triage.toml", "[triage]")
    assert problems_of(folder) == [
        f"[triage] is declared in triage.toml line {line} and again in zz_safety.toml line 2; "
        "give the triage policy once, in one file (neither is checked until then). "
        "[rule: unique-name]"
    ]


def test_a_node_in_three_files_and_declared_by_keys_is_found_at_its_line(toy_spec_dir):
    folder = toy_spec_dir()
    (folder / "a.toml").write_text('# notes\nnodes.stone.label = "S"\n')
    (folder / "b.toml").write_text(
        'x = """\n[nodes.stone]\n"""\n[nodes]\nstone = { label = "S" }\n'
    )
    found = problems_of(folder)
    assert found[-1] == (
        "[nodes.stone] is declared in a.toml line 2, b.toml line 5 and again in nodes.toml "
        "line 16; " + fix("node")
    )
    assert found[:-1] == [
        "b.toml: top-level table 'x': unknown top-level table; allowed: 'nodes', 'sources', "
        "'triage'. [rule: known-field]"
    ]


def test_a_name_declared_only_inside_braces_names_its_file(toy_spec_dir):
    folder = toy_spec_dir()
    (folder / "more.toml").write_text('nodes = { stone = { label = "S" } }\n')
    assert problems_of(folder) == [
        "[nodes.stone] is declared in more.toml and again in nodes.toml line 16; " + fix("node")
    ]


def test_check_and_diagnose_say_the_one_problem_without_a_traceback(tmp_path, capsys):
    from backspasm.cli import main

    folder = bundled_copy(tmp_path)
    (folder / "extra.toml").write_text(fever_table(folder), encoding="utf-8")
    assert main(["check", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "has 1 problem:" in err
    assert "[nodes.fever] is declared in extra.toml line 1 and again in findings.toml" in err
    assert "Traceback" not in err
    assert main(["diagnose", "--network", str(folder), "-a", "fever=yes"]) == 2
    err = capsys.readouterr().err
    assert "has 1 problem:" in err
    assert "Traceback" not in err


def test_a_column_asked_by_nodes_of_two_files_names_both_with_lines(tmp_path):
    folder = bundled_copy(tmp_path)
    (folder / "extra.toml").write_text(
        '[nodes.feeling_hot]\ngroup = "finding"\nlabel = "Feeling hot"\n'
        'description = "Feels hot."\n'
        'question = { column = "fever", prompt = "Do you feel hot?", section = "symptom" }\n'
        'parents = ["systemic_infection"]\n'
        'leak = { p = 0.1, source = "assumption", why = "x" }\n'
        'strength.systemic_infection = { p = 0.5, source = "assumption", why = "x" }\n',
        encoding="utf-8",
    )
    line = line_of(folder, "findings.toml", "[nodes.fever]")
    assert problems_of(folder) == [
        "findings.toml: node 'fever', field 'question.column': column 'fever' is the question "
        f"of node 'feeling_hot' (extra.toml line 1) and of this node (findings.toml line {line}); "
        "each column informs one node. [rule: unique-column]"
    ]
