"""The file writers behind :meth:`backspasm.network.Network.export`.

pgmpy's writers, with what they lack for this network: XDSL (GeNIe) and NET (HUGIN)
files carry each node's label and its box of the layered layout (the one the
figures draw), and UAI numbers are written so that pgmpy's own reader reads them.
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

__all__ = ["writer_for"]


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


def _xdsl_writer(model: DiscreteBayesianNetwork, network: Network) -> Any:
    from pgmpy.readwrite import XDSLWriter

    writer = XDSLWriter(model, network_id="backspasm")
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


def _net_writer(model: DiscreteBayesianNetwork, network: Network) -> Any:
    from pgmpy.readwrite import NETWriter

    laid = model.copy()  # node properties go on a copy: the user's model stays clean
    for node, (x1, y1, x2, y2) in _boxes(network).items():
        label = network.label(node).replace('"', "'").replace(";", ",")
        laid.nodes[node]["label"] = f'"{label}"'
        laid.nodes[node]["position"] = f"({(x1 + x2) // 2} {(y1 + y2) // 2})"
    return NETWriter(laid)


def writer_for(
    fmt: str, model: DiscreteBayesianNetwork, network: Network | None = None
) -> Callable[[str], Any]:
    """Return the function that writes ``model`` to a path in format ``fmt``.

    ``network`` (for NET and XDSL) gives the labels and the layout of the boxes.
    """
    from pgmpy.readwrite import BIFWriter, NETWriter, UAIWriter, XDSLWriter, XMLBIFWriter

    return {
        "bif": lambda f: _bif_writer(BIFWriter(model)).write(f),
        "xmlbif": lambda f: XMLBIFWriter(model).write(f),
        "net": lambda f: (
            NETWriter(model) if network is None else _net_writer(model, network)
        ).write(f),
        "xdsl": lambda f: (
            XDSLWriter(model) if network is None else _xdsl_writer(model, network)
        ).write(f),
        "uai": lambda f: _write_uai(UAIWriter(model), f),
    }[fmt]


def _bif_writer(writer: Any) -> Any:
    """Name the network ``backspasm`` in BIF (pgmpy writes ``unknown`` for a nameless model)."""
    if writer.network_name == "unknown":
        writer.network_name = "backspasm"
    return writer


def _write_uai(writer: Any, path: str) -> None:
    """Write UAI with every number in positional notation.

    pgmpy's writer prints tiny probabilities as ``1e-06``, which pgmpy's own
    ``UAIReader`` cannot parse; ``0.000001`` reads back as the same float.
    """
    import numpy as np

    writer.write(path)
    text = Path(path).read_text(encoding="utf-8")
    plain = re.sub(
        r"[-+]?[0-9.]+[eE][-+]?[0-9]+",
        lambda m: np.format_float_positional(float(m.group()), trim="-"),
        text,
    )
    Path(path).write_text(plain, encoding="utf-8")
