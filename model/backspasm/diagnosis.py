"""One case: causes, triage, complications, reasons and the next question to ask.

Everything here is exact: each number comes from the compiled junction-tree engine,
and the hypothetical queries behind reasons, next questions and the most probable
explanation are answered in a few batched engine calls rather than one at a time.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from backspasm.exceptions import ImpossibleEvidenceError
from backspasm.network import Network, default_network
from backspasm.queries import CaseQueries, Reasons, query_cases
from backspasm.questionnaire import Question, answers_to_evidence, parse_answer, questions_for
from backspasm.sampling import sample_presenters
from backspasm.triage import safety_net as _safety_net

__all__ = ["Diagnosis", "conflict_threshold", "diagnose"]

EvidenceValue = str | tuple[float, ...]
#: Answers are flagged as conflicting when their conflict is rarer than this share of
#: the presenters sampled from the network (see :func:`conflict_threshold`).
CONFLICT_RARITY = 0.01
_CONFLICT_SAMPLE = 2000
_CONFLICT_MISSING = 0.3
_CONFLICT_SEED = 20261130


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
    p_pathologic : float
        Exact probability that at least one pathologic (spinal) cause is present.
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
    conflict_threshold : float
        The network's calibrated flag level (see :func:`conflict_threshold`):
        :attr:`conflicted` is ``conflict > conflict_threshold``.
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
    conflict_threshold: float = math.inf
    p_pathologic: float = math.nan

    # -- simple views ---------------------------------------------------------------
    @property
    def top_cause(self) -> str:
        """The most probable cause."""
        return str(self.causes["cause"].iloc[0])

    @property
    def conflicted(self) -> bool:
        """Whether the answers conflict: their measure exceeds :attr:`conflict_threshold`."""
        return self.conflict > self.conflict_threshold

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
            "p_pathologic": self.p_pathologic,
            "conflict": self.conflict,
            "conflict_threshold": self.conflict_threshold,
            "conflicted": self.conflicted,
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
        rare = f"{CONFLICT_RARITY:.0%} of the presenters sampled from the network"
        if self.conflicted:
            lines.append(
                f"warning: these answers are jointly surprising for the model (conflict "
                f"{self.conflict:.2f} > {self.conflict_threshold:.2f}, a level fewer than "
                f"{rare} reach); check them"
            )
        elif len([k for k in self.evidence if k != "back_spasm"]) >= 2:
            lines.append(
                f"conflict: {self.conflict:.2f}, not flagged (flagged above "
                f"{self.conflict_threshold:.2f}, the level only {rare} exceed)"
            )
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


def _reasons_table(
    network: Network,
    answered: Mapping[str, tuple[str, Any]],
    found: Reasons,
    posterior: npt.NDArray[np.float64],
) -> pd.DataFrame:
    """Tabulate the effect of withholding each answer on every cause (one case)."""
    columns = [
        "cause",
        "question",
        "answer",
        "posterior_with",
        "posterior_without",
        "log_odds_change",
    ]
    causes = network.causes
    records = []
    for j, cause in enumerate(causes):
        for i, node in enumerate(found.nodes):
            without = float(found.without[0, i, j])
            if math.isnan(without):
                continue
            question, answer = answered[node]
            records.append(
                (
                    cause,
                    question,
                    str(answer),
                    float(posterior[j]),
                    without,
                    float(found.change[0, i, j]),
                )
            )
    if not records:
        return pd.DataFrame(columns=columns)
    table = pd.DataFrame.from_records(records, columns=columns)
    position = {c: i for i, c in enumerate(causes)}
    table["_order"] = [position[c] for c in table["cause"]]
    table["_abs"] = -table["log_odds_change"].abs()
    table = table.sort_values(["_order", "_abs"], kind="stable").drop(columns=["_order", "_abs"])
    return table.reset_index(drop=True)


def _next_questions_table(questions: Sequence[Question], found: CaseQueries) -> pd.DataFrame:
    """Rank the unanswered questions of one case by expected information gain."""
    prompts = {q.column: q.prompt for q in questions}
    gain = found.information_gain
    columns = ["question", "node", "prompt", "expected_information_gain"]
    rows = [
        (column, node, prompts[column], float(gain[0, i]))
        for i, (column, node) in enumerate(found.questions)
        if gain is not None and not math.isnan(gain[0, i])
    ]
    if not rows:
        return pd.DataFrame(columns=columns)
    out = pd.DataFrame.from_records(rows, columns=columns)
    out = out.sort_values("expected_information_gain", ascending=False, kind="stable")
    return out.reset_index(drop=True)


_THRESHOLDS: dict[str, float] = {}


def conflict_threshold(network: Network | None = None) -> float:
    """Return the conflict level above which a case's answers are flagged.

    Jensen's conflict measure (see :attr:`Diagnosis.conflict`) is positive whenever
    the answers are a little less likely together than apart, which is common:
    age 45 with leg pain scores 0.02, and about half of ordinary presenters score
    above 0. A flag at 0 would cry wolf. The threshold is therefore calibrated on
    the network itself: it is the 99th percentile (``1 - CONFLICT_RARITY``) of the
    conflict of 2000 people drawn from the network who present with back spasm
    (ancestral sampling, ``back_spasm = yes`` by rejection, fixed seed), each
    answering every context, exposure and symptom question with probability 0.7,
    as :func:`backspasm.learning.sample_cases` draws them. Answers above it are
    jointly more surprising for the model than 99 in 100 of its own presenters.
    For the bundled network the threshold is about 1.5. The reference conflicts are
    computed by :func:`backspasm.explain.conflict_batch`, the function that fills a
    scored file's ``conflict`` column. The value is cached per network numbers.

    Parameters
    ----------
    network : Network, optional
        Default: the bundled network.

    Returns
    -------
    float
        The threshold (natural-log units, as the measure).
    """
    from backspasm.explain import conflict_batch

    net = network if network is not None else default_network()
    key = net.fingerprint()
    if key not in _THRESHOLDS:
        rng = np.random.default_rng(_CONFLICT_SEED)
        draw = sample_presenters(net, _CONFLICT_SAMPLE, rng)
        asked = {
            q.node
            for q in questions_for(net)
            if q.node in draw
            and q.kind != "id"
            and q.section not in ("known_cause", "presentation")
        }
        codes: dict[str, npt.NDArray[np.int64]] = {}
        for node in sorted(asked, key=list(draw).index):
            values = draw[node]
            codes[node] = np.where(rng.random(len(values)) < _CONFLICT_MISSING, -1, values)
        if "back_spasm" in draw:
            codes["back_spasm"] = draw["back_spasm"]
        reference = conflict_batch(net, codes, net.engine.log_evidence(codes))
        finite = reference[np.isfinite(reference)]
        _THRESHOLDS[key] = (
            float(np.quantile(finite, 1.0 - CONFLICT_RARITY)) if len(finite) else math.inf
        )
    return _THRESHOLDS[key]


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
    batch = dict(engine.encode([dict(evidence)]).values)
    found = query_cases(
        net,
        batch,
        given={node: np.ones(1, dtype=bool) for node in evidence if node in answered},
        targets=list(net.model.nodes()),
        pathologic=True,
        risks=True,
        explain=True,
    )
    if not bool(found.possible[0]):
        raise ImpossibleEvidenceError(
            "These answers are impossible together under the network "
            f"(probability zero): {dict(evidence)}."
        )
    beliefs = {
        node: dict(zip(net.states(node), map(float, found.marginals[node][0]), strict=True))
        for node in net.model.nodes()
    }
    baseline = _baseline(net)
    posterior = found.posterior[0]
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
    complications = list(net.nodes_in("complication"))
    risks = found.risks[0] if found.risks is not None else np.zeros(len(complications))
    complication_table = pd.DataFrame(
        {
            "complication": complications,
            "label": [net.label(c) for c in complications],
            "prior": [baseline[c]["yes"] for c in complications],
            "risk": [float(r) for r in risks],
        }
    )
    assert found.reasons is not None
    assert found.mpe is not None
    assert found.mpe_probability is not None
    assert found.mpe_exact is not None
    mpe = {c: engine.states[c][int(found.mpe[0, i])] for i, c in enumerate(net.causes)}
    level = str(found.triage[0])
    p_pathologic = found.p_pathologic[0] if found.p_pathologic is not None else math.nan
    return Diagnosis(
        answers=MappingProxyType(dict(answers)),
        evidence=MappingProxyType(dict(evidence)),
        causes=causes,
        p_serious=float(found.p_serious[0]),
        p_pathologic=float(p_pathologic),
        triage=level,
        red_flags=tuple(s for s in str(found.red_flags[0]).split("; ") if s),
        safety_net=_safety_net(net, evidence) if level == "self_care" else (),
        complications=complication_table,
        conflict=float(found.conflict[0]),
        conflict_threshold=conflict_threshold(net),
        most_probable_explanation=MappingProxyType(mpe),
        mpe_probability=float(found.mpe_probability[0]),
        mpe_exact=bool(found.mpe_exact[0]),
        beliefs=MappingProxyType(beliefs),
        network=net,
        _reasons=_reasons_table(net, answered, found.reasons, posterior),
        _next=_next_questions_table(questions, found),
    )


_BASELINES: dict[str, dict[str, dict[str, float]]] = {}


def _baseline(network: Network) -> dict[str, dict[str, float]]:
    """Beliefs of a back-spasm presenter before any answer (cached per network numbers)."""
    key = network.fingerprint()
    if key not in _BASELINES:
        _BASELINES[key] = network.engine.query_one({"back_spasm": "yes"})
    return _BASELINES[key]
