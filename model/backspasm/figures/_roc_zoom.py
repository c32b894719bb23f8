"""The top-left corner of a ROC drawn again, enlarged, where good curves crowd together."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import backspasm.figures._style as st

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["zoom_on_the_corner"]

#: How many curves must reach a true positive rate of :data:`_ZOOM_TPR` within a
#: false positive rate of 0.1 for the ROC to show its corner enlarged; the widths of
#: false positive rate the enlargement may span.
_ZOOM_CURVES = 2
_ZOOM_TPR = 0.8
_ZOOM_SPANS = (0.01, 0.02, 0.05, 0.1)
#: Where the enlargement sits in a journal's square (a page's or a column's), in the
#: square's fractions: larger than on a slide, as its type is smaller, and still under
#: the chance line.
_COMPACT_BOX = (0.47, 0.05, 0.48, 0.33)


def zoom_on_the_corner(ax: Axes, roc: Any, chosen: Sequence[str]) -> Axes | None:
    """Draw the top-left corner of the ROC enlarged, where good curves crowd together.

    Curves with an AUC near 1 climb the y-axis within a few hundredths (or
    thousandths) of false positive rate and then run along the top: drawn over each
    other and over the axis, they cannot be told apart (a teacher's audit, session
    47: four of the five serious causes' curves of the teaching set). When
    :data:`_ZOOM_CURVES` or more reach a true positive rate of :data:`_ZOOM_TPR`
    within a false positive rate of 0.1, every curve is drawn again in an inset in
    the square's empty lower right (under the chance line), over the narrowest span
    of :data:`_ZOOM_SPANS` that is twice the false positive rate at which the last
    of them gets there. Its gid is ``roc:zoom``; a grey frame on the square marks
    the part enlarged. In a journal's square (a page's or a column's, about 3 in
    wide) the inset is larger, its axes marked at their ends only and its title the
    word "enlarged", at its right: the slide's long title ran into the legend (a
    teacher's audit: at page and column size the corner was not enlarged at all).
    """
    high = roc[roc["cause"].isin(chosen) & (roc["tpr"] >= _ZOOM_TPR)]
    first = high.groupby("cause")["fpr"].min()  # where each curve gets there
    reach = first[first <= _ZOOM_SPANS[-1]].tolist()
    if len(reach) < _ZOOM_CURVES:
        return None
    span = next((w for w in _ZOOM_SPANS if w >= 2 * max(reach)), _ZOOM_SPANS[-1])
    compact = st.scale() < 1.0  # a journal's square, about 3 in wide
    inset = ax.inset_axes(_COMPACT_BOX if compact else (0.5, 0.06, 0.46, 0.38))
    inset.set_gid("roc:zoom")
    for line in ax.get_lines()[1:]:  # the curves, not the chance line
        x, y = line.get_data()
        inset.plot(x, y, color=line.get_color(), linestyle=line.get_linestyle(), lw=1.5)
    inset.set_xlim(-span / 50, span)
    inset.set_ylim(-0.01, 1.01)
    inset.tick_params(labelsize=st.pt(st.TICK - 2))
    if compact:
        # its ends alone, and a short title at its right, clear of the chance line
        # above its left end and of the legend beside the square
        inset.set_xticks([0, span], ["0", f"{span:g}"])
        inset.set_yticks([0, 1], ["0", "1"])
        inset.tick_params(length=2, pad=1.5)
        inset.set_title("enlarged", fontsize=st.pt(st.NOTE), loc="right", pad=2)
    else:
        inset.set_title(
            f"enlarged: false positive rate 0 to {span:g}", fontsize=st.pt(st.NOTE), loc="left"
        )
    ax.indicate_inset((-span / 50, -0.01, span * 1.02, 1.02), edgecolor="0.4", lw=0.8)
    return inset
