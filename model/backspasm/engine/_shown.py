"""The one line a :class:`~backspasm.engine.compiled.CompiledNetwork` shows in a notebook.

A mixin, so that the class's own module (at the house limit of 500 lines) stays as
it is: the repr names the network's size and, once the first query has compiled it,
its junction tree's; showing the engine never compiles anything.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from backspasm.engine.runner import _Runner

__all__: list[str] = []


class _Shown:
    """Give a compiled network its one-line repr (the engine's own attributes)."""

    variables: tuple[str, ...]
    _runner: _Runner

    def __repr__(self) -> str:
        """Return ``<CompiledNetwork: 107 nodes, 3,629 table entries; junction tree ...>``."""
        forest = self._runner.forest
        tree = forest.built_full
        if tree is None:
            compiled = "junction tree compiled on the first query"
        else:
            sizes = tree.clique_sizes
            compiled = (
                f"junction tree of {len(sizes)} cliques, treewidth {tree.treewidth}, "
                f"largest clique {max(sizes):,} entries"
            )
        return (
            f"<{type(self).__name__}: {len(self.variables)} nodes, "
            f"{forest.entries:,} table entries; {compiled}>"
        )
