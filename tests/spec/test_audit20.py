"""What ``check`` says about the mistakes of audit 20 (validator robustness).

Each test is one finding: the problem a researcher sees names the file, the node or
table and the field, once, in a line that can be read, and nothing crashes.
"""

from __future__ import annotations

import math
import random
from pathlib import Path

import pytest

from backspasm._text import closest, did_you_mean
from backspasm.exceptions import SpecError
from backspasm.spec import load_spec
from backspasm.spec.reader import SkippedFileWarning
from backspasm.spec.rules_graph import MAX_CLIQUE_ENTRIES
from backspasm.spec.schema import NODE_FIELDS
from backspasm.spec.typecheck import MAX_STATES


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(SpecError) as info:
        load_spec(folder)
    return list(info.value.problems)


# ----------------------------------- 1. a parent with fewer than two states


STRAIN_NOISY_OR = (
    'leak = { p = 0.1, source = "assumption", why = "baseline strain rate" }\n'
    'strength.exertion = { p = 0.5, source = "Toy20" }'
)
STRAIN_LOGISTIC = (
    'base = { p = 0.1, source = "Toy20" }\nodds.exertion = { p = 4.0, source = "Toy20" }'
)
EXERTION_PRIOR = 'prior = { p = 0.3, source = "Toy20" }'


@pytest.mark.parametrize("states", ['["no"]', "[]"])
def test_an_odds_parent_with_one_or_no_state_is_a_problem_not_a_crash(toy_spec_dir, states):
    # IndexError in the odds rule: the states rule never got to say what was wrong.
    folder = toy_spec_dir(
        {
            STRAIN_NOISY_OR: STRAIN_LOGISTIC,
            EXERTION_PRIOR: f"states = {states}\n{EXERTION_PRIOR}",
        }
    )
    found = problems_of(folder)
    shown = states.replace('"', "'")
    assert (
        "nodes.toml: node 'exertion', field 'states': needs at least two states; got "
        f"{shown}. [rule: states]"
    ) in found
    assert not any("odds.exertion" in p for p in found)


def test_an_empty_state_list_is_one_problem_not_one_per_state_used(toy_spec_dir):
    # A node whose table names its states: each use was also "unknown state 'x';
    # states: ." (12 follow-on problems for this toy node, 27 for a real one).
    folder = toy_spec_dir({EXERTION_PRIOR: f"states = []\n{EXERTION_PRIOR}"})
    found = [p for p in problems_of(folder) if "'exertion'" in p]
    assert found == [
        "nodes.toml: node 'exertion', field 'states': needs at least two states; got []. "
        "[rule: states]"
    ]


def test_a_multistate_odds_parent_cut_to_one_state_is_one_problem(toy_spec_dir):
    # A noisy-OR may scale its odds by a selecting parent, here one left with one state.
    folder = toy_spec_dir(
        {
            STRAIN_NOISY_OR: STRAIN_NOISY_OR.replace("strength.exertion", "odds.exertion"),
            EXERTION_PRIOR: f'states = ["light"]\n{EXERTION_PRIOR}',
        }
    )
    found = [p for p in problems_of(folder) if "node 'exertion'" in p or "exertion" in p]
    assert any("field 'states': needs at least two states; got ['light']" in p for p in found)
    assert not any("IndexError" in p for p in found)


# ----------------------------------- 2. cliques the engine would build


def node(name: str, group: str, parents: tuple[str, ...] = ()) -> str:
    lines = [f"[nodes.{name}]", f'group = "{group}"', 'label = "x"', 'description = "x"']
    if parents:
        lines.append("parents = [" + ", ".join(f'"{p}"' for p in parents) + "]")
        lines.append('leak = { p = 0.1, source = "Toy20" }')
        lines += [f'strength.{p} = {{ p = 0.1, source = "Toy20" }}' for p in parents]
    else:
        lines.append('prior = { p = 0.1, source = "Toy20" }')
    return "\n".join(["", *lines, ""])


def test_a_clique_inference_cannot_afford_is_refused_with_its_nodes_and_size(toy_spec_dir):
    # 21 exposures, 25 findings with 12 of them each (tables of 2 x 4,096 entries): the
    # old limit of 4,000,000 let a clique of millions of entries through, and a
    # diagnosis then ran out of memory after minutes.
    rng = random.Random(3)
    roots = [f"x{i}" for i in range(21)]
    extra = "".join(node(r, "exposure") for r in roots)
    extra += "".join(node(f"sign_{k}", "finding", tuple(rng.sample(roots, 12))) for k in range(25))
    (found,) = problems_of(toy_spec_dir(extra=extra))
    assert found.startswith("nodes.toml: node 'sign_")
    assert ", field 'parents': exact inference would build a junction-tree clique table of " in (
        found
    )
    size = int(found.split("clique table of ")[1].split(" entries")[0].replace(",", ""))
    listed = found.split(" nodes (")[1].split(")")[0].split(", ")
    assert MAX_CLIQUE_ENTRIES < size == 2 ** len(listed) <= 4_000_000
    assert set(listed) <= set(roots)
    assert f"the limit is {MAX_CLIQUE_ENTRIES:,} " in found
    assert found.endswith("[rule: clique-size]")


# ----------------------------------- 5. files that are not read


def test_a_knowledge_file_in_upper_case_is_refused(toy_spec_dir):
    folder = toy_spec_dir()
    (folder / "extra.TOML").write_text(node("cough_pain", "finding"))
    assert problems_of(folder) == [
        f"{folder / 'extra.TOML'}: not read: only files ending in '.toml' (lower case) are; "
        "rename it extra.toml, or move it out of the folder. [rule: files]"
    ]


def test_a_knowledge_file_in_a_subfolder_is_warned_about_and_the_files_read_listed(
    toy_spec_dir,
):
    folder = toy_spec_dir()
    (folder / "new").mkdir()
    (folder / "new" / "extra.toml").write_text(node("cough_pain", "finding"))
    with pytest.warns(SkippedFileWarning) as caught:
        spec = load_spec(folder)
    assert [str(w.message) for w in caught] == [
        f"{folder / 'new' / 'extra.toml'}: not read: it is in the subfolder 'new', and a "
        f"knowledge base is the *.toml files of one folder ({folder}); move it there if it "
        "belongs to the knowledge base. [rule: files]"
    ]
    assert spec.files == ("nodes.toml", "sources.toml")
    assert "cough_pain" not in spec.nodes


# ----------------------------------- 6. long lists of states


def test_a_node_with_too_many_states_is_one_short_problem(toy_spec_dir):
    many = ", ".join(f'"s{i}"' for i in range(100_000))
    folder = toy_spec_dir({'states = ["lower_back", "flank"]': f"states = [{many}]"})
    found = problems_of(folder)
    assert found == [
        "nodes.toml: node 'location', field 'states': has 100,000 states; the limit is "
        f"{MAX_STATES}: ['s0', 's1', 's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9', … "
        "(100,000 states)]. Group them, or make the number a question with bins. "
        "[rule: states]"
    ]


def test_a_list_of_allowed_states_is_cut_after_ten(toy_spec_dir):
    states = [f"s{i}" for i in range(40)]
    listed = ", ".join(f'"{s}"' for s in states)
    leak = ", ".join(f"{s} = 0.025" for s in states)
    folder = toy_spec_dir(
        {
            'states = ["acute", "subacute", "chronic"]': f"states = [{listed}]",
            "leak = { p = { acute = 0.7, subacute = 0.2, chronic = 0.1 }, source": (
                f"leak = {{ p = {{ {leak} }}, source"
            ),
        }
    )
    found = [p for p in problems_of(folder) if "field 'strength.strain.p': unknown state" in p]
    assert found[0] == (
        "nodes.toml: node 'duration', field 'strength.strain.p': unknown state 'acute'; "
        "states: s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, … (40 states). [rule: known-state]"
    )


def test_missing_table_rows_are_counted_after_ten(toy_spec_dir):
    folder = toy_spec_dir(
        {'parents = ["stone"]\n': 'parents = ["stone", "strain", "exertion", "back_spasm"]\n'}
    )
    found = [p for p in problems_of(folder) if "field 'table': no row for" in p]
    assert len(found) == 11
    assert found[-1] == (
        "nodes.toml: node 'location', field 'table': no row for 6 more combinations of the "
        "parents' states (the table needs one row per combination: 16). [rule: table-rows]"
    )


# ----------------------------------- 7, 9, 12. the triage policy

TRIAGE = """
[triage]
emergency_p_serious = { p = 0.3, source = "Toy20" }
see_doctor_p_serious = { p = 0.05, source = "Toy20" }
see_doctor_p_pathologic = { p = 0.5, source = "Toy20" }
flags = [
  { name = "flank", level = "see_doctor", when = { location = "flank" }, source = "Toy20" },
  { name = "stone", level = "emergency", when = { stone = "yes" }, source = "Toy20" },
]
safety_net = { location = "Come back if the pain moves to your side." }
"""


def with_triage(toy_spec_dir, old: str = "", new: str = "") -> Path:
    folder = toy_spec_dir()
    assert old in TRIAGE
    (folder / "triage.toml").write_text(TRIAGE.replace(old, new) if old else TRIAGE)
    return folder


def test_the_toy_triage_policy_loads(toy_spec_dir):
    spec = load_spec(with_triage(toy_spec_dir))
    assert spec.triage is not None
    assert [f.name for f in spec.triage.flags] == ["flank", "stone"]


def test_two_flags_of_one_name_are_refused(toy_spec_dir):
    folder = with_triage(toy_spec_dir, 'name = "stone"', 'name = "flank"')
    assert problems_of(folder) == [
        "triage.toml: table 'triage', flag 'flank', field 'flags[1].name': flag 'flank' "
        "declared twice (first as flags[0]); a flag's name is the reason triage gives: merge the "
        "two, or rename one. [rule: triage-flag]"
    ]


def test_a_flag_is_named_by_its_name_and_a_wrong_when_is_echoed(toy_spec_dir):
    folder = with_triage(toy_spec_dir, 'when = { stone = "yes" }', "when = 7")
    assert problems_of(folder) == [
        "triage.toml: table 'triage', flag 'stone', field 'flags[1].when': needs {node = "
        "state, ...}; got 7. [rule: triage-flag]"
    ]
    folder = with_triage(toy_spec_dir, 'when = { stone = "yes" }', 'when = { stones = "yes" }')
    assert problems_of(folder) == [
        "triage.toml: table 'triage', flag 'stone', field 'flags[1].when': unknown node "
        "'stones'. Did you mean 'stone'? [rule: triage-flag]"
    ]


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ('name = "stone"', 'name = "st\\u0000one"', "flags[1].name"),
        ("your side.", "your\\u0007 side.", "safety_net.location"),
    ],
)
def test_control_characters_in_triage_text_are_refused(toy_spec_dir, old, new, field):
    found = problems_of(with_triage(toy_spec_dir, old, new))
    assert len(found) == 1
    assert found[0].startswith(f"triage.toml: table 'triage', field '{field}': holds the ")
    assert "holds the control character U+" in found[0]
    assert found[0].endswith("Remove it. [rule: plain-text]")


def test_a_control_character_in_a_label_is_refused_a_line_break_in_a_description_not(
    toy_spec_dir,
):
    folder = toy_spec_dir(
        {
            'label = "Strain"': 'label = "Str\\u0000ain"',
            'description = "A pulled muscle."': 'description = "A pulled\\n\\tmuscle."',
        }
    )
    assert problems_of(folder) == [
        "nodes.toml: node 'strain', field 'label': holds the control character U+0000 (a "
        "control character) at character 4; text that is shown or written to a file must "
        "be plain (a NUL breaks CSV readers). Remove it. [rule: plain-text]"
    ]


# ----------------------------------- 8. the reserved source name


def test_a_source_named_assumption_is_refused(toy_spec_dir):
    folder = toy_spec_dir()
    with (folder / "sources.toml").open("a") as f:
        f.write('\n[sources.assumption]\ncitation = "Someone 2020."\ntag = "found"\n')
    assert problems_of(folder) == [
        "sources.toml: source 'assumption': a reserved name: source = 'assumption' marks a "
        "reasoned assumption, so no number can cite this entry. Rename it (e.g. after its "
        "first author and year). [rule: known-source]"
    ]


# ----------------------------------- 10. did you mean


def test_did_you_mean_prefers_a_swap_of_two_letters():
    assert closest("lable", NODE_FIELDS) == "label"
    assert closest("strenght", NODE_FIELDS) == "strength"
    assert closest("redflag", ["red_flag", "unit"]) == "red_flag"
    assert closest("locaton", ["location", "lotion"]) == "location"
    assert did_you_mean("zzz", NODE_FIELDS) == ""


def test_did_you_mean_beyond_a_typo_goes_by_similarity():
    # 'spasm_location' is fewer edits from 'spasm_duration' than the question that
    # extends it; past two edits a name is not a typo, and similarity decides
    columns = ["spasm_location", "spasm_duration_weeks", "statin_use", "long_term_steroid_use"]
    assert closest("spasm_duration", columns) == "spasm_duration_weeks"
    assert closest("steroid_use", columns) == "long_term_steroid_use"
    assert closest("spasm_locaton", columns) == "spasm_location"


def test_a_misspelt_label_is_suggested_label(toy_spec_dir):
    folder = toy_spec_dir({'label = "Strain"': 'lable = "Strain"'})
    found = [p for p in problems_of(folder) if "'lable'" in p]
    assert found == [
        "nodes.toml: node 'strain', field 'lable': unknown field 'lable'; allowed: "
        + ", ".join(NODE_FIELDS)
        + ". Did you mean 'label'? [rule: known-field]"
    ]


# ----------------------------------- 11. one problem for one mistake


def test_a_nodes_table_of_the_wrong_type_is_one_problem(toy_spec_dir):
    exertion = (
        '[nodes.exertion]\ngroup = "exposure"\nlabel = "Exertion"\n'
        'description = "Heavy lifting just before."\nprior = { p = 0.3, source = "Toy20" }\n'
    )
    folder = toy_spec_dir({exertion: ""})
    (folder / "context.toml").write_text("nodes = 5\n")
    assert problems_of(folder) == [
        "context.toml: top level, field 'nodes': must be a table of [nodes.<name>] tables; "
        "got 5. [rule: field-type]"
    ]


def test_a_triage_table_of_the_wrong_type_is_one_problem(toy_spec_dir):
    folder = toy_spec_dir()
    (folder / "triage.toml").write_text("triage = 5\n")
    assert problems_of(folder) == [
        "triage.toml: top level, field 'triage': must be a table ([triage]); got 5. "
        "[rule: field-type]"
    ]


def test_an_emptied_file_is_one_problem(toy_spec_dir):
    folder = toy_spec_dir()
    (folder / "sources.toml").write_text("")
    assert problems_of(folder) == [
        "sources.toml: the file declares nothing (no nodes, sources or triage table): most "
        "likely a failed save or copy. Fill it in, or delete it. [rule: files]"
    ]


def test_cap_list_says_how_many_in_all():
    from backspasm._text import cap_list

    assert cap_list(["a", "b"]) == "a, b"
    assert cap_list(range(12), unit="states") == "0, 1, 2, 3, 4, 5, 6, 7, 8, 9, … (12 states)"
    assert math.isfinite(len(cap_list(range(100_000))))
