"""The node groups, and each kind of cause's names: the one place that declares them.

A kind of cause has three names: its node group in the knowledge base's files
(``cause_fitness``), its name in the causes tables and the public API that takes a
group (``fitness``), and the words every view says (``strain, fitness or
electrolytes``). Every other module reads them here.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CAUSE_GROUPS",
    "CAUSE_KINDS",
    "GROUPS",
    "CauseGroup",
    "cause_group",
    "cause_group_name",
    "cause_kind",
    "cause_words",
]


@dataclass(frozen=True)
class CauseGroup:
    """One kind of cause, named here once for every view.

    Attributes
    ----------
    group : str
        Its node group in the knowledge base's files and :meth:`Network.group_of
        <backspasm.network.Network.group_of>` (``cause_serious``).
    name : str
        Its name in a causes table's ``group`` column, :meth:`Network.cause_group
        <backspasm.network.Network.cause_group>`, ``Diagnosis.cause_groups()`` and a
        ``causes=`` argument (``serious``): public names that stay.
    label : str
        What every view calls it, in a sentence or after ``Cause:`` in a legend
        (``strain, fitness or electrolytes``).
    short : str
        The same where room is short, before the word causes (``strain/fitness``).
    """

    group: str
    name: str
    label: str
    short: str


#: The kinds of cause, in :data:`GROUPS` order. Muscle strain is a cause in its own
#: right (the fitness deficiencies are its risk factors), and dehydration and low
#: potassium or calcium are neither: hence the fitness group's label.
CAUSE_KINDS: tuple[CauseGroup, ...] = (
    CauseGroup("cause_fitness", "fitness", "strain, fitness or electrolytes", "strain/fitness"),
    CauseGroup("cause_pathologic", "pathologic", "pathologic", "pathologic"),
    CauseGroup("cause_serious", "serious", "serious", "serious"),
)
CAUSE_GROUPS: tuple[str, ...] = tuple(k.group for k in CAUSE_KINDS)
#: Node groups in the order figures and tables present them.
GROUPS: tuple[str, ...] = (
    "context",
    "exposure",
    *CAUSE_GROUPS,
    "mechanism",
    "presentation",
    "finding",
    "complication",
)


def cause_kind(group: str) -> CauseGroup | None:
    """Return the kind of cause a node group or a causes table's group names, or None."""
    return next((k for k in CAUSE_KINDS if group in (k.group, k.name)), None)


def cause_group(group: str) -> str:
    """Return a causes table's group as a node group (``serious`` -> ``cause_serious``)."""
    kind = cause_kind(group)
    return group if kind is None else kind.group


def cause_words(group: str) -> str:
    """Return a kind of cause in words, as a legend says it after ``Cause:`` (``serious``)."""
    kind = cause_kind(group)
    return group if kind is None else kind.label


def cause_group_name(group: str) -> str:
    """Return a node group as a causes table names it (another group as it is)."""
    kind = cause_kind(group)
    return group if kind is None else kind.name
