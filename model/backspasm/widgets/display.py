"""How the questionnaire displays in Jupyter: its root widget, brought up to date first.

A researcher may edit ``explorer.network.model`` between two displays; the views are
drawn again on the network's current numbers before the widget is shown, so that the
explorer displayed on a cell's last line agrees with ``explorer.diagnosis``.
"""

from __future__ import annotations

import contextlib
from typing import Any

import ipywidgets as widgets  # type: ignore[import-untyped]

from backspasm.diagnosis import Diagnosis
from backspasm.exceptions import BackspasmError
from backspasm.network import Network

__all__ = ["Displayed"]


class Displayed:
    """The display of an :class:`~backspasm.widgets.explorer.Explorer` (a base class)."""

    _root: widgets.VBox
    _network: Network
    _diagnosis: Diagnosis

    def refresh(self) -> None:  # pragma: no cover - the explorer's own
        """Diagnose the current answers again (:meth:`Explorer.refresh`)."""
        raise NotImplementedError

    def _up_to_date(self) -> None:
        """Diagnose again if the network's numbers changed since the views were drawn.

        A refused edit is not raised here (a display never raises): the message view
        says why, and the other views keep the last numbers, as :meth:`refresh` leaves them.
        """
        if self._diagnosis.network_fingerprint != self._network.fingerprint():
            with contextlib.suppress(BackspasmError):  # the message view says why
                self.refresh()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any] | None:
        self._up_to_date()  # the bars drew the numbers before an edit of network.model
        bundle: dict[str, Any] | None = self._root._repr_mimebundle_(
            include=include, exclude=exclude
        )
        return bundle

    def _ipython_display_(self) -> None:
        from IPython.display import display

        self._up_to_date()
        display(self._root)  # type: ignore[no-untyped-call]
