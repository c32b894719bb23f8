"""The spec's public face: its names, a Spec that pickles and cannot be changed."""

from __future__ import annotations

import dataclasses
import pickle

import pytest

import backspasm.spec
from backspasm.exceptions import SpecError
from backspasm.spec import load_spec
from backspasm.spec.schema import Parameter

PUBLIC = [
    "GROUPS",
    "MAX_TABLE_ENTRIES",
    "QUESTION_SECTIONS",
    "RULES",
    "NodeSpec",
    "Parameter",
    "QuestionSpec",
    "Source",
    "Spec",
    "TableRow",
    "TriageCauseRule",
    "TriageFlag",
    "TriagePolicy",
    "load_spec",
    "validate_spec",
]


def test_public_names_are_the_same():
    assert backspasm.spec.__all__ == PUBLIC
    for name in [*PUBLIC, "CAUSE_GROUPS", "BINARY_STATES", "SOURCE_TAGS", "ASSUMPTION"]:
        assert getattr(backspasm.spec, name) is not None
    assert backspasm.spec.BINARY_STATES == ("no", "yes")
    assert set(backspasm.spec.CAUSE_GROUPS) < set(backspasm.spec.GROUPS)


def test_bundled_spec_pickles_and_is_read_only():
    spec = load_spec()
    again = pickle.loads(pickle.dumps(spec))
    assert again == spec
    assert list(again.nodes) == list(spec.nodes)
    assert again.digest == spec.digest
    assert again.triage == spec.triage
    with pytest.raises(TypeError):
        spec.nodes["fever"] = spec.nodes["back_spasm"]  # type: ignore[index]
    duration = spec.nodes["spasm_duration"]
    with pytest.raises(TypeError):
        duration.leak.p["acute"] = 1.0  # type: ignore[index, union-attr]


def test_a_spec_shows_in_one_line(toy_spec_dir):
    # net.spec in a notebook printed every field of every node with its citation:
    # 485,414 characters for the bundled knowledge base.
    spec = load_spec()
    assert repr(spec) == (
        f"<Spec: {len(spec.nodes)} nodes, {len(spec.causes)} causes, {len(spec.sources)} "
        "sources, its own triage policy, from backspasm/knowledge (bundled)>"
    )
    folder = toy_spec_dir()
    toy = load_spec(folder)
    assert repr(toy) == (
        f"<Spec: {len(toy.nodes)} nodes, {len(toy.causes)} causes, {len(toy.sources)} "
        f"sources, the bundled triage policy, borrowed, from {folder}>"
    )


def test_the_nodes_and_sources_show_in_one_line_and_stay_mappings(toy_spec_dir):
    # net.spec.nodes and net.spec.sources printed every node and source in full in a
    # notebook: over 200,000 characters each for the bundled knowledge base.
    spec = load_spec()
    nodes, sources = spec.nodes, spec.sources
    assert repr(nodes) == (
        f"<{len(nodes)} nodes: muscle_strain, dehydration, low_potassium, low_calcium, "
        "tight_hamstrings, ...>"
    )
    assert repr(sources).startswith(f"<{len(sources)} sources: CedarsSinai, NINDS, ")
    assert str(sources) == repr(sources)
    assert len(repr(sources)) < 99
    # still the mappings they were: indexed, iterated, compared, pickled
    assert nodes["muscle_strain"].name == "muscle_strain"
    assert list(nodes)[:2] == ["muscle_strain", "dehydration"]
    assert nodes == dict(nodes)
    assert dict(sources) == sources
    assert len(sources) == len(list(sources.items()))
    again = pickle.loads(pickle.dumps(nodes))
    assert again == nodes
    assert repr(again) == repr(nodes)
    toy = load_spec(toy_spec_dir())
    assert repr(toy.sources) == f"<1 source: {next(iter(toy.sources))}>"
    assert repr(toy.nodes) == f"<{len(toy.nodes)} nodes: {', '.join(toy.nodes)}>"


def test_a_triage_policy_shows_in_one_line():
    # net.spec.triage printed every flag and rule with its citation: 48,802 characters
    policy = load_spec().triage
    assert policy is not None
    assert repr(policy) == (
        f"<TriagePolicy: {len(policy.flags)} flags, {len(policy.causes)} cause rules; see a "
        f"doctor from P(serious) {policy.see_doctor_p_serious.p} or P(pathologic) "
        f"{policy.see_doctor_p_pathologic.p}; no emergency threshold; from triage.toml>"
    )
    urgent = dataclasses.replace(policy, emergency_p_serious=Parameter(0.5, "assumption"))
    assert "; emergency from P(serious) 0.5; from triage.toml>" in repr(urgent)


def test_a_table_where_a_number_belongs_is_called_a_table(toy_spec_dir):
    folder = toy_spec_dir(
        {
            'prior = { p = 0.05, source = "Toy20" }': 'prior = { p = { yes = 0.05 }, source = "Toy20" }'
        }
    )
    with pytest.raises(SpecError) as info:
        load_spec(folder)
    assert info.value.problems == (
        "nodes.toml: node 'stone', field 'prior.p': must be a probability between 0 and 1 "
        "(P(yes)); got {'yes': 0.05} (a table). [rule: probability-range]",
    )
