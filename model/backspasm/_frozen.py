"""Read-only mappings that pickle (the knowledge base's frozen tables use them)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, TypeVar

__all__ = ["Catalogue", "FrozenMap", "in_brief"]

_K = TypeVar("_K")
_V = TypeVar("_V")


class FrozenMap(Mapping[_K, _V]):
    """A read-only mapping that, unlike :class:`types.MappingProxyType`, pickles.

    Parameters
    ----------
    data : mapping
        The items, copied.
    """

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[_K, _V]) -> None:
        self._data: dict[_K, _V] = dict(data)

    def __getitem__(self, key: _K) -> _V:
        return self._data[key]

    def __iter__(self) -> Iterator[_K]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        """Return the items' repr, as a dict's."""
        return repr(self._data)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self._data,))


#: How many characters of names :func:`in_brief` shows at most.
_NAMES_SHOWN = 72


def in_brief(keys: Iterable[object], noun: str) -> str:
    """Return ``107 nodes: muscle_strain, dehydration, ...``: the count and the first names.

    Parameters
    ----------
    keys : iterable
        The names, in order.
    noun : str
        What they are, in the plural (``"nodes"``; the singular is that less its ``s``).
    """
    names = [str(key) for key in keys]
    shown: list[str] = []
    for name in names:
        if shown and len(", ".join([*shown, name])) > _NAMES_SHOWN:
            shown.append("...")
            break
        shown.append(name)
    noun = noun.removesuffix("s") if len(names) == 1 else noun
    return f"{len(names)} {noun}" + (f": {', '.join(shown)}" if shown else "")


class Catalogue(FrozenMap[_K, _V]):
    """A :class:`FrozenMap` of many named items whose repr names only the first few.

    ``spec.nodes`` and ``spec.sources`` are such mappings: printed in full, with every
    number's citation, they ran to 200 kB each in a notebook. Everything else is the
    mapping's (``list(spec.nodes)`` gives every name, ``dict(spec.nodes)`` every item).

    Parameters
    ----------
    data : mapping
        The items, copied.
    noun : str
        What the items are, in the plural (``"nodes"``).
    """

    __slots__ = ("_noun",)

    def __init__(self, data: Mapping[_K, _V], noun: str) -> None:
        super().__init__(data)
        self._noun = noun

    def __repr__(self) -> str:
        """Return ``<107 nodes: muscle_strain, dehydration, ...>``: the count, a few names."""
        return f"<{in_brief(self._data, self._noun)}>"

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self._data, self._noun))
