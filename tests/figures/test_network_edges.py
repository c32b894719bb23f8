"""Every arrow of the network slides ends visibly at its own box.

A teacher's audit of 01-network: the findings are dealt into four sub-columns, and the
arrows into the later ones ran straight on behind the boxes of the earlier ones, their
heads landing in the narrow gutters between boxes. The slide seemed to show arrows that
do not exist ("Sepsis -> Location of spasms", "Progressive weakness -> Psoriasis, bowel
or eye inflammation", chains of findings such as "Tingling around mouth/fingers -> Hand
or foot spasm -> Back tires quickly"), under a subtitle saying that each arrow points
from a cause to its effect. In the model the complications have no children and the
only edge between two findings is duration -> not improving.

These tests read the arrows as drawn (their paths and heads, in inches of the slide)
and check what a reader sees: each arrow starts on its parent's box and its head
touches its child's box, pointing into it; no line passes behind a box (where it would
seem to come out of a box it does not start from) or runs over a box's outline; and no
head comes near a box it does not point at.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterator
from typing import Any

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
from matplotlib.path import Path as MplPath

from backspasm import figures
from backspasm.diagnosis import Diagnosis
from backspasm.network import Network, default_network, load_network
from helpers import NEW_FINDING, bundled_variant

pytestmark = pytest.mark.usefixtures("figures_closed")

PT = 1 / 72  # inches per point: one data unit of the network slides is one inch
TOUCH = 1.0 * PT  # a head's tip this close to its box's outline touches it
CLEAR = 1.0 * PT  # a head keeps at least this far from every other box
LEAD = 0.12  # inches of line before the head a reader follows back to its source
LEAD_CLEAR = 2.0 * PT  # how far that stretch keeps from every other box


class Box:
    """A node's box as drawn: its rectangle (inches) and half its border's width."""

    def __init__(self, patch: FancyBboxPatch) -> None:
        self.x0, self.y0 = patch.get_x(), patch.get_y()
        self.x1, self.y1 = self.x0 + patch.get_width(), self.y0 + patch.get_height()
        self.rim = patch.get_linewidth() / 2 * PT

    def distance(self, points: np.ndarray) -> np.ndarray:
        """Distance of each point to the rectangle's outline: negative inside it."""
        x, y = points[:, 0], points[:, 1]
        dx = np.maximum(self.x0 - x, x - self.x1)
        dy = np.maximum(self.y0 - y, y - self.y1)
        outside = np.hypot(np.maximum(dx, 0.0), np.maximum(dy, 0.0))
        return np.where((dx <= 0) & (dy <= 0), np.maximum(dx, dy), outside)


class Arrow:
    """An edge as drawn: its line (sampled densely) and its head (a triangle, if any)."""

    def __init__(self, patch: FancyArrowPatch) -> None:
        pieces = list(_pieces(patch.get_path()))
        self.line = _sample(pieces[0])
        steps = np.hypot(*np.diff(self.line, axis=0).T)
        self.along = np.concatenate([[0.0], np.cumsum(steps)])  # arc length (inches)
        self.head = np.asarray(pieces[1].vertices[:3]) if len(pieces) > 1 else None
        self.width = patch.get_linewidth() * PT

    @property
    def tip(self) -> np.ndarray:
        return self.line[-1] if self.head is None else self.head[1]

    @property
    def head_length(self) -> float:
        if self.head is None:
            return 0.0
        base = (self.head[0] + self.head[2]) / 2
        return float(np.hypot(*(self.head[1] - base)))

    def head_points(self) -> np.ndarray:
        """The head's outline, sampled (the filled triangle a reader sees)."""
        if self.head is None:
            return np.empty((0, 2))
        corners = [*self.head, self.head[0]]
        t = np.linspace(0.0, 1.0, 12)[:, None]
        return np.vstack([a + t * (b - a) for a, b in itertools.pairwise(corners)])


def _pieces(path: MplPath) -> Iterator[MplPath]:
    """Split a compound path (the line, then the head) at each MOVETO."""
    start = 0
    codes = path.codes if path.codes is not None else [MplPath.LINETO] * len(path.vertices)
    for i, code in enumerate(codes):
        if code == MplPath.MOVETO and i > start:
            yield MplPath(path.vertices[start:i], codes[start:i])
            start = i
    yield MplPath(path.vertices[start:], codes[start:])


def _sample(path: MplPath, step: float = 0.004) -> np.ndarray:
    """Points along a path of lines and cubic curves, at most ``step`` inches apart."""
    out = []
    for segment, _code in path.iter_bezier():
        points = np.asarray(segment.control_points)
        span = float(np.sum(np.hypot(*np.diff(points, axis=0).T))) if len(points) > 1 else 0.0
        t = np.linspace(0.0, 1.0, max(2, math.ceil(span / step) + 1))
        out.append(segment(t) if len(points) > 1 else points)
    return np.vstack(out)


def drawn(ax: Any) -> tuple[dict[str, Box], dict[tuple[str, str], Arrow]]:
    fig = ax.get_figure()
    fig.canvas.draw()  # the heads' sizes in points become inches at the figure's dpi
    boxes, arrows = {}, {}
    for patch in ax.patches:
        gid = patch.get_gid()
        if not isinstance(gid, str):
            continue
        if gid.startswith("node:") and isinstance(patch, FancyBboxPatch):
            boxes[gid[5:]] = Box(patch)
        elif gid.startswith("edge:") and isinstance(patch, FancyArrowPatch):
            parent, child = gid[5:].split("->")
            arrows[(parent, child)] = Arrow(patch)
    return boxes, arrows


def misreadings(ax: Any, *, lead: float = 0.0) -> list[str]:
    """What a reader would misread in a network drawing, one line per arrow.

    With ``lead``, the last ``lead`` inches of each line (the stretch that leads into
    its head) must also keep :data:`LEAD_CLEAR` from every box but its child's: a line
    skirting another box right before the head reads as coming from that box.
    """
    boxes, arrows = drawn(ax)
    said = []
    for (parent, child), arrow in arrows.items():
        name = f"{parent} -> {child}"
        start = boxes[parent].distance(arrow.line[:1])[0]
        if abs(start) > TOUCH:
            said.append(f"{name}: starts {start / PT:.1f} pt off its parent's box")
        tip = boxes[child].distance(arrow.tip[None, :])[0]
        if abs(tip) > TOUCH:
            said.append(f"{name}: its head ends {tip / PT:.1f} pt off its child's box")
        if arrow.head is not None:
            base = (arrow.head[0] + arrow.head[2]) / 2
            if boxes[child].distance(base[None, :])[0] < 0.8 * arrow.head_length:
                said.append(f"{name}: its head does not point into its child's box")
        for node, box in boxes.items():
            if node in (parent, child):
                continue
            # a line must not touch a box's border, let alone pass behind the box
            near = float(np.min(box.distance(arrow.line))) - box.rim - arrow.width / 2
            if near < 0:
                said.append(f"{name}: its line runs into {node}'s box ({near / PT:.1f} pt)")
            head = arrow.head_points()
            if len(head) and float(np.min(box.distance(head))) - box.rim < CLEAR:
                said.append(f"{name}: its head touches {node}'s box")
            if lead:
                last = arrow.line[arrow.along >= arrow.along[-1] - lead]
                if float(np.min(box.distance(last))) - box.rim < LEAD_CLEAR:
                    said.append(f"{name}: it leads into its head along {node}'s box")
        # between the two ends, the line keeps out of its own boxes too (a line hidden
        # behind its parent seems to come out of its side, or out of the box's far side)
        inner = arrow.line[1:-1]
        for node in (parent, child):
            if len(inner) and float(np.min(boxes[node].distance(inner))) < -TOUCH:
                said.append(f"{name}: its line runs through {node}'s own box")
    return said


def test_every_arrow_of_the_network_ends_at_its_own_box(net: Network) -> None:
    ax = figures.plot_network(net)
    _, arrows = drawn(ax)
    assert set(arrows) == set(net.model.edges())
    assert misreadings(ax, lead=LEAD) == []
    # every head is drawn whole on this slide: it shows which way the arrow points
    short = {
        e: round(a.head_length / PT, 2) for e, a in arrows.items() if a.head_length < 3.4 * PT
    }
    assert short == {}


def test_the_arrows_the_audit_saw_are_not_there(net: Network) -> None:
    """No head touches a box its arrow does not point at, so these links do not appear."""
    ax = figures.plot_network(net)
    boxes, arrows = drawn(ax)
    seen = [
        ("sepsis", "spasm_location"),
        ("progressive_weakness_and_loss_of_function", "psoriasis_bowel_or_eye_inflammation"),
        ("perioral_or_fingertip_tingling", "hand_or_foot_spasm"),
        ("hand_or_foot_spasm", "back_tires_quickly"),
    ]
    for parent, child in seen:
        assert parent in boxes, parent
        assert child in boxes, child
        assert (parent, child) not in arrows
        into = [a for (_, c), a in arrows.items() if c == child]
        for arrow in into:
            # the head touches the child; where it starts from is not the audit's parent
            assert boxes[parent].distance(arrow.head_points()).min() - boxes[parent].rim > CLEAR
    # the complications have no children: no arrow starts on, or touches, their boxes
    for node in net.nodes_in("complication"):
        for (parent, child), arrow in arrows.items():
            assert parent != node
            if child != node:
                assert boxes[node].distance(arrow.line).min() > boxes[node].rim, (parent, child)


def test_the_edges_between_two_findings_are_drawn_as_one(net: Network) -> None:
    inside = [
        (p, c) for p, c in net.model.edges() if net.group_of(p) == net.group_of(c) == "finding"
    ]
    assert sorted(inside) == [
        ("pain_below_knee", "straight_leg_raise_positive"),
        ("spasm_duration", "not_improving_after_a_month"),
    ]
    ax = figures.plot_network(net)
    boxes, arrows = drawn(ax)
    for parent, child in inside:
        arrow = arrows[(parent, child)]
        assert abs(boxes[parent].distance(arrow.line[:1])[0]) <= TOUCH
        assert abs(boxes[child].distance(arrow.tip[None, :])[0]) <= TOUCH
    # no other arrow seems to join two findings: none passes, or leads into its head
    # along, a finding's box
    findings = set(net.nodes_in("finding"))
    said = [s for s in misreadings(ax, lead=LEAD) if any(f"{f}'s" in s for f in findings)]
    assert said == []


def test_the_beliefs_arrows_end_at_their_own_boxes(case: Diagnosis) -> None:
    # the same places as the network's slide, taller boxes: narrower gaps between rows,
    # where a head is shortened to fit (or left out) rather than touch another box
    ax = figures.plot_network_beliefs(case)
    assert misreadings(ax) == []


@pytest.mark.parametrize(
    "groups", [("cause_serious", "mechanism", "finding"), ("exposure", "cause_fitness", "finding")]
)
def test_a_part_of_the_network_ends_its_arrows_at_their_boxes(
    net: Network, groups: tuple[str, ...]
) -> None:
    ax = figures.plot_network(net, groups=groups)
    assert misreadings(ax, lead=LEAD) == []


@pytest.mark.parametrize(
    ("file", "pattern", "replacement"),
    [
        # one more finding, which moves every column's order (and the cause column's)
        ("findings.toml", r"\Z", NEW_FINDING),
        # one finding fewer
        ("findings.toml", r"(?ms)^\[nodes\.night_pain\].*?(?=^\[nodes\.)", ""),
    ],
    ids=["a finding added", "a finding removed"],
)
def test_a_variant_network_ends_its_arrows_at_their_boxes(
    tmp_path: Any, file: str, pattern: str, replacement: str
) -> None:
    """A knowledge base a user changed is drawn as cleanly as the bundled one.

    Either change reorders the columns. Before the arrows between neighbouring
    sub-columns checked where they turn, 10 to 21 of them then led into their heads
    along a box of the parent's column (an exposure, or a cause), as if they came
    from it.
    """
    net = load_network(bundled_variant(tmp_path / "kb", file, pattern, replacement))
    assert len(net.model.nodes()) != len(default_network().model.nodes())
    ax = figures.plot_network(net)
    assert misreadings(ax, lead=LEAD) == []


#: A serious cause a user adds (it reaches the spasm through referred visceral pain)
#: and a mechanism between two causes; each gets a finding of its own (NEW_FINDING's).
_NEW_CAUSE = """
[nodes.aortic_aneurysm]
group = "cause_serious"
label = "Aortic aneurysm"
description = "A widened abdominal aorta, whose pain can be felt in the back."
question = { column = "aortic_aneurysm", prompt = "Has a doctor found an aortic aneurysm?", section = "known_cause" }
parents = ["age_group", "sex"]
leak = { p = 0.0005, source = "assumption", why = "a test variant" }
strength.age_group = { p = { "40-64" = 0.001, "65+" = 0.004 }, source = "assumption", why = "a test variant" }
strength.sex = { p = { male = 0.001 }, source = "assumption", why = "a test variant" }
"""
_NEW_MECHANISM = """
[nodes.facet_joint_loading]
group = "mechanism"
label = "Facet joint loading"
description = "Load on the small joints at the back of the spine."
parents = ["spinal_arthritis", "spinal_stenosis"]
leak = { p = 0.001, source = "assumption", why = "a test variant" }
strength.spinal_arthritis = { p = 0.5, source = "assumption", why = "a test variant" }
strength.spinal_stenosis = { p = 0.5, source = "assumption", why = "a test variant" }
"""


@pytest.mark.parametrize("added", ["a serious cause", "a mechanism"])
def test_a_variant_with_a_new_cause_or_mechanism_ends_its_arrows_at_their_boxes(
    tmp_path: Any, added: str
) -> None:
    """A cause or a mechanism a user adds takes its place in its column cleanly.

    The slide and the partial network of the new node's causes are checked: a new
    cause shifts the cause column's sub-columns, a new mechanism the middle one's rows.
    """
    if added == "a serious cause":
        kb = bundled_variant(tmp_path / "kb", "causes.toml", r"\Z", _NEW_CAUSE)
        mechanisms = kb / "mechanisms.toml"
        text, count = re.subn(
            r'parents = \["renal_pain", "gallstones"\]\n',
            'parents = ["renal_pain", "gallstones", "aortic_aneurysm"]\n'
            'strength.aortic_aneurysm = { p = 0.5, source = "assumption", why = "a test" }\n',
            mechanisms.read_text(encoding="utf-8"),
        )
        assert count == 1
        mechanisms.write_text(text, encoding="utf-8")
        node, part = "aortic_aneurysm", "cause_serious"
    else:
        kb = bundled_variant(tmp_path / "kb", "mechanisms.toml", r"\Z", _NEW_MECHANISM)
        node, part = "facet_joint_loading", "cause_pathologic"
    findings = kb / "findings.toml"
    own_finding = NEW_FINDING.replace("nerve_root_compression", node)
    findings.write_text(findings.read_text(encoding="utf-8") + own_finding, encoding="utf-8")
    net = load_network(kb)
    assert node in net.model.nodes()
    for groups in (None, (part, "mechanism", "finding")):
        ax = figures.plot_network(net, groups=groups)
        boxes, arrows = drawn(ax)
        assert node in boxes
        assert (node, "pain_on_coughing") in arrows
        assert misreadings(ax, lead=LEAD) == [], groups


def test_the_check_sees_an_arrow_drawn_straight_behind_the_boxes(net: Network) -> None:
    """The old drawing (straight on, behind the boxes between) fails the check."""
    ax = figures.plot_network(net)
    boxes = {
        p.get_gid()[5:]: p
        for p in ax.patches
        if isinstance(p, FancyBboxPatch) and str(p.get_gid()).startswith("node:")
    }
    gid = "edge:weak_or_tight_back_muscles->back_tires_quickly"
    drawn_now = next(p for p in ax.patches if p.get_gid() == gid)
    assert isinstance(drawn_now, FancyArrowPatch)
    drawn_now.remove()
    start, end = boxes["weak_or_tight_back_muscles"], boxes["back_tires_quickly"]
    straight = MplPath(
        [
            (start.get_x() + start.get_width(), start.get_y() + start.get_height() / 2),
            (end.get_x(), end.get_y() + end.get_height() / 2),
        ]
    )
    old = FancyArrowPatch(path=straight, arrowstyle="-|>,head_length=3.5,head_width=2", lw=0.6)
    old.set_gid(gid)
    ax.add_patch(old)
    said = misreadings(ax)
    assert said, "the old drawing passes"
    assert all(s.startswith("weak_or_tight_back_muscles -> back_tires_quickly: ") for s in said), (
        said
    )
    assert any("its line runs into" in s for s in said), said
    assert any("its head touches" in s for s in said), said
