"""Spec -> pgmpy network: table expansion, metadata, export round trips."""

from __future__ import annotations

import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from pgmpy.factors.discrete import TabularCPD
from pgmpy.inference import VariableElimination
from pgmpy.models import DiscreteBayesianNetwork
from pgmpy.readwrite import BIFReader, NETReader, XDSLReader, XMLBIFReader

from backspasm.exceptions import BackspasmError
from backspasm.exporting import writer_for
from backspasm.network import EXPORT_FORMATS, Network, load_network
from helpers import BUNDLED_KNOWLEDGE, bundled_variant

AGE_NODE = """
[nodes.age_group]
group = "context"
label = "Age group"
description = "Age band."
states = ["18-39", "40-64", "65+"]
prior = { p = { "18-39" = 0.4, "40-64" = 0.4, "65+" = 0.2 }, source = "Toy20" }

[nodes.arthritis]
group = "cause_pathologic"
label = "Arthritis"
description = "Worn facet joints."
parents = ["age_group", "exertion"]
leak = { p = 0.02, source = "Toy20" }
strength.age_group = { p = { "40-64" = 0.1, "65+" = 0.3 }, source = "Toy20" }
strength.exertion = { p = 0.05, source = "Toy20" }
"""


# The new cause must explain the spasm (rule presentation).
AGE_SPASM = {
    'parents = ["strain", "stone"]': 'parents = ["strain", "stone", "arthritis"]',
    'strength.stone = { p = 0.4, source = "Toy20" }': 'strength.stone = { p = 0.4, source = "Toy20" }\n'
    'strength.arthritis = { p = 0.3, source = "Toy20" }',
}


def cpd_values(net, node):
    return net.model.get_cpds(node).get_values()


def test_noisy_or_expansion(toy_spec_dir):
    net = load_network(toy_spec_dir())
    # columns: (strain, stone) = (no,no), (no,yes), (yes,no), (yes,yes)
    p_no = 0.95 * np.array([1.0, 0.6, 0.2, 0.2 * 0.6])
    np.testing.assert_allclose(cpd_values(net, "back_spasm"), [p_no, 1 - p_no], atol=1e-15)


def test_noisy_or_with_multistate_parent(toy_spec_dir):
    net = load_network(toy_spec_dir(AGE_SPASM, extra=AGE_NODE))
    values = cpd_values(net, "arthritis")
    # first parent (age_group) varies slowest; second (exertion: no, yes)
    expected_no = [0.98 * (1 - a) * (1 - e) for a in (0, 0.1, 0.3) for e in (0, 0.05)]
    np.testing.assert_allclose(values[0], expected_no, atol=1e-15)


def test_noisy_max_expansion(toy_spec_dir):
    net = load_network(toy_spec_dir())
    values = cpd_values(net, "duration")
    np.testing.assert_allclose(values[:, 0], [0.7, 0.2, 0.1], atol=1e-15)
    leak_cdf = np.cumsum([0.7, 0.2, 0.1])
    strain_cdf = np.cumsum([0.5, 0.3, 0.2])
    np.testing.assert_allclose(values[:, 1], np.diff(leak_cdf * strain_cdf, prepend=0), atol=1e-15)
    # the maximum rule can only move mass towards chronic
    assert values[2, 1] > values[2, 0]


def test_table_and_metadata(toy_spec_dir):
    net = load_network(toy_spec_dir())
    np.testing.assert_allclose(cpd_values(net, "location"), [[0.9, 0.2], [0.1, 0.8]])
    assert net.model.check_model()
    assert net.causes == ("strain", "stone")
    assert net.serious_causes == ("stone",)
    assert net.label("stone") == "Stone"
    assert net.group_of("duration") == "finding"
    assert net.states("duration") == ("acute", "subacute", "chronic")
    with pytest.raises(BackspasmError, match="Did you mean 'stone'"):
        net.label("stoen")


def test_summary_counts(toy_spec_dir):
    summary = load_network(toy_spec_dir()).summary()
    assert summary["nodes"] == 6
    assert summary["edges"] == 5
    assert summary["numbers"] == summary["sourced"] + 2
    assert 0 < summary["sourced_share"] < 1


def test_fingerprint_follows_the_numbers(toy_spec_dir):
    net = load_network(toy_spec_dir())
    before = net.fingerprint()
    parts = net.fingerprint_parts()
    cpd = net.model.get_cpds("stone")
    cpd.values[:] = [0.9, 0.1]
    assert net.fingerprint() != before
    after = net.fingerprint_parts()
    assert after["numbers"] == net.numbers_fingerprint() != parts["numbers"]
    assert (after["questions"], after["triage"]) == (parts["questions"], parts["triage"])


@pytest.mark.parametrize(
    ("file", "pattern", "replacement", "part"),
    [
        # a triage threshold: the same posteriors, another triage level
        ("triage.toml", r"(see_doctor_p_serious = \{ p = )[0-9.]+", r"\g<1>0.0123", "triage"),
        # the bins of a number question: the same tables, other evidence
        ("findings.toml", r'acute = "< 6"', 'acute = "< 1"', "questions"),
        # which section a question is in
        ("findings.toml", r'section = "symptom"', 'section = "known_cause"', "questions"),
    ],
    ids=["triage-threshold", "question-bins", "question-sections"],
)
def test_the_fingerprint_covers_the_questions_and_the_triage_policy(
    tmp_path, file, pattern, replacement, part
):
    # A variant that changed only questions or triage kept the bundled fingerprint,
    # so two different results carried the same provenance.
    bundled = load_network(BUNDLED_KNOWLEDGE)
    variant = load_network(bundled_variant(tmp_path / "kb", file, pattern, replacement))
    assert variant.fingerprint() != bundled.fingerprint()
    assert variant.numbers_fingerprint() == bundled.numbers_fingerprint()
    ours, theirs = variant.fingerprint_parts(), bundled.fingerprint_parts()
    assert [k for k in ours if ours[k] != theirs[k]] == [part]
    assert variant.fingerprint() in variant.report()


def test_the_fingerprint_ignores_citations_and_where_the_files_are(tmp_path):
    # What changes no output changes no fingerprint: a copy elsewhere, another "why".
    bundled = load_network(BUNDLED_KNOWLEDGE)
    folder = bundled_variant(
        tmp_path / "kb",
        "triage.toml",
        r'(see_doctor_p_serious = [^\n]*why = ")',
        r"\g<1>Reworded: ",
    )
    variant = load_network(folder)
    assert variant.spec.triage != bundled.spec.triage
    assert variant.fingerprint() == bundled.fingerprint()


def test_the_fingerprint_of_a_built_model_is_the_lazy_ones_and_stays_cached():
    net = Network(load_network().spec)
    lazy = net.fingerprint()
    assert net.fingerprint() is lazy  # made once while the model is unbuilt
    net.model.check_model()
    assert net.fingerprint() == lazy


@pytest.mark.parametrize("fmt", ["bif", "xmlbif", "net", "xdsl"])
def test_export_round_trip(toy_spec_dir, tmp_path, fmt):
    net = load_network(toy_spec_dir(AGE_SPASM, extra=AGE_NODE))
    if fmt in ("bif", "xmlbif"):  # both rename '18-39': said, as for a NET file pgmpy can't read
        with pytest.warns(UserWarning, match="renames 3 state name"):
            path = net.export(tmp_path / f"toy.{fmt}", format=fmt)
    else:
        path = net.export(tmp_path / f"toy.{fmt}", format=fmt)
    reader = {"bif": BIFReader, "xmlbif": XMLBIFReader, "net": NETReader, "xdsl": XDSLReader}[fmt]
    model = reader(str(path)).get_model()
    assert set(model.nodes()) == set(net.model.nodes())
    for cpd in net.model.get_cpds():
        other = model.get_cpds(cpd.variable)
        names = cpd.state_names[cpd.variable]
        if fmt in ("bif", "xmlbif"):  # both write '-' and '+' in state names as '_'
            names = [re.sub(r"[^\w]", "_", n) for n in names]
        assert other.state_names[cpd.variable] == names
        other = other.copy()
        other.reorder_parents(cpd.variables[1:]) if len(cpd.variables) > 1 else None
        np.testing.assert_allclose(other.get_values(), cpd.get_values(), atol=1e-6)
    if fmt == "bif":  # pgmpy named a nameless network 'unknown'
        assert path.read_text().startswith("network backspasm {")


def test_a_net_export_warns_of_state_names_pgmpy_cannot_read_back(toy_spec_dir, tmp_path):
    # a variant with accented state names exported to .net without a word, and
    # pgmpy's NETReader then failed on the file (IndexError); BIF reads them back
    accented = {
        'states = ["acute", "subacute", "chronic"]': 'states = ["aiguë", "subaiguë", "chronique"]',
        "acute = 0.7, subacute = 0.2, chronic = 0.1": '"aiguë" = 0.7, "subaiguë" = 0.2, chronique = 0.1',
        "acute = 0.5, subacute = 0.3, chronic = 0.2": '"aiguë" = 0.5, "subaiguë" = 0.3, chronique = 0.2',
    }
    net = load_network(toy_spec_dir(accented))
    with pytest.warns(UserWarning, match=r"2 state name\(s\) hold characters pgmpy's NET"):
        net.export(tmp_path / "toy.net")
    with pytest.raises(IndexError):
        NETReader(str(tmp_path / "toy.net")).get_model()  # the reader's limit, not the file's
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        path = net.export(tmp_path / "toy.xdsl")
    assert XDSLReader(str(path)).get_model().get_cpds("duration").state_names["duration"][0] == (
        "aiguë"
    )
    with pytest.warns(UserWarning, match="renames 2 state name.*'aiguë' as 'aigu_'"):
        path = net.export(tmp_path / "toy.bif")
    assert BIFReader(str(path)).get_model().get_cpds("duration").state_names["duration"] == [
        "aigu_",
        "subaigu_",
        "chronique",
    ]


def test_a_bif_export_names_every_state_as_other_bif_readers_require(tmp_path):
    # pyAgrum refused the bundled network's BIF ('Syntax error: "}" expected' at
    # '18-39'): its parser, like the format, takes ASCII words and integers only, and
    # pgmpy's writer copied '18-39' and '65+' as they are (teacher audit, session 57)
    with pytest.warns(UserWarning, match=r"'65\+' as '65_'"):
        path = load_network().export(tmp_path / "net.bif")
    text = path.read_text()
    states = re.findall(r"type discrete \[ \d+ \] \{ ([^}]*) \};", text)
    assert len(states) == len(load_network().model.nodes())
    words = [w.strip() for line in states for w in line.split(",")]
    assert all(re.fullmatch(r"[A-Za-z0-9_]+", w) for w in words), words
    assert "18_39" in words
    pyagrum = pytest.importorskip("pyagrum")  # the bench extra has it; make test need not
    assert pyagrum.loadBN(str(path)).variable("age_group").labels() == ("18_39", "40_64", "65_")


def test_bif_names_a_state_whose_new_name_is_taken_apart():
    from pgmpy.factors.discrete import TabularCPD
    from pgmpy.models import DiscreteBayesianNetwork

    from backspasm.exporting import bif_state_names

    model = DiscreteBayesianNetwork()
    model.add_node("age")
    names = {"age": ["18_39", "18-39", "65+"]}
    model.add_cpds(TabularCPD("age", 3, [[0.2], [0.3], [0.5]], state_names=names))
    assert bif_state_names(model) == {"age": {"18-39": "18_392", "65+": "65_"}}


def test_export_rejects_unknown_format(toy_spec_dir, tmp_path):
    net = load_network(toy_spec_dir())
    with pytest.raises(
        BackspasmError,
        match=r"format .dot. is not one backspasm writes; name the format \(bif, xmlbif, net, xdsl, uai\)",
    ):
        net.export(tmp_path / "x.dot")
    assert EXPORT_FORMATS == ("bif", "xmlbif", "net", "xdsl", "uai")


def test_export_never_writes_over_or_into_the_knowledge_base_it_exports(toy_spec_dir, tmp_path):
    # `backspasm export --network kb -o kb/nodes.toml --format bif` replaced the
    # knowledge base's own file with BIF text, and it no longer loaded (fit and score
    # refuse the like); a new .toml in its folder would join it the same way.
    folder = toy_spec_dir()
    net = load_network(folder)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    for target, said in (("nodes.toml", "overwrite a file of"), ("new.toml", "join")):
        with pytest.raises(BackspasmError, match=f"it would {said} the knowledge base"):
            net.export(folder / target, format="bif")
    with pytest.raises(BackspasmError, match="overwrite a file of the knowledge base"):
        net.export(str(folder / ".." / folder.name / "nodes.toml"), format="bif")
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    single = tmp_path / "single.toml"
    single.write_text((folder / "sources.toml").read_text() + (folder / "nodes.toml").read_text())
    with pytest.raises(BackspasmError, match="overwrite a file of the knowledge base"):
        load_network(single).export(single, format="bif")
    assert load_network(single).spec.nodes  # still loads
    net.export(folder / "model.bif")  # any other file in its folder is fine
    assert load_network(folder).spec.nodes
    # a file of the folder that is a link to one elsewhere is the knowledge base's too
    elsewhere = tmp_path / "elsewhere.toml"
    (folder / "sources.toml").rename(elsewhere)
    (folder / "sources.toml").symlink_to(elsewhere)
    with pytest.raises(BackspasmError, match="overwrite a file of the knowledge base"):
        load_network(folder).export(folder / "sources.toml", format="bif")
    assert load_network(folder).spec.nodes


def test_export_and_fit_never_write_into_the_bundled_knowledge_base():
    # The bundled network's origin is "backspasm/knowledge (bundled)", not a path: the
    # checks looked in <cwd>/backspasm/knowledge, and `backspasm export -o
    # <package>/knowledge/causes.toml` broke every command of an editable install.
    from importlib.resources import files

    from backspasm.learning.spec_writer import fitted_path

    bundled = Path(str(files("backspasm").joinpath("knowledge")))
    before = {p.name: p.read_bytes() for p in bundled.glob("*.toml")}
    try:
        with pytest.raises(BackspasmError, match="overwrite a file of the knowledge base"):
            load_network().export(bundled / "causes.toml", format="bif")
        with pytest.raises(BackspasmError, match="join the knowledge base"):
            fitted_path(bundled / "fitted.toml", load_network().spec.origin)
        assert {p.name: p.read_bytes() for p in bundled.glob("*.toml")} == before
    finally:  # should the check ever fail, the package's files are put back
        for name, data in before.items():
            if (bundled / name).read_bytes() != data:
                (bundled / name).write_bytes(data)


@pytest.mark.parametrize("bundled", [False, True], ids=["toy", "bundled"])
def test_network_pickles(toy_spec_dir, bundled):
    import pickle

    net = load_network() if bundled else load_network(toy_spec_dir())
    evidence = {"back_spasm": "yes"}
    before = net.engine.query_one(evidence)  # the compiled engine is a cache: not pickled
    copy = pickle.loads(pickle.dumps(net))
    assert copy.spec == net.spec
    assert pickle.loads(pickle.dumps(net.spec)) == net.spec
    assert copy.fingerprint() == net.fingerprint()
    assert set(copy.model.edges()) == set(net.model.edges())
    assert copy.causes == net.causes
    after = copy.engine.query_one(evidence)
    for node, marginal in before.items():
        assert after[node] == pytest.approx(marginal, abs=1e-12)


# ------------------------------------------------- exports carry the layered layout


@pytest.fixture(scope="module")
def bundled_exports(tmp_path_factory):
    net = load_network()
    folder = tmp_path_factory.mktemp("exports")
    return net, net.export(folder / "b.xdsl"), net.export(folder / "b.net")


def test_xdsl_export_places_every_node_in_its_own_box(bundled_exports):
    import xml.etree.ElementTree as ET

    net, xdsl, _ = bundled_exports
    genie = ET.parse(xdsl).getroot().find("extensions/genie")
    boxes = {}
    for node in genie.iter("node"):
        x1, y1, x2, y2 = (int(v) for v in node.findtext("position").split())
        assert x2 - x1 >= 100  # room for a label
        assert y2 - y1 >= 30
        boxes[node.get("id")] = (x1, y1, x2, y2)
        assert node.findtext("name") == net.label(node.get("id"))
    assert set(boxes) == set(net.model.nodes())
    # No two boxes overlap: GeNIe opens a readable graph, not a pile.
    items = list(boxes.values())
    for i, (a1, b1, a2, b2) in enumerate(items):
        for c1, d1, c2, d2 in items[i + 1 :]:
            assert a2 <= c1 or c2 <= a1 or b2 <= d1 or d2 <= b1
    # Causes stand left of the findings they explain, as in the figures.
    assert boxes["kidney_stones"][0] < boxes["blood_in_urine"][0]
    assert boxes["age_group"][0] < boxes["kidney_stones"][0]


def test_net_export_gives_every_node_a_distinct_position(bundled_exports):
    net, _, path = bundled_exports
    text = path.read_text()
    found = {
        m.group(1): (int(m.group(2)), int(m.group(3)))
        for m in re.finditer(r"node (\w+)\s*\{[^}]*?position = \((\d+) (\d+)\);", text)
    }
    assert set(found) == set(net.model.nodes())
    assert len(set(found.values())) == len(found)
    assert f'label = "{net.label("kidney_stones")}";' in text
    model = NETReader(str(path)).get_model()  # still a valid NET file
    assert set(model.nodes()) == set(net.model.nodes())
    assert not any(net.model.nodes[n] for n in net.model.nodes())  # the user's model untouched


def test_diagnose_and_score_never_import_pgmpy():
    # The engine compiles from the knowledge base, so a command-line run or a
    # notebook diagnosis does not pay pgmpy's (and scikit-learn's) import time.
    code = (
        "import sys, pandas as pd, backspasm\n"
        "backspasm.diagnose({'age': 45, 'fever': 'yes'})\n"
        "backspasm.score_cases(pd.DataFrame({'age': ['30', '70'], 'fever': ['no', 'yes']}))\n"
        "assert 'pgmpy' not in sys.modules, 'pgmpy was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)


def test_the_lazy_network_equals_the_pgmpy_model():
    lazy = Network(load_network().spec)  # nothing built yet, whatever ran before
    built = Network(lazy.spec)
    built.model.check_model()  # builds the pgmpy model
    assert not lazy.model_built
    assert built.model_built
    assert lazy.fingerprint() == built.fingerprint()
    assert lazy.node_names == built.node_names
    cases = [{"age_group": "40-64", "fever": "yes", "back_spasm": "yes"}]
    a = lazy.engine.query(lazy.engine.encode(cases)).marginals
    b = built.engine.query(built.engine.encode(cases)).marginals
    for node in a:
        np.testing.assert_array_equal(a[node], b[node])


def _read_uai(path: Path, names: list[str]) -> DiscreteBayesianNetwork:
    """Read a UAI BAYES file as the format defines it, naming variable i ``names[i]``.

    Each scope lists the parents, then the child; the entries run with the last
    variable of the scope changing fastest.
    """
    tokens = path.read_text(encoding="utf-8").split()
    assert tokens[0] == "BAYES"
    n = int(tokens[1])
    cards = [int(v) for v in tokens[2 : 2 + n]]
    at = 2 + n
    scopes = []
    for _ in range(int(tokens[at])):
        size = int(tokens[at + 1])
        scopes.append([int(v) for v in tokens[at + 2 : at + 2 + size]])
        at += 1 + size
    at += 1
    model = DiscreteBayesianNetwork()
    model.add_nodes_from(names)
    cpds = []
    for scope in scopes:
        count = int(tokens[at])
        values = np.array([float(v) for v in tokens[at + 1 : at + 1 + count]])
        at += 1 + count
        *parents, child = scope
        model.add_edges_from((names[p], names[child]) for p in parents)
        table = np.moveaxis(values.reshape([cards[v] for v in scope]), -1, 0)
        cpds.append(
            TabularCPD(
                names[child],
                cards[child],
                table.reshape(cards[child], -1),
                evidence=[names[p] for p in parents] or None,
                evidence_card=[cards[p] for p in parents] or None,
            )
        )
    assert at == len(tokens)
    model.add_cpds(*cpds)
    return model


def test_a_uai_table_lists_its_entries_as_the_format_defines(tmp_path):
    # pgmpy's UAIWriter listed the parents reversed and the entries child-first: read
    # by the format, P(c | a, b) was not even a distribution, and the bundled network
    # came back with 92 of its 106 tables wrong.
    model = DiscreteBayesianNetwork()
    model.add_nodes_from(["a", "b", "c"])  # numbered 0, 1, 2 in the file
    model.add_edges_from([("a", "c"), ("b", "c")])
    model.add_cpds(
        TabularCPD("a", 2, [[0.5], [0.5]]),
        TabularCPD("b", 2, [[0.25], [0.75]]),
        TabularCPD(
            "c", 2, [[1, 1, 0, 1], [0, 0, 1, 0]], evidence=["a", "b"], evidence_card=[2, 2]
        ),
    )
    path = tmp_path / "tiny.uai"
    writer_for("uai", model)(str(path))
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[:8] == ["BAYES", "3", "2 2 2", "3", "1 0", "1 1", "3 0 1 2", ""]
    # c is yes only for a = yes, b = no: the third line of its table (a slowest).
    assert lines[-5:] == ["8", " 1.0 0.0", " 1.0 0.0", " 0.0 1.0", " 1.0 0.0"]


def test_the_bundled_network_exported_as_uai_gives_the_same_posteriors(tmp_path):
    net = load_network()
    path = net.export(tmp_path / "net.uai")
    names = list(net.model.nodes())
    back = _read_uai(path, names)
    for cpd in net.model.get_cpds():
        other = back.get_cpds(cpd.variable)
        assert other.variables == cpd.variables
        np.testing.assert_array_equal(other.get_values(), cpd.get_values())
    evidence = {"back_spasm": 1, "spasm_location": 3, "blood_in_urine": 1, "fever": 0}
    ours, read = VariableElimination(net.model), VariableElimination(back)
    for cause in net.causes:
        a = ours.query([cause], evidence=_named(net, evidence), show_progress=False)
        b = read.query([cause], evidence=evidence, show_progress=False)
        np.testing.assert_allclose(b.values, a.values, rtol=0, atol=1e-12)


def _named(net, evidence: dict[str, int]) -> dict[str, str]:
    """The same evidence with state names, as the bundled model takes it."""
    cpds = {node: net.model.get_cpds(node) for node in evidence}
    return {node: cpds[node].state_names[node][i] for node, i in evidence.items()}


@pytest.mark.parametrize("fmt", ["net", "xdsl"])
def test_export_keeps_every_digit(tmp_path, fmt):
    # pgmpy's NETWriter rounds to 8 decimals: an entry of 3e-9 was written as 0, and
    # the bundled tables came back up to 5e-9 off; its XDSLWriter writes 16 decimals:
    # 1.234567e-13 came back as 1.235e-13, a posterior read from the file 1.7e-7 off
    # (export review, session 52)
    reader = {"net": NETReader, "xdsl": XDSLReader}[fmt]
    model = DiscreteBayesianNetwork([("a", "b")])
    model.add_cpds(
        TabularCPD("a", 2, [[1 - 1.234567e-13], [1.234567e-13]]),
        TabularCPD(
            "b",
            2,
            [[0.1234567891234, 1.0], [0.8765432108766, 0.0]],
            evidence=["a"],
            evidence_card=[2],
        ),
    )
    path = tmp_path / f"tiny.{fmt}"
    writer_for(fmt, model)(str(path))
    back = reader(str(path)).get_model()
    for node in ("a", "b"):
        np.testing.assert_array_equal(
            back.get_cpds(node).get_values(), model.get_cpds(node).get_values()
        )
    net = load_network()
    back = reader(str(net.export(tmp_path / f"net.{fmt}"))).get_model()
    for cpd in net.model.get_cpds():
        other = back.get_cpds(cpd.variable).copy()
        if len(cpd.variables) > 1:
            other.reorder_parents(cpd.variables[1:])
        np.testing.assert_array_equal(other.get_values(), cpd.get_values())


def test_spec_tables_cannot_be_edited_behind_the_engine(toy_spec_dir):
    # An edit in place changed the engine (built from these arrays) but not pgmpy's
    # model or the fingerprint: posteriors disagreed with VariableElimination.
    from pgmpy.inference import VariableElimination

    net = load_network(toy_spec_dir())
    before = net.fingerprint()
    for variables, values in net.spec_tables():
        with pytest.raises(ValueError, match="read-only"):
            values[...] = 0.5
        assert not values.flags.writeable, variables
    assert net.fingerprint() == before
    evidence = {"location": "flank", "back_spasm": "yes"}
    ours = net.engine.query_one(evidence)["stone"]
    theirs = VariableElimination(net.model).query(["stone"], evidence=evidence)
    np.testing.assert_allclose([ours["no"], ours["yes"]], theirs.values, atol=1e-12)


def test_a_fresh_copy_never_inherits_an_edit_of_the_shared_network() -> None:
    # explore() and diagnose() without a network hand out the shared bundled one
    # (``Diagnosis.network``); an edit to it once reached every later load_network().
    from backspasm import diagnose, explore
    from backspasm.network import EditedNetworkWarning, default_network

    case = {"spasm_location": "flank", "blood_in_urine": "yes"}
    pristine = diagnose(case, network=load_network()).posterior("kidney_stones")
    shared = diagnose(case).network
    assert shared is default_network()
    values = shared.model.get_cpds("kidney_stones").values
    saved = values.copy()
    try:
        values[:] = 0.5
        with pytest.warns(EditedNetworkWarning, match="edited in place"):
            assert diagnose(case).posterior("kidney_stones") != pytest.approx(pristine)
        assert diagnose(case, network=load_network()).posterior("kidney_stones") == (
            pytest.approx(pristine, abs=1e-12)
        )
    finally:
        values[:] = saved
    # the widget's default network is its own: editing it touches nothing else
    ex = explore(case)
    assert ex.network is not default_network()
    mine = ex.network.model.get_cpds("kidney_stones").values
    mine[1] *= 0.1
    mine[0] = 1 - mine[1]
    assert ex.diagnosis.posterior("kidney_stones") < pristine
    assert diagnose(case).posterior("kidney_stones") == pytest.approx(pristine, abs=1e-12)


def test_check_lists_the_knowledge_files_it_read():
    # A node in a file check never read vanished without a word (audit 20): the
    # report names every file read, so a missing one shows.
    report = load_network(BUNDLED_KNOWLEDGE).report()
    line = next(x for x in report.splitlines() if x.startswith("files read: "))
    assert line.removeprefix("files read: ").split(", ") == sorted(
        p.name for p in BUNDLED_KNOWLEDGE.glob("*.toml")
    )


def test_repr_says_when_the_numbers_were_edited_in_place():
    # Notebook 01 doubles P(kidney_stones = yes) in the model's CPD: the fingerprint
    # changed, yet the repr still said "(bundled)" as if the numbers were the bundled ones.
    net = load_network()
    loaded = net.fingerprint()
    assert repr(net).endswith("from backspasm/knowledge (bundled)>")
    assert not net.edited  # the model is not even built yet
    cpd = net.model.get_cpds("kidney_stones")
    assert repr(net).endswith("(bundled)>")
    assert not net.edited
    yes = cpd.state_names["kidney_stones"].index("yes")
    saved = cpd.values.copy()
    values = cpd.get_values().copy()
    values[yes] *= 2
    values[1 - yes] = 1 - values[yes]
    cpd.values = values.reshape(cpd.values.shape)
    assert net.fingerprint() != loaded
    assert net.edited
    sizes = f"{len(net.node_names)} nodes, {len(net.model.edges())} edges"
    assert repr(net) == (
        f"<Network: {sizes}, 19 causes, from backspasm/knowledge (bundled, edited in place)>"
    )
    cpd.values = saved  # the numbers it was loaded with: not edited any more
    assert net.fingerprint() == loaded
    assert repr(net).endswith("(bundled)>")


def test_repr_of_an_edited_variant_says_so_after_its_folder(toy_spec_dir):
    folder = toy_spec_dir()
    net = load_network(folder)
    net.model.get_cpds("stone").values[:] = [0.9, 0.1]
    assert repr(net).endswith(f"from {folder} (edited in place)>")


def test_a_table_made_without_state_names_is_refused_saying_which_to_give():
    # TabularCPD("sex", 2, [[0.3], [0.7]]) numbers its states 0 and 1: repr(net),
    # net.edited and diagnose raised "TypeError: sequence item 0: expected str
    # instance, int found" from inside the fingerprint.
    from backspasm import diagnose

    net = load_network()
    net.model.add_cpds(TabularCPD("sex", 2, [[0.3], [0.7]]))
    assert net.edited
    assert repr(net).endswith("(bundled, edited in place)>")
    with pytest.raises(BackspasmError) as info:
        diagnose({"age": 40}, network=net)
    said = str(info.value)
    assert "node 'sex' has states ['0', '1']; the knowledge base has ['female', 'male']" in said
    assert "made without state_names" in said
    assert "state_names={'sex': ['female', 'male']}" in said


@pytest.mark.parametrize(
    ("values", "shown"),
    [
        (np.array(["0.6", "0.4"]), "'0.6'"),  # numbers read as text
        (np.array(["n/a", "0.4"]), "'n/a'"),
        (np.array([0.6, None], dtype=object), "None"),  # was refused as holding nan
    ],
)
def test_a_table_holding_what_is_not_a_number_is_refused_naming_it(values, shown):
    # Text passed the check of the numbers and failed deep inside numpy, in pgmpy's
    # check_model ("Cannot cast scalar from dtype('bool') to dtype('<U3')") or in the
    # fingerprint, where repr(net) failed too ("could not convert string to float").
    from backspasm import diagnose

    net = load_network()
    net.model.get_cpds("sex").values = values
    assert net.edited
    assert repr(net).endswith("(bundled, edited in place)>")
    with pytest.raises(BackspasmError) as info:
        diagnose({"age": 40}, network=net)
    assert str(info.value) == (
        f"In the pgmpy model, the table of node 'sex' holds {shown}, not a number; every "
        "probability must be a number from 0 to 1."
    )


def flank_variant(toy_spec_dir, old: str, new: str) -> Network:
    """The toy knowledge base with the flank_tender finding, one of its numbers changed."""
    from helpers import FLANK_TENDER

    assert old in FLANK_TENDER
    return load_network(toy_spec_dir(extra=FLANK_TENDER.replace(old, new)))


def test_zero_answers_names_the_table_that_makes_an_answer_impossible(toy_spec_dir):
    # A leak of 1 on a finding passed check; diagnose({"flank_tender": "no"}) then
    # said only that the answers had probability zero.
    from backspasm import diagnose
    from backspasm.exceptions import ImpossibleEvidenceError

    net = flank_variant(toy_spec_dir, "leak = { p = 0.05,", "leak = { p = 1.0,")
    with pytest.raises(ImpossibleEvidenceError) as info:
        diagnose({"flank_tender": "no"}, network=net)
    assert "probability zero" in str(info.value)
    said = (
        "The table of node 'flank_tender' (declared in nodes.toml) gives "
        "P(flank_tender=no)=0 in every case."
    )
    assert net.zero_answers({"flank_tender": "no", "back_spasm": "yes"}) == said
    assert net.zero_answers({"flank_tender": 0}) == said  # a state index
    assert net.zero_answers({"flank_tender": (1.0, 0.0)}) == said  # a likelihood
    assert net.zero_answers({"flank_tender": (0.3, 0.7)}) == ""  # unsure: possible
    assert net.zero_answers({"flank_tender": "yes"}) == ""
    net.model.check_model()  # the built model's tables say the same
    assert net.zero_answers({"flank_tender": "no"}) == said


def test_zero_answers_names_the_parents_answers_that_rule_a_state_out(toy_spec_dir):
    net = flank_variant(toy_spec_dir, "strength.stone = { p = 0.7,", "strength.stone = { p = 1,")
    assert net.zero_answers({"flank_tender": "no"}) == ""  # possible without a stone
    assert net.zero_answers({"flank_tender": "no", "stone": "yes"}) == (
        "The table of node 'flank_tender' (declared in nodes.toml) gives "
        "P(flank_tender=no)=0 when stone=yes."
    )
    # Answers impossible only together, through two tables, name neither: a flank
    # location needs a stone, and a stone makes flank tenderness certain.
    from backspasm.exceptions import ImpossibleEvidenceError
    from helpers import FLANK_TENDER

    both = load_network(
        toy_spec_dir(
            {"p = { lower_back = 0.9, flank = 0.1 }": "p = { lower_back = 1.0, flank = 0.0 }"},
            extra=FLANK_TENDER.replace("strength.stone = { p = 0.7,", "strength.stone = { p = 1,"),
        )
    )
    answers = {"location": "flank", "flank_tender": "no"}
    with pytest.raises(ImpossibleEvidenceError):
        both.engine.query_one(answers)
    assert both.zero_answers(answers) == ""


def test_zero_answers_reads_a_model_edited_in_place(toy_spec_dir):
    net = load_network(toy_spec_dir())
    net.model.get_cpds("stone").values[:] = [1.0, 0.0]
    assert net.zero_answers({"stone": "yes"}) == (
        "The table of node 'stone' (as edited in place) gives P(stone=yes)=0 in every case."
    )


def test_check_cause_names_what_a_name_is_and_the_causes(toy_spec_dir):
    from backspasm.network import NotACauseError

    net = load_network(toy_spec_dir())
    assert net.check_cause("stone") == "stone"
    with pytest.raises(NotACauseError) as info:
        net.check_cause("location")
    assert str(info.value) == (
        "'location' is not a cause of the network: it is a finding node. "
        "The causes: strain, stone."
    )
    assert isinstance(info.value, BackspasmError)
    assert isinstance(info.value, KeyError)
    with pytest.raises(NotACauseError) as info:
        net.check_cause("exertion")
    assert "it is an exposure node" in str(info.value)
    with pytest.raises(NotACauseError) as info:
        net.check_cause("stoen")
    assert str(info.value) == (
        "'stoen' is not a cause of the network (nor any of its nodes). "
        "Did you mean 'stone'? The causes: strain, stone."
    )


@pytest.mark.parametrize("fmt", ["bif", "xdsl"])
def test_export_refuses_an_edited_model_diagnose_refuses(tmp_path, fmt):
    # a column summing to 1.2 was written without a word (export review, session 52),
    # though diagnose refuses the same model and pgmpy's check_model the file
    net = load_network()
    cpd = net.model.get_cpds("blood_in_urine")
    values = cpd.values.copy()
    values[(1,) + (0,) * (values.ndim - 1)] += 0.2
    cpd.values = values
    with pytest.raises(BackspasmError, match=r"blood_in_urine.* sums to 1.2"):
        net.export(tmp_path / f"bad.{fmt}")
    assert list(tmp_path.iterdir()) == []


def test_the_export_command_names_the_format_and_warns_of_xmlbif_renames(tmp_path, capsys):
    # `export -o net.XML` said "(XML)" and renamed '40-64' to '40_64' without a word
    # on the command line (export review, session 52)
    from backspasm.cli import main

    assert main(["export", "-o", str(tmp_path / "net.XML")]) == 0
    err = capsys.readouterr().err
    assert f"wrote {tmp_path / 'net.XML'} (xmlbif)" in err
    assert "renames 3 state name(s) ('18-39' as '18_39'" in err
    assert main(["export", "-o", str(tmp_path / "net.xdsl")]) == 0
    err = capsys.readouterr().err
    assert "(xdsl)" in err
    assert "warning" not in err


def test_the_bibliography_line_counts_entries_in_words_apart_from_the_numbers_kinds() -> None:
    # "260 found" beside "read 235" was read as a count of numbers (a notebook audit)
    summary = load_network().summary()
    parts = summary["source_tags"].split(", ")
    assert parts[0].endswith("read first-hand")
    assert not any(p.endswith(" found") for p in parts)
    assert sum(int(p.split()[0]) for p in parts) == summary["sources"]


def test_a_notebook_shows_the_network_as_checks_report_in_a_table() -> None:
    # the network showed only its one-line repr where a diagnosis shows tables
    net = load_network()
    page = net._repr_html_()
    assert page.startswith("<p><b>&lt;Network: 107 nodes, 221 edges, 19 causes")
    rows = re.findall(r"<tr><th[^>]*>([^<]*)</th><td[^>]*>([^<]*)</td></tr>", page)
    said = dict(rows)
    for line in net.report().splitlines():
        key, _, value = line.partition(": ")
        assert said[key] == (value[:16] + "\u2026" if key == "fingerprint" else value)


def test_the_report_names_the_tables_edited_in_place() -> None:
    # net.report() of an edited network said nothing of the edit (net.edited did)
    net = load_network()
    before = net.report()
    assert "edited" not in before
    fever, blood = net.model.get_cpds("fever"), net.model.get_cpds("blood_in_urine")
    old_fever, old_blood = fever.values.copy(), blood.values.copy()
    fever.values = old_fever[::-1].copy()
    blood.values = np.where(old_blood > 0.5, 0.9, 0.1)
    lines = net.report().splitlines()
    edited = [line for line in lines if line.startswith("edited in place: ")]
    assert edited == [
        "edited in place: fever, blood_in_urine (their tables differ in network.model from "
        "the knowledge base's; the declared numbers below are the knowledge base's)"
    ]
    assert lines.index(edited[0]) == 2  # beside where the numbers came from
    assert "<th style='text-align:left;vertical-align:top'>edited in place</th>" in (
        net._repr_html_()
    )
    blood.values = old_blood
    assert "edited in place: fever (its table differs in network.model from" in net.report()
    fever.values = old_fever  # the edits undone: nothing more is said
    assert net.report() == before


def _entry_points(network: object, folder: Path) -> dict[str, object]:
    """Call every public function that takes ``network=``, with ``network`` (lazily)."""
    import pandas as pd

    from backspasm import evaluate, fit_network, sample_cases, score_cases
    from backspasm.figures import (
        plot_calibration,
        plot_case_mix,
        plot_network,
        write_teaching_figures,
    )
    from backspasm.interview import interview
    from backspasm.scoring import output_columns, score_file

    cases = pd.DataFrame({"age": ["40"], "fever": ["yes"]})
    source = folder / "cases.csv"
    cases.to_csv(source, index=False)
    scored = pd.DataFrame({"top_cause": ["muscle_strain"], "triage": ["self_care"]})
    return {
        "score_cases": lambda: score_cases(cases, network=network),
        "score_file": lambda: score_file(source, folder / "out.csv", network=network),
        "output_columns": lambda: output_columns(network),
        "sample_cases": lambda: sample_cases(5, seed=1, network=network),
        "fit_network": lambda: fit_network(cases, network=network),
        "plot_network": lambda: plot_network(network),
        "plot_case_mix": lambda: plot_case_mix(scored, network=network),
        "plot_calibration": lambda: plot_calibration(
            evaluate(cases.assign(expected_cause="muscle_strain")),
            cause="muscle_strain",
            network=network,
        ),
        "write_teaching_figures": lambda: write_teaching_figures(folder, network=network),
        "interview": lambda: interview(lambda _: None, lambda _: None, network=network),
    }


@pytest.mark.parametrize(
    "name",
    [
        "score_cases",
        "score_file",
        "output_columns",
        "sample_cases",
        "fit_network",
        "plot_network",
        "plot_case_mix",
        "plot_calibration",
        "write_teaching_figures",
        "interview",
    ],
)
def test_every_function_refuses_a_path_or_a_pgmpy_model_as_its_network(name, tmp_path):
    # diagnose, evaluate and the explain functions said "network must be a Network";
    # these raised AttributeError: 'str' object has no attribute 'spec' (or
    # 'model_built'), from inside, for score_cases(df, network="my_variant").
    for given, kind in (("my_variant", "str"), (load_network().model, "DiscreteBayesianNetwork")):
        call = _entry_points(given, tmp_path)[name]
        with pytest.raises(TypeError, match=f"network must be a Network, got {kind}: load a "):
            call()  # type: ignore[operator]


def test_an_edge_removed_in_place_is_an_edit_the_report_names() -> None:
    # net.edited stayed False (and report() silent) when only an edge was removed
    # from network.model: pgmpy leaves the child's table as it was
    net = load_network()
    before, fingerprint = net.report(), net.fingerprint()
    assert not net.edited
    net.model.remove_edge("previous_kidney_stone", "kidney_stones")
    assert net.edited
    # the provenance a scored file records changes too (it did not: tables only)
    assert net.fingerprint() != fingerprint
    assert net.fingerprint_parts()["numbers"] != load_network().numbers_fingerprint()
    assert repr(net).endswith("(bundled, edited in place)>")
    lines = net.report().splitlines()
    changed = [line for line in lines if line.startswith("edges changed in place: ")]
    assert len(changed) == 1
    assert changed[0].startswith(
        "edges changed in place: removed previous_kidney_stone -> kidney_stones (in "
        "network.model, not in the knowledge base;"
    )
    net.model.add_edge("previous_kidney_stone", "kidney_stones")  # undone: no edit
    assert not net.edited
    assert net.report() == before
    assert net.fingerprint() == fingerprint


def test_numbers_lists_every_declared_number_with_its_source(toy_spec_dir) -> None:
    # A researcher asking "where does this number come from" had to walk spec.parameters()
    # and translate the bibliography's tags by hand, as notebook 01 did.
    net = load_network()
    table = net.numbers()
    assert list(table.columns) == [
        "node",
        "label",
        "group",
        "field",
        "value",
        "count",
        "source",
        "kind",
        "citation",
        "why",
    ]
    by_kind = table.groupby("kind")["count"].sum()
    assert {k: int(by_kind.get(k, 0)) for k in net.spec.numbers_by_kind()} == (
        net.spec.numbers_by_kind()
    )
    assert table["count"].sum() == net.summary()["numbers"]
    row = table.set_index(["node", "field"]).loc[("muscle_strain", "strength.recent_exertion")]
    assert (row["value"], row["kind"], row["source"]) == (0.15, "read", "Steffens15")
    assert row["citation"].startswith("Steffens D")
    assumed = table[table["kind"] == "assumption"]
    assert len(assumed) > 0
    assert (assumed["citation"] == "").all()
    assert (assumed["why"] != "").all()
    # a distribution stays a distribution; a variant knowledge base has its own numbers
    toy = load_network(toy_spec_dir()).numbers()
    where = toy.set_index(["node", "field"])
    assert where.loc[("location", "table[1]"), "value"] == {"lower_back": 0.2, "flank": 0.8}
    assert set(toy["node"]) <= set(load_network(toy_spec_dir()).node_names)
