"""Figure 01 at a page's width: the network's structure for print, one box per group.

A teacher writing a paper asked for ``backspasm figures --only 01 --size page`` and
was refused (the whole network was readable on a slide only). At a page's 7 in the
figure now names every node of the network in one box per group, with the arrows into
each box counted by the group they come from; a column (3.5 in) is still refused,
with the measured reason and the page as the least size.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import matplotlib.text
import pytest

from backspasm import figures
from backspasm.cli import main
from backspasm.exceptions import BackspasmError
from backspasm.figures._overview import TIERS
from backspasm.network import Network, load_network
from backspasm.spec import GROUPS
from helpers import NEW_FINDING, bundled_variant

pytestmark = pytest.mark.usefixtures("figures_closed")


@pytest.fixture(scope="module")
def variant(tmp_path_factory: pytest.TempPathFactory) -> Network:
    """The bundled network with a finding added and a complication renamed."""
    folder = bundled_variant(
        tmp_path_factory.mktemp("kb") / "variant", "findings.toml", r"\Z", NEW_FINDING
    )
    path = folder / "complications.toml"
    text = path.read_text(encoding="utf-8")
    assert 'label = "Sepsis"' in text
    path.write_text(text.replace('label = "Sepsis"', 'label = "Blood poisoning"'), "utf-8")
    return load_network(folder)


def labels_of(ax: plt.Axes) -> dict[str, str]:
    return {
        str(t.get_gid()).removeprefix("label:"): " ".join(t.get_text().split())
        for t in ax.texts
        if str(t.get_gid()).startswith("label:")
    }


def check_page(ax: plt.Axes, network: Network) -> None:
    """Drawn 7 in wide, at most 9 tall, every node named, no text overlapping or cut."""
    fig = ax.get_figure(root=True)
    assert fig is not None
    width, height = fig.get_size_inches()
    assert width == pytest.approx(7.0)
    assert height <= 9.0 + 1e-6
    named = labels_of(ax)
    assert set(named) == set(network.spec.nodes)
    for node, said in named.items():  # the network's own label, the serious ones tagged
        assert said.removeprefix("⚠").strip() == network.label(node)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    texts = [t for t in fig.findobj(matplotlib.text.Text) if t.get_text().strip()]
    boxes = {id(t): t.get_window_extent(renderer) for t in texts}
    page = fig.bbox
    for t in texts:
        b = boxes[id(t)]
        assert page.x0 <= b.x0, t.get_text()
        assert b.x1 <= page.x1, t.get_text()
        assert page.y0 <= b.y0, t.get_text()
        assert b.y1 <= page.y1, t.get_text()
        assert t.get_fontsize() >= figures.JOURNAL_MIN_FONT, t.get_text()
    for a, b in itertools.combinations(texts, 2):
        assert not boxes[id(a)].overlaps(boxes[id(b)]), (a.get_text(), b.get_text())
    # each label inside its group's box
    groups = {str(p.get_gid()).removeprefix("group:"): p for p in ax.patches}
    for t in texts:
        gid = str(t.get_gid())
        if gid.startswith("label:"):
            box = groups[network.group_of(gid.removeprefix("label:"))]
            outline = box.get_window_extent(renderer)
            inside = boxes[id(t)]
            assert outline.x0 <= inside.x0, t.get_text()
            assert inside.x1 <= outline.x1, t.get_text()
            assert outline.y0 <= inside.y0, t.get_text()
            assert inside.y1 <= outline.y1, t.get_text()


def test_every_group_has_a_tier() -> None:
    assert {g for tier in TIERS for g in tier} == set(GROUPS)


def test_the_network_is_drawn_at_a_page_width_naming_every_node(net: Network) -> None:
    ax = figures.plot_network(net, size="page")
    check_page(ax, net)
    title = next(t.get_text() for t in ax.texts if t.get_gid() == "title")
    arrows = sum(len(n.parents) for n in net.spec.nodes.values())
    assert title == (
        f"The back-spasm network: {len(net.spec.nodes)} nodes in "
        f"{len({net.group_of(n) for n in net.spec.nodes})} groups, {arrows} arrows"
    )


def test_the_arrows_into_each_box_are_the_networks(net: Network) -> None:
    ax = figures.plot_network(net, size="page")
    said = {
        str(t.get_gid()).removeprefix("arrows-in:"): " ".join(t.get_text().split())
        for t in ax.texts
        if str(t.get_gid()).startswith("arrows-in:")
    }
    counted = 0
    for group, text in said.items():
        into = [p for n in net.nodes_in(group) for p in net.spec.nodes[n].parents]
        numbers = [int(w) for w in text.replace(",", " ").split() if w.isdigit()]
        assert sum(numbers) == len(into), (group, text)
        counted += sum(numbers)
    assert counted == sum(len(n.parents) for n in net.spec.nodes.values())


def test_a_variant_draws_its_own_nodes(net: Network, variant: Network) -> None:
    ax = figures.plot_network(variant, size="page")
    check_page(ax, variant)
    named = labels_of(ax)
    assert named["pain_on_coughing"] == "Pain on coughing"
    assert named["sepsis"] == "Blood poisoning"
    assert len(named) == len(net.spec.nodes) + 1


def test_some_groups_at_a_page_width(net: Network) -> None:
    ax = figures.plot_network(net, groups=["cause_serious", "mechanism", "finding"], size="page")
    groups = {str(p.get_gid()) for p in ax.patches if str(p.get_gid()).startswith("group:")}
    assert groups == {"group:cause_serious", "group:mechanism", "group:finding"}
    title = next(t.get_text() for t in ax.texts if t.get_gid() == "title")
    assert title.startswith("Part of the back-spasm network")


def test_a_column_is_still_refused_naming_the_page(net: Network) -> None:
    with pytest.raises(BackspasmError) as raised:
        figures.plot_network(net, size="column")
    said = str(raised.value)
    assert said.startswith("plot_network cannot be drawn at size 'column' (3.5 in wide)")
    assert "side by side" in said
    assert "the least it needs is a page, 7 in wide (size='page')" in said
    _, ax = plt.subplots(figsize=(7.0, 9.0))
    with pytest.raises(BackspasmError, match="takes 'size' or 'ax', not both"):
        figures.plot_network(net, ax=ax, size="page")


def test_the_cli_draws_figure_01_at_a_page_with_its_caption(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from PIL import Image

    out = tmp_path / "figs"
    code = main(["figures", "--out", str(out), "--only", "01", "--size", "page", "--dpi", "100"])
    assert code == 0, capsys.readouterr().err
    with Image.open(out / "01-network.png") as image:
        assert image.size[0] == 700
        assert image.size[1] <= 900
    captions = (out / "captions.md").read_text(encoding="utf-8")
    assert "## Page size: 7.0 in (178 mm) wide" in captions
    assert "`01-network.png`: Overview of the back-spasm network for print: its 107 nodes" in (
        captions
    )
    assert "221 arrows from cause to effect" in captions
    code = main(["figures", "--out", str(out), "--only", "01", "--size", "column"])
    assert code == 2
    err = capsys.readouterr().err
    assert "the least it needs is a page, 7 in wide (--size page)" in err
