"""Diagnose one case: answers to evidence, one batched query, a :class:`Diagnosis`.

One case is a batch of one: every number comes from
:func:`backspasm.queries.query_cases`, the function that scores case files, and
this module only tabulates its first row (reasons and next questions as tables,
causes and complications with their priors).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from backspasm._answers import as_number
from backspasm._cache import LruCache
from backspasm._frozen import FrozenMap
from backspasm._numeric import ranked_causes
from backspasm.diagnosis._questions import gain_table
from backspasm.diagnosis.result import Diagnosis
from backspasm.exceptions import EvidenceError, ImpossibleEvidenceError
from backspasm.explain.conflict import known_conflict_threshold
from backspasm.explain.odds import odds_factor
from backspasm.network import Network, network_or_default
from backspasm.queries import CaseQueries, Reasons, query_cases
from backspasm.questionnaire import Question, answers_to_evidence, evidence_state, questions_for
from backspasm.spec import PRESENTATION, PRESENTING
from backspasm.triage import safety_net as _safety_net
from backspasm.triage import triage_reason_words

__all__ = ["diagnose"]


def _refuse_node_names(
    answers: Mapping[str, Any], questions: Sequence[Question], net: Network
) -> None:
    """Refuse, with what to do instead, an answer named after a node no question asks.

    (A node that a question informs, such as ``age_group``, is refused by
    :func:`~backspasm.questionnaire.get_question`, which names the question.)
    """
    asked = {q.column for q in questions} | {q.node for q in questions}
    for name in answers:
        if name in asked or name not in net.spec.nodes:
            continue
        raise EvidenceError(
            f"'{name}' is a hidden node of the network ({net.group_of(name)}), not a "
            "question, so no answer can set it. To condition on it, query the network "
            "directly with node states, keeping back_spasm='yes' (every posterior of "
            "diagnose is given back spasm): exactly and fast with "
            f"network.engine.query_one({{'back_spasm': 'yes', '{name}': "
            f"'{net.states(name)[-1]}', ...}}) (answers become node states with "
            "backspasm.questionnaire.answers_to_evidence, which adds back_spasm='yes'), "
            "or with pgmpy's VariableElimination on network.model, back_spasm='yes' "
            "in its evidence."
        )


def _as_given(q: Question, value: Any) -> Any:
    """Return an answer as the case keeps it: text stripped, a whole number as an int.

    A column of ages read with a blank in it is float (71.0): kept so, the reasons and
    the figures said "age=71.0", where the widget and a mapping say 71. A whole
    :class:`~decimal.Decimal` or :class:`~fractions.Fraction` (``Decimal("45")``) is an
    int too, as 45.0 is.
    """
    if isinstance(value, str):
        return value.strip()
    number = None if isinstance(value, np.ndarray) else as_number(value)
    if q.kind == "number" and number is not None and number.is_integer():
        return int(number)
    return value


def _row_answers(row: pd.Series, questions: Sequence[Question], net: Network) -> dict[str, Any]:
    """Keep the answers of a case-file row, as scoring reads the row.

    Columns that are not questions (``note``, ``true_<cause>``, ``expected_cause``,
    scores) are left out; one whose name is close to a question's is named in a
    warning, and one that differs from a question only in case, spaces, hyphens,
    an invisible character or full-width letters is refused, as
    :func:`~backspasm.scoring.score_cases` does. A column named after a node
    (``age_group``) is kept, so that it is refused as in a mapping of answers,
    with the question to use instead: left out, its answer was lost unsaid.
    """
    from backspasm.scoring.cases import ScoringWarning
    from backspasm.scoring.plan import misnamed_columns, near_miss
    from backspasm.scoring.repeats import (
        merge_row,
        repeat_of,
        repeated_column_note,
        repeated_questions,
    )

    by_name = {q.column: q for q in questions}
    misnamed = misnamed_columns(list(row.index), by_name)
    if misnamed is not None:
        # left out with a warning, 'Saddle Numbness' = yes was triaged self_care
        raise EvidenceError(misnamed)
    labels = {str(label) for label in row.index}
    for label in row.index:
        if label in by_name or repeat_of(str(label), labels, by_name) is not None:
            continue
        if (remark := near_miss(str(label), by_name)) is not None:
            warnings.warn(
                remark.replace("passed through unscored", "left out"), ScoringWarning, stacklevel=3
            )
    # a repeated column (or age.1 beside age) is merged as scoring merges it
    for name, count in repeated_questions(row.index, by_name).items():
        warnings.warn(
            repeated_column_note(name, count, used="merged"), ScoringWarning, stacklevel=3
        )
    cells = merge_row(row.items(), by_name, net.states, net.spec.nodes)
    return {str(k): v for k, v in cells.items() if k in by_name or k in net.spec.nodes}


def diagnose(
    answers: Mapping[str, Any] | pd.Series, *, network: Network | None = None
) -> Diagnosis:
    """Diagnose one case: causes, triage, complications, reasons, next questions.

    Parameters
    ----------
    answers : mapping of str to object, or pandas.Series
        Question name (see ``backspasm schema``) to answer, e.g.
        ``{"age": 70, "fever": "yes", "spasm_location": "flank"}``. A mapping must
        hold questions only (a misspelt name is refused); a row of a case table
        (a pandas Series) is read as :func:`~backspasm.scoring.score_cases` reads
        it: other columns (notes, ``true_<cause>``, scores) are left out, except that
        an unsure answer (below), which a case file may not hold, is taken here as it
        is from a mapping, since this is one case at a time. Friendly values
        are accepted (``" Y "``, ``1``, ``True``). For a yes/no question a number
        strictly between 0 and 1 is an *unsure* answer, how far the person leans
        to yes: it is entered as soft (virtual) evidence with likelihood
        ``(1 - p, p)``, which multiplies the odds of yes by ``p / (1 - p)``
        (``{"fever": 0.7}``: by 2.3). It is not the posterior of the finding: a
        rare finding answered 0.7 stays unlikely. For triage, an unsure red flag
        counts as the state it leans to. An unsure answer of exactly 0.5 (``50%``)
        leans neither way and counts as not answered, as in ``backspasm ask`` and
        the widget: the question stays in :attr:`Diagnosis.unscreened` and in
        :meth:`Diagnosis.next_questions` (it would change no probability).
    network : Network, optional
        Defaults to the bundled network.

    Returns
    -------
    Diagnosis

    Raises
    ------
    EvidenceError
        For an unknown question (or a name that is not a string) or a value that
        is not allowed.
    TypeError
        For answers that are neither a mapping nor a row: a DataFrame (pass a row,
        ``df.iloc[0]``), a list, a string.
    ImpossibleEvidenceError
        If the answers have probability zero under the network.

    Examples
    --------
    >>> d = diagnose({"spasm_location": "flank", "blood_in_urine": "yes"})
    >>> d.top_cause
    'kidney_stones'
    """
    net = network_or_default(network)
    given: object = answers  # typed as a mapping, but a table of cases has .items() too
    if isinstance(given, pd.DataFrame):
        raise TypeError(
            f"diagnose takes one case: pass a row (df.iloc[0]) or a mapping of question to "
            f"answer, not a DataFrame (got {len(given)} row(s)); to score every row of a "
            "table, use backspasm.score_cases(df)."
        )
    if not hasattr(answers, "items"):  # a mapping, or a pandas row
        raise TypeError(
            "answers must be a mapping of question to answer, such as "
            f"{{'fever': 'yes', 'age': 70}}; got {type(answers).__name__} {answers!r:.60}"
        )
    questions = questions_for(net)
    if isinstance(answers, pd.Series):
        answers = _row_answers(answers, questions, net)
    _refuse_node_names(answers, questions, net)
    evidence = answers_to_evidence(answers, questions=questions)
    answered: dict[str, tuple[str, Any]] = {}
    for column, value in answers.items():
        q = next((q for q in questions if q.column == column), None)
        # an even lean (0.5) is no answer, as in answers_to_evidence: the question stays open
        if q is not None and q.node is not None and evidence_state(q, value) is not None:
            answered[q.node] = (q.column, _as_given(q, value))

    engine = net.engine
    batch = dict(engine.encode([dict(evidence)]).values)
    found = query_cases(
        net,
        batch,
        given={node: np.ones(1, dtype=bool) for node in evidence if node in answered},
        targets=list(net.node_names),
        pathologic=True,
        risks=True,
        explain=True,
        triage_reasons=True,
    )
    if not bool(found.possible[0]):
        because = net.zero_answers(evidence)
        raise ImpossibleEvidenceError(
            "These answers are impossible together under the network "
            f"(probability zero): {dict(evidence)}." + (f" {because}" if because else "")
        )
    beliefs = {
        node: FrozenMap(
            dict(zip(net.states(node), found.marginals[node][0].tolist(), strict=True))
        )
        for node in net.node_names
    }
    baseline = _baseline(net)
    posterior = found.posterior[0]
    # Highest posterior first, ties in network order, as every view ranks them.
    order = ranked_causes(posterior)[0]
    ranked = [net.causes[i] for i in order.tolist()]
    assert found.context_posterior is not None
    given_context = found.context_posterior[0][order]
    causes = pd.DataFrame(
        {
            "cause": ranked,
            "label": [net.label(c) for c in ranked],
            "group": [net.cause_group(c) for c in ranked],
            "prior": [baseline[c]["yes"] for c in ranked],
            "given_context": given_context,
            "posterior": posterior[order],
            "odds_factor": odds_factor(posterior[order], given_context),
        }
    )
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
    # highest risk first (ties in network order), as the causes are ranked
    complication_table = complication_table.sort_values(
        "risk", ascending=False, kind="stable", ignore_index=True
    )
    assert found.reasons is not None
    assert found.mpe is not None
    assert found.mpe_probability is not None
    assert found.mpe_exact is not None
    mpe = {c: engine.states[c][int(found.mpe[0, i])] for i, c in enumerate(net.causes)}
    level = str(found.triage[0])
    assert found.triage_reasons is not None
    reasons_for_level = found.triage_reasons
    p_pathologic = found.p_pathologic[0] if found.p_pathologic is not None else math.nan
    hours = float(found.triage_within_hours[0])
    return Diagnosis(
        network_fingerprint=net.fingerprint(),
        triage_within_hours=None if math.isnan(hours) else hours,
        answers=FrozenMap(dict(answered.values())),  # what counts: no blank, no 50% lean
        evidence=FrozenMap(dict(evidence)),
        _causes=causes,
        p_serious=float(found.p_serious[0]),
        p_pathologic=float(p_pathologic),
        triage=level,
        red_flags=tuple(s for s in str(found.red_flags[0]).split("; ") if s),
        # in words, as every view says them (red_flags keeps the scored file's node=state)
        triage_reasons=triage_reason_words(
            net, (s for s in str(reasons_for_level[0]).split("; ") if s)
        ),
        safety_net=_safety_net(net, evidence, level=level),
        _complications=complication_table,
        conflict=float(found.conflict[0]),
        _conflict_threshold=known_conflict_threshold(net),
        most_probable_explanation=FrozenMap(mpe),
        mpe_probability=float(found.mpe_probability[0]),
        mpe_exact=bool(found.mpe_exact[0]),
        beliefs=FrozenMap(beliefs),
        network=net,
        _reasons=_reasons_table(net, answered, found.reasons, posterior),
        _next=_next_questions_table(questions, found),
        # an answered question stays in the screen: its count never falls after an answer
        _closed_screen=frozenset(
            node for node, shut in found.closed_screen.items() if shut[0] and node not in evidence
        ),
    )


#: Beliefs before any answer, by network numbers (bounded for what-if sweeps).
_BASELINES: LruCache[str, dict[str, dict[str, float]]] = LruCache(16)


def _baseline(network: Network) -> dict[str, dict[str, float]]:
    """Beliefs of a back-spasm presenter before any answer (cached per network numbers)."""
    return _BASELINES.get(
        network.fingerprint(), lambda: network.engine.query_one({PRESENTATION: PRESENTING})
    )


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
    # Cause by cause (network order), then the largest absolute effect first, ties
    # and NaN effects (last) in answer order: the table's order, found in numpy.
    without = found.without[0].T  # causes x answered nodes
    change = found.change[0].T
    cause, node = np.nonzero(~np.isnan(without))
    size = -np.abs(change[cause, node])
    size[np.isnan(size)] = np.inf
    rank = np.lexsort((np.arange(len(size)), size, cause))
    labels = [answered[v] for v in found.nodes]
    records = [
        (
            causes[j],
            labels[i][0],
            str(labels[i][1]),
            float(posterior[j]),
            float(without[j, i]),
            float(change[j, i]),
        )
        for j, i in zip(cause[rank].tolist(), node[rank].tolist(), strict=True)
    ]
    if not records:
        return pd.DataFrame(columns=columns)
    return pd.DataFrame.from_records(records, columns=columns)


def _next_questions_table(questions: Sequence[Question], found: CaseQueries) -> pd.DataFrame:
    """Rank the unanswered questions of one case by expected information gain."""
    gain = found.information_gain[0] if found.information_gain is not None else np.zeros(0)
    return gain_table(questions, found.questions, gain)
