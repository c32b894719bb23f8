"""The arrows of the network drawings: each edge run between the boxes to its own box.

Geometry is in inches of the drawn figure. :func:`route_edges` runs the arrows
between the boxes of a slide layout (:func:`backspasm.figures._layout.slide_layout`),
each one ending with its head on its own box.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from backspasm.figures._paths import TURN, Pen
from backspasm.layout import Layout

#: The edges of the network drawings: line width, arrowhead length and half width
#: (points).
EDGE_WIDTH = 0.6
HEAD_LENGTH = 3.5
HEAD_WIDTH = 2.0
#: The shortest arrowhead drawn (points). Where the gap between two rows leaves less
#: (the beliefs' slide, whose boxes are taller), an edge ends on its box without one.
MIN_HEAD = 2.0
#: A gutter at least this wide (inches) takes an arrowhead at the side of the box it
#: points at; in a narrower one (between the sub-columns of a layer) the head would
#: fill the gutter and seem to join the box on its other side, so the edge comes along
#: the gap between two rows and ends on the top or the bottom of its box instead.
SIDE_ENTRY = 0.08
_PT = 1 / 72  # inches per point
_AIR = 0.3 * _PT  # white between an edge's line and the border of a box it passes
_HEAD_AIR = 1.2 * _PT  # white between an arrowhead and a box it does not point at
_FLOOR = 0.04  # an edge may run this far under the drawing (its Axes shows 0.06 in more)
_CEILING = 0.025  # and this far over it (the rule under a header is 0.035 in up)
_MIDDLE = 0.5  # an edge crosses a gap between two boxes narrower than this in its middle
_ROOM = 0.06  # and a wider one at least this far from both
_LANE = 0.15  # the farthest from a box's top or bottom an edge runs to turn onto it
_FOOT = 0.1  # an arrowhead into a box's top or bottom: how far in from its near corner
_FOOT_STEP = 0.07  # between the arrowheads into one side of a box
_PORT = 0.05  # an edge ends on (or leaves) the side of a box at least this far from its corners
#: An arrow into the side of a box runs level with a gap of the column before it,
#: this much farther from that column's boxes than a passing line keeps (inches).
_OPENING = 0.03
_SPREAD = 0.2  # a gutter this wide spreads the edges running up and down it


@dataclass(frozen=True)
class Route:
    """One edge of a network drawing: its path and the arrowhead it has room for.

    Attributes
    ----------
    path : matplotlib.path.Path
        From the side of the parent's box to the side of the child's (inches).
    head : float
        Length of the arrowhead (points): :data:`HEAD_LENGTH`, less where the gap it
        ends in is narrower, 0 for none (less room than :data:`MIN_HEAD`).
    side : str
        The side of the child's box it ends on: ``left``, ``right``, ``top`` or ``bottom``.
    """

    path: Any
    head: float
    side: str


def _fit(lo: float, hi: float) -> tuple[float, float] | None:
    """Return the heights of a gap an edge's line may take, or None.

    ``lo`` and ``hi`` keep the line clear of both boxes; where they cross, the line
    takes the middle if it leaves the line less than :data:`_AIR` either side, and
    the gap is none where the line would touch a border.
    """
    if hi >= lo:
        return lo, hi
    if hi - lo >= -2 * _AIR:
        return (lo + hi) / 2, (lo + hi) / 2
    return None


class _Boxes:
    """Where the boxes of a drawing leave room for its edges: gutters and gaps.

    ``outline`` is half of each box's border width (inches): an edge's line keeps
    ``EDGE_WIDTH / 2`` plus that plus :data:`_AIR` away from the box's edge.
    """

    def __init__(self, layout: Layout, outline: Mapping[str, float]) -> None:
        self.lay = layout
        self.left = [x - w / 2 for x, w in zip(layout.column_x, layout.column_w, strict=True)]
        self.right = [x + w / 2 for x, w in zip(layout.column_x, layout.column_w, strict=True)]
        self.stack: list[list[str]] = [[] for _ in layout.column_x]  # top to bottom
        for n in sorted(layout.pos, key=lambda n: -layout.pos[n][1]):
            self.stack[layout.column_of[n]].append(n)
        self.rim = {n: outline.get(n, 0.0) for n in layout.pos}
        # the layer of each column: the sub-columns of one layer share a header's span
        spans = layout.spans or tuple((x, x) for x in layout.column_x)
        self.layer = [
            next((i for i, (a, b) in enumerate(spans) if a - 1e-6 <= x <= b + 1e-6), -1 - c)
            for c, x in enumerate(layout.column_x)
        ]

    def clear(self, n: str) -> float:
        return EDGE_WIDTH / 2 * _PT + self.rim[n] + _AIR

    def top(self, n: str) -> float:
        return self.lay.pos[n][1] + self.lay.box_h / 2

    def bottom(self, n: str) -> float:
        return self.lay.pos[n][1] - self.lay.box_h / 2

    def over(self, n: str) -> str | None:
        col = self.stack[self.lay.column_of[n]]
        i = col.index(n)
        return col[i - 1] if i else None

    def under(self, n: str) -> str | None:
        col = self.stack[self.lay.column_of[n]]
        i = col.index(n)
        return col[i + 1] if i + 1 < len(col) else None

    def gap_next_to(self, n: str, side: str) -> tuple[float, float] | None:
        """Return the heights an edge's line may take next to ``n``'s box.

        Between it and the box over it (``side="top"``) or under it (``"bottom"``);
        None where the line does not fit there.
        """
        if side == "top":
            m = self.over(n)
            hi = self.bottom(m) - self.clear(m) if m else self.lay.height + _CEILING
            return _fit(self.top(n) + self.clear(n), hi)
        m = self.under(n)
        lo = self.top(m) + self.clear(m) if m else -_FLOOR
        return _fit(lo, self.bottom(n) - self.clear(n))

    def gaps(self, c: int) -> list[tuple[float, float]]:
        """Heights where an edge's line may cross column ``c``, bottom to top."""
        col = self.stack[c]
        if not col:
            return [(-_FLOOR, self.lay.height + _CEILING)]
        found = [self.gap_next_to(n, "bottom") for n in reversed(col)]
        found.append(self.gap_next_to(col[0], "top"))
        return [g for g in found if g is not None]

    def gutter(self, c: int, towards: int) -> tuple[float, float]:
        """Return the edges of the gutter right (``towards=1``) or left (-1) of column ``c``."""
        if towards > 0:
            return self.right[c], self.left[c + 1] if c + 1 < len(self.left) else self.lay.width
        return self.right[c - 1] if c > 0 else 0.0, self.left[c]

    def cross(self, c: int, want: float, *, exact: bool = False) -> float:
        """Return the height nearest ``want`` where an edge crosses column ``c`` between boxes.

        A gap under :data:`_MIDDLE` is crossed in its middle, unless ``exact`` and
        ``want`` lies in it.
        """
        best, dist = want, math.inf
        for lo, hi in self.gaps(c):
            if exact and lo <= want <= hi:
                return want
            spot = (lo + hi) / 2 if hi - lo < _MIDDLE else min(max(want, lo + _ROOM), hi - _ROOM)
            if abs(spot - want) < dist:
                best, dist = spot, abs(spot - want)
        return best

    def openings(self, n: str, c: int, margin: float = 0.0) -> list[tuple[float, float]]:
        """Return the heights on the side of ``n``'s box level with a gap of column ``c``.

        Heights at least :data:`_PORT` from the box's corners, and ``margin`` farther
        from the boxes of column ``c`` than an edge's line must keep.
        """
        y, half = self.lay.pos[n][1], max(self.lay.box_h / 2 - _PORT, 0.0)
        found = []
        for lo, hi in self.gaps(c):
            a, b = max(lo + margin, y - half), min(hi - margin, y + half)
            if a <= b:
                found.append((a, b))
        return found

    def port(self, n: str, c: int, want: float, margin: float = 0.0) -> float:
        """Return a height on the side of ``n``'s box level with a gap of column ``c``.

        The one nearest ``want`` among :meth:`openings`, so that no box of that column
        faces the edge there (``want``, kept within the side, where there is none).
        """
        y, half = self.lay.pos[n][1], max(self.lay.box_h / 2 - _PORT, 0.0)
        best, dist = min(max(want, y - half), y + half), math.inf
        for a, b in self.openings(n, c, margin):
            # in the middle of a narrow opening, else clear of its ends by _PORT
            spot = (a + b) / 2 if b - a < 2 * _PORT else min(max(want, a + _PORT), b - _PORT)
            if abs(spot - want) < dist:
                best, dist = spot, abs(spot - want)
        return best

    def head_room(self, n: str, side: str) -> float:
        """Return the longest arrowhead (inches) onto the top or bottom of ``n``.

        It keeps :data:`_HEAD_AIR` from the box over or under ``n``; 0 where that
        leaves less than :data:`MIN_HEAD`.
        """
        if side == "top":
            m = self.over(n)
            roof = self.bottom(m) - self.rim[m] if m else self.lay.height + _CEILING
            room = roof - self.top(n)
        else:
            m = self.under(n)
            room = self.bottom(n) - (self.top(m) + self.rim[m] if m else -_FLOOR)
        head = min(HEAD_LENGTH * _PT, room - _HEAD_AIR)
        return head if head >= MIN_HEAD * _PT else 0.0

    def straight(self, u: str, v: str) -> bool:
        """Whether ``u`` and ``v`` are in neighbouring columns, level for a straight edge."""
        cu, cv = self.lay.column_of[u], self.lay.column_of[v]
        level = abs(self.lay.pos[u][1] - self.lay.pos[v][1]) <= self.lay.box_h - 2 * _PORT
        return abs(cu - cv) == 1 and level

    def side(self, u: str, v: str) -> str:
        """Return the side of ``v``'s box where the edge from ``u`` ends."""
        cu, cv = self.lay.column_of[u], self.lay.column_of[v]
        sideways = ""
        if cu != cv:
            towards = 1 if cv > cu else -1
            lo, hi = self.gutter(cv, -towards)
            if hi - lo >= SIDE_ENTRY:
                sideways = "left" if towards > 0 else "right"
                if self.straight(u, v) or (
                    self.openings(v, cv - towards, _OPENING) and self.leads_clear(u, v)
                ):
                    return sideways
        want = "top" if self.lay.pos[u][1] >= self.lay.pos[v][1] else "bottom"
        other = "bottom" if want == "top" else "top"
        room = {s: (self.gap_next_to(v, s), self.head_room(v, s)) for s in (want, other)}
        usable = [s for s in (want, other) if room[s][0] is not None]
        if not usable:  # no gap over or under the box: its side, across a wide gutter
            return sideways or want
        if room[usable[0]][1] == 0 and len(usable) > 1 and room[usable[1]][1] > 0:
            return usable[1]  # where a head fits
        return usable[0]

    def leads_clear(self, u: str, v: str) -> bool:
        """Whether an arrow into the side of ``v``'s box leads into its head clear of boxes.

        An edge between neighbouring columns turns up or down in the one gutter between
        them, right before its head. Where that gutter is narrow (between two
        sub-columns of a layer) the upright run passes close by the boxes of the
        parent's column, and one it passes near its end reads as the arrow's source:
        the edge then comes along a gap between rows onto the box's top or bottom
        instead. Edges across more columns turn in an earlier gutter (they cross the
        column before the child's level with their end).
        """
        cu, cv = self.lay.column_of[u], self.lay.column_of[v]
        if abs(cu - cv) != 1:
            return True
        lo, hi = self.gutter(cv, -1 if cv > cu else 1)
        if hi - lo >= _SPREAD:
            return True
        arrive = self.port(v, cu, self.lay.pos[u][1], _OPENING)
        a, b = sorted((arrive, self.port(u, cv, arrive)))
        # a run that passes a box ends in the gap right after it, within the lead
        return not any(n != u and self.bottom(n) < b and self.top(n) > a for n in self.stack[cu])

    def from_left(self, u: str, v: str) -> bool:
        """Whether the edge ``u -> v`` comes to ``v``'s box from the left."""
        cu, cv = self.lay.column_of[u], self.lay.column_of[v]
        if cu != cv:
            return cu < cv
        (a, b), (c, d) = self.gutter(cv, -1), self.gutter(cv, 1)
        return b - a > d - c  # round the column through its wider gutter

    def lane(self, v: str, side: str, head: float) -> float:
        """Return the height of the run along the gap next to ``v``'s top or bottom.

        Far enough from the box for a turn onto it and then ``head`` inches straight.
        """
        gap = self.gap_next_to(v, side)
        lo, hi = gap if gap is not None else (self.lay.pos[v][1],) * 2
        if side == "top":
            edge = self.top(v)
            d = max(head + 0.015 if head else 0.0, min((lo + hi) / 2 - edge, _LANE))
            return min(max(edge + d, lo), hi)
        edge = self.bottom(v)
        d = max(head + 0.015 if head else 0.0, min(edge - (lo + hi) / 2, _LANE))
        return max(min(edge - d, hi), lo)

    def run_x(self, lo: float, hi: float, y: float) -> float:
        """Return where an edge going to height ``y`` runs up or down a gutter ``lo..hi``.

        In its middle; a gutter at least :data:`_SPREAD` wide spreads the runs over
        its middle half by height (the lower the edge goes, the farther right), so
        that they can be told apart.
        """
        if hi - lo < _SPREAD:
            return (lo + hi) / 2
        share = min(max(1.0 - y / max(self.lay.height, 1e-9), 0.0), 1.0)
        return lo + (hi - lo) * (0.25 + 0.5 * share)

    def route(self, u: str, v: str, side: str, foot: float) -> Route:
        """Route the edge ``u -> v`` to ``side`` of ``v`` (at ``x = foot`` on a top or bottom)."""
        cu, cv = self.lay.column_of[u], self.lay.column_of[v]
        (_, yu), (_, yv) = self.lay.pos[u], self.lay.pos[v]
        upright = side in ("top", "bottom")
        head = self.head_room(v, side) if upright else HEAD_LENGTH * _PT
        if cu == cv:
            return self._within(u, v, side, foot, head)
        step = 1 if cv > cu else -1
        near = self.left if step > 0 else self.right  # the side of a column an edge enters by
        far = self.right if step > 0 else self.left
        half = self.lay.box_h / 2 - _PORT
        if upright:
            arrive = self.lane(v, side, head)
        elif self.straight(u, v):
            arrive = (max(yu, yv) - half + min(yu, yv) + half) / 2  # level with both
        else:
            # level with a gap of the column before: no box there seems to send the arrow
            arrive = self.port(v, cv - step, yu if cv - step == cu else yv, _OPENING)
        x_end = foot if upright else near[cv]
        # the column before the child's layer is crossed level with where the edge goes on
        entry = min(
            (c for c in range(cu + step, cv + step, step) if self.layer[c] == self.layer[cv]),
            key=lambda c: abs(c - cu),
        )
        heights, prev = [], yu
        for c in range(cu + step, cv, step):
            # the column just before the child's is crossed level with the arrow's end
            # too: a turn in the gutter next to the child would run the last stretch
            # before the head along a box of that column, as if it came from there
            toward = (
                self.layer[c] == self.layer[cv]
                or c == cv - step
                or (c == entry - step and self.layer[c] != self.layer[cu])
            )
            if toward:
                want = arrive  # along the gap the edge ends in, or straight to its end
            elif self.layer[c] == self.layer[cu]:
                want = prev  # leave the parent's layer near its height
            else:
                t = (self.lay.column_x[c] - far[cu]) / (x_end - far[cu])
                want = yu + (arrive - yu) * t
            prev = self.cross(c, want, exact=toward)
            heights.append(prev)
        # out of the parent's box level with a gap of the next column, or straight on
        if not heights and not upright and self.straight(u, v):
            pen = Pen((far[cu], arrive))
        else:
            pen = Pen((far[cu], self.port(u, cu + step, heights[0] if heights else arrive)))
        for c, y in zip(range(cu + step, cv, step), heights, strict=True):
            pen.jog(self.run_x(*self.gutter(c, -step), y), y, near[c])
            pen.line(far[c], y)
        lo, hi = self.gutter(cv, -step)
        if not upright:
            # the turn in the gutter, then a straight stretch as long as the head
            short = (lo, hi - head - TURN) if step > 0 else (lo + head + TURN, hi)
            if short[1] - short[0] < _SPREAD:
                short = (lo, hi - head) if step > 0 else (lo + head, hi)
            pen.jog(self.run_x(*short, arrive), arrive, near[cv])
            return Route(pen.path(), head / _PT, side)
        pen.jog(self.run_x(lo, hi, arrive), arrive, near[cv])
        pen.drop(foot, self.top(v) if side == "top" else self.bottom(v), head)
        return Route(pen.path(), head / _PT, side)

    def _within(self, u: str, v: str, side: str, foot: float, head: float) -> Route:
        """Route an edge between two boxes of one column.

        Straight across the gap between neighbours, else out into the column's wider
        gutter and back along the gap next to ``v``.
        """
        c = self.lay.column_of[u]
        edge = self.top(v) if side == "top" else self.bottom(v)
        if u in (self.over(v), self.under(v)):
            pen = Pen((foot, self.bottom(u) if side == "top" else self.top(u)))
            pen.line(foot, edge)
            return Route(pen.path(), head / _PT, side)
        step = -1 if self.from_left(u, v) else 1
        lo, hi = self.gutter(c, step)
        out = self.right[c] if step > 0 else self.left[c]
        lane, yu = self.lane(v, side, head), self.lay.pos[u][1]
        x_turn, up = (lo + hi) / 2, math.copysign(1.0, lane - yu)
        r = min(TURN, abs(x_turn - out), abs(lane - yu) / 2)
        pen = Pen((out, self.port(u, c + step, yu) if 0 <= c + step < len(self.left) else yu))
        pen.line(x_turn - step * r, pen.at[1])
        pen.turn(x_turn, pen.at[1] + up * r, first="h")
        pen.line(x_turn, lane - up * r)
        pen.turn(x_turn - step * r, lane, first="v")
        pen.drop(foot, edge, head)
        return Route(pen.path(), head / _PT, side)


def route_edges(
    layout: Layout,
    edges: Sequence[tuple[str, str]],
    outline: Mapping[str, float] | None = None,
) -> dict[tuple[str, str], Route]:
    """Route the edges of a drawing so that each one visibly ends at its own box.

    An edge leaves its parent's box from the side facing its child, crosses the
    columns between them through the gaps between boxes (never behind a box, where it
    would seem to come out of a box it does not start from) and turns only in the
    gutters between columns. It ends on the near side of its child's box where the
    gutter before that box is at least :data:`SIDE_ENTRY` wide, level with a gap of
    the column before (so that no box there seems to send it), and where the stretch
    before its head does not run along a box of that column (an edge between
    neighbouring columns that would turn past one in a narrow gutter, see
    :meth:`_Boxes.leads_clear`); elsewhere (the later
    sub-columns of a layer, whose gutters are narrow) it comes along the gap between
    two rows and ends on the top or the bottom of the box, the arrowheads into one
    side of a box spread along it. So no arrowhead sits between two boxes it does
    not join.

    Parameters
    ----------
    layout : Layout
        Boxes and columns (inches).
    edges : sequence of (str, str)
        Parent and child, both in ``layout.pos``.
    outline : mapping of str to float, optional
        Half the border width of each box (inches): edges keep clear of it.

    Returns
    -------
    dict
        Each edge's :class:`Route`.
    """
    boxes = _Boxes(layout, outline or {})
    sides = {e: boxes.side(*e) for e in edges}
    feet: dict[tuple[str, str], float] = {}
    into: dict[tuple[str, str, bool], list[tuple[str, str]]] = {}
    for (u, v), side in sides.items():
        if side in ("top", "bottom"):
            into.setdefault((v, side, boxes.from_left(u, v)), []).append((u, v))
    for (v, side, from_left), group in into.items():
        # the first head in from the corner the edges come from: the edge from
        # farthest away (its run along the gap ends first)
        group.sort(key=lambda e: (-abs(layout.pos[e[0]][0] - layout.pos[v][0]), e[0]))
        x, w = layout.pos[v][0], layout.box_w(v)
        # the heads up into a box's bottom sit between those down into the box under it
        first = _FOOT + (_FOOT_STEP / 2 if side == "bottom" else 0.0)
        step = min(_FOOT_STEP, (w - first - _FOOT) / max(len(group) - 1, 1))
        for i, e in enumerate(group):
            feet[e] = x - w / 2 + first + i * step if from_left else x + w / 2 - first - i * step
    return {e: boxes.route(*e, sides[e], feet.get(e, 0.0)) for e in edges}
