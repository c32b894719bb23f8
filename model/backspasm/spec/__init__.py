"""Read and validate the declarative knowledge base.

The knowledge base is a folder of TOML files (the bundled one lives in
``backspasm/knowledge/``). Each file may hold a bibliography (``[sources.<key>]``)
and nodes (``[nodes.<name>]``). A node declares its group, label, description,
states, parents and exactly one parameter form (a yes/no node may add ``label_no``,
how its no reads where ``no <label>`` would not: ``Can touch toes``):

``prior``
    A root node's distribution.
``leak`` + ``strength.<parent>``
    A leaky noisy-OR (binary child) or a noisy-MAX (ordered multi-state child):
    each parent adds its own chance of the child. A noisy-OR may give some parents
    an ``odds.<parent>`` ratio instead of a strength: after the noisy-OR, that ratio
    multiplies the odds of yes. This is for a parent that selects rather than causes
    (the care setting: a spinal abscess is commoner in an emergency department, with
    the same mix of risk factors behind it).
``base`` + ``odds.<parent>``
    A logistic (binary child): ``base`` is P(yes) with every parent in its first
    state, and each parent's odds ratio (a number for a yes/no parent, ``{state =
    ratio}`` for the non-reference states of another) multiplies the odds, as risk
    factors reported as odds ratios combine.
``table``
    A full conditional table, one row per combination of parent states.

Every parameter is an inline table ``{ p = ..., source = "<key>" }`` or
``{ p = ..., source = "assumption", why = "..." }``. ``p`` is P(yes) for a binary
node and a ``{state = probability}`` table for a multi-state one (an odds ratio for
``odds.<parent>``).

A node may also declare the case-file column that informs it, as an inline table
``question = { column = ..., prompt = ..., section = ... }`` (see
:class:`QuestionSpec`): a yes/no question for a binary node, a choice among the
states of a multi-state one, or a number cut into the states by ``bins``.

Parsing gives frozen dataclasses; :func:`validate_spec` walks one table of rules
(:data:`RULES`) and reports every problem at once, each naming the file, node, field,
rule, value and, where it can, the closest valid name. A value of the wrong type is
a problem like any other (rule ``field-type``), never an exception, and a node whose
full table would exceed :data:`MAX_TABLE_ENTRIES`, or a network whose junction tree
would need a clique table over
:data:`~backspasm.spec.rules_graph.MAX_CLIQUE_ENTRIES`, is refused before anything is
built. A knowledge base needs the presentation node ``back_spasm``, with every cause
among its ancestors; without a ``[triage]`` table it borrows the bundled policy
(:mod:`~backspasm.spec.borrowed`), whose flags must then act on its red flags.

The subpackage, in the order its modules import each other:

``schema_questions``, ``schema``
    The format's vocabulary (groups, tags, fields) and the frozen dataclasses, a
    question's declaration first (``schema`` gives its names too).
``raw``
    What the TOML said before validation, and the wording of a problem.
``typecheck``, ``build``
    Drop and report values of the wrong type; build the dataclasses.
``borrowed``
    The bundled triage policy as a knowledge base without its own uses it.
``rules_certain``
    Numbers of exactly 0 or 1 that rule an answer out: legal, and warned about.
``context``, ``rules_nodes``, ``rules_text``, ``rules_numbers``, ``rules_questions``,
``rules_triage``, ``rules_graph``
    What a rule is and sees, and the rules, each next to its check.
``rules``
    The rule table :data:`RULES` and :func:`validate_spec`.
``merge``
    Gather the files' nodes, sources and ``[triage]`` into one ``RawSpec``, each name
    once: one declared in two files is one problem naming both, with their lines.
``reader``
    Read the files (the bundled ones through :mod:`importlib.resources`), parse them
    and :func:`load_spec`.
"""

from __future__ import annotations

from backspasm.spec.context import Rule as Rule
from backspasm.spec.groups import CAUSE_KINDS as CAUSE_KINDS
from backspasm.spec.groups import CauseGroup as CauseGroup
from backspasm.spec.groups import cause_kind as cause_kind
from backspasm.spec.reader import load_spec
from backspasm.spec.rules import RULES, validate_spec
from backspasm.spec.rules_graph import MAX_CLIQUE_ENTRIES as MAX_CLIQUE_ENTRIES
from backspasm.spec.rules_graph import PRESENTATION as PRESENTATION
from backspasm.spec.rules_graph import PRESENTING as PRESENTING
from backspasm.spec.schema import ASSUMPTION as ASSUMPTION
from backspasm.spec.schema import BINARY_STATES as BINARY_STATES
from backspasm.spec.schema import CAUSE_GROUPS as CAUSE_GROUPS
from backspasm.spec.schema import (
    GROUPS,
    MAX_TABLE_ENTRIES,
    NodeSpec,
    Parameter,
    Source,
    Spec,
    TableRow,
    TriageCauseRule,
    TriageFlag,
    TriagePolicy,
)
from backspasm.spec.schema import LITERATURE_TAGS as LITERATURE_TAGS
from backspasm.spec.schema import SOURCE_TAGS as SOURCE_TAGS
from backspasm.spec.schema import TRIAGE_LEVELS as TRIAGE_LEVELS
from backspasm.spec.schema import Form as Form
from backspasm.spec.schema_questions import QUESTION_SECTIONS, QuestionSpec
from backspasm.spec.schema_questions import QuestionKind as QuestionKind

__all__ = [
    "GROUPS",
    "MAX_TABLE_ENTRIES",
    "QUESTION_SECTIONS",
    "RULES",
    "NodeSpec",
    "Parameter",
    "QuestionSpec",
    "Source",
    "Spec",
    "TableRow",
    "TriageCauseRule",
    "TriageFlag",
    "TriagePolicy",
    "load_spec",
    "validate_spec",
]
