"""The paths of the network drawings' edges, in inches of the drawn figure.

:func:`bezier` is the smooth path of an edge through given points (the diagnostic
view's); :class:`Pen` draws the routed arrows of the slides (straight runs joined by
rounded turns), for :mod:`backspasm.figures._routing`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

TURN = 0.04  # the largest radius of an edge's rounded turns (inches)
_KAPPA = 0.5523  # a cubic Bezier's handle for a quarter circle, per unit of radius


def bezier(points: Sequence[tuple[float, float]]) -> Any:
    """Smooth path through points with horizontal tangents at each of them."""
    from matplotlib.path import Path as MplPath

    verts = [points[0]]
    codes = [MplPath.MOVETO]
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        if abs(y1 - y0) < 1e-9:
            verts.append((x1, y1))
            codes.append(MplPath.LINETO)
            continue
        dx = (x1 - x0) * 0.5
        verts += [(x0 + dx, y0), (x1 - dx, y1), (x1, y1)]
        codes += [MplPath.CURVE4] * 3
    return MplPath(verts, codes)


class Pen:
    """A path of straight runs joined by rounded turns (quarter circles)."""

    def __init__(self, start: tuple[float, float]) -> None:
        self.verts = [start]
        self.codes = [1]  # MOVETO

    @property
    def at(self) -> tuple[float, float]:
        return self.verts[-1]

    def line(self, x: float, y: float) -> None:
        if math.hypot(x - self.at[0], y - self.at[1]) > 1e-9:
            self.verts.append((x, y))
            self.codes.append(2)  # LINETO

    def turn(self, x: float, y: float, *, first: str) -> None:
        """Turn to ``(x, y)``, leaving level (``first="h"``) or upright (``"v"``)."""
        (x0, y0) = self.at
        if first == "h":
            handles = [(x0 + _KAPPA * (x - x0), y0), (x, y - _KAPPA * (y - y0))]
        else:
            handles = [(x0, y0 + _KAPPA * (y - y0)), (x - _KAPPA * (x - x0), y)]
        self.verts += [*handles, (x, y)]
        self.codes += [4, 4, 4]  # CURVE4

    def jog(self, x_turn: float, y: float, x_end: float) -> None:
        """Run level to ``x_turn``, up or down it to ``y``, then level again to ``x_end``."""
        (x0, y0) = self.at
        if abs(y - y0) < 1e-9:
            self.line(x_end, y)
            return
        r = min(TURN, abs(x_turn - x0), abs(x_end - x_turn), abs(y - y0) / 2)
        across = math.copysign(1.0, x_end - x0)
        up = math.copysign(1.0, y - y0)
        self.line(x_turn - across * r, y0)
        if r > 0:
            self.turn(x_turn, y0 + up * r, first="h")
        self.line(x_turn, y - up * r)
        if r > 0:
            self.turn(x_turn + across * r, y, first="v")
        self.line(x_end, y)

    def drop(self, x: float, y: float, head: float) -> None:
        """Run level to over (or under) ``(x, y)`` and turn down (or up) onto it.

        The last ``head`` inches run straight, for the arrowhead.
        """
        (x0, y0) = self.at
        r = max(0.0, min(TURN, abs(x - x0), abs(y - y0) - head))
        self.line(x - math.copysign(r, x - x0), y0)
        if r > 0:
            self.turn(x, y0 + math.copysign(r, y - y0), first="h")
        self.line(x, y)

    def path(self) -> Any:
        from matplotlib.path import Path as MplPath

        return MplPath(self.verts, self.codes)
