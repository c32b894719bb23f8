"""The file writers behind :meth:`backspasm.network.Network.export`.

pgmpy's writers, with what they lack for this network: XDSL (GeNIe) and NET (HUGIN)
files carry each node's label and its box of the layered layout (the one the
figures draw), and their numbers keep every digit (pgmpy rounds NET's to 8 decimals,
which turns the rarest entries into zeros, and XDSL's to 16, which keeps 3 digits of
1e-13). UAI is written here, not by pgmpy,
whose writer lists a table's entries in an order the format does not define.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from backspasm.layout import Network as LaidOut
from backspasm.layout import layered_layout

if TYPE_CHECKING:
    from pgmpy.models import DiscreteBayesianNetwork

__all__ = ["bif_state_names", "writer_for"]

#: A state name the BIF readers take (pyAgrum's parser wants an ASCII identifier or
#: integer: ``18-39``, ``65+`` and ``aiguë`` end its parse).
_BIF_WORD = re.compile(r"[A-Za-z0-9_]+")


class Network(LaidOut, Protocol):
    """What the writers need of a network (:class:`backspasm.network.Network` has it)."""

    @property
    def model(self) -> DiscreteBayesianNetwork:
        """The pgmpy model."""

    def label(self, node: str) -> str:
        """Return a node's label."""


#: Pixels per inch of the layout in XDSL and NET files, and the box height (inches).
_PIXELS = 80
_EXPORT_BOX_H = 0.5


def _boxes(network: Network) -> dict[str, tuple[int, int, int, int]]:
    """Each node's box ``(x1, y1, x2, y2)`` in pixels, y down, from the layered layout."""
    nodes = [n for n in network.spec.nodes if n in network.model.nodes()]
    layout = layered_layout(network, nodes, box_h=_EXPORT_BOX_H)
    half_h = layout.box_h / 2
    boxes = {}
    for node, (x, y) in layout.pos.items():
        width = layout.box_w(node)
        left, top = x - width / 2, layout.height - (y + half_h)
        x1, y1 = round(_PIXELS * left) + 20, round(_PIXELS * top) + 20
        boxes[node] = (
            x1,
            y1,
            x1 + round(_PIXELS * width),
            y1 + round(_PIXELS * layout.box_h),
        )
    return boxes


def _xdsl_writer(model: DiscreteBayesianNetwork, network: Network | None) -> Any:
    from pgmpy.readwrite import XDSLWriter

    writer = XDSLWriter(model, network_id="backspasm")
    for table in writer.root.iter("cpt"):  # pgmpy writes 16 decimals: 1e-13 keeps 3 digits
        probabilities = table.find("probabilities")
        if probabilities is not None:
            values = model.get_cpds(table.get("id")).get_values()
            probabilities.text = " ".join(_positional(v) for v in values.T.ravel())
    if network is None:
        return writer
    boxes = _boxes(network)
    for element in writer.root.iter("node"):
        node = element.get("id")
        if node not in boxes:
            continue
        name = element.find("name")
        if name is not None:
            name.text = network.label(node)
        position = element.find("position")
        if position is not None:
            position.text = " ".join(str(v) for v in boxes[node])
    return writer


def _net_writer(model: DiscreteBayesianNetwork, network: Network | None) -> Any:
    from pgmpy.readwrite import NETWriter

    laid = model.copy()  # node properties go on a copy: the user's model stays clean
    if network is not None:
        for node, (x1, y1, x2, y2) in _boxes(network).items():
            label = network.label(node).replace('"', "'").replace(";", ",")
            laid.nodes[node]["label"] = f'"{label}"'
            laid.nodes[node]["position"] = f"({(x1 + x2) // 2} {(y1 + y2) // 2})"
    writer = NETWriter(laid)
    writer.net_cpd = lambda node: _net_table(writer.tables[node])
    return writer


def _net_table(values: Any) -> str:
    """One NET potential's ``data``, every number written in full.

    The layout is pgmpy's (the node's own axis last, each level in parentheses), but
    each number is the shortest positional text that reads back as the same float,
    always with a decimal point (GeNIe does not read ``1.``).
    """
    import numpy as np

    table = np.moveaxis(np.asarray(values, dtype=float), 0, -1)
    text = np.array2string(
        table,
        threshold=table.size + 1,
        max_line_width=2**31,
        formatter={"float_kind": _positional},
    )
    return text.replace("[", "(").replace("]", ")")


def _positional(value: Any) -> str:
    """``value`` without an exponent, as few digits as read back exactly (``0.0``, ``1.0``)."""
    import numpy as np

    return np.format_float_positional(float(value), unique=True, trim="0")


def writer_for(
    fmt: str, model: DiscreteBayesianNetwork, network: Network | None = None
) -> Callable[[str], Any]:
    """Return the function that writes ``model`` to a path in format ``fmt``.

    ``network`` (for NET and XDSL) gives the labels and the layout of the boxes.
    """
    from pgmpy.readwrite import BIFWriter, XMLBIFWriter

    return {
        "bif": lambda f: _bif_writer(BIFWriter(_in_bif_words(model))).write(f),
        "xmlbif": lambda f: XMLBIFWriter(model).write(f),
        "net": lambda f: _net_writer(model, network).write(f),
        "xdsl": lambda f: _xdsl_writer(model, network).write(f),
        "uai": lambda f: _write_uai(model, f),
    }[fmt]


def _bif_writer(writer: Any) -> Any:
    """Name the network ``backspasm`` in BIF (pgmpy writes ``unknown`` for a nameless model)."""
    if writer.network_name == "unknown":
        writer.network_name = "backspasm"
    return writer


def bif_state_names(model: DiscreteBayesianNetwork) -> dict[str, dict[str, str]]:
    """Return the new name of each state that is not a BIF word, by node.

    Each character outside ASCII letters, digits and ``_`` becomes ``_`` (``18-39`` as
    ``18_39``, ``65+`` as ``65_``: the names pgmpy's XMLBIF writer gives them), and a
    name another state of the node already has takes a number (``65_2``).
    """
    renamed: dict[str, dict[str, str]] = {}
    for node in model.nodes():
        states = [str(s) for s in model.get_cpds(node).state_names[node]]
        taken = {s for s in states if _BIF_WORD.fullmatch(s)}
        for state in states:
            if _BIF_WORD.fullmatch(state):
                continue
            base = re.sub(r"[^A-Za-z0-9_]", "_", state)
            new, n = base, 1
            while new in taken:
                n += 1
                new = f"{base}{n}"
            taken.add(new)
            renamed.setdefault(node, {})[state] = new
    return renamed


def _in_bif_words(model: DiscreteBayesianNetwork) -> DiscreteBayesianNetwork:
    """Return ``model``, or a copy whose state names are BIF words (:func:`bif_state_names`)."""
    renamed = bif_state_names(model)
    if not renamed:
        return model
    from pgmpy.factors.discrete import TabularCPD

    copy = model.copy()
    for cpd in model.get_cpds():
        names = {
            v: [renamed.get(v, {}).get(str(s), str(s)) for s in cpd.state_names[v]]
            for v in cpd.variables
        }
        parents = cpd.variables[1:]
        copy.add_cpds(
            TabularCPD(
                cpd.variable,
                cpd.variable_card,
                cpd.get_values(),
                evidence=parents or None,
                evidence_card=[cpd.cardinality[i] for i in range(1, len(cpd.variables))] or None,
                state_names=names,
            )
        )
    return copy


def _write_uai(model: DiscreteBayesianNetwork, path: str) -> None:
    """Write ``model`` as a UAI ``BAYES`` file, as the UAI inference competitions define it.

    Variables are numbered in the model's node order. Each table's scope lists the
    node's parents in the order of its table, then the node itself, and the entries
    follow with the last variable of the scope changing fastest: one line per
    combination of parent states, holding the node's distribution. Numbers are
    positional (pgmpy's reader cannot parse ``1e-06``) and read back exactly.
    """
    import numpy as np

    nodes = list(model.nodes())
    index = {node: i for i, node in enumerate(nodes)}
    cpds = [model.get_cpds(node) for node in nodes]
    lines = ["BAYES", str(len(nodes)), " ".join(str(c.variable_card) for c in cpds)]
    lines.append(str(len(cpds)))
    for cpd in cpds:
        scope = [*cpd.variables[1:], cpd.variable]
        lines.append(" ".join([str(len(scope)), *(str(index[v]) for v in scope)]))
    for cpd in cpds:
        table = np.moveaxis(np.asarray(cpd.values, dtype=float), 0, -1)
        lines += ["", str(table.size)]
        rows = table.reshape(-1, cpd.variable_card)
        lines += [" " + " ".join(_positional(v) for v in row) for row in rows]
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")
