"""Pieces several test modules share (on the test path through ``pythonpath``)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pgmpy.factors.discrete import TabularCPD

#: The bundled knowledge base's folder.
BUNDLED_KNOWLEDGE = Path(__file__).resolve().parents[1] / "model" / "backspasm" / "knowledge"


def bundled_variant(folder: Path, file: str, pattern: str, replacement: str) -> Path:
    """Copy the bundled knowledge base to ``folder`` with one regex edit in ``file``."""
    shutil.copytree(BUNDLED_KNOWLEDGE, folder)
    path = folder / file
    text, count = re.subn(pattern, replacement, path.read_text(encoding="utf-8"))
    assert count, f"{pattern!r} not found in {file}"
    path.write_text(text, encoding="utf-8")
    return folder


#: A finding a user adds to a copy of the bundled knowledge base (appended to its
#: ``findings.toml``, e.g. ``bundled_variant(folder, "findings.toml", r"\Z", NEW_FINDING)``).
NEW_FINDING = """
[nodes.pain_on_coughing]
group = "finding"
label = "Pain on coughing"
description = "Back or leg pain made worse by coughing or sneezing."
question = { column = "pain_on_coughing", prompt = "Does coughing or sneezing make the pain worse?", section = "symptom" }
parents = ["nerve_root_compression"]
leak = { p = 0.2, source = "assumption", why = "a test variant" }
strength.nerve_root_compression = { p = 0.6, source = "assumption", why = "a test variant" }
"""


#: A patient who answers no to every warning sign of a serious cause.
RED_FLAGS_DENIED = {
    "fever": "no",
    "saddle_numbness": "no",
    "bowel_or_bladder_loss": "no",
    "unexplained_weight_loss": "no",
    "history_of_cancer": "no",
    "iv_drug_use_or_immunosuppression": "no",
    "muscle_weakness": "no",
    "night_pain": "no",
    "blood_in_urine": "no",
    "painful_urination": "no",
}


#: The physician's audit's textbook spinal metastasis (NICE CG75: discuss within 24 hours).
METASTASIS = {
    "age": 66,
    "sex": "female",
    "spasm_duration_weeks": 8,
    "spasm_location": "mid_back",
    "fever": "no",
    "unexplained_weight_loss": "yes",
    "night_pain": "yes",
    "history_of_cancer": "yes",
    "minor_fall_or_trauma": "no",
    "spine_tender_to_tapping": "yes",
    "not_improving_after_a_month": "yes",
}

#: A man of 42 with all four inflammatory back pain items for 30 weeks: spondylitis
#: rises eightfold in odds and still ranks below muscle strain and the deconditioning
#: causes (under 40 it would rank second: the young rows carry the 5% of chronic back
#: pain begun before 45 that is axial SpA).
SPONDYLITIS = {
    "age": 42,
    "sex": "male",
    "spasm_duration_weeks": 30,
    "morning_stiffness_over_30_min": "yes",
    "better_with_exercise_not_rest": "yes",
    "wakes_second_half_of_night": "yes",
    "alternating_buttock_pain": "yes",
}

#: The six of NICE NG65's referral features of axial spondyloarthritis that the
#: questionnaire asks (its referral flag counts four of them, under 40 with chronic pain).
NG65_FEATURES = frozenset(
    {
        "wakes_second_half_of_night",
        "alternating_buttock_pain",
        "better_with_exercise_not_rest",
        "eased_by_anti_inflammatories",
        "family_history_of_spondylitis",
        "psoriasis_bowel_or_eye_inflammation",
    }
)

#: A man of 24 with 26 weeks of pain, four of the features, and an anti-inflammatory
#: that did not help: NG65 refers him to a rheumatologist.
NG65_REFERRAL = {
    "age": 24,
    "sex": "male",
    "spasm_duration_weeks": 26,
    "wakes_second_half_of_night": "yes",
    "alternating_buttock_pain": "yes",
    "better_with_exercise_not_rest": "yes",
    "family_history_of_spondylitis": "yes",
    "eased_by_anti_inflammatories": "no",
}

#: A kidney stone at 99.98%: an emergency (the teacher's audit 21 case).
KIDNEY_STONE_EMERGENCY = {
    "age": 45,
    "sex": "male",
    "spasm_duration_weeks": 0,
    "spasm_location": "flank",
    "fever": "no",
    "blood_in_urine": "yes",
    "pain_spreading_to_groin_in_waves": "yes",
    "nausea_or_vomiting": "yes",
    "previous_kidney_stone": "yes",
}

#: A finding a variant of the toy knowledge base adds (``toy_spec_dir(extra=...)``).
FLANK_TENDER = """
[nodes.flank_tender]
group = "finding"
label = "Flank tenderness"
description = "Tender over the kidney."
question = { column = "flank_tender", prompt = "Is the flank tender?", section = "symptom" }
parents = ["stone"]
leak = { p = 0.05, source = "assumption", why = "a test variant" }
strength.stone = { p = 0.7, source = "Toy20" }
"""


def cpd(
    variable: str,
    values: Any,
    parents: dict[str, list[str]] | None = None,
    states: list[str] | None = None,
) -> TabularCPD:
    parents = parents or {}
    values = np.asarray(values, dtype=float)
    names = {variable: states or [f"s{i}" for i in range(values.shape[0])], **parents}
    return TabularCPD(
        variable,
        values.shape[0],
        values,
        evidence=list(parents) or None,
        evidence_card=[len(s) for s in parents.values()] or None,
        state_names=names,
    )


def use_kernel(monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    """Run the numpy kernel, the fused loop as plain Python, or the fused loop compiled."""
    import backspasm.engine.fused as fused
    import backspasm.engine.runner as runner

    monkeypatch.setattr(runner, "_FUSED_MIN_CASES", 1)
    monkeypatch.delenv("BACKSPASM_ENGINE", raising=False)
    monkeypatch.setattr(fused, "_TRIED", True)
    if kind == "numpy":
        monkeypatch.setattr(fused, "_KERNEL", None)
    elif kind == "python":
        monkeypatch.setattr(fused, "_KERNEL", fused._run_plan)
    else:
        pytest.importorskip("numba")
        monkeypatch.setattr(fused, "_TRIED", False)
        monkeypatch.setattr(fused, "_KERNEL", None)
        assert fused._kernel() is not None


def heading_of(ax: Any) -> str:
    """Return the title a reader sees over ``ax``: its own, else its figure's.

    A figure with one Axes may title it across the whole figure (``fig.suptitle``: a
    journal's figure, and the next-questions slide, whose labels are long questions).
    """
    own = " ".join(ax.get_title(loc=where) for where in ("left", "center", "right")).strip()
    fig = ax.get_figure()
    if own or fig is None or len(fig.get_axes()) != 1:
        return own
    return str(fig.get_suptitle())


def example_work(net: Any, only: tuple[str, ...] | None, size: str = "slide") -> Any:
    """The teaching set's work for the built-in example case: figures ``only``, at ``size``."""
    from backspasm import figures
    from backspasm.figures import teaching

    return teaching._Work(
        net,
        dict(figures.DEFAULT_CASE),
        cause=None,
        cases=None,
        cases_name=None,
        case_id=None,
        only=only,
        size=size,
    )


def teaching_figure_at(net: Any, stem: str, dpi: int, size: str) -> Any:
    """Teaching figure ``stem`` of the example case at ``size``, as its PNG at ``dpi`` draws it."""
    from backspasm.figures import teaching

    ((_, fig),) = list(
        teaching._teaching_set(example_work(net, teaching.select_figures([stem]), size))
    )
    teaching._render(fig, "png", dpi)  # laid out as the set lays it out for the file
    fig.set_dpi(dpi)
    fig.draw_without_rendering()
    return fig
