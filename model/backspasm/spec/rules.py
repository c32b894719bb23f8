"""The one rule table and the one validator that walks it.

:data:`RULES` lists every rule, in the order it is checked; each rule lives next to
its check in :mod:`~backspasm.spec.rules_nodes`, :mod:`~backspasm.spec.rules_numbers`,
:mod:`~backspasm.spec.rules_questions`, :mod:`~backspasm.spec.rules_text`,
:mod:`~backspasm.spec.rules_triage` or
:mod:`~backspasm.spec.rules_graph`.
:func:`validate_spec` reports every problem of every rule at once.
"""

from __future__ import annotations

from collections.abc import Callable

from backspasm._frozen import Catalogue
from backspasm.exceptions import SpecError
from backspasm.spec.build import build_node, build_source, build_triage
from backspasm.spec.context import Context, Rule
from backspasm.spec.raw import RawSpec
from backspasm.spec.rules_graph import GRAPH_RULES
from backspasm.spec.rules_nodes import NODE_RULES
from backspasm.spec.rules_numbers import NUMBER_RULES
from backspasm.spec.rules_questions import QUESTION_RULES
from backspasm.spec.rules_text import TEXT_RULES
from backspasm.spec.rules_triage import TRIAGE_RULES
from backspasm.spec.schema import Spec, TriagePolicy
from backspasm.spec.typecheck import typecheck

__all__ = ["RULES", "validate_spec"]

#: The validation rules, checked in this order; every problem of every rule is reported.
RULES: tuple[Rule, ...] = (
    *NODE_RULES,
    *TEXT_RULES,
    *NUMBER_RULES,
    *QUESTION_RULES,
    *TRIAGE_RULES,
    *GRAPH_RULES,
)


def validate_spec(
    raw: RawSpec, *, bundled_policy: Callable[[], TriagePolicy | None] | None = None
) -> Spec:
    """Validate parsed TOML and return the :class:`Spec`.

    Parameters
    ----------
    raw : RawSpec
        Output of the parser (:func:`backspasm.spec.reader.parse`).
    bundled_policy : callable, optional
        Returns the triage policy a knowledge base without ``[triage]`` borrows, whose
        flags and cause rules must then act on its red-flag questions
        (:func:`~backspasm.spec.load_spec` passes the bundled one's). Without it, the
        red flags of such a knowledge base are not checked.

    Returns
    -------
    Spec

    Raises
    ------
    SpecError
        Listing every problem found by every rule in :data:`RULES` (when a file is
        not valid TOML: its syntax error and the problems of the local rules only).
    """
    raw = typecheck(raw)
    nodes = {name: build_node(name, file, body) for name, (file, body) in raw.nodes.items()}
    sources = {key: build_source(key, file, body) for key, (file, body) in raw.sources.items()}
    ctx = Context(raw=raw, nodes=nodes, sources=sources, bundled_policy=bundled_policy)
    problems = list(raw.problems)
    for rule in RULES:
        if rule.local or not raw.failed_files:
            problems.extend(rule.check(ctx))
    if not nodes and not problems:
        problems.append("the knowledge base declares no nodes [rule: files]")
    if problems:
        raise SpecError(problems)
    return Spec(
        nodes=Catalogue(nodes, "nodes"),
        sources=Catalogue(sources, "sources"),
        triage=build_triage(raw),
    )
