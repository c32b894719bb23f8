"""Expected disablement (Richens et al. 2020) on twin networks, against brute force."""

from __future__ import annotations

import graphlib
import itertools
import math
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pytest

from backspasm.diagnosis import diagnose
from backspasm.exceptions import BackspasmError, ImpossibleEvidenceError
from backspasm.explain.counterfactual import (
    counterfactual_ranking,
    disablement_by_finding,
    disablement_matrix,
    expected_disablement,
)
from backspasm.explain.twin import twin_network
from backspasm.network import Network, default_network, load_network

TOL = 1e-9

SOURCES = """
[sources.Toy20]
citation = "Toy A. A small study. J Tests 2020;1:1-2."
tag = "found"
"""

# Two causes; D1 -> M -> F1 (two layers), D1 -> F2 directly and via M (two paths),
# L a finding switched on only by its leak (its link from D2 has strength 0), back_spasm through M and D2.
CHAIN = """
[nodes.exertion]
group = "exposure"
label = "Exertion"
description = "x"
prior = { p = 0.3, source = "Toy20" }

[nodes.d1]
group = "cause_pathologic"
label = "D1"
description = "x"
parents = ["exertion"]
leak = { p = 0.1, source = "Toy20" }
strength.exertion = { p = 0.6, source = "Toy20" }

[nodes.d2]
group = "cause_serious"
label = "D2"
description = "x"
prior = { p = 0.2, source = "Toy20" }

[nodes.m]
group = "mechanism"
label = "M"
description = "x"
parents = ["d1", "d2"]
leak = { p = 0.05, source = "Toy20" }
strength.d1 = { p = 0.7, source = "Toy20" }
strength.d2 = { p = 0.5, source = "Toy20" }

[nodes.f1]
group = "finding"
label = "F1"
description = "x"
parents = ["m"]
leak = { p = 0.1, source = "Toy20" }
strength.m = { p = 0.8, source = "Toy20" }

[nodes.f2]
group = "finding"
label = "F2"
description = "x"
parents = ["d1", "m"]
leak = { p = 0.05, source = "Toy20" }
strength.d1 = { p = 0.4, source = "Toy20" }
strength.m = { p = 0.6, source = "Toy20" }

[nodes.leaky]
group = "finding"
label = "L"
description = "x"
parents = ["d2"]
leak = { p = 0.3, source = "Toy20" }
strength.d2 = { p = 0.0, source = "Toy20" }

[nodes.back_spasm]
group = "presentation"
label = "Back spasm"
description = "x"
parents = ["m", "d2"]
leak = { p = 0.2, source = "Toy20" }
strength.m = { p = 0.9, source = "Toy20" }
strength.d2 = { p = 0.3, source = "Toy20" }
"""

# A binary table mediator t, a multi-state table mediator s whose non-reference states
# carry different noisy-OR strengths into f1, a multi-state root parent (age), and a
# direct finding f3.
TABLES = """
[nodes.age]
group = "context"
label = "Age"
description = "x"
states = ["young", "mid", "old"]
prior = { p = { young = 0.5, mid = 0.3, old = 0.2 }, source = "Toy20" }

[nodes.d1]
group = "cause_pathologic"
label = "D1"
description = "x"
parents = ["age"]
leak = { p = 0.05, source = "Toy20" }
strength.age = { p = { mid = 0.1, old = 0.3 }, source = "Toy20" }

[nodes.d2]
group = "cause_serious"
label = "D2"
description = "x"
prior = { p = 0.15, source = "Toy20" }

[nodes.t]
group = "mechanism"
label = "T"
description = "x"
parents = ["d1", "d2"]
table = [
  { when = { d1 = "no", d2 = "no" }, p = 0.1, source = "Toy20" },
  { when = { d1 = "no", d2 = "yes" }, p = 0.6, source = "Toy20" },
  { when = { d1 = "yes", d2 = "no" }, p = 0.5, source = "Toy20" },
  { when = { d1 = "yes", d2 = "yes" }, p = 0.9, source = "Toy20" },
]

[nodes.s]
group = "mechanism"
label = "S"
description = "x"
states = ["none", "mild", "severe"]
parents = ["d1"]
table = [
  { when = { d1 = "no" }, p = { none = 0.7, mild = 0.2, severe = 0.1 }, source = "Toy20" },
  { when = { d1 = "yes" }, p = { none = 0.1, mild = 0.3, severe = 0.6 }, source = "Toy20" },
]

[nodes.f1]
group = "finding"
label = "F1"
description = "x"
parents = ["t", "s"]
leak = { p = 0.05, source = "Toy20" }
strength.t = { p = 0.7, source = "Toy20" }
strength.s = { p = { mild = 0.3, severe = 0.8 }, source = "Toy20" }

[nodes.f3]
group = "finding"
label = "F3"
description = "x"
parents = ["d1"]
leak = { p = 0.1, source = "Toy20" }
strength.d1 = { p = 0.5, source = "Toy20" }

[nodes.back_spasm]
group = "presentation"
label = "Back spasm"
description = "x"
parents = ["t", "d2"]
leak = { p = 0.25, source = "Toy20" }
strength.t = { p = 0.85, source = "Toy20" }
strength.d2 = { p = 0.35, source = "Toy20" }
"""

# Two causes and one finding: the two-layer network of Richens et al. (with the
# back_spasm node every knowledge base needs, never observed in these tests).
TWO_LAYER = """
[nodes.d1]
group = "cause_pathologic"
label = "D1"
description = "x"
prior = { p = 0.1, source = "Toy20" }

[nodes.d2]
group = "cause_serious"
label = "D2"
description = "x"
prior = { p = 0.25, source = "Toy20" }

[nodes.f]
group = "finding"
label = "F"
description = "x"
parents = ["d1", "d2"]
leak = { p = 0.07, source = "Toy20" }
strength.d1 = { p = 0.65, source = "Toy20" }
strength.d2 = { p = 0.4, source = "Toy20" }

[nodes.back_spasm]
group = "presentation"
label = "Back spasm"
description = "x (unobserved here: it changes no answer)"
parents = ["d1", "d2"]
leak = { p = 0.2, source = "Toy20" }
strength.d1 = { p = 0.5, source = "Toy20" }
strength.d2 = { p = 0.5, source = "Toy20" }
"""


def toy(tmp_path: Path, name: str, nodes: str) -> Network:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "sources.toml").write_text(SOURCES)
    (folder / "nodes.toml").write_text(nodes)
    return load_network(folder)


# ------------------------------------------------------------------ brute force


def _strength(net: Network, node: str, parent: str, state: str) -> float:
    p = net.spec.nodes[node].strengths[parent].p
    if isinstance(p, Mapping):
        return float(p.get(state, 0.0))
    return float(p) if state == net.spec.nodes[parent].states[-1] else 0.0


def _table_cdfs(net: Network, node: str) -> dict[tuple[str, ...], np.ndarray]:
    spec = net.spec.nodes[node]
    out = {}
    for row in spec.table:
        p = row.param.p
        probs = [float(p[s]) for s in spec.states] if isinstance(p, Mapping) else [1 - p, p]
        cdf = np.cumsum(probs)
        cdf[-1] = 1.0
        out[tuple(row.when[q] for q in spec.parents)] = cdf
    return out


Worlds = tuple[dict[str, np.ndarray], dict[str, np.ndarray], np.ndarray]


def enumerate_worlds(net: Network, cause: str) -> Worlds:
    """Factual and counterfactual (do(cause = no)) worlds of every exogenous setting.

    Noisy-OR: a Bernoulli leak and one Bernoulli per (parent, non-reference state).
    Tables: one uniform per node, read through the CDF in both worlds; it is
    enumerated exactly by cutting [0, 1] at every CDF value of every parent row.
    Roots: their state.
    """
    spec = net.spec
    order = list(
        graphlib.TopologicalSorter({n: s.parents for n, s in spec.nodes.items()}).static_order()
    )
    axes: list[tuple[tuple[str, ...], np.ndarray, np.ndarray]] = []  # key, values, weights
    for node in order:
        s = spec.nodes[node]
        if s.form == "prior":
            p = s.prior.p
            w = [float(p[x]) for x in s.states] if isinstance(p, Mapping) else [1 - p, p]
            axes.append(((node,), np.arange(len(s.states)), np.array(w)))
        elif s.form == "noisy_or":
            leak = float(s.leak.p)
            axes.append(((node, "leak"), np.array([0, 1]), np.array([1 - leak, leak])))
            for parent in s.parents:
                for state in spec.nodes[parent].states[1:]:
                    lam = _strength(net, node, parent, state)
                    axes.append(
                        ((node, parent, state), np.array([0, 1]), np.array([1 - lam, lam]))
                    )
        elif s.form == "table":
            cuts = sorted(
                {0.0, 1.0, *(float(c) for cdf in _table_cdfs(net, node).values() for c in cdf)}
            )
            lo, hi = np.array(cuts[:-1]), np.array(cuts[1:])
            keep = hi > lo
            axes.append(((node, "u"), ((lo + hi) / 2)[keep], (hi - lo)[keep]))
        else:  # pragma: no cover - the toy networks use no other form
            raise NotImplementedError(s.form)
    shape = tuple(len(v) for _, v, _ in axes)
    grid = np.indices(shape, dtype=np.int32).reshape(len(shape), -1)
    noise = {key: values[grid[k]] for k, (key, values, _) in enumerate(axes)}
    weight = np.ones(grid.shape[1])
    for k, (_, _, w) in enumerate(axes):
        weight *= w[grid[k]]

    def world(do: Mapping[str, str]) -> dict[str, np.ndarray]:
        val: dict[str, np.ndarray] = {}
        for node in order:
            s = spec.nodes[node]
            if node in do:
                val[node] = np.full(grid.shape[1], s.states.index(do[node]))
            elif s.form == "prior":
                val[node] = noise[(node,)]
            elif s.form == "noisy_or":
                on = noise[(node, "leak")] == 1
                for parent in s.parents:
                    for i, state in enumerate(spec.nodes[parent].states[1:], start=1):
                        on = on | ((noise[(node, parent, state)] == 1) & (val[parent] == i))
                val[node] = on.astype(int)
            else:
                u = noise[(node, "u")]
                out = np.zeros(grid.shape[1], dtype=int)
                for combo, cdf in _table_cdfs(net, node).items():
                    rows = np.ones(grid.shape[1], dtype=bool)
                    for parent, state in zip(s.parents, combo, strict=True):
                        rows &= val[parent] == spec.nodes[parent].states.index(state)
                    out[rows] = (u[rows][:, None] >= cdf[None, :]).sum(axis=1)
                val[node] = out
        return val

    return world({}), world({cause: "no"}), weight


def brute_force(
    net: Network, cause: str, evidence: Mapping[str, object], worlds: Worlds | None = None
) -> tuple[float, float]:
    """(posterior, expected disablement): condition the enumerated worlds on the evidence."""
    spec = net.spec
    factual, counter, weight = worlds if worlds is not None else enumerate_worlds(net, cause)
    like = weight.copy()
    positives = []
    for node, value in evidence.items():
        states = spec.nodes[node].states
        if isinstance(value, str):
            like *= factual[node] == states.index(value)
            if value == "yes" and spec.nodes[node].group in ("finding", "presentation"):
                positives.append(node)
        else:
            like *= np.asarray(value, dtype=float)[factual[node]]
    p_e = like.sum()
    posterior = (like * (factual[cause] == 1)).sum() / p_e
    disabled = sum((counter[f] == 0).astype(float) for f in positives)
    return float(posterior), float((like * disabled).sum() / p_e)


def _cases(observable: list[str], extra: list[dict[str, object]]) -> list[dict[str, object]]:
    cases = []
    for combo in itertools.product((None, "yes", "no"), repeat=len(observable)):
        case = {n: v for n, v in zip(observable, combo, strict=True) if v is not None}
        cases.append(case)
    return cases + extra


def _check_against_brute_force(net: Network, cases: list[dict[str, object]]) -> int:
    causes = ["d1", "d2"]
    worlds = {cause: enumerate_worlds(net, cause) for cause in causes}
    for case in cases:
        table = expected_disablement(case, causes=causes, network=net).set_index("cause")
        for cause in causes:
            posterior, dis = brute_force(net, cause, case, worlds[cause])
            assert table.loc[cause, "posterior"] == pytest.approx(posterior, abs=TOL), (
                cause,
                case,
            )
            assert table.loc[cause, "expected_disablement"] == pytest.approx(dis, abs=TOL), (
                cause,
                case,
            )
    return len(cases)


# ------------------------------------------------------------------ toy networks


def test_chain_two_paths_and_leak_only_match_brute_force(tmp_path):
    net = toy(tmp_path, "chain", CHAIN)
    twin = twin_network("d1", net)
    assert set(twin.copies) == {"m", "f1", "f2", "back_spasm"}
    assert set(twin.couplings.values()) == {"noisy_or"}
    assert set(twin_network("d2", net).copies) == {"m", "f1", "f2", "back_spasm", "leaky"}
    extra = [
        {"m": "yes", "f1": "yes", "back_spasm": "yes"},
        {"m": "no", "f2": "yes", "back_spasm": "yes"},
        {"exertion": "yes", "f1": "yes", "f2": "yes", "back_spasm": "yes", "leaky": "yes"},
        {"d2": "yes", "f1": "yes", "back_spasm": "yes"},
        {"f1": "yes", "back_spasm": "yes", "exertion": (0.2, 0.9)},  # soft evidence
    ]
    n = _check_against_brute_force(net, _cases(["f1", "f2", "back_spasm", "leaky"], extra))
    assert n == 81 + len(extra)


def test_table_and_multistate_mediators_match_brute_force(tmp_path):
    net = toy(tmp_path, "tables", TABLES)
    twin = twin_network("d1", net)
    assert dict(twin.couplings) == {
        "t": "comonotone",
        "s": "comonotone",
        "f1": "noisy_or",
        "f3": "noisy_or",
        "back_spasm": "noisy_or",
    }
    extra = [
        {"age": "old", "f1": "yes", "f3": "yes", "back_spasm": "yes"},
        {"s": "severe", "f1": "yes", "back_spasm": "yes"},
        {"t": "yes", "f1": "yes", "back_spasm": "yes"},
        {"age": "mid", "d2": "yes", "f1": "yes", "back_spasm": "yes"},
    ]
    _check_against_brute_force(net, _cases(["f1", "f3", "back_spasm"], extra))


def test_richens_closed_form_two_layer(tmp_path):
    net = toy(tmp_path, "two", TWO_LAYER)
    p1, p2, lam1, lam2, leak = 0.1, 0.25, 0.65, 0.4, 0.07
    off_given_d2 = (1 - p2) + p2 * (1 - lam2)
    p_f_no = (1 - leak) * ((1 - p1) + p1 * (1 - lam1)) * off_given_d2
    p_f_no_d1 = (1 - leak) * p1 * (1 - lam1) * off_given_d2
    expected = lam1 / (1 - lam1) * p_f_no_d1 / (1 - p_f_no)
    table = expected_disablement({"f": "yes"}, network=net).set_index("cause")
    assert table.loc["d1", "expected_disablement"] == pytest.approx(expected, abs=TOL)
    assert brute_force(net, "d1", {"f": "yes"})[1] == pytest.approx(expected, abs=TOL)


def test_impossible_evidence_raises(tmp_path):
    net = toy(tmp_path, "two", TWO_LAYER.replace("p = 0.07", "p = 0.0"))
    with pytest.raises(ImpossibleEvidenceError):
        expected_disablement({"d1": "no", "d2": "no", "f": "yes"}, network=net)


def test_edited_model_falls_back_to_comonotone_and_recompiles(tmp_path):
    net = toy(tmp_path, "two", TWO_LAYER)
    before = twin_network("d1", net)
    assert before.couplings["f"] == "noisy_or"
    assert twin_network("d1", net) is before  # cached
    cpd = net.model.get_cpds("f")
    cpd.values[:, 1, 1] = [0.5, 0.5]  # d1 = yes, d2 = yes: no longer a noisy-OR
    after = twin_network("d1", net)
    assert after is not before
    assert after.couplings["f"] == "comonotone"
    # Comonotone on a single binary finding: P(F* = no | F = yes, pa) = 1 - p*/p.
    table = expected_disablement({"f": "yes", "d1": "yes", "d2": "no"}, network=net)
    p, p_star = 1 - (1 - 0.07) * (1 - 0.65), 0.07
    assert table.set_index("cause").loc["d1", "expected_disablement"] == pytest.approx(
        1 - p_star / p, abs=TOL
    )


# --------------------------------------------------------------- bundled network

KIDNEY = {
    "back_spasm": "yes",
    "spasm_location": "flank",
    "blood_in_urine": "yes",
    "nausea_or_vomiting": "yes",
}
ABSCESS = {
    "back_spasm": "yes",
    "fever": "yes",
    "iv_drug_use_or_immunosuppression": "yes",
    "muscle_weakness": "yes",
}
CASES = [
    KIDNEY,
    ABSCESS,
    {"back_spasm": "yes", "leg_or_buttock_pain": "yes", "tingling_or_numbness": "yes"},
    {"back_spasm": "yes", "spine_stiffness": "yes", "night_pain": "yes", "age_group": "18-39"},
    {"back_spasm": "yes", "saddle_numbness": "yes", "bowel_or_bladder_loss": "yes"},
    {"back_spasm": "yes"},
    {},
]


def test_default_causes_and_columns():
    net = default_network()
    table = expected_disablement(KIDNEY)
    assert list(table.columns) == [
        "cause",
        "label",
        "group",
        "posterior",
        "expected_disablement",
        "disablement_rank",
        "posterior_rank",
    ]
    # every cause, the fitness ones included, as evaluate(rank="disablement") ranks
    assert set(table["cause"]) == set(net.causes)
    assert len(table) == len(net.causes) == 19
    assert table["expected_disablement"].is_monotonic_decreasing
    assert list(table["disablement_rank"]) == list(range(1, 20))


def test_kidney_stone_case_ranks_kidney_stones_first():
    table = expected_disablement(KIDNEY)
    assert table["cause"].iloc[0] == "kidney_stones"


def test_epidural_abscess_case_ranks_abscess_first():
    table = expected_disablement(ABSCESS)
    assert table["cause"].iloc[0] == "epidural_abscess"


@pytest.mark.parametrize("case", CASES)
def test_bounds_posteriors_and_sums(case):
    net = default_network()
    table = expected_disablement(case).set_index("cause")
    positives = [
        n for n, v in case.items() if v == "yes" and net.group_of(n) in ("finding", "presentation")
    ]
    assert (table["expected_disablement"] >= -TOL).all()
    assert (table["expected_disablement"] <= len(positives) + TOL).all()
    exact = net.engine.query_one(case, targets=list(table.index))
    for cause in table.index:
        assert table.loc[cause, "posterior"] == pytest.approx(exact[cause]["yes"], abs=TOL)
    terms = disablement_by_finding(case)
    assert set(terms["finding"]) <= set(positives)
    assert ((terms["p_off"] >= -TOL) & (terms["p_off"] <= 1 + TOL)).all()
    sums = terms.groupby("cause")["p_off"].sum()
    for cause in table.index:
        assert table.loc[cause, "expected_disablement"] == pytest.approx(
            sums.get(cause, 0.0), abs=TOL
        )
    # P(F* = no, D = yes | E) <= P(D = yes | E): curing an absent cause changes nothing.
    assert (
        terms.set_index("cause")["p_off"]
        <= table.loc[terms["cause"], "posterior"].to_numpy() + TOL
    ).all()


def test_cause_with_posterior_zero_disables_nothing():
    case = {**KIDNEY, "kidney_stones": "no", "spinal_tumor": "no"}
    table = expected_disablement(case).set_index("cause")
    for cause in ("kidney_stones", "spinal_tumor"):
        assert table.loc[cause, "posterior"] == 0.0
        assert table.loc[cause, "expected_disablement"] == pytest.approx(0.0, abs=TOL)


def test_richens_closed_form_for_a_direct_parent_on_the_bundled_network():
    # blood_in_urine's parents are kidney_stones and pyelonephritis, neither a
    # descendant of kidney_stones: P(F* = no | E) = lam/(1-lam) P(E \ F, F = no, D = yes)/P(E).
    net = default_network()
    lam = float(net.spec.nodes["blood_in_urine"].strengths["kidney_stones"].p)
    engine = net.engine
    other = {**KIDNEY, "blood_in_urine": "no", "kidney_stones": "yes"}
    log_p = engine.log_evidence(engine.encode([KIDNEY, other]))
    expected = lam / (1 - lam) * math.exp(log_p[1] - log_p[0])
    terms = disablement_by_finding(KIDNEY, causes=["kidney_stones"]).set_index("finding")
    assert terms.loc["blood_in_urine", "p_off"] == pytest.approx(expected, abs=TOL)


def test_non_descendant_findings_are_never_disabled():
    terms = disablement_by_finding(KIDNEY, causes=["spinal_stenosis"]).set_index("finding")
    # spinal_stenosis does not cause blood in the urine, nausea.
    assert terms.loc["blood_in_urine", "p_off"] == 0.0
    assert terms.loc["nausea_or_vomiting", "p_off"] == 0.0


def test_diagnosis_input_and_alias():
    answers = {"spasm_location": "flank", "blood_in_urine": "yes", "nausea_or_vomiting": "yes"}
    d = diagnose(answers)
    ranked = counterfactual_ranking(d)
    direct = expected_disablement(dict(d.evidence))
    assert list(ranked["cause"]) == list(direct["cause"])
    np.testing.assert_allclose(
        ranked["expected_disablement"], direct["expected_disablement"], rtol=0, atol=TOL
    )
    np.testing.assert_allclose(ranked["posterior"], direct["posterior"], rtol=0, atol=TOL)
    by_cause = d.causes.set_index("cause")["posterior"]
    for r in ranked.itertuples(index=False):
        assert r.posterior == pytest.approx(by_cause[r.cause], abs=TOL)


def test_observed_complication_is_kept():
    case = {**ABSCESS, "saddle_anesthesia": "yes"}
    table = expected_disablement(case, causes=["epidural_abscess"]).set_index("cause")
    exact = default_network().engine.query_one(case, targets=["epidural_abscess"])
    assert table.loc["epidural_abscess", "posterior"] == pytest.approx(
        exact["epidural_abscess"]["yes"], abs=TOL
    )
    assert (
        "saddle_anesthesia"
        in twin_network("epidural_abscess", observed=["saddle_anesthesia"]).model.nodes()
    )
    assert "saddle_anesthesia" not in twin_network("epidural_abscess").model.nodes()


def test_bad_causes_are_reported():
    with pytest.raises(BackspasmError, match="kidney_stones"):
        expected_disablement(KIDNEY, causes=["kidney_stone"])
    with pytest.raises(BackspasmError, match="binary"):
        expected_disablement(KIDNEY, causes=["age_group"])


def test_unsure_answers_condition_but_are_not_counted():
    d = diagnose(
        {"fever": 0.7, "iv_drug_use_or_immunosuppression": "yes", "muscle_weakness": "yes"}
    )
    assert isinstance(d.evidence["fever"], tuple)
    terms = disablement_by_finding(d)
    assert set(terms["finding"]) == {"muscle_weakness", "back_spasm"}
    table = counterfactual_ranking(d).set_index("cause")
    by_cause = d.causes.set_index("cause")["posterior"]
    for cause in table.index:
        assert table.loc[cause, "posterior"] == pytest.approx(by_cause[cause], abs=TOL)


def test_batch_matrix_equals_the_case_by_case_ranking():
    # One query per cause for a whole batch of different cases (an empty one, and
    # one that observes a complication, which the twins of the whole batch then keep)
    # gives every case the numbers of its own, case-by-case ranking.
    batch = [*CASES, {**ABSCESS, "saddle_anesthesia": "yes"}]
    causes = ["kidney_stones", "epidural_abscess", "herniated_disc", "muscle_strain"]
    posterior, disablement = disablement_matrix(batch, causes=causes)
    assert posterior.shape == disablement.shape == (len(batch), len(causes))
    for row, case in enumerate(batch):
        table = expected_disablement(case, causes=causes).set_index("cause")
        for j, cause in enumerate(causes):
            assert posterior[row, j] == pytest.approx(table.loc[cause, "posterior"], abs=TOL)
            assert disablement[row, j] == pytest.approx(
                table.loc[cause, "expected_disablement"], abs=TOL
            )
    # Without positive findings there is nothing to switch off.
    assert np.all(disablement[CASES.index({})] == 0.0)


def test_batch_matrix_reports_impossible_evidence(tmp_path):
    net = toy(tmp_path, "two", TWO_LAYER.replace("p = 0.07", "p = 0.0"))
    impossible = {"d1": "no", "d2": "no", "f": "yes"}
    with pytest.raises(ImpossibleEvidenceError, match="probability zero") as caught:
        disablement_matrix([{"f": "yes"}, impossible], network=net, causes=["d1"])
    assert str(impossible) in str(caught.value)


def test_the_twin_cache_is_bounded_when_the_numbers_keep_changing(tmp_path, monkeypatch):
    # A what-if sweep changes the fingerprint at every step; the cache once grew by a
    # compiled twin per cause and step, never freed (about 87 MB per step).
    from backspasm.explain import twin as twin_module

    monkeypatch.setattr(twin_module, "_TWINS", type(twin_module._TWINS)(3))
    net = toy(tmp_path, "two", TWO_LAYER)
    cpd = net.model.get_cpds("f")
    first = twin_network("d1", net)
    for p in (0.6, 0.55, 0.5, 0.45):
        cpd.values[:, 1, 1] = [p, 1 - p]
        twin_network("d1", net)
        twin_network("d2", net)
        assert len(twin_module._TWINS) <= 3
    assert first not in twin_module._TWINS._values.values()
    latest = twin_network("d2", net)
    assert twin_network("d2", net) is latest  # the newest is still cached


def test_a_twin_of_an_edited_table_diagnose_refuses_is_refused(tmp_path):
    # twin_network copied the tables into the twin as they were: a column summing to
    # 1.5 gave a twin engine and counterfactual numbers without a word.
    net = toy(tmp_path, "two", TWO_LAYER)
    net.model.get_cpds("f").values[:, 1, 1] = [0.9, 0.6]
    with pytest.raises(BackspasmError, match=r"of the table of node 'f' sums to 1\.5, not 1"):
        twin_network("d1", net)
