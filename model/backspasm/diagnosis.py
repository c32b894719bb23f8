"""One case: causes, triage, complications, reasons and the next question to ask.

Everything here is exact: each number comes from the compiled junction-tree engine,
and the hypothetical queries behind reasons, next questions and the most probable
explanation are answered in a few batched engine calls rather than one at a time.
"""

from __future__ import annotations

import html
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from backspasm._numeric import EPS as _EPS
from backspasm._numeric import entropy_bits as _entropy_bits
from backspasm._numeric import logit as _logit
from backspasm.engine import CompiledNetwork
from backspasm.exceptions import ImpossibleEvidenceError
from backspasm.network import Network, default_network
from backspasm.questionnaire import Question, answers_to_evidence, parse_answer, questions_for
from backspasm.triage import safety_net as _safety_net
from backspasm.triage import triage_batch

__all__ = ["Diagnosis", "diagnose"]

EvidenceValue = str | tuple[float, ...]
#: Jensen's conflict measure above this value flags the answers as conflicting.
CONFLICT_THRESHOLD = 0.0
#: The branch-and-bound search for the most probable explanation keeps at most this
#: many open partial assignments; beyond it the result is labelled approximate.
_MAP_FRONTIER = 4096
_MAP_STEP = 4


@dataclass(frozen=True)
class Diagnosis:
    """The exact posterior picture of one case.

    Attributes
    ----------
    answers : mapping
        The answers as given.
    evidence : mapping
        The evidence they became (node to state, or to a likelihood tuple).
    causes : pandas.DataFrame
        One row per cause, highest posterior first: ``cause``, ``label``, ``group``,
        ``prior`` (P(cause | back spasm), before any answer) and ``posterior``.
    p_serious : float
        Exact probability that at least one serious cause is present.
    triage : str
        ``emergency``, ``see_doctor`` or ``self_care`` (see :mod:`backspasm.triage`).
    red_flags : tuple of str
        The answers that drove an emergency (empty otherwise).
    complications : pandas.DataFrame
        Risk of each complication if the cause is left untreated: ``complication``,
        ``label``, ``prior``, ``risk``.
    conflict : float
        Jensen's conflict measure ``log(prod_i P(e_i) / P(e))`` of the answers, given
        back spasm; positive values mean answers that are unlikely together.
    most_probable_explanation : mapping of str to str
        The jointly most probable state of every cause given the answers (exact
        maximum a posteriori over the causes, other nodes summed out).
    mpe_probability : float
        Its posterior probability.
    beliefs : mapping of str to mapping of str to float
        Posterior distribution of every node.
    network : Network
        The network that produced it.
    safety_net : tuple of str
        For ``self_care``, the red-flag symptoms that should bring the person back,
        one plain sentence each (see :func:`backspasm.triage.safety_net`); empty
        otherwise.
    """

    answers: Mapping[str, Any]
    evidence: Mapping[str, EvidenceValue]
    causes: pd.DataFrame
    p_serious: float
    triage: str
    red_flags: tuple[str, ...]
    complications: pd.DataFrame
    conflict: float
    most_probable_explanation: Mapping[str, str]
    mpe_probability: float
    beliefs: Mapping[str, Mapping[str, float]] = field(repr=False)
    network: Network = field(repr=False)
    _reasons: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    _next: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    mpe_exact: bool = True
    safety_net: tuple[str, ...] = ()

    # -- simple views ---------------------------------------------------------------
    @property
    def top_cause(self) -> str:
        """The most probable cause."""
        return str(self.causes["cause"].iloc[0])

    @property
    def conflicted(self) -> bool:
        """Whether the answers conflict (Jensen's measure above 0)."""
        return self.conflict > CONFLICT_THRESHOLD

    def posterior(self, node: str, state: str = "yes") -> float:
        """Return P(node = state | answers)."""
        return float(self.beliefs[node][state])

    def reasons(self, cause: str | None = None) -> pd.DataFrame:
        """Return the effect of each answer on the causes.

        The effect of an answer is the change in the log-odds of a cause between
        the posterior with every answer and the posterior with that answer withheld
        (positive: the answer raised the cause).

        Parameters
        ----------
        cause : str, optional
            Only this cause; by default every cause.

        Returns
        -------
        pandas.DataFrame
            ``cause``, ``question``, ``answer``, ``posterior_with``,
            ``posterior_without``, ``log_odds_change``; within a cause the largest
            absolute effect first.
        """
        if cause is None:
            return self._reasons.copy()
        if cause not in self.network.causes:
            self.network.label(cause)  # raises with a suggestion for a mistyped node
            raise KeyError(cause)
        table = self._reasons[self._reasons["cause"] == cause]
        return table.reset_index(drop=True)

    def next_questions(self, order: str = "information") -> pd.DataFrame:
        """Rank the unanswered questions by expected information gain.

        The criterion: the expected reduction, in bits, of the summed binary
        entropies of all causes, ``sum_c H(c | e) - E_a[sum_c H(c | e, a)]``, where the
        expectation is over the answer ``a`` to the question drawn from its exact
        posterior predictive distribution ``P(a | e)``.

        Parameters
        ----------
        order : {"information", "interview"}, default "information"
            ``information``: highest expected information gain first.
            ``interview``: the red-flag screen first (every unanswered question whose
            :attr:`~backspasm.questionnaire.Question.red_flag` is set, by information
            gain), then the rest by information gain: the order ``backspasm ask``
            follows, so that no warning sign goes unasked however little it would
            change the ranking of the causes.

        Returns
        -------
        pandas.DataFrame
            ``question``, ``node``, ``prompt``, ``expected_information_gain`` (bits),
            ``red_flag``; highest gain first (within the screen and the rest, for
            ``order="interview"``).
        """
        if order not in ("information", "interview"):
            raise ValueError(f"order must be 'information' or 'interview'; got {order!r}.")
        table = self._next.copy()
        flagged = {q.column for q in questions_for(self.network) if q.red_flag}
        table["red_flag"] = table["question"].isin(flagged).astype(bool)
        if order == "interview":
            table = table.sort_values("red_flag", ascending=False, kind="stable")
            table = table.reset_index(drop=True)
        return table

    def counterfactual_ranking(self) -> pd.DataFrame:
        """Rank the pathologic and serious causes by expected disablement.

        In the spirit of Richens, Lee & Johri (Nature Communications 2020): for each
        cause, the expected number of this case's positive findings (back spasm
        included) that would switch off if the cause were removed by intervention,
        computed exactly on a twin network that shares the noisy-OR noise between
        the factual and the counterfactual world. See
        :func:`backspasm.counterfactual.expected_disablement`.

        Returns
        -------
        pandas.DataFrame
            ``cause``, ``label``, ``group``, ``posterior``, ``expected_disablement``,
            ``disablement_rank``, ``posterior_rank``.
        """
        from backspasm.counterfactual import counterfactual_ranking

        return counterfactual_ranking(self)

    def explanation(self, cause: str | None = None) -> str:
        """One plain-language sentence on why a cause stands where it does.

        Parameters
        ----------
        cause : str, optional
            Default: the top cause.
        """
        cause = cause or self.top_cause
        row = self.causes.set_index("cause").loc[cause]
        label = str(row["label"])
        text = f"{label}: {_pct(row['prior'])} before any answer, {_pct(row['posterior'])} now"
        effects = self.reasons(cause)
        ups = effects[effects["log_odds_change"] > math.log(1.25)].head(2)
        downs = effects[effects["log_odds_change"] < -math.log(1.25)].head(1)
        parts = [
            f"{r.question}={r.answer} (without it {_pct(r.posterior_without)})"
            for r in ups.itertuples(index=False)
        ]
        if parts:
            text += "; raised most by " + " and ".join(parts)
        if len(downs):
            r = next(downs.itertuples(index=False))
            text += (
                f"; held down by {r.question}={r.answer} (without it {_pct(r.posterior_without)})"
            )
        return text + "."

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dictionary of the whole diagnosis."""
        return {
            "answers": {
                k: (v if isinstance(v, int | float | bool) else str(v))
                for k, v in self.answers.items()
            },
            "triage": self.triage,
            "red_flags": list(self.red_flags),
            "safety_net": list(self.safety_net),
            "p_serious": self.p_serious,
            "conflict": self.conflict,
            "causes": self.causes.to_dict(orient="records"),
            "explanations": {c: self.explanation(c) for c in self.causes["cause"][:3]},
            "complications": self.complications.to_dict(orient="records"),
            "most_probable_explanation": dict(self.most_probable_explanation),
            "mpe_probability": self.mpe_probability,
            "next_questions": self._next[["question", "expected_information_gain"]].to_dict(
                orient="records"
            ),
        }

    def summary(self, top: int = 5, *, counterfactual: bool = False) -> str:
        """Return a multi-line text report (what ``backspasm diagnose`` prints).

        Parameters
        ----------
        top : int, default 5
            How many causes to list.
        counterfactual : bool, default False
            Also list the counterfactual ranking beside the posterior ranking (the
            first call compiles one twin network per cause, a few seconds).
        """
        lines = [
            f"triage: {self.triage}"
            + (f" (red flags: {'; '.join(self.red_flags)})" if self.red_flags else ""),
            f"P(at least one serious cause) = {self.p_serious:.1%}",
        ]
        if self.safety_net:
            lines += ["come back, or get help, if anything below happens:"]
            lines += [f"  - {s}" for s in self.safety_net]
        if self.conflicted:
            lines.append(f"warning: the answers conflict (Jensen's measure {self.conflict:.2f})")
        lines += ["", f"{'cause':<36} {'prior':>7} {'posterior':>9}"]
        for r in self.causes.head(top).itertuples(index=False):
            lines.append(f"{r.cause:<36} {_pct(r.prior):>7} {_pct(r.posterior):>9}")
        lines += ["", "why:"]
        lines += [f"  {self.explanation(c)}" for c in self.causes["cause"].head(3)]
        mpe = [c for c, s in self.most_probable_explanation.items() if s == "yes"]
        lines += [
            "",
            "most probable explanation: "
            + (", ".join(mpe) if mpe else "none of the modelled causes")
            + f" (P = {self.mpe_probability:.1%}"
            + ("" if self.mpe_exact else ", approximate search")
            + ")",
            "",
            "risk if left untreated:",
        ]
        for r in self.complications.itertuples(index=False):
            lines.append(f"  {r.label:<40} {r.risk:6.1%}")
        if counterfactual:
            table = self.counterfactual_ranking().head(top)
            lines += [
                "",
                "counterfactual ranking (expected findings removed if the cause were cured):",
            ]
            lines += [
                f"  {r.cause:<36} {r.expected_disablement:6.3f}"
                f"  (posterior rank {r.posterior_rank})"
                for r in table.itertuples(index=False)
            ]
        nxt = self._next.head(3)
        if len(nxt):
            lines += ["", "next questions worth asking:"]
            for r in nxt.itertuples(index=False):
                lines.append(f"  {r.question:<34} {r.expected_information_gain:.3f} bits")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        esc = html.escape
        colour = {"emergency": "#D55E00", "see_doctor": "#E69F00", "self_care": "#009E73"}
        rows = "".join(
            f"<tr><td>{esc(str(r.label))}</td><td>{esc(str(r.group))}</td>"
            f"<td style='text-align:right'>{r.prior:.1%}</td>"
            f"<td style='text-align:right'><b>{r.posterior:.1%}</b></td></tr>"
            for r in self.causes.itertuples(index=False)
        )
        given = ", ".join(f"{esc(str(k))}={esc(str(v))}" for k, v in self.answers.items())
        flags = f" &mdash; red flags: {esc('; '.join(self.red_flags))}" if self.red_flags else ""
        why = "".join(f"<li>{esc(self.explanation(c))}</li>" for c in self.causes["cause"][:3])
        nxt = ", ".join(esc(str(q)) for q in self._next["question"].head(3))
        return (
            "<div><p><b>backspasm diagnosis</b> &mdash; answers: "
            f"{given or '(none)'}</p><p>triage: <b style='color:"
            f"{colour.get(self.triage, 'black')}'>{esc(self.triage)}</b>{flags}<br>"
            f"P(at least one serious cause) = <b>{self.p_serious:.1%}</b></p>"
            "<table><thead><tr><th>cause</th><th>group</th><th>prior</th>"
            f"<th>posterior</th></tr></thead><tbody>{rows}</tbody></table>"
            f"<p>Why:</p><ul>{why}</ul><p>Next questions worth asking: {nxt or '(none)'}</p>"
            "</div>"
        )


# ------------------------------------------------------------------------ helpers


def _pct(p: Any) -> str:
    """Format a probability as a percentage, keeping two digits for rare events."""
    p = float(p)
    return f"{100 * p:.2g}%" if 0 < p < 0.001 else f"{p:.1%}"


def _yes(engine: CompiledNetwork, node: str) -> int:
    return engine.states[node].index("yes")


def _causes_yes(
    engine: CompiledNetwork, network: Network, cases: Sequence[Mapping[str, EvidenceValue]]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """P(cause = yes) for each case (rows) and cause (columns), and possibility."""
    post = engine.query(engine.encode(list(cases)), targets=list(network.causes))
    table = np.column_stack([post.marginals[c][:, _yes(engine, c)] for c in network.causes])
    return table, post.possible


def _reasons_table(
    network: Network,
    evidence: Mapping[str, EvidenceValue],
    answered: dict[str, tuple[str, Any]],
    posterior: npt.NDArray[np.float64],
) -> pd.DataFrame:
    """Effect of withholding each answer on every cause: one batched query."""
    engine = network.engine
    nodes = [n for n in evidence if n in answered]
    columns = [
        "cause",
        "question",
        "answer",
        "posterior_with",
        "posterior_without",
        "log_odds_change",
    ]
    if not nodes:
        return pd.DataFrame(columns=columns)
    withheld = [{k: v for k, v in evidence.items() if k != node} for node in nodes]
    without, possible = _causes_yes(engine, network, withheld)
    change = _logit(posterior[None, :]) - _logit(without)
    records = []
    for j, cause in enumerate(network.causes):
        for i, node in enumerate(nodes):
            if not possible[i]:
                continue
            question, answer = answered[node]
            records.append(
                (
                    cause,
                    question,
                    str(answer),
                    float(posterior[j]),
                    float(without[i, j]),
                    float(change[i, j]),
                )
            )
    table = pd.DataFrame.from_records(records, columns=columns)
    table["_order"] = [network.causes.index(c) for c in table["cause"]]
    table["_abs"] = -table["log_odds_change"].abs()
    table = table.sort_values(["_order", "_abs"], kind="stable").drop(columns=["_order", "_abs"])
    return table.reset_index(drop=True)


def _next_questions_table(
    network: Network,
    evidence: Mapping[str, EvidenceValue],
    beliefs: Mapping[str, Mapping[str, float]],
    questions: Sequence[Question],
    posterior: npt.NDArray[np.float64],
) -> pd.DataFrame:
    """Rank every unanswered question by expected information gain (one batched query)."""
    engine = network.engine
    candidates = [
        q
        for q in questions
        if q.node is not None
        and q.section in ("context", "symptom", "exposure")
        and q.node not in evidence
    ]
    cases: list[dict[str, EvidenceValue]] = []
    owners: list[tuple[int, float]] = []
    for k, q in enumerate(candidates):
        assert q.node is not None
        for state, p in beliefs[q.node].items():
            if p > _EPS:
                cases.append({**evidence, q.node: state})
                owners.append((k, p))
    columns = ["question", "node", "prompt", "expected_information_gain"]
    if not cases:
        return pd.DataFrame(columns=columns)
    table, possible = _causes_yes(engine, network, cases)
    after = _entropy_bits(table).sum(axis=1)
    now = float(_entropy_bits(posterior).sum())
    expected = np.zeros(len(candidates))
    for (k, p), h, ok in zip(owners, after, possible, strict=True):
        if ok:
            expected[k] += p * h
    gain = np.maximum(now - expected, 0.0)
    out = pd.DataFrame(
        {
            "question": [q.column for q in candidates],
            "node": [q.node for q in candidates],
            "prompt": [q.prompt for q in candidates],
            "expected_information_gain": gain,
        }
    )
    out = out.sort_values("expected_information_gain", ascending=False, kind="stable")
    return out.reset_index(drop=True)


def _evidence_batch(
    engine: CompiledNetwork, evidence: Mapping[str, EvidenceValue], n: int
) -> dict[str, npt.NDArray[Any]]:
    """Repeat the evidence of one case ``n`` times, as engine arrays."""
    one = engine.encode([dict(evidence)])
    return {k: np.repeat(v, n, axis=0) for k, v in one.values.items()}


def _most_probable_explanation(
    network: Network,
    evidence: Mapping[str, EvidenceValue],
    posterior: npt.NDArray[np.float64],
    log_p_e: float,
) -> tuple[dict[str, str], float, bool]:
    """Exact MAP over the causes by branch and bound on P(partial assignment, e).

    ``P(c_1..c_k, e)`` bounds every completion from above, so a branch whose bound
    falls below the best complete assignment found so far is pruned; the greedy
    completion (each unassigned cause at its marginal argmax) of every open branch
    supplies candidates. Causes are branched in order of decreasing uncertainty so
    that bounds tighten early.
    """
    engine = network.engine
    causes = list(network.causes)
    index = {c: i for i, c in enumerate(causes)}
    order = sorted(causes, key=lambda c: -min(posterior[index[c]], 1 - posterior[index[c]]))
    greedy = (posterior >= 0.5).astype(np.int64)
    observed = {c: evidence[c] for c in causes if isinstance(evidence.get(c), str)}
    fixed = {c: engine.states[c].index(str(s)) for c, s in observed.items()}
    for c, s in fixed.items():
        greedy[index[c]] = s

    def log_joint(assignments: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
        batch = _evidence_batch(engine, evidence, len(assignments))
        for c in causes:
            col = assignments[:, index[c]]
            if (col >= 0).any():
                base = batch.get(c)
                batch[c] = col if base is None or base.ndim == 1 else _soft_and(base, col)
        return engine.log_evidence(batch)

    best = greedy.copy()
    best_log = float(log_joint(best[None, :])[0])
    frontier = np.full((1, len(causes)), -1, dtype=np.int64)
    for c, s in fixed.items():
        frontier[:, index[c]] = s
    free = [index[c] for c in order if c not in fixed]
    exact = True
    # Branch on several causes per step: one engine call scores every child's bound
    # and its greedy completion together, so the search costs a handful of calls.
    for start in range(0, len(free), _MAP_STEP):
        block = free[start : start + _MAP_STEP]
        combos = np.array(list(itertools.product((0, 1), repeat=len(block))), dtype=np.int64)
        children = np.repeat(frontier, len(combos), axis=0)
        children[:, block] = np.tile(combos, (len(frontier), 1))
        completions = np.where(children >= 0, children, greedy[None, :])
        scores = log_joint(np.concatenate([children, completions]))
        bounds, finals = scores[: len(children)], scores[len(children) :]
        k = int(np.argmax(finals))
        if finals[k] > best_log:
            best_log, best = float(finals[k]), completions[k].copy()
        keep = bounds > best_log - 1e-12
        frontier, bounds = children[keep], bounds[keep]
        if not len(frontier):
            break
        if len(frontier) > _MAP_FRONTIER:
            exact = False
            frontier = frontier[np.argsort(-bounds)[:_MAP_FRONTIER]]
    states = {c: engine.states[c][int(best[index[c]])] for c in causes}
    return states, float(math.exp(best_log - log_p_e)), exact


def _soft_and(base: npt.NDArray[np.float64], codes: npt.NDArray[np.int64]) -> npt.NDArray[Any]:
    out = base.copy()
    rows = codes >= 0
    mask = np.zeros_like(base[rows])
    mask[np.arange(rows.sum()), codes[rows]] = 1.0
    out[rows] *= mask
    return out


def _conflict(network: Network, evidence: Mapping[str, EvidenceValue]) -> float:
    """Jensen's conflict measure of the answers, within the presentation.

    ``conf = sum_i log P(e_i | c) - log P(e | c)`` where ``c`` is the presentation
    (``back_spasm``) and ``e_i`` the single answers: one batched engine call.
    """
    engine = network.engine
    context = {k: v for k, v in evidence.items() if k == "back_spasm"}
    answers = {k: v for k, v in evidence.items() if k != "back_spasm"}
    if len(answers) < 2:
        return 0.0
    cases = [context, {**context, **answers}, *({**context, k: v} for k, v in answers.items())]
    log_p = engine.log_evidence(engine.encode(cases))
    if not np.isfinite(log_p[1]):
        return math.inf
    return float(np.sum(log_p[2:] - log_p[0]) - (log_p[1] - log_p[0]))


# ------------------------------------------------------------------------ the API


def diagnose(answers: Mapping[str, Any], *, network: Network | None = None) -> Diagnosis:
    """Diagnose one case: causes, triage, complications, reasons, next questions.

    Parameters
    ----------
    answers : mapping of str to object
        Question name (see ``backspasm schema``) to answer, e.g.
        ``{"age": 70, "fever": "yes", "spasm_location": "flank"}``. Friendly values
        are accepted (``" Y "``, ``1``, ``True``). For a yes/no question a number
        strictly between 0 and 1 is an *unsure* answer: the probability that the
        patient would say yes, entered as soft (virtual) evidence with likelihood
        ``(1 - p, p)``; for example ``{"fever": 0.7}``.
    network : Network, optional
        Defaults to the bundled network.

    Returns
    -------
    Diagnosis

    Raises
    ------
    EvidenceError
        For an unknown question or a value that is not allowed.
    ImpossibleEvidenceError
        If the answers have probability zero under the network.

    Examples
    --------
    >>> d = diagnose({"spasm_location": "flank", "blood_in_urine": "yes"})
    >>> d.top_cause
    'kidney_stones'
    """
    net = network if network is not None else default_network()
    questions = questions_for(net)
    evidence = answers_to_evidence(answers, questions=questions)
    answered: dict[str, tuple[str, Any]] = {}
    for column, value in answers.items():
        q = next((q for q in questions if q.column == column), None)
        if q is not None and q.node is not None and parse_answer(q, value) is not None:
            answered[q.node] = (q.column, value.strip() if isinstance(value, str) else value)

    engine = net.engine
    batch = engine.encode([dict(evidence)])
    result = engine.query(batch)
    if not bool(result.possible[0]):
        raise ImpossibleEvidenceError(
            "These answers are impossible together under the network "
            f"(probability zero): {dict(evidence)}."
        )
    log_p_e = float(result.log_evidence[0])
    beliefs = {
        node: dict(zip(net.states(node), map(float, result.marginals[node][0]), strict=True))
        for node in net.model.nodes()
    }
    none_serious = engine.prob_conjunction(batch, dict.fromkeys(net.serious_causes, "no"))
    p_serious = float(1.0 - none_serious[0])
    levels, flags = triage_batch(
        np.array([p_serious]),
        batch,
        net,
        log_evidence=result.log_evidence,
        cause_probs={c: np.array([beliefs[c]["yes"]]) for c in net.causes},
    )

    baseline = _baseline(net)
    posterior = np.array([beliefs[c]["yes"] for c in net.causes])
    causes = pd.DataFrame(
        {
            "cause": list(net.causes),
            "label": [net.label(c) for c in net.causes],
            "group": [net.group_of(c).removeprefix("cause_") for c in net.causes],
            "prior": [baseline[c]["yes"] for c in net.causes],
            "posterior": posterior,
        }
    )
    causes = causes.iloc[np.argsort(-posterior, kind="stable")].reset_index(drop=True)
    complications = pd.DataFrame(
        {
            "complication": list(net.nodes_in("complication")),
            "label": [net.label(c) for c in net.nodes_in("complication")],
            "prior": [baseline[c]["yes"] for c in net.nodes_in("complication")],
            "risk": [beliefs[c]["yes"] for c in net.nodes_in("complication")],
        }
    )
    mpe, mpe_p, mpe_exact = _most_probable_explanation(net, evidence, posterior, log_p_e)
    return Diagnosis(
        answers=MappingProxyType(dict(answers)),
        evidence=MappingProxyType(dict(evidence)),
        causes=causes,
        p_serious=p_serious,
        triage=str(levels[0]),
        red_flags=tuple(s for s in str(flags[0]).split("; ") if s),
        safety_net=_safety_net(net, evidence) if levels[0] == "self_care" else (),
        complications=complications,
        conflict=_conflict(net, evidence),
        most_probable_explanation=MappingProxyType(mpe),
        mpe_probability=mpe_p,
        mpe_exact=mpe_exact,
        beliefs=MappingProxyType(beliefs),
        network=net,
        _reasons=_reasons_table(net, evidence, answered, posterior),
        _next=_next_questions_table(net, evidence, beliefs, questions, posterior),
    )


_BASELINES: dict[str, dict[str, dict[str, float]]] = {}


def _baseline(network: Network) -> dict[str, dict[str, float]]:
    """Beliefs of a back-spasm presenter before any answer (cached per network numbers)."""
    key = network.fingerprint()
    if key not in _BASELINES:
        _BASELINES[key] = network.engine.query_one({"back_spasm": "yes"})
    return _BASELINES[key]
