"""Why a name, a set of answers or an edited model is refused by a Network.

:func:`not_a_cause` words :meth:`backspasm.network.Network.check_cause`'s refusal;
:func:`zero_answers` reads the node tables behind
:meth:`~backspasm.network.Network.zero_answers` (which table rules an answer out);
:func:`check_edited_model` refuses an edited pgmpy model before
:attr:`~backspasm.network.Network.engine` compiles it.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from backspasm._text import did_you_mean
from backspasm.exceptions import BackspasmError, UnknownNodeError
from backspasm.model_checks import check_model_matches_spec
from backspasm.spec import Spec

if TYPE_CHECKING:
    from pgmpy.models import DiscreteBayesianNetwork

__all__ = [
    "EditedNetworkWarning",
    "NodeTable",
    "check_edited_model",
    "model_table",
    "not_a_cause",
    "question_node",
    "spec_table",
    "unknown_node",
    "warn_edited_default",
    "zero_answers",
]

#: A node's table: its variables (node first), values and the state names of each.
NodeTable = tuple[list[str], np.ndarray, dict[str, list[str]]]


def not_a_cause(spec: Spec, name: str) -> str:
    """Say what ``name`` is, since it is not a cause: another group's node, or no node.

    Parameters
    ----------
    spec : Spec
        The knowledge base whose causes were wanted.
    name : str
        The name given (not one of ``spec.causes``).

    Returns
    -------
    str
        The sentence, with the closest cause and the list of causes.
    """
    node = spec.nodes.get(name)
    if node is None:
        said = f"'{name}' is not a cause of the network (nor any of its nodes)."
    else:
        group = node.group.replace("_", " ")
        article = "an" if group[0] in "aeiou" else "a"
        said = f"'{name}' is not a cause of the network: it is {article} {group} node."
    return f"{said}{did_you_mean(name, spec.causes)} The causes: {', '.join(spec.causes)}."


def unknown_node(spec: Spec, name: str) -> str:
    """Say that ``name`` is no node: a question's name gets its node, a slip the closest one.

    ``age`` is a question whose answer sets the node ``age_group``: the sentence says
    so, with the node's states, where pgmpy's and most tools' words stop at "unknown".
    """
    node = question_node(spec, name)
    if node is None:
        return f"Unknown node '{name}'.{did_you_mean(name, spec.nodes)}"
    states = ", ".join(spec.nodes[node].states)
    return (
        f"Unknown node '{name}': '{name}' is a question, whose answer sets node "
        f"'{node}' (states: {states}); use '{node}'."
    )


def question_node(spec: Spec, name: str) -> str | None:
    """Return the node whose state the question ``name`` sets, when it has another name.

    ``age`` sets ``age_group``; ``fever`` sets the node ``fever`` itself, and a name that
    is no question (``fevr``) sets none: both give None. The one lookup of a question by
    its column for the messages that tell a question's name from a node's.
    """
    return next(
        (q.node for q in spec.questions if q.column == name and q.node and q.node != name),
        None,
    )


def spec_table(spec: Spec, tables: Sequence[tuple[list[str], np.ndarray]], node: str) -> NodeTable:
    """Return a node's table among the knowledge base's tables."""
    for variables, values in tables:
        if variables[0] == node:
            names = {v: list(spec.nodes[v].states) for v in variables}
            return variables, values, names
    raise UnknownNodeError(f"Unknown node '{node}'.")  # not reached: checked by callers


def model_table(model: DiscreteBayesianNetwork, node: str) -> NodeTable:
    """Return a node's table as the pgmpy model holds it."""
    cpd = model.get_cpds(node)
    names = {str(v): [str(s) for s in cpd.state_names[v]] for v in cpd.variables}
    return [str(v) for v in cpd.variables], np.asarray(cpd.values), names


def zero_answers(
    spec: Spec,
    evidence: Mapping[str, object],
    *,
    table_of: Callable[[str], NodeTable],
    edited: bool,
) -> str:
    """Say which answered nodes' tables give their answer probability zero.

    Parameters
    ----------
    spec : Spec
        The knowledge base (the nodes, their states and files).
    evidence : mapping
        Node to state name, state index or likelihood per state.
    table_of : callable
        A node's table as the network holds it (:func:`spec_table` or
        :func:`model_table`).
    edited : bool
        Whether the tables were edited in place (then said instead of the file).

    Returns
    -------
    str
        One sentence per such node, or ``""`` when no single table explains it.
    """
    hard: dict[str, str] = {}
    answered: dict[str, dict[str, float]] = {}  # per node, the weight of each state
    for node, value in evidence.items():
        if node not in spec.nodes:
            continue
        states = spec.nodes[node].states
        if isinstance(value, int | np.integer) and 0 <= int(value) < len(states):
            value = states[int(value)]
        if isinstance(value, str) and value in states:
            hard[node] = value
            answered[node] = {value: 1.0}
        elif isinstance(value, Sequence) and len(value) == len(states):
            answered[node] = dict(zip(states, map(float, value), strict=True))
    place = "as edited in place" if edited else None
    said = []
    for node, weight in answered.items():
        variables, values, names = table_of(node)
        vector = np.array([weight.get(s, 0.0) for s in names[node]])
        probs = np.tensordot(vector, values, axes=(0, 0))  # over the parents' states
        given = {v: hard[v] for v in variables[1:] if v in hard and hard[v] in names[v]}
        if (probs > 0).any():
            index = tuple(
                names[v].index(given[v]) if v in given else slice(None) for v in variables[1:]
            )
            if not given or (probs[index] > 0).any():
                continue
            when = "when " + ", ".join(f"{v}={s}" for v, s in given.items())
        else:
            when = "in every case"
        answer = " or ".join(s for s in names[node] if weight.get(s, 0.0) > 0)
        where = place or f"declared in {spec.nodes[node].file or 'the knowledge base'}"
        said.append(f"The table of node '{node}' ({where}) gives P({node}={answer})=0 {when}.")
    return " ".join(said)


def check_edited_model(spec: Spec, model: DiscreteBayesianNetwork) -> None:
    """Refuse a pgmpy model that no longer fits its knowledge base or is not a network.

    Parameters
    ----------
    spec : Spec
        The knowledge base the model was built from.
    model : DiscreteBayesianNetwork
        The model, maybe edited in place.

    Raises
    ------
    BackspasmError
        Saying what an edit broke and how to change the structure instead.
    """
    check_model_matches_spec(spec, model)
    try:
        model.check_model()
    except ValueError as err:
        raise BackspasmError(
            f"The edited pgmpy model is not a valid network: {str(err).rstrip('.')}. Keep each "
            "node's parents as its table lists them; to change the structure, "
            "edit a copy of the knowledge base and load it with "
            "backspasm.load_network(folder)."
        ) from err


class EditedNetworkWarning(UserWarning):
    """The shared bundled network's numbers differ from its knowledge base's."""


def warn_edited_default() -> None:
    """Warn, at the caller's own line, that the shared bundled network was edited in place."""
    package = str(Path(__file__).parent)
    frame, level = sys._getframe(1), 2  # the first frame outside the package: the user's
    while frame.f_back is not None and frame.f_code.co_filename.startswith(package):
        frame, level = frame.f_back, level + 1
    warnings.warn(
        "The bundled network that backspasm uses when no network= is given has been "
        "edited in place (through its .model, reached from a Diagnosis say), so every "
        "such call now uses the edited numbers. For what-if edits, take a copy of your "
        "own with backspasm.load_network() and pass it as network=.",
        EditedNetworkWarning,
        stacklevel=level,
    )
