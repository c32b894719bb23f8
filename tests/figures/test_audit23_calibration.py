"""Figure 09 writes its expected calibration error, as its caption does (teacher audit 23, #10)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.figure
import pytest

from backspasm import figures
from backspasm.figures import _save, teaching

pytestmark = pytest.mark.usefixtures("figures_closed")


@pytest.mark.parametrize("size", ["slide", "column"])
def test_the_calibration_figure_writes_its_expected_calibration_error(
    tmp_path: Path, size: str
) -> None:
    seen: list[str] = []
    render = teaching._render

    def measured(fig: matplotlib.figure.Figure, fmt: str, dpi: int) -> Any:
        seen.append(" ".join(" ".join(t.get_text() for t in _save.drawn_texts(fig)).split()))
        return render(fig, fmt, dpi)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(teaching, "_render", measured)
        figures.write_teaching_figures(tmp_path, only=["09"], size=size, dpi=50)
    caption = (tmp_path / "captions.md").read_text(encoding="utf-8")
    (ece,) = re.findall(r"expected calibration error (\d\.\d{4})", caption)
    (said,) = seen
    assert f"expected calibration error {ece}" in said
