"""The fast paths of ``score --explain`` give the numbers of the one-query-per-row paths.

* the MAP by single-cause bounds equals the search by steps of causes;
* the reasons of the first-ranked cause by two retractions equal those of
  :func:`~backspasm.queries.reasons` (one query per withheld answer);
* the information gain asked only where ``next_question`` reads it equals the full one;
* a file scored at once equals its rows scored one at a time, for rows sharing an
  answer pattern with many distinct values and rows of many patterns;
* the triage drivers' retractions of a few cases on the fused kernel (``eager``)
  equal the numpy kernel's;
* a batch whose cases are all possible gives the values it gives beside an
  impossible case;
* a file explained in many small batches, two at a time, equals it explained at once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from backspasm._numeric import answered
from backspasm._numeric import entropy_bits as _entropy_bits
from backspasm.engine import CompiledNetwork
from backspasm.learning import sample_cases
from backspasm.network import Network, default_network
from backspasm.queries import (
    candidate_questions,
    cause_posteriors,
    information_gain,
    query_cases,
    reasons,
)
from backspasm.queries.mpe import _branch_and_bound, most_probable_explanation
from backspasm.queries.questions import Asked
from backspasm.queries.top_reasons import top_cause_reasons
from backspasm.scoring import score_cases
from backspasm.triage import interview_rank

from .test_contract import _cases


@pytest.fixture(scope="module")
def net() -> Network:
    return default_network()


def _batch(net: Network, frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """Evidence codes of sampled rows (node columns), back_spasm as a scored file has it."""
    out = {}
    for node in net.node_names:
        if node in frame:
            states = net.states(node)
            codes = [states.index(v) if isinstance(v, str) else -1 for v in frame[node]]
            out[node] = np.asarray(codes, dtype=np.int64)
    yes = net.states("back_spasm").index("yes")
    said = out.get("back_spasm", np.full(len(frame), -1, dtype=np.int64))
    out["back_spasm"] = np.where(said < 0, yes, said)
    return out


@pytest.fixture(scope="module")
def batch(net: Network) -> dict[str, np.ndarray]:
    frames = [
        sample_cases(150, network=net, seed=5, missing=0.3, columns="nodes"),
        sample_cases(60, network=net, seed=6, missing=0.8, columns="nodes"),
        sample_cases(40, network=net, seed=7, missing=0.0, columns="nodes"),
    ]
    frame = pd.concat(frames, ignore_index=True)
    keep = [c for c in frame.columns if c in set(net.node_names)]
    causes = set(net.causes)
    # Causes are not answered in a case file but for a few known ones; back_spasm = no.
    frame = frame[keep].astype(object)
    for c in causes & set(frame.columns):
        frame[c] = None
    frame.loc[::23, "herniated_disc"] = "yes"
    frame.loc[3::29, "kidney_stones"] = "no"
    frame.loc[7::31, "back_spasm"] = "no"
    evidence = _batch(net, frame)
    found = net.engine.query(evidence)
    return {k: v[found.possible] for k, v in evidence.items()}


def _posterior(net: Network, evidence: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    found = net.engine.query(evidence, targets=list(net.causes))
    return cause_posteriors(net, found.marginals), np.asarray(found.log_evidence)


def test_map_by_bounds_equals_the_search_by_steps(net: Network, batch: dict) -> None:
    posterior, log_e = _posterior(net, batch)
    states, prob, exact = most_probable_explanation(net, batch, posterior, log_e)
    old_states, old_prob, old_exact = _branch_and_bound(net, batch, posterior, log_e)
    assert old_exact.all()
    assert exact.all()
    np.testing.assert_array_equal(states, old_states)
    np.testing.assert_allclose(prob, old_prob, rtol=0, atol=1e-12)


def test_map_by_bounds_finds_a_map_the_greedy_misses(net: Network) -> None:
    # Every cause at even odds in the posterior the search starts from: no cause is
    # settled at the root, the bounds must branch (on the true marginals below it),
    # and the answer is still that of the search by steps.
    frame = sample_cases(30, network=net, seed=9, missing=0.9, columns="nodes")
    evidence = _batch(net, frame[[c for c in frame if c in set(net.node_names)]].astype(object))
    posterior, log_e = _posterior(net, evidence)
    flat = np.full_like(posterior, 0.5)
    states, prob, _ = most_probable_explanation(net, evidence, flat, log_e)
    old_states, old_prob, _ = _branch_and_bound(net, evidence, posterior, log_e)
    np.testing.assert_array_equal(states, old_states)
    np.testing.assert_allclose(prob, old_prob, rtol=0, atol=1e-12)


def test_top_cause_reasons_equal_one_query_per_answer(net: Network, batch: dict) -> None:
    posterior, _ = _posterior(net, batch)
    given = {k: v >= 0 for k, v in batch.items()}
    fast = top_cause_reasons(net, batch, given, posterior)
    slow = reasons(net, batch, given, posterior)
    assert fast.nodes == slow.nodes
    top = np.argmax(np.round(posterior, 12), axis=1)
    rows = np.arange(len(top))
    a = fast.without[rows, :, top]
    b = slow.without[rows, :, top]
    np.testing.assert_array_equal(np.isnan(a), np.isnan(b))
    np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    ca, cb = fast.change[rows, :, top], slow.change[rows, :, top]
    np.testing.assert_array_equal(np.isnan(ca), np.isnan(cb))
    np.testing.assert_allclose(ca, cb, rtol=1e-7, atol=1e-9)
    # Every other cause is left out.
    other = np.ones(fast.without.shape, dtype=bool)
    other[rows, :, top] = False
    assert np.isnan(fast.without[other]).all()


def test_gain_where_asked_equals_the_full_gain(net: Network, batch: dict) -> None:
    nodes = [v for _, v in candidate_questions(net)]
    found = net.engine.query(batch, targets=[*net.causes, *nodes])
    posterior = cause_posteriors(net, found.marginals)
    rng = np.random.default_rng(3)
    where = rng.random((len(posterior), len(nodes))) < 0.2
    full = information_gain(net, batch, posterior, found.marginals, nodes)
    some = information_gain(net, batch, posterior, found.marginals, nodes, where=where)
    asked = where & ~np.isnan(full)
    assert asked.any()
    np.testing.assert_allclose(some[asked], full[asked], rtol=0, atol=1e-12)
    assert np.isnan(some[~where]).all()


def test_file_columns_give_the_same_next_question_and_reasons(net: Network, batch) -> None:
    full = query_cases(net, batch, pathologic=True, risks=True, explain=True)
    fast = query_cases(net, batch, pathologic=True, risks=True, explain=True, file_columns=True)
    np.testing.assert_array_equal(full.next_question(), fast.next_question())
    np.testing.assert_array_equal(full.mpe, fast.mpe)
    assert fast.reasons is not None
    assert full.reasons is not None
    top = np.argmax(np.round(full.posterior, 12), axis=1)
    rows = np.arange(len(top))
    np.testing.assert_allclose(
        fast.reasons.change[rows, :, top], full.reasons.change[rows, :, top], atol=1e-9
    )
    assert tuple(interview_rank(net, fast.questions)) == fast.question_rank


def _frames_equal(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert list(a.columns) == list(b.columns)
    for col in a.columns:
        x, y = a[col].to_numpy(), b[col].to_numpy()
        if x.dtype.kind == "f":
            np.testing.assert_allclose(x, y, rtol=0, atol=1e-12, err_msg=col)
        else:
            assert x.astype(str).tolist() == y.astype(str).tolist(), col


def test_a_file_scored_at_once_equals_its_rows_one_by_one() -> None:
    cases = _cases().iloc[::7].reset_index(drop=True).replace("", None)
    together = score_cases(cases, explain=True)
    alone = pd.concat(
        [score_cases(cases.iloc[[i]], explain=True) for i in range(len(cases))],
        ignore_index=True,
    )
    _frames_equal(together.reset_index(drop=True), alone)


def test_one_answer_pattern_with_many_values_equals_rows_one_by_one() -> None:
    # The same questions answered in every row (one pattern), with varied answers.
    cases = sample_cases(60, seed=21, missing=0.0)
    cases = cases[[c for c in cases.columns if not c.startswith("true_")]]
    assert len(cases.drop_duplicates()) > 50
    together = score_cases(cases, explain=True)
    alone = pd.concat(
        [score_cases(cases.iloc[[i]], explain=True) for i in range(0, len(cases), 3)],
        ignore_index=True,
    )
    _frames_equal(together.iloc[::3].reset_index(drop=True), alone)


def test_eager_retraction_of_a_few_cases_equals_the_numpy_kernel(
    net: Network, batch: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The drivers of a batch's few emergencies: summed retractions with an event.
    pytest.importorskip("numba")
    import backspasm.engine.fused as fused

    assert fused._kernel() is not None
    few = {k: v[:9] for k, v in batch.items()}
    nodes = [k for k, v in few.items() if k != "back_spasm" and (v >= 0).any()]
    event = dict.fromkeys(net.serious_causes, "no")
    ran = []

    def spy(*args: object) -> None:
        ran.append(True)
        kernel(*args)

    kernel = fused._KERNEL
    monkeypatch.setattr(fused, "_KERNEL", spy)
    # A fresh engine: a plan once fused is run fused by every later call.
    engine = CompiledNetwork.from_model(net.model)
    slow = engine.log_retracted(few, nodes, event=event, summed=True)
    assert not ran  # the numpy kernel ran them
    fast = engine.log_retracted(few, nodes, event=event, summed=True, eager=True)
    assert ran  # the fused kernel ran them
    for node in nodes:
        np.testing.assert_array_equal(np.isneginf(fast[node]), np.isneginf(slow[node]))
        finite = np.isfinite(slow[node])
        np.testing.assert_allclose(fast[node][finite], slow[node][finite], rtol=0, atol=1e-12)


def test_all_possible_cases_give_what_they_give_beside_an_impossible_one(
    net: Network, batch: dict
) -> None:
    # A batch of possible cases keeps its arrays; beside an impossible case (a
    # pregnancy in a man) they are copied around it: the same values.
    some = {k: v[:40] for k, v in batch.items()}
    alone = query_cases(net, some, explain=True, file_columns=True, risks=True)
    assert alone.possible.all()
    mixed_in = {k: np.concatenate([v[:1], v]) for k, v in some.items()}
    for node, state in (("sex", "male"), ("recent_pregnancy_or_childbirth", "yes")):
        mixed_in[node] = mixed_in[node].copy()
        mixed_in[node][0] = net.states(node).index(state)
    mixed = query_cases(net, mixed_in, explain=True, file_columns=True, risks=True)
    assert not mixed.possible[0]
    assert mixed.possible[1:].all()
    for name in ("posterior", "p_serious", "conflict", "information_gain", "mpe_probability"):
        a, b = getattr(alone, name), getattr(mixed, name)
        np.testing.assert_allclose(a, b[1:], rtol=0, atol=1e-12, err_msg=name)
        assert np.all(np.isnan(b[0])), name
    for name in ("triage", "red_flags", "mpe"):
        np.testing.assert_array_equal(getattr(alone, name), getattr(mixed, name)[1:])
    np.testing.assert_array_equal(alone.next_question(), mixed.next_question()[1:])
    assert alone.reasons is not None
    assert mixed.reasons is not None
    np.testing.assert_allclose(alone.reasons.without, mixed.reasons.without[1:], atol=1e-12)
    assert np.isnan(mixed.reasons.without[0]).all()


@pytest.mark.parametrize("causes", [None, [0, 4, 13, 14]])
def test_gain_by_causes_equals_the_gain_by_answers(net: Network, batch: dict, causes) -> None:
    # information_gain takes, case by case, one query per open answer but the likeliest
    # (whose posteriors follow from the others') or one per uncertain cause (then
    # Bayes' rule); the two ways give the same gains, also with unsure answers (a
    # likelihood on a symptom and on a cause) and known causes.
    nodes = [v for _, v in candidate_questions(net)]
    evidence = {k: v[:60] for k, v in batch.items()}
    for node, lik in (("fever", (0.3, 0.7)), ("muscle_strain", (0.8, 0.2))):
        codes = evidence.get(node, np.full(60, -1))
        soft = np.ones((60, 2))
        soft[::3] = lik
        soft[codes >= 0] = np.eye(2)[codes[codes >= 0]]
        evidence[node] = soft
    found = net.engine.query(evidence, targets=list(dict.fromkeys([*net.causes, *nodes])))
    posterior = cause_posteriors(net, found.marginals)
    pick = np.arange(posterior.shape[1]) if causes is None else np.asarray(causes)
    cards = [len(net.states(v)) for v in nodes]
    weight = np.zeros((60, len(nodes), max(cards)))
    for j, v in enumerate(nodes):
        weight[:, j, : cards[j]] = found.marginals[v]
    wanted = weight > 1e-12
    for j, v in enumerate(nodes):
        if v in evidence:
            wanted[:, j] &= ~answered(evidence[v])[:, None]
    before = posterior[:, pick]
    ways = []
    for by_causes in (False, True):
        asked = Asked(
            net, evidence, nodes, cards, weight, pick, before, np.zeros((60, len(nodes)))
        )
        if by_causes:
            asked.by_causes(wanted, (before > 0) & (before < 1))
        else:
            asked.by_answers(wanted)
        ways.append(asked.expected)
    assert (ways[0] > 0).sum() > 1000  # of 60 x 70 (case, question) pairs, a third open
    np.testing.assert_allclose(ways[1], ways[0], rtol=0, atol=1e-12)
    full = information_gain(net, evidence, posterior, found.marginals, nodes, causes)
    gain = np.maximum(_entropy_bits(before).sum(axis=1)[:, None] - ways[0], 0.0)
    open_ = ~np.isnan(full)
    np.testing.assert_allclose(full[open_], gain[open_], rtol=0, atol=1e-12)
