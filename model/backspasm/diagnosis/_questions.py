"""Next questions over chosen causes: the gain table and the cause selection it takes.

:func:`gain_table` tabulates a case's open questions by expected information gain
(the table :func:`~backspasm.diagnosis.diagnose` keeps); :func:`next_questions_over`
computes that gain for one diagnosed case over a chosen set of causes, by the same
query path; :func:`cause_groups` and :func:`cause_columns` name the causes a user may
choose.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from backspasm._network_checks import question_node
from backspasm.exceptions import BackspasmError
from backspasm.network import Network, NotACauseError
from backspasm.queries import candidate_questions, cause_posteriors, information_gain
from backspasm.questionnaire import Question, questions_for
from backspasm.spec import cause_kind
from backspasm.triage import interview_rank, screen_nodes

__all__ = [
    "cause_columns",
    "cause_groups",
    "gain_table",
    "next_questions_over",
    "question_order",
    "refuse_question_name",
]


def cause_groups(network: Network) -> dict[str, tuple[str, ...]]:
    """Return the network's groups of causes by their tables' names, in network order."""
    groups: dict[str, list[str]] = {}
    for c in network.causes:
        groups.setdefault(network.cause_group(c), []).append(c)
    return {name: tuple(members) for name, members in groups.items()}


def cause_columns(
    network: Network, causes: str | Sequence[str], check: Callable[[str], str]
) -> tuple[int, ...]:
    """Return the indices into ``network.causes`` of a group or of cause names.

    ``check`` validates one cause name (it raises for a mechanism, a finding or a
    mistyped name) and returns it.

    Raises
    ------
    backspasm.network.NotACauseError
        For a name that is neither a group nor a cause, with the allowed names.
    ValueError
        For an empty selection.
    """
    groups = cause_groups(network)
    names: list[str] = []
    if isinstance(causes, str):
        if causes in groups:
            names = list(groups[causes])
        elif causes in network.causes:
            names = [causes]
        elif (kind := cause_kind(causes)) is not None and kind.name in groups:
            names = list(groups[kind.name])  # by the knowledge base's name of the group
        else:
            raise NotACauseError(
                f"causes={causes!r} is neither a group of causes nor a cause of the "
                f"network. The groups: {', '.join(groups)}. The causes: "
                f"{', '.join(network.causes)}."
            )
    else:
        for c in causes:
            if not isinstance(c, str):
                raise NotACauseError(
                    f"causes must hold cause names (str); got {c!r}. The causes: "
                    f"{', '.join(network.causes)}."
                )
            names.append(check(c))
    if not names:
        raise ValueError(
            "causes must name at least one cause or a group "
            f"({', '.join(groups)}); got an empty selection."
        )
    order = {c: i for i, c in enumerate(network.causes)}
    return tuple(sorted({order[c] for c in names}))


def gain_table(
    questions: Sequence[Question],
    pairs: Sequence[tuple[str, str]],
    gain: npt.NDArray[np.float64],
) -> pd.DataFrame:
    """Tabulate the open candidates ``pairs`` (NaN gain: answered), highest gain first."""
    columns = ["question", "node", "prompt", "expected_information_gain"]
    open_ = np.flatnonzero(~np.isnan(gain))
    if not open_.size:
        return pd.DataFrame(columns=columns)
    # Highest gain first, ties in questionnaire order.
    ranked = open_[np.argsort(-gain[open_], kind="stable")].tolist()
    prompts = {q.column: q.prompt for q in questions}
    rows = []
    for i in ranked:
        column, node = pairs[i]
        rows.append((column, node, prompts[column], float(gain[i])))
    return pd.DataFrame.from_records(rows, columns=columns)


def next_questions_over(
    network: Network,
    evidence: Mapping[str, Any],
    beliefs: Mapping[str, Mapping[str, float]],
    causes: Sequence[int],
) -> pd.DataFrame:
    """Rank one diagnosed case's unanswered questions by the information gain over ``causes``.

    The path :func:`diagnose` takes for its table, narrowed: the same evidence encoding,
    the same candidate questions and the same posterior marginals (the diagnosis's
    ``beliefs``, which are the query's marginals), given to
    :func:`~backspasm.queries.information_gain` with the causes' column indices.

    Parameters
    ----------
    network : Network
        The network the diagnosis was made with (unedited since).
    evidence : mapping of str to object
        The diagnosis's evidence (node to state, or to a likelihood tuple).
    beliefs : mapping of str to mapping of str to float
        The diagnosis's posterior distribution of every node.
    causes : sequence of int
        Indices into ``network.causes`` of the causes whose entropies are summed.

    Returns
    -------
    pandas.DataFrame
        ``question``, ``node``, ``prompt``, ``expected_information_gain``, highest gain
        first, ties in questionnaire order.
    """
    batch = dict(network.engine.encode([dict(evidence)]).values)
    pairs = candidate_questions(network)
    nodes = [v for _, v in pairs]
    marginals = {
        v: np.array([[beliefs[v][s] for s in network.states(v)]], dtype=np.float64)
        for v in dict.fromkeys([*network.causes, *nodes])
    }
    posterior = cause_posteriors(network, marginals)
    gain = information_gain(
        network, batch, posterior, {v: marginals[v] for v in nodes}, nodes, causes
    )
    return gain_table(questions_for(network), pairs, gain[0])


def refuse_question_name(network: Network, name: str) -> None:
    """Raise for a question's name given where a node is wanted, naming its node.

    ``age`` is a question whose answer sets the node ``age_group``: the message says
    so and lists the node's states. Returns quietly for any other name.
    """
    node = question_node(network.spec, name)
    if node is not None:
        named = ", ".join(network.states(node))
        raise BackspasmError(
            f"'{name}' is a question, not a node of the network: its answer sets "
            f"node '{node}' (states: {named}), so ask posterior('{node}', state)."
        )


def question_order(
    network: Network,
    table: pd.DataFrame,
    order: str,
    triage: str,
    closed: Collection[str] = (),
) -> pd.DataFrame:
    """Add the ``red_flag``, ``examination`` and ``screen`` columns and order the table.

    ``order="interview"``: nothing for an emergency (no question before going), else
    the screen first, the questions whose yes alone is an emergency at its head (the
    order ``backspasm ask`` follows); ``"information"`` keeps the table's order.
    ``closed``: the screening nodes the case's answers have closed
    (:func:`backspasm.triage.closed_screen`), which leave the screen.
    """
    questions = questions_for(network)
    flagged = {q.column for q in questions if q.red_flag}
    table["red_flag"] = table["question"].isin(flagged).astype(bool)
    signs = {q.column for q in questions if q.section == "examination"}
    table["examination"] = table["question"].isin(signs).astype(bool)
    screen = screen_nodes(network) - set(closed)
    table["screen"] = table["red_flag"] | table["node"].isin(screen)
    if order == "interview" and triage == "emergency":
        # what ask asks: nothing before going (every view says so from here)
        return table.iloc[:0].reset_index(drop=True)
    if order == "interview":
        pairs = zip(table["question"], table["node"], strict=True)
        rank = np.asarray(interview_rank(network, pairs, closed))
        table = table.iloc[np.argsort(rank, kind="stable")].reset_index(drop=True)
    return table
