"""Each kind of cause is named in one place, ``backspasm.spec.CAUSE_KINDS``, and every view says it so.

The knowledge base's group (``cause_fitness``), the causes table's name (``fitness``)
and the words (``strain, fitness or electrolytes``) were spelled apart in the
network, the diagnosis, the palette, the HTML page and the overview figure, which
named the fitness box "Strain, fitness, electrolytes" and the serious box "Serious
causes" while the legends said "Cause: strain, fitness or electrolytes".
"""

from __future__ import annotations

import html

import matplotlib.pyplot as plt
import matplotlib.text

from backspasm import figures
from backspasm.diagnosis import Diagnosis
from backspasm.network import Network
from backspasm.spec import CAUSE_GROUPS, CAUSE_KINDS, GROUPS


def test_the_kinds_of_cause_are_the_knowledge_bases_cause_groups(net: Network) -> None:
    assert tuple(k.group for k in CAUSE_KINDS) == CAUSE_GROUPS
    assert all(g in GROUPS for g in CAUSE_GROUPS)
    assert {net.group_of(c) for c in net.causes} == set(CAUSE_GROUPS)


def test_every_view_names_a_kind_of_cause_as_declared(net: Network, case: Diagnosis) -> None:
    groups = case.causes.set_index("cause")["group"]
    page = case._repr_html_()
    for kind in CAUSE_KINDS:
        members = net.nodes_in(kind.group)
        assert {net.cause_group(c) for c in members} == {kind.name}
        assert set(groups[list(members)]) == {kind.name}  # the causes table's column
        assert case.cause_groups()[kind.name] == members
        assert figures.GROUP_NAMES[kind.group] == f"Cause: {kind.label}"  # every legend
        assert f"<td>{html.escape(kind.label)}</td>" in page  # the page's group column
    ax = figures.plot_network(net, size="page")
    try:
        said = [" ".join(t.get_text().split()) for t in ax.figure.findobj(matplotlib.text.Text)]
    finally:
        plt.close(ax.figure)
    for kind in CAUSE_KINDS:  # the overview's box heading, as the legends say it
        heading = f"Causes: {kind.label} ({len(net.nodes_in(kind.group))})"
        assert any(text.endswith(heading) for text in said), heading
