"""Shared fixtures and the option to save every figure drawn by the tests."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

TOY_SOURCES = """
[sources.Toy20]
citation = "Toy A. A small study. J Tests 2020;1:1-2."
tag = "found"
"""

TOY_NODES = """
[nodes.exertion]
group = "exposure"
label = "Exertion"
description = "Heavy lifting just before."
prior = { p = 0.3, source = "Toy20" }

[nodes.strain]
group = "cause_fitness"
label = "Strain"
description = "A pulled muscle."
parents = ["exertion"]
leak = { p = 0.1, source = "assumption", why = "baseline strain rate" }
strength.exertion = { p = 0.5, source = "Toy20" }

[nodes.stone]
group = "cause_serious"
label = "Stone"
description = "A kidney stone."
prior = { p = 0.05, source = "Toy20" }

[nodes.back_spasm]
group = "presentation"
label = "Back spasm"
description = "Spasm of the back muscles."
parents = ["strain", "stone"]
leak = { p = 0.05, source = "assumption", why = "other causes" }
strength.strain = { p = 0.8, source = "Toy20" }
strength.stone = { p = 0.4, source = "Toy20" }

[nodes.duration]
group = "finding"
label = "Duration"
description = "How long it has lasted."
states = ["acute", "subacute", "chronic"]
parents = ["strain"]
leak = { p = { acute = 0.7, subacute = 0.2, chronic = 0.1 }, source = "Toy20" }
strength.strain = { p = { acute = 0.5, subacute = 0.3, chronic = 0.2 }, source = "Toy20" }

[nodes.location]
group = "finding"
label = "Location"
description = "Where it hurts."
states = ["lower_back", "flank"]
parents = ["stone"]
table = [
  { when = { stone = "no" }, p = { lower_back = 0.9, flank = 0.1 }, source = "Toy20" },
  { when = { stone = "yes" }, p = { lower_back = 0.2, flank = 0.8 }, source = "Toy20" },
]
"""


@pytest.fixture
def toy_spec_dir(tmp_path: Path) -> Callable[..., Path]:
    """Write a small valid knowledge base, optionally with text replaced or appended."""

    def make(replace: dict[str, str] | None = None, extra: str = "") -> Path:
        nodes = TOY_NODES
        for old, new in (replace or {}).items():
            assert old in nodes, f"fixture text not found: {old!r}"
            nodes = nodes.replace(old, new)
        folder = tmp_path / "kb"
        folder.mkdir(exist_ok=True)
        (folder / "sources.toml").write_text(textwrap.dedent(TOY_SOURCES))
        (folder / "nodes.toml").write_text(textwrap.dedent(nodes) + textwrap.dedent(extra))
        return folder

    return make


@pytest.fixture
def figures_closed(request: pytest.FixtureRequest) -> Iterator[None]:
    """Save every open figure as PNG when ``--save-figures DIR`` is given, then close all."""
    yield
    import matplotlib.pyplot as plt

    folder = request.config.getoption("--save-figures")
    if folder:
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")
        for i, number in enumerate(plt.get_fignums()):
            plt.figure(number).savefig(out / f"{stem}-{i}.png", dpi=150)
    plt.close("all")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--save-figures",
        action="store",
        default=None,
        metavar="DIR",
        help="save every figure drawn by the figure tests as PNG into DIR for review",
    )
