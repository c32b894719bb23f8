"""The interactive questionnaire for Jupyter: answer, retract, and watch the causes move.

:func:`explore` returns an :class:`Explorer`: one control per question of the
case-file contract, grouped by section with the red flags marked, beside live views
of the diagnosis (prior and posterior of every cause, the triage level with what
drove it, the next question worth asking, the reasons for a chosen cause). Every
change of a control runs :func:`backspasm.diagnose` again, so what the views show is
always exactly ``diagnose(explorer.answers)``.

The same object is a Python handle for scripts and tests: :meth:`Explorer.set_answer`,
:meth:`Explorer.clear`, :meth:`Explorer.load_row`, :attr:`Explorer.answers` and
:attr:`Explorer.diagnosis`.
"""

from __future__ import annotations

import html
import math
import os
from collections.abc import Mapping
from functools import partial
from types import MappingProxyType
from typing import Any

import ipywidgets as widgets  # type: ignore[import-untyped]
import pandas as pd

from backspasm._text import did_you_mean
from backspasm.diagnosis import Diagnosis, diagnose
from backspasm.exceptions import BackspasmError, CaseFileError, EvidenceError
from backspasm.figures._style import GROUP_COLOURS, TRIAGE_COLOURS
from backspasm.network import Network, default_network
from backspasm.questionnaire import SECTIONS, Question, get_question, parse_answer, questions_for

__all__ = ["Explorer", "explore"]

#: The value of a control that holds no answer.
_BLANK = ""
#: The toggle value of an unsure yes/no answer (its probability sits in a slider).
_UNSURE = "unsure"
_SECTION_TITLES: Mapping[str, str] = {
    "context": "About the person",
    "symptom": "Symptoms",
    "exposure": "Exposures and medicines",
    "known_cause": "Causes already known (a test or a scan)",
    "presentation": "Presentation",
}
_TRIAGE_WORDS: Mapping[str, str] = {
    "emergency": "go to an emergency department now",
    "see_doctor": "book a visit to a doctor",
    "self_care": "care for it at home, and come back if a warning sign appears",
}
_FLAG = (
    "<span class='bs-flag' title='red flag: a warning sign of serious disease' "
    "style='color:#D55E00;font-weight:bold'>&#9873;&nbsp;</span>"
)
_HIGHLIGHT = "2px solid #0072B2"


def _pct(p: float) -> str:
    return f"{100 * p:.2g}%" if 0 < p < 0.001 else f"{p:.1%}"


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _normalise(q: Question, value: Any) -> Any:
    """Return the answer as its control holds it, or None when it is blank.

    Raises :class:`~backspasm.exceptions.EvidenceError` exactly as
    :func:`backspasm.diagnose` would for the same value.
    """
    state = parse_answer(q, value)
    if state is None:
        return None
    if isinstance(state, tuple):  # an unsure yes/no answer: keep P(yes)
        return float(state[1])
    if q.kind == "number":
        number = float(str(value).strip()) if isinstance(value, str) else float(value)
        return int(number) if q.integer or number.is_integer() else number
    return state


class Explorer:
    """An interactive questionnaire over one case, for Jupyter.

    Build it with :func:`explore`. Displaying it (a bare ``explore()`` as the last
    line of a cell) shows :attr:`widget`.

    Parameters
    ----------
    answers : mapping of str to object, optional
        Initial answers, as for :func:`backspasm.diagnose`; ``case_id`` names the
        case.
    network : Network, optional
        Defaults to the bundled network.

    Raises
    ------
    EvidenceError
        For an unknown question or a value that is not allowed.
    """

    def __init__(
        self, answers: Mapping[str, Any] | None = None, *, network: Network | None = None
    ) -> None:
        self._network = network if network is not None else default_network()
        self._contract = questions_for(self._network)
        self._questions = tuple(q for q in self._contract if q.kind != "id")
        self._answers: dict[str, Any] = {}
        self._case_id: str | None = None
        self._syncing = False
        self._highlighted: str | None = None
        self._build()
        initial, case_id = self._parse(answers or {})
        self._diagnosis = self._commit(initial, case_id)

    # -- the handle -----------------------------------------------------------------
    @property
    def network(self) -> Network:
        """The network every answer is put to."""
        return self._network

    @property
    def answers(self) -> Mapping[str, Any]:
        """The current answers (read-only), as the controls hold them.

        Yes/no answers are ``"yes"``, ``"no"`` or, when unsure, P(yes) as a float;
        choices are their state name; numbers are numbers.
        """
        return MappingProxyType(dict(self._answers))

    @property
    def case_id(self) -> str | None:
        """The identifier of the loaded case, if any."""
        return self._case_id

    @property
    def diagnosis(self) -> Diagnosis:
        """The current :class:`~backspasm.diagnosis.Diagnosis`: ``diagnose(answers)``."""
        return self._diagnosis

    @property
    def widget(self) -> widgets.VBox:
        """The root ipywidgets box (display it, or embed it in a layout of your own)."""
        return self._root

    @property
    def controls(self) -> Mapping[str, widgets.Widget]:
        """The control of each question, by column (setting its ``value`` answers)."""
        return MappingProxyType(self._controls)

    @property
    def views(self) -> Mapping[str, widgets.HTML]:
        """The live views, by name: ``bars``, ``triage``, ``next``, ``reasons``, ``message``."""
        return MappingProxyType(self._views)

    def set_answer(self, column: str, value: Any) -> None:
        """Answer one question (a blank value withdraws the answer).

        Parameters
        ----------
        column : str
            The question, as in a case file (``backspasm schema``).
        value : object
            Any value :func:`backspasm.diagnose` accepts (``"yes"``, ``" Y "``, ``1``,
            ``0.7`` for an unsure yes/no, ``45`` for an age).

        Raises
        ------
        EvidenceError
            For an unknown question or a value that is not allowed (the answers are
            left as they were).
        """
        answers, case_id = dict(self._answers), self._case_id
        q = get_question(column, self._contract)
        if q.kind == "id":
            case_id = None if value is None or str(value).strip() == "" else str(value)
        else:
            normal = _normalise(q, value)
            if normal is None:
                answers.pop(column, None)
            else:
                answers[column] = normal
        self._diagnosis = self._commit(answers, case_id)

    def clear(self, column: str | None = None) -> None:
        """Withdraw one answer, or every answer (and the case identifier) by default.

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
            self._diagnosis = self._commit({}, None)
        else:
            self.set_answer(column, None)

    def load_row(self, cases: pd.DataFrame | str | os.PathLike[str], row: int | str) -> None:
        """Replace the answers with one row of a case file.

        Columns that are not questions (``intended_cause``, notes) are ignored, as
        scoring passes them through; blank cells are unanswered.

        Parameters
        ----------
        cases : pandas.DataFrame or path
            A case table, or the path of a CSV or Parquet case file.
        row : int or str
            A ``case_id``, or the row's position (from 0).

        Raises
        ------
        CaseFileError
            If the file cannot be read or has no such row.
        EvidenceError
            If a cell of the row is not an allowed answer.
        """
        frame = cases if isinstance(cases, pd.DataFrame) else _read_cases(cases)
        record = _pick_row(frame, row)
        known = {q.column for q in self._contract}
        answers, case_id = self._parse({k: v for k, v in record.items() if k in known})
        if case_id is None and isinstance(row, str):
            case_id = row
        self._diagnosis = self._commit(answers, case_id)

    def show_reasons(self, cause: str | None = None) -> None:
        """Show the reasons for one cause, as picking it in the "Why" list does.

        Parameters
        ----------
        cause : str, optional
            A cause node (``"kidney_stones"``); by default the view follows the top
            cause as the answers change.

        Raises
        ------
        EvidenceError
            For a name that is not a cause of the network.
        """
        if cause is not None and cause not in self._network.causes:
            raise _not_a_cause(cause, self._network)
        self._cause_picker.value = cause or _BLANK

    # -- display --------------------------------------------------------------------
    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any] | None:
        bundle: dict[str, Any] | None = self._root._repr_mimebundle_(
            include=include, exclude=exclude
        )
        return bundle

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self._root)  # type: ignore[no-untyped-call]

    def __repr__(self) -> str:
        d = self._diagnosis
        case = f"{self._case_id!r}, " if self._case_id else ""
        return (
            f"<Explorer {case}{len(self._answers)} answers: triage={d.triage}, "
            f"top cause={d.top_cause} {_pct(d.posterior(d.top_cause))}>"
        )

    # -- state ----------------------------------------------------------------------
    def _parse(self, answers: Mapping[str, Any]) -> tuple[dict[str, Any], str | None]:
        out: dict[str, Any] = {}
        case_id: str | None = None
        for column, value in answers.items():
            q = get_question(str(column), self._contract)
            if q.kind == "id":
                text = "" if value is None else str(value).strip()
                case_id = text or None
                continue
            normal = _normalise(q, value)
            if normal is not None:
                out[q.column] = normal
        return out, case_id

    def _commit(self, answers: dict[str, Any], case_id: str | None) -> Diagnosis:
        """Diagnose the answers, and only when that succeeds make them current."""
        d = diagnose(answers, network=self._network)
        self._answers, self._case_id, self._diagnosis = answers, case_id, d
        self._sync_controls()
        self._render()
        self._say("")
        return d

    def _on_control(self, column: str, change: Mapping[str, Any]) -> None:
        if self._syncing:
            return
        try:
            self.set_answer(column, self._read_control(column))
        except BackspasmError as error:
            self._sync_controls()  # the controls show the answers that hold
            self._say(f"{column}: {error}")

    def _read_control(self, column: str) -> Any:
        value = self._controls[column].value
        if value == _UNSURE:
            return self._sliders[column].value
        return None if value == _BLANK else value

    # -- building -------------------------------------------------------------------
    def _build(self) -> None:
        self._controls: dict[str, widgets.Widget] = {}
        self._sliders: dict[str, widgets.FloatSlider] = {}
        self._rows: dict[str, widgets.HBox] = {}
        # One layout and style object shared by every row keeps the widget count (and
        # the messages to the browser) down: ~70 questions would otherwise need ~500.
        self._shared: dict[str, widgets.Widget] = {
            "label": widgets.Layout(width="52%"),
            "label_style": widgets.widget_string.HTMLStyle(),
            "toggle": widgets.Layout(),
            "toggle_style": widgets.ToggleButtonsStyle(button_width="66px"),
            "slider_style": widgets.SliderStyle(),
            "box": widgets.Layout(width="200px"),
            "dropdown_style": widgets.widget_description.DescriptionStyle(),
            "text_style": widgets.widget_string.TextStyle(),
        }
        self._sections = [s for s in SECTIONS if any(q.section == s for q in self._questions)]
        pages = []
        for section in self._sections:
            rows = [self._question_row(q) for q in self._questions if q.section == section]
            pages.append(widgets.VBox(rows))
        self._accordion = widgets.Accordion(children=pages, selected_index=0)

        self._views: dict[str, widgets.HTML] = {
            name: widgets.HTML() for name in ("title", "message", "triage", "next", "bars")
        }
        self._views["reasons"] = widgets.HTML()
        causes = sorted(self._network.causes, key=self._network.label)
        self._cause_picker = widgets.Dropdown(
            options=[("the top cause", _BLANK)] + [(self._network.label(c), c) for c in causes],
            value=_BLANK,
            description="Why:",
            layout=widgets.Layout(width="360px"),
        )
        self._cause_picker.observe(lambda _: self._render_reasons(), names="value")
        goto = widgets.Button(description="go to it", layout=widgets.Layout(width="80px"))
        goto.on_click(lambda _: self._open_next())

        self._path = widgets.Text(placeholder="data/example_cases.csv", description="Case file:")
        self._row = widgets.Text(
            placeholder="case_id or row", layout=widgets.Layout(width="140px")
        )
        load = widgets.Button(description="load row", icon="upload")
        load.on_click(lambda _: self._load_from_boxes())
        reset = widgets.Button(description="clear all", icon="eraser")
        reset.on_click(lambda _: self.clear())
        loader = widgets.HBox([self._path, self._row, load, reset])

        legend = widgets.HTML(
            f"<small>{_FLAG}red flag: a warning sign of serious disease, always worth "
            "asking. Yes/no: &mdash; (not answered), no, unsure (then set how likely "
            "a yes is), yes. Number boxes take a value and Enter; empty means not "
            "answered.</small>"
        )
        left = widgets.VBox(
            [legend, self._accordion], layout=widgets.Layout(width="58%", min_width="520px")
        )
        right = widgets.VBox(
            [
                self._views["triage"],
                widgets.HBox([self._views["next"], goto]),
                self._views["bars"],
                self._cause_picker,
                self._views["reasons"],
            ],
            layout=widgets.Layout(width="42%", min_width="380px", padding="0 0 0 12px"),
        )
        self._root = widgets.VBox(
            [
                self._views["title"],
                loader,
                self._views["message"],
                widgets.HBox([left, right], layout=widgets.Layout(flex_flow="row wrap")),
            ]
        )

    def _question_row(self, q: Question) -> widgets.HBox:
        flag = _FLAG if q.red_flag else ""
        label = widgets.HTML(
            f"<span class='bs-question' data-column='{html.escape(q.column)}' "
            f"data-red-flag='{'yes' if q.red_flag else 'no'}'>{flag}"
            f"{html.escape(q.prompt)} <code style='color:#666'>{html.escape(q.column)}</code>"
            "</span>",
            layout=self._shared["label"],
            style=self._shared["label_style"],
        )
        parts: list[widgets.Widget] = [label]
        control: widgets.Widget
        if q.kind == "yes_no":
            control = widgets.ToggleButtons(
                options=[("\u2014", _BLANK), ("no", "no"), (_UNSURE, _UNSURE), ("yes", "yes")],
                value=_BLANK,
                tooltips=["not answered", "no", "not sure: say how likely a yes is", "yes"],
                style=self._shared["toggle_style"],
                layout=self._shared["toggle"],
            )
            slider = widgets.FloatSlider(
                value=0.5,
                min=0.01,
                max=0.99,
                step=0.01,
                description="P(yes)",
                readout_format=".2f",
                continuous_update=False,
                style=self._shared["slider_style"],
                layout=widgets.Layout(width="230px", display="none"),
            )
            slider.observe(partial(self._on_slider, q.column), names="value")
            self._sliders[q.column] = slider
            parts += [control, slider]
        elif q.kind == "choice":
            control = widgets.Dropdown(
                options=[("\u2014 not answered", _BLANK)]
                + [(c.replace("_", " "), c) for c in q.choices],
                value=_BLANK,
                layout=self._shared["box"],
                style=self._shared["dropdown_style"],
            )
            parts.append(control)
        else:
            control = widgets.Text(
                value="",
                placeholder=q.allowed,
                continuous_update=False,
                layout=self._shared["box"],
                style=self._shared["text_style"],
            )
            parts.append(control)
        control.observe(partial(self._on_control, q.column), names="value")
        self._controls[q.column] = control
        row = widgets.HBox(parts, layout=widgets.Layout(align_items="center"))
        self._rows[q.column] = row
        return row

    def _on_slider(self, column: str, change: Mapping[str, Any]) -> None:
        if self._controls[column].value == _UNSURE:
            self._on_control(column, change)

    def _sync_controls(self) -> None:
        self._syncing = True
        try:
            for q in self._questions:
                value = self._answers.get(q.column)
                control = self._controls[q.column]
                if q.kind == "yes_no":
                    slider = self._sliders[q.column]
                    if isinstance(value, float):
                        slider.value = value
                        control.value = _UNSURE
                    else:
                        control.value = _BLANK if value is None else value
                    unsure = control.value == _UNSURE
                    slider.layout.display = None if unsure else "none"
                elif q.kind == "choice":
                    control.value = _BLANK if value is None else value
                else:
                    control.value = "" if value is None else _number_text(value)
        finally:
            self._syncing = False
        titles = []
        for section in self._sections:
            asked = [q for q in self._questions if q.section == section]
            done = sum(q.column in self._answers for q in asked)
            flags = sum(q.red_flag for q in asked)
            extra = f", {flags} red flag{'s' if flags != 1 else ''}" if flags else ""
            titles.append(f"{_SECTION_TITLES.get(section, section)}: {done}/{len(asked)}{extra}")
        self._accordion.titles = tuple(titles)

    # -- rendering ------------------------------------------------------------------
    def _say(self, text: str) -> None:
        self._views["message"].value = (
            f"<div class='bs-message' style='color:#D55E00'>{html.escape(text, quote=False)}</div>"
            if text
            else ""
        )

    def _render(self) -> None:
        d = self._diagnosis
        case = f" &mdash; case <b>{html.escape(self._case_id)}</b>" if self._case_id else ""
        self._views["title"].value = (
            f"<h3 style='margin:4px 0'>backspasm questionnaire{case}</h3>"
            f"<span>{len(self._answers)} of {len(self._questions)} questions answered</span>"
        )
        self._views["triage"].value = _triage_html(d)
        self._views["bars"].value = _bars_html(d)
        self._render_next()
        self._render_reasons()

    def _render_next(self) -> None:
        table = self._diagnosis.next_questions(order="interview")
        if self._highlighted in self._rows:
            self._rows[self._highlighted].layout.border = None
        if not len(table):
            self._highlighted = None
            done = "<div class='bs-next'>No question left that would change the picture.</div>"
            self._views["next"].value = done
            return
        first = table.iloc[0]
        column = str(first["question"])
        self._highlighted = column
        if column in self._rows:
            self._rows[column].layout.border = _HIGHLIGHT
        flag = _FLAG if bool(first["red_flag"]) else ""
        then = ", ".join(f"<code>{html.escape(str(c))}</code>" for c in table["question"][1:4])
        self._views["next"].value = (
            f"<div class='bs-next' data-column='{html.escape(column)}' "
            f"style='border-left:4px solid #0072B2;padding-left:6px'>"
            f"<b>Ask next:</b> {flag}{html.escape(str(first['prompt']))} "
            f"<code>{html.escape(column)}</code>"
            f"<br><small>then {then or 'nothing else'}</small></div>"
        )

    def _open_next(self) -> None:
        if self._highlighted is None:
            return
        section = next(q.section for q in self._questions if q.column == self._highlighted)
        self._accordion.selected_index = self._sections.index(section)

    def _render_reasons(self) -> None:
        d = self._diagnosis
        cause = self._cause_picker.value or d.top_cause
        self._views["reasons"].value = _reasons_html(d, cause)

    def _load_from_boxes(self) -> None:
        path, row = self._path.value.strip(), self._row.value.strip()
        if not path or not row:
            self._say("Give the path of a case file and a case_id or row number.")
            return
        try:
            self.load_row(path, row)
        except BackspasmError as error:
            self._say(str(error))


# ---------------------------------------------------------------------- HTML views


def _bars_html(d: Diagnosis) -> str:
    """One row per cause: a grey prior bar over a coloured posterior bar."""
    rows = []
    for r in d.causes.to_dict("records"):
        colour = GROUP_COLOURS.get(f"cause_{r['group']}", "#0072B2")
        prior, post = float(r["prior"]), float(r["posterior"])
        rows.append(
            f"<tr class='bs-cause' data-cause='{html.escape(str(r['cause']))}' "
            f"data-prior='{prior!r}' data-posterior='{post!r}'>"
            f"<td style='text-align:left;padding-right:6px'>{html.escape(str(r['label']))}</td>"
            "<td style='width:160px'>"
            f"<div title='prior {_pct(prior)}' style='height:5px;width:{100 * prior:.2f}%;"
            "background:#BBBBBB;margin-bottom:1px'></div>"
            f"<div title='posterior {_pct(post)}' style='height:9px;"
            f"width:{100 * post:.2f}%;background:{colour}'></div></td>"
            f"<td style='text-align:right;color:#777'>{_pct(prior)}</td>"
            f"<td style='text-align:right'><b>{_pct(post)}</b></td></tr>"
        )
    legend = " ".join(
        f"<span style='color:{GROUP_COLOURS[f'cause_{g}']}'>&#9632;</span>&nbsp;{g}"
        for g in ("fitness", "pathologic", "serious")
    )
    return (
        "<table class='bs-bars' style='border-collapse:collapse;font-size:12px'>"
        "<thead><tr><th style='text-align:left'>cause</th><th>"
        "<span style='color:#BBBBBB'>&#9632;</span>&nbsp;before any answer, "
        "then now</th><th>before</th><th>now</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table><small>{legend}</small>"
    )


def _triage_html(d: Diagnosis) -> str:
    colour = TRIAGE_COLOURS.get(d.triage, "#000000")
    words = _TRIAGE_WORDS.get(d.triage, "")
    parts = [
        f"<div class='bs-triage' data-level='{html.escape(d.triage)}' "
        f"style='border-left:6px solid {colour};padding:2px 8px;margin-bottom:6px'>"
        f"Triage: <b class='bs-level' style='color:{colour};font-size:1.2em'>"
        f"{html.escape(d.triage)}</b> &mdash; {html.escape(words)}<br>"
        f"P(at least one serious cause) = <b>{_pct(d.p_serious)}</b>"
    ]
    if d.red_flags:
        items = "".join(f"<li class='bs-driver'>{html.escape(f)}</li>" for f in d.red_flags)
        parts.append(f"<br>Because of:<ul style='margin:0'>{items}</ul>")
    if d.safety_net:
        items = "".join(f"<li class='bs-safety'>{html.escape(s)}</li>" for s in d.safety_net)
        parts.append(
            f"<details><summary>Come back if ({len(d.safety_net)} warning signs)</summary>"
            f"<ul style='margin:0'>{items}</ul></details>"
        )
    parts.append("</div>")
    return "".join(parts)


def _reasons_html(d: Diagnosis, cause: str) -> str:
    table = d.reasons(cause)
    sentence = html.escape(d.explanation(cause))
    if not len(table):
        return (
            f"<div class='bs-reasons' data-cause='{html.escape(cause)}'><p>{sentence}</p>"
            "<p>No answer yet: this is the prior.</p></div>"
        )
    rows = []
    for r in table.to_dict("records"):
        change = float(r["log_odds_change"])
        factor = math.exp(abs(change))
        arrow, colour = ("&#9650;", "#D55E00") if change > 0 else ("&#9660;", "#0072B2")
        if abs(change) < 1e-9:
            arrow, colour = "&middot;", "#777777"
        rows.append(
            f"<tr class='bs-reason' data-question='{html.escape(str(r['question']))}' "
            f"data-log-odds-change='{change!r}'>"
            f"<td><code>{html.escape(str(r['question']))}</code> = "
            f"{html.escape(str(r['answer']))}</td>"
            f"<td style='text-align:right'>{_pct(float(r['posterior_without']))}</td>"
            f"<td style='color:{colour};text-align:right'>{arrow} odds &times;"
            f"{factor if change >= 0 else 1 / factor:.3g}</td></tr>"
        )
    return (
        f"<div class='bs-reasons' data-cause='{html.escape(cause)}'><p>{sentence}</p>"
        "<table style='font-size:12px'><thead><tr><th>answer</th><th>without it</th>"
        f"<th>its effect</th></tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


# ------------------------------------------------------------------------- helpers


def _not_a_cause(cause: str, network: Network) -> EvidenceError:
    return EvidenceError(
        f"'{cause}' is not a cause of the network.{did_you_mean(cause, network.causes)}"
    )


def _read_cases(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a case file as text cells (so that answers are parsed as in scoring)."""
    name = os.fspath(path)
    try:
        if name.lower().endswith((".parquet", ".pq")):
            return pd.read_parquet(name).astype("string")
        return pd.read_csv(name, dtype=str, keep_default_na=False)
    except (OSError, ValueError, ImportError) as error:
        raise CaseFileError(f"Cannot read the case file {name!r}: {error}") from None


def _pick_row(frame: pd.DataFrame, row: int | str) -> dict[str, Any]:
    """Return one row as a dict: by ``case_id`` first, else by position."""
    if isinstance(row, str) and "case_id" in frame.columns:
        ids = frame["case_id"].astype("string").str.strip()
        hit = ids == row.strip()
        if hit.any():
            return dict(frame[hit.to_numpy()].iloc[0])
    position: int | None = None
    if isinstance(row, int) and not isinstance(row, bool):
        position = row
    elif isinstance(row, str) and row.strip().isdigit():
        position = int(row.strip())
    if position is None or not 0 <= position < len(frame):
        ids_hint = ""
        if "case_id" in frame.columns:
            ids_hint = did_you_mean(row, frame["case_id"].astype(str))
        raise CaseFileError(
            f"The case file has no row {row!r} (a case_id, or a position from 0 to "
            f"{len(frame) - 1}).{ids_hint}"
        )
    return dict(frame.iloc[position])


def explore(
    answers: Mapping[str, Any] | None = None, *, network: Network | None = None
) -> Explorer:
    """Open the interactive questionnaire for one case in Jupyter.

    Parameters
    ----------
    answers : mapping of str to object, optional
        Initial answers, as for :func:`backspasm.diagnose`.
    network : Network, optional
        Defaults to the bundled network.

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
