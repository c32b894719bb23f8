"""Checks of a pgmpy model a researcher edited, against the knowledge base it came from.

``network.model`` is a plain pgmpy model, free to change; before the engine is
compiled from it, these checks refuse what would silently give wrong answers: nodes
added or removed, states reordered, a table with a negative entry or a column that
does not sum to 1 (pgmpy's own check allows 0.01 either way).
"""

from __future__ import annotations

import numbers
from typing import TYPE_CHECKING, Any

import numpy as np

from backspasm.exceptions import BackspasmError

if TYPE_CHECKING:
    from pgmpy.models import DiscreteBayesianNetwork

    from backspasm.spec import Spec

__all__ = ["CPD_SUM_TOLERANCE", "check_cpd_numbers", "check_model_matches_spec"]

#: How far a column of an edited table may sum from 1 (pgmpy itself allows 0.01).
CPD_SUM_TOLERANCE = 1e-9


def check_cpd_numbers(cpd: Any) -> None:
    """Refuse a table with a negative number or a column that does not sum to 1.

    An entry that is not a number (text such as ``"0.6"``, None) is refused first:
    read as a float it passed, and pgmpy's own check then failed deep inside numpy.
    """
    raw = np.asarray(cpd.values)
    if raw.dtype.kind not in "biuf":
        for entry in raw.flat:
            if not isinstance(entry, numbers.Real):
                shown = repr(str(entry)) if isinstance(entry, str) else repr(entry)
                raise BackspasmError(
                    f"In the pgmpy model, the table of node '{cpd.variable}' holds {shown}, "
                    "not a number; every probability must be a number from 0 to 1."
                )
    values = np.asarray(cpd.get_values(), dtype=np.float64)
    if not np.isfinite(values).all() or (values < 0).any():
        bad = float(values[~np.isfinite(values) | (values < 0)].flat[0])
        raise BackspasmError(
            f"In the pgmpy model, the table of node '{cpd.variable}' holds {bad!r}; "
            "every probability must be a number from 0 to 1."
        )
    sums = values.sum(axis=0)
    worst = int(np.argmax(np.abs(sums - 1.0)))
    if abs(sums[worst] - 1.0) > CPD_SUM_TOLERANCE:
        raise BackspasmError(
            f"In the pgmpy model, {_column_words(cpd, worst)} of the table "
            f"of node '{cpd.variable}' sums to {float(sums[worst])!r}, not 1 (allowed: within "
            f"{CPD_SUM_TOLERANCE:g}); when you change one probability of a column, change the "
            "others so that they sum to 1."
        )


def _column_words(cpd: Any, column: int) -> str:
    """Name a column of a table by its parents' states and its index.

    ``the column for sex=female, age_group=65+, ... (column 11)``: pgmpy lays the
    columns out with the last parent varying fastest (``get_values``); a table
    without parents has one column, ``the column``.
    """
    parents = list(cpd.variables[1:])
    cards = [int(c) for c in cpd.cardinality[1:]]
    if not parents or column >= int(np.prod(cards)):
        return "the column" if not parents else f"column {column}"
    codes = np.unravel_index(column, cards)
    names = [
        f"{p}={cpd.state_names[p][int(i)] if p in cpd.state_names else int(i)}"
        for p, i in zip(parents, codes, strict=True)
    ]
    return f"the column for {', '.join(names)} (column {column})"


def _numbered(spec: Spec, cpd: Any, have: list[str]) -> str:
    """Say how to name the states of a table pgmpy numbered (made without state_names)."""
    if have != [str(i) for i in range(len(have))]:
        return ""
    names = {v: list(spec.nodes[v].states) for v in cpd.variables if v in spec.nodes}
    return (
        " A TabularCPD made without state_names numbers the states 0, 1, ...: give it "
        f"state_names={names}."
    )


def check_model_matches_spec(spec: Spec, model: DiscreteBayesianNetwork) -> None:
    """Refuse an edited pgmpy model whose nodes or states the knowledge base lacks.

    Answers, questions, triage and reasons read node and state names from the
    knowledge base, so the numbers may change freely but not the nodes or the
    order of their states.
    """
    fix = (
        " Change numbers in network.model freely, but keep its nodes and each node's "
        "states in order; to add or rename nodes or states, edit a copy of the "
        "knowledge base and load it with backspasm.load_network(folder)."
    )
    extra = sorted(set(model.nodes()) - set(spec.nodes))
    if extra:
        raise BackspasmError(
            f"The pgmpy model has node(s) the knowledge base does not: {', '.join(extra)}." + fix
        )
    missing = [n for n in spec.nodes if n not in set(model.nodes())]
    if missing:
        raise BackspasmError(
            f"The pgmpy model lacks node(s) of the knowledge base: {', '.join(missing)}." + fix
        )
    for cpd in model.get_cpds():
        want = list(spec.nodes[cpd.variable].states)
        have = [str(x) for x in cpd.state_names[cpd.variable]]
        if have != want:
            raise BackspasmError(
                f"In the pgmpy model, node '{cpd.variable}' has states {have}; the "
                f"knowledge base has {want}.{_numbered(spec, cpd, have)}" + fix
            )
        shape = tuple(int(c) for c in cpd.cardinality)
        if np.shape(cpd.values) != shape:
            raise BackspasmError(
                f"In the pgmpy model, the table of node '{cpd.variable}' has shape "
                f"{np.shape(cpd.values)}; its variables ({', '.join(cpd.variables)}) need "
                f"{shape}: give cpd.values an array of that shape." + fix
            )
        check_cpd_numbers(cpd)
