"""Clinician audit 56: what a general practitioner read wrongly, as they read it."""

from __future__ import annotations

import html

from backspasm import diagnose
from backspasm.widgets.views import triage_html

FRACTURE = {
    "age": 78,
    "sex": "female",
    "minor_fall_or_trauma": "yes",
    "known_osteoporosis": "yes",
    "spine_tender_to_tapping": "yes",
}


def test_the_serious_share_names_its_causes_in_every_view() -> None:
    # "P(at least one serious cause) = 2.3%" beside an 81% fracture read as wrong: the
    # article's serious causes are six, and a fracture is not among them
    d = diagnose(FRACTURE)
    named = (
        "P(at least one serious cause: ankylosing spondylitis, epidural abscess, gallstones, "
        "kidney stones, pyelonephritis, spinal tumour)"
    )
    assert f"{named} = " in d.summary()
    assert html.escape(named) in d._repr_html_()
    assert html.escape(named) in triage_html(d)
    structural = next(line for line in d.summary().splitlines() if "structural" in line)
    assert "vertebral compression fracture" in structural
    assert "fracture" not in named
    # the widget gives the structural share too, as the text and the table do
    share = structural.split(" = ")[0]
    assert html.escape(share) in d._repr_html_()
    assert html.escape(share) in triage_html(d)
