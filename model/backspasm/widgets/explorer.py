"""The interactive questionnaire for Jupyter: answer, retract, and watch the causes move.

:func:`explore` returns an :class:`Explorer`: one control per question of the
case-file contract, grouped by section with the red flags marked, beside live views
of the diagnosis (prior and posterior of every cause, the triage level with what
drove it, the next question worth asking, the reasons for a chosen cause). Every
change of a control runs :func:`backspasm.diagnose` again, so what the views show is
always exactly ``diagnose(explorer.answers, network=explorer.network)``. Without a
network given, the widget works on a copy of the bundled network of its own
(:func:`~backspasm.load_network`), so an edit made to the shared one through
``diagnose(...).network`` does not reach it.

The same object is a Python handle for scripts and tests: :meth:`Explorer.set_answer`,
:meth:`Explorer.clear`, :meth:`Explorer.load_row`, :attr:`Explorer.answers` and
:attr:`Explorer.diagnosis`.

The controls are built by :mod:`~backspasm.widgets.form`, the views drawn by
:mod:`~backspasm.widgets.views` and the answers read by
:mod:`~backspasm.widgets.answers`; this module holds the state and wires them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

import ipywidgets as widgets  # type: ignore[import-untyped]
import pandas as pd

from backspasm._text import percent
from backspasm.columns import refused_cell
from backspasm.diagnosis import Diagnosis, diagnose
from backspasm.exceptions import BackspasmError, EvidenceError, NotACauseError
from backspasm.network import Network, load_network, network_or_default
from backspasm.questionnaire import questions_for
from backspasm.scoring.plan import misnamed_columns, output_columns
from backspasm.scoring.repeats import merge_row
from backspasm.widgets.answers import initial_answers, parse_answers, with_answer
from backspasm.widgets.display import Displayed
from backspasm.widgets.form import BLANK, QuestionForm
from backspasm.widgets.rows import column_notes, pick_row, read_cases
from backspasm.widgets.views import (
    FLAG,
    bars_html,
    message_html,
    next_html,
    reasons_html,
    title_html,
    triage_html,
)

__all__ = ["Explorer", "explore"]


class Explorer(Displayed):
    """An interactive questionnaire over one case, for Jupyter.

    Build it with :func:`explore`. Displaying it (a bare ``explore()`` as the last
    line of a cell) shows :attr:`widget`.

    Parameters
    ----------
    answers : mapping of str to object, optional
        Initial answers, as for :func:`backspasm.diagnose`; ``case_id`` names the
        case.
    network : Network, optional
        Defaults to a copy of the bundled network of the widget's own
        (:func:`~backspasm.load_network`), so that editing ``network.model`` changes
        this widget's numbers and nothing else.

    Raises
    ------
    EvidenceError
        For an unknown question or a value that is not allowed.
    """

    def __init__(
        self, answers: Mapping[str, Any] | None = None, *, network: Network | None = None
    ) -> None:
        self._network = load_network() if network is None else network_or_default(network)
        self._contract = questions_for(self._network)
        self._questions = tuple(q for q in self._contract if q.kind != "id")
        self._answers: dict[str, Any] = {}
        self._case_id: str | None = None
        self._build()
        initial, case_id = self._parse(initial_answers(answers, self._contract, self._network))
        self._diagnosis = self._commit(initial, case_id)

    # -- the handle -----------------------------------------------------------------
    @property
    def network(self) -> Network:
        """The network every answer is put to."""
        return self._network

    @property
    def answers(self) -> Mapping[str, Any]:
        """The current answers (read-only), as the controls hold them.

        Yes/no answers are ``"yes"``, ``"no"`` or, when unsure, the lean to yes as a
        float (soft evidence); choices are their state name; numbers are numbers, or a
        band's name (``"65+"``) when only the band is known.
        """
        return MappingProxyType(dict(self._answers))

    @property
    def case_id(self) -> str | None:
        """The identifier of the loaded case, if any."""
        return self._case_id

    @property
    def diagnosis(self) -> Diagnosis:
        """The current :class:`~backspasm.diagnosis.Diagnosis`: ``diagnose(answers)``.

        If the network's numbers changed since (``network.model`` edited), the answers
        are diagnosed again first, as :meth:`refresh` does.
        """
        if self._diagnosis.network_fingerprint != self._network.fingerprint():
            self.refresh()
        return self._diagnosis

    def refresh(self) -> None:
        """Diagnose the current answers again, on the network's current numbers.

        For a researcher who edited ``network.model`` while the widget is open: the
        views show the new numbers (or the error, if the edited model is refused).

        Raises
        ------
        BackspasmError
            When the edited model is refused (see :mod:`backspasm.model_checks`); the
            message view says why, and the other views keep the last numbers.
        """
        try:
            self._diagnosis = self._commit(dict(self._answers), self._case_id)
        except BackspasmError as error:
            self._views["message"].value = message_html(f"the edited network: {error}")
            raise

    @property
    def widget(self) -> widgets.VBox:
        """The root ipywidgets box (display it, or embed it in a layout of your own)."""
        return self._root

    @property
    def controls(self) -> Mapping[str, widgets.Widget]:
        """The control of each question, by column (setting its ``value`` answers)."""
        return MappingProxyType(self._form.controls)

    @property
    def views(self) -> Mapping[str, widgets.HTML]:
        """The live views, by name.

        ``title``, ``bars``, ``triage``, ``next``, ``reasons`` and ``message``.
        """
        return MappingProxyType(self._views)

    def set_answer(self, column: str, value: Any) -> None:
        """Answer one question (a blank value withdraws the answer).

        Parameters
        ----------
        column : str
            The question, as in a case file (``backspasm schema``).
        value : object
            Any value :func:`backspasm.diagnose` accepts (``"yes"``, ``" Y "``, ``1``,
            ``0.7`` for an unsure yes/no, ``45`` for an age), except an unsure lean
            outside the slider's 0.001-0.999 (answer yes or no instead). ``1.0`` and
            ``0.0`` are the contract's ``1`` and ``0``, a sure yes and no, as in
            ``diagnose``; ``0.9999`` is refused.

        Raises
        ------
        EvidenceError
            For an unknown question or a value that is not allowed (the answers are
            left as they were).
        BackspasmError
            When :func:`backspasm.diagnose` refuses the network (``network.model``
            edited, say with a negative number). Either way the message view says why,
            as for a change of a control, and the other views keep the last answers.
        """
        try:
            answers, case_id = with_answer(
                self._answers, self._case_id, column, value, self._contract
            )
            self._diagnosis = self._commit(answers, case_id)
        except BackspasmError as error:
            self._refused(column, error)
            raise

    def clear(self, column: str | None = None) -> None:
        """Withdraw one answer, or every answer (and the case identifier) by default.

        Clearing every answer also sets the "Why" list back to the top cause.

        Parameters
        ----------
        column : str, optional
            The question whose answer to withdraw; by default all of them.

        Raises
        ------
        EvidenceError
            For an unknown question.
        """
        if column is None:
            self._form.drop_pending()
            self._diagnosis = self._commit({}, None, follow_top=True)
        else:
            self.set_answer(column, None)

    def load_row(self, cases: pd.DataFrame | str | os.PathLike[str], row: int | str) -> None:
        """Replace the answers with one row of a case file.

        Columns that are not questions (``expected_cause``, notes) are ignored, as
        scoring passes them through; blank cells are unanswered. The "Why" list goes
        back to the top cause of the new case. The message view says what ``score``
        would warn of, in its words: a column ignored (a near-miss name, or not a
        question of this network), a question column repeated (the first is loaded),
        and a ``case_id`` that several rows have (the first of them is loaded).

        Parameters
        ----------
        cases : pandas.DataFrame or path
            A case table, or the path of a CSV or Parquet case file.
        row : int or str
            A ``case_id``, or the row's number counted from 1 (row 1 is the first
            case after the header), as ``score``'s messages and
            :func:`~backspasm.learning.compare_networks` number rows.

        Raises
        ------
        CaseFileError
            If the file cannot be read or has no such row.
        EvidenceError
            If a cell of the row is not an allowed answer, or a column differs from a
            question only in case, spaces, hyphens, an invisible character or
            full-width letters (as ``score`` refuses it).
        """
        frame = cases if isinstance(cases, pd.DataFrame) else read_cases(cases)
        record, id_note = pick_row(frame, row)
        by_name = {q.column: q for q in self._contract}
        misnamed = misnamed_columns(list(frame.columns), by_name)
        if misnamed is not None:
            # left out, 'Saddle Numbness' = yes showed self care, as diagnose(row) once did
            raise EvidenceError(misnamed)
        try:  # a repeated question column, merged as score merges it
            net = self._network
            record = merge_row(record.items(), by_name, net.states, net.node_names)
        except EvidenceError as exc:
            raise EvidenceError(f"row {row}: {exc}") from None
        refused = refused_cell(record, by_name, self._network.states)
        if refused is not None:  # an unsure 0.7 is one case's answer, not a file's
            raise EvidenceError(f"row {row}: {refused}")
        answers, case_id = self._parse({k: v for k, v in record.items() if k in by_name})
        if case_id is None and isinstance(row, str):
            case_id = row
        self._form.drop_pending()
        self._diagnosis = self._commit(answers, case_id, follow_top=True)
        # the case-file boxes say where the case came from (a DataFrame has no path)
        self._path.value = "" if isinstance(cases, pd.DataFrame) else os.fspath(cases)
        self._row.value = str(row)
        outputs = output_columns(self._network, explain=True)
        notes = column_notes(list(frame.columns), by_name, outputs)
        if id_note is not None:
            notes.append(id_note)
        if notes:
            self._views["message"].value = message_html("\n".join(notes), notice=True)

    def show_reasons(self, cause: str | None = None) -> None:
        """Show the reasons for one cause, as picking it in the "Why" list does.

        Parameters
        ----------
        cause : str, optional
            A cause node (``"kidney_stones"``); by default the view follows the top
            cause as the answers change. A pick holds while answers change, until
            :meth:`clear` (of every answer) or :meth:`load_row` starts a new case.

        Raises
        ------
        EvidenceError
            For a name that is not a cause of the network.
        """
        if cause is not None:
            try:  # refused as Diagnosis.reasons refuses it: the closest cause, the list
                self._network.check_cause(cause)
            except NotACauseError as err:
                raise EvidenceError(str(err)) from None
        self._up_to_date()  # after an edit of network.model: the reasons of its numbers
        self._cause_picker.value = cause or BLANK

    # -- display (displayed: the root widget, on the network's current numbers) ---------
    def __repr__(self) -> str:
        try:
            d, stale = self.diagnosis, ""
        except BackspasmError:  # an edited model refused: say so, never raise here
            d, stale = self._diagnosis, " (before the edit: the edited network is refused)"
        case = f"{self._case_id!r}, " if self._case_id else ""
        return (
            f"<Explorer {case}{len(self._answers)} answers: triage={d.triage}, "
            f"top cause={d.top_cause} {percent(d.posterior(d.top_cause))}{stale}>"
        )

    # -- state ----------------------------------------------------------------------
    def _parse(self, answers: Mapping[str, Any]) -> tuple[dict[str, Any], str | None]:
        return parse_answers(answers, self._contract)

    def _commit(
        self, answers: dict[str, Any], case_id: str | None, *, follow_top: bool = False
    ) -> Diagnosis:
        """Diagnose the answers, and only when that succeeds make them current.

        ``follow_top`` (a new case: all cleared, or a row loaded) sets the "Why" list
        back to the top cause; an ordinary change of an answer keeps the pick.
        """
        try:
            d = diagnose(answers, network=self._network)
        except BackspasmError as error:
            if not isinstance(error, EvidenceError):  # the edited model refused, not an answer
                self._form.show(self._answers)
                self._views["message"].value = message_html(f"the edited network: {error}")
            raise
        self._answers, self._case_id, self._diagnosis = answers, case_id, d
        if follow_top:
            self._quiet_picker = True  # _render below draws the reasons once
            try:
                self._cause_picker.value = BLANK
            finally:
                self._quiet_picker = False
        self._form.show(answers)
        self._render()
        self._views["message"].value = message_html("")
        return d

    def _on_control(self, column: str, value: Any) -> None:
        self._guarded(column, self.set_answer, column, value)

    def _guarded(self, what: str, action: Callable[..., None], *args: Any) -> None:
        """Run a user's action; on an error, keep the answers that hold and say why."""
        try:
            action(*args)
        except BackspasmError as error:
            self._refused(what, error)

    def _refused(self, what: str, error: BackspasmError) -> None:
        """Say why an answer was refused; the controls show the answers that hold.

        A refused network is said by :meth:`_commit` (whatever the action), as the edited
        network's fault rather than ``what``'s.
        """
        self._form.show(self._answers)
        if isinstance(error, EvidenceError):
            self._views["message"].value = message_html(f"{what}: {error}")

    # -- building -------------------------------------------------------------------
    def _build(self) -> None:
        self._form = QuestionForm(self._questions, self._on_control)

        self._views: dict[str, widgets.HTML] = {
            name: widgets.HTML() for name in ("title", "message", "triage", "next", "bars")
        }
        self._views["reasons"] = widgets.HTML()
        causes = sorted(self._network.causes, key=self._network.label)
        self._cause_picker = widgets.Dropdown(
            options=[("the top cause", BLANK)] + [(self._network.label(c), c) for c in causes],
            value=BLANK,
            description="Why:",
            layout=widgets.Layout(width="360px"),
        )
        self._quiet_picker = False
        self._cause_picker.observe(self._picked, names="value")
        # shown only when there is a question to go to (none before an emergency)
        self._goto = widgets.Button(
            description="go to it",
            tooltip="open the section of the question to ask next",
            layout=widgets.Layout(width="auto", min_width="80px"),
        )
        self._goto.on_click(lambda _: self._form.open_highlighted())

        self._path = widgets.Text(placeholder="data/example_cases.csv", description="Case file:")
        self._row = widgets.Text(
            placeholder="case_id or row", layout=widgets.Layout(width="140px")
        )
        load = widgets.Button(description="load row", icon="upload")
        load.on_click(lambda _: self._load_from_boxes())
        reset = widgets.Button(description="clear all", icon="eraser")
        reset.on_click(lambda _: self._guarded("clear all", self.clear))
        loader = widgets.HBox([self._path, self._row, load, reset])

        legend = widgets.HTML(
            f"<small>{FLAG}red flag: a warning sign of serious disease, always worth "
            "asking; with the questions that can set the triage level, it is one of the "
            "screening questions, asked first. Yes/no: &mdash; (not answered), no, unsure "
            "(then set how far it leans to yes), yes. Number boxes take a value and "
            "Enter; empty means not answered.</small>"
        )
        left = widgets.VBox(
            [legend, self._form.accordion], layout=widgets.Layout(width="50%", min_width="480px")
        )
        right = widgets.VBox(
            [
                self._views["triage"],
                widgets.HBox([self._views["next"], self._goto]),
                self._views["bars"],
                self._cause_picker,
                self._views["reasons"],
            ],
            layout=widgets.Layout(width="50%", min_width="420px", padding="0 0 0 12px"),
        )
        self._root = widgets.VBox(
            [
                self._views["title"],
                loader,
                self._views["message"],
                widgets.HBox([left, right], layout=widgets.Layout(flex_flow="row wrap")),
            ]
        )

    # -- rendering ------------------------------------------------------------------
    def _render(self) -> None:
        d = self._diagnosis
        self._views["title"].value = title_html(
            self._case_id, len(self._answers), len(self._questions)
        )
        self._views["triage"].value = triage_html(d)
        self._views["bars"].value = bars_html(d)
        emergency = d.triage == "emergency"
        table = d.next_questions(order="interview")
        first = str(table["question"].iloc[0]) if len(table) and not emergency else None
        self._form.highlight(first)
        self._views["next"].value = next_html(table, emergency=emergency)
        self._goto.disabled = first is None
        self._goto.layout.display = "none" if first is None else None
        self._render_reasons()

    def _picked(self, change: Mapping[str, Any]) -> None:
        if not self._quiet_picker:
            self._up_to_date()  # a pick after an edit of network.model: its numbers
            self._render_reasons()

    def _render_reasons(self) -> None:
        d = self._diagnosis
        cause = self._cause_picker.value or d.top_cause
        self._views["reasons"].value = reasons_html(d, cause)

    def _load_from_boxes(self) -> None:
        path, row = self._path.value.strip(), self._row.value.strip()
        if not path or not row:
            message = "Give the path of a case file and a case_id or row number."
            self._views["message"].value = message_html(message)
            return
        try:
            self.load_row(path, row)
        except BackspasmError as error:
            self._views["message"].value = message_html(str(error))


# ------------------------------------------------------------------------- helpers


def explore(
    answers: Mapping[str, Any] | None = None, *, network: Network | None = None
) -> Explorer:
    """Open the interactive questionnaire for one case in Jupyter.

    Parameters
    ----------
    answers : mapping of str to object, optional
        Initial answers, as for :func:`backspasm.diagnose`.
    network : Network, optional
        Defaults to a copy of the bundled network of the widget's own, which
        ``explorer.network.model`` edits without touching any other result.

    Returns
    -------
    Explorer
        Displays as the questionnaire; its methods drive it from code.

    Raises
    ------
    EvidenceError
        For an unknown question or a value that is not allowed.

    Examples
    --------
    >>> ex = explore({"spasm_location": "flank"})
    >>> ex.set_answer("blood_in_urine", "yes")
    >>> ex.diagnosis.top_cause
    'kidney_stones'
    """
    return Explorer(answers, network=network)
