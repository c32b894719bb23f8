"""The questionnaire form: one control per question, grouped by section.

:class:`QuestionForm` builds the controls (yes/no toggles with a slider for how far
an unsure answer leans to yes, dropdowns for choices, text boxes for numbers), shows
a set of answers in them, reads what a person set and reports each change to one callback.
It holds no answers of its own: the :class:`~backspasm.widgets.explorer.Explorer`
decides which answers hold and shows them back.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

import ipywidgets as widgets  # type: ignore[import-untyped]

from backspasm._palette import FOCUS
from backspasm.questionnaire import SECTIONS, Question
from backspasm.widgets.views import FLAG

__all__ = ["BLANK", "UNSURE", "UNSURE_NOTE", "QuestionForm"]

#: The value of a control that holds no answer.
BLANK = ""
#: The toggle value of an unsure yes/no answer (its probability sits in a slider).
UNSURE = "unsure"
#: The slider's range and step: an unsure answer leans from 0.001 to 0.999 to yes.
UNSURE_MIN, UNSURE_MAX, UNSURE_STEP = 0.001, 0.999, 0.001
#: Said under the slider: an even lean is no answer (nothing changes until it moves).
UNSURE_NOTE = "0.5 counts as not answered"
_SECTION_TITLES: Mapping[str, str] = {
    "context": "About the person",
    "symptom": "Symptoms",
    "examination": "Examination (by a clinician)",
    "exposure": "Exposures and medicines",
    "known_cause": "Causes a doctor has already found",
    "presentation": "Presentation",
}
_HIGHLIGHT = f"2px solid {FOCUS}"


def _number_text(value: float | str) -> str:
    if isinstance(value, str):  # a band named outright ("65+")
        return value
    return str(int(value)) if float(value).is_integer() else str(value)


class QuestionForm:
    """The controls of a questionnaire, one accordion page per section.

    Parameters
    ----------
    questions : sequence of Question
        The questions to ask (no ``id`` column), in contract order.
    on_change : callable
        Called as ``on_change(column, value)`` when a person changes a control:
        ``value`` is the answer the control now holds (None when blank, the lean to yes as a
        float when unsure). Not called while :meth:`show` sets the controls.
    """

    def __init__(
        self, questions: Sequence[Question], on_change: Callable[[str, Any], None]
    ) -> None:
        self._questions = tuple(questions)
        self._on_change = on_change
        self._syncing = False
        self._highlighted: str | None = None
        self._controls: dict[str, widgets.Widget] = {}
        self._sliders: dict[str, widgets.FloatSlider] = {}
        self._slider_boxes: dict[str, widgets.VBox] = {}
        self._rows: dict[str, widgets.HBox] = {}
        # One layout and style object shared by every row keeps the widget count (and
        # the messages to the browser) down: ~70 questions would otherwise need ~500.
        self._shared: dict[str, widgets.Widget] = {
            "label": widgets.Layout(width="40%"),
            "label_style": widgets.widget_string.HTMLStyle(),
            "toggle": widgets.Layout(),
            "toggle_style": widgets.ToggleButtonsStyle(button_width="66px"),
            "slider": widgets.Layout(width="200px"),
            "slider_style": widgets.SliderStyle(description_width="initial"),
            "note": widgets.Layout(),
            "box": widgets.Layout(width="200px"),
            "dropdown_style": widgets.widget_description.DescriptionStyle(),
            "text_style": widgets.widget_string.TextStyle(),
        }
        self._sections = [s for s in SECTIONS if any(q.section == s for q in self._questions)]
        pages = []
        for section in self._sections:
            rows = [self._question_row(q) for q in self._questions if q.section == section]
            pages.append(widgets.VBox(rows))
        self.accordion = widgets.Accordion(children=pages, selected_index=0)

    @property
    def controls(self) -> dict[str, widgets.Widget]:
        """The control of each question, by column."""
        return self._controls

    @property
    def highlighted(self) -> str | None:
        """The question marked as the one to ask next, if any."""
        return self._highlighted

    def show(self, answers: Mapping[str, Any]) -> None:
        """Set every control to the answers (blank where unanswered) and the page titles.

        Parameters
        ----------
        answers : mapping of str to object
            Column to answer, as :attr:`Explorer.answers` holds them.
        """
        self._syncing = True
        try:
            for q in self._questions:
                self._set_control(q, answers.get(q.column))
        finally:
            self._syncing = False
        titles = []
        for section in self._sections:
            asked = [q for q in self._questions if q.section == section]
            done = sum(q.column in answers for q in asked)
            flags = sum(q.red_flag for q in asked)
            extra = f", {flags} red flag{'s' if flags != 1 else ''}" if flags else ""
            titles.append(f"{_SECTION_TITLES.get(section, section)}: {done}/{len(asked)}{extra}")
        self.accordion.titles = tuple(titles)

    def drop_pending(self) -> None:
        """Set back to blank every "unsure" toggle still waiting for its lean.

        :meth:`show` keeps such a toggle as it is (the person is about to move its
        slider); a new case drops them first.
        """
        self._syncing = True
        try:
            for column, slider in self._sliders.items():
                if self._controls[column].value == UNSURE and slider.value == 0.5:
                    self._controls[column].value = BLANK
                    self._show_slider(column, False)
        finally:
            self._syncing = False

    def highlight(self, column: str | None) -> None:
        """Frame the row of one question (the next to ask), or none."""
        if self._highlighted in self._rows:
            self._rows[self._highlighted].layout.border = None
        self._highlighted = column
        if column in self._rows:
            self._rows[column].layout.border = _HIGHLIGHT

    def open_highlighted(self) -> None:
        """Open the accordion page of the highlighted question."""
        if self._highlighted is None:
            return
        section = next(q.section for q in self._questions if q.column == self._highlighted)
        self.accordion.selected_index = self._sections.index(section)

    # -- building and reading ---------------------------------------------------------
    def _set_control(self, q: Question, value: Any) -> None:
        control = self._controls[q.column]
        if q.kind == "yes_no":
            slider = self._sliders[q.column]
            if isinstance(value, float):
                slider.value = value
                control.value = UNSURE
            elif value is None and control.value == UNSURE and slider.value == 0.5:
                pass  # "unsure" just clicked: the slider waits for a lean, no answer yet
            else:
                control.value = BLANK if value is None else value
                # after the toggle, so that the slider moving back fires no answer: a
                # lean left over from an earlier answer (or case) would come back with
                # the next click on "unsure"
                slider.value = 0.5
            self._show_slider(q.column, control.value == UNSURE)
        elif q.kind == "choice":
            control.value = BLANK if value is None else value
        else:
            control.value = "" if value is None else _number_text(value)

    def _show_slider(self, column: str, shown: bool) -> None:
        """Show or hide the slider of a yes/no question, with the note under it."""
        self._slider_boxes[column].layout.display = None if shown else "none"

    def _read(self, column: str) -> Any:
        value = self._controls[column].value
        if value == UNSURE:
            return self._sliders[column].value
        return None if value == BLANK else value

    def _changed(self, column: str, change: Mapping[str, Any]) -> None:
        if not self._syncing:
            self._on_change(column, self._read(column))

    def _slid(self, column: str, change: Mapping[str, Any]) -> None:
        if self._controls[column].value == UNSURE:
            self._changed(column, change)

    def _question_row(self, q: Question) -> widgets.HBox:
        flag = FLAG if q.red_flag else ""
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
                options=[("\u2014", BLANK), ("no", "no"), (UNSURE, UNSURE), ("yes", "yes")],
                value=BLANK,
                tooltips=[
                    "not answered",
                    "no",
                    "not sure: say how far the answer leans to yes",
                    "yes",
                ],
                style=self._shared["toggle_style"],
                layout=self._shared["toggle"],
            )
            slider = widgets.FloatSlider(
                value=0.5,
                min=UNSURE_MIN,
                max=UNSURE_MAX,
                step=UNSURE_STEP,
                description="leans yes",
                readout_format=".3f",
                continuous_update=False,
                style=self._shared["slider_style"],
                layout=self._shared["slider"],
            )
            slider.observe(partial(self._slid, q.column), names="value")
            self._sliders[q.column] = slider
            note = widgets.HTML(
                f"<small class='bs-unsure-note'>{UNSURE_NOTE}</small>",
                layout=self._shared["note"],
                style=self._shared["label_style"],
            )
            # shown only while "unsure" is picked; it keeps its width (the label and
            # the toggles give way) so that the slider's value stays in view
            box = widgets.VBox(
                [slider, note], layout=widgets.Layout(display="none", flex="0 0 auto")
            )
            self._slider_boxes[q.column] = box
            parts += [control, box]
        elif q.kind == "choice":
            control = widgets.Dropdown(
                options=[("\u2014 not answered", BLANK)]
                + [(c.replace("_", " "), c) for c in q.choices],
                value=BLANK,
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
        control.observe(partial(self._changed, q.column), names="value")
        self._controls[q.column] = control
        row = widgets.HBox(parts, layout=widgets.Layout(align_items="center"))
        self._rows[q.column] = row
        return row
