"""The ``plain-text`` rule: text that is shown or written is plain and of a sane length.

Labels, descriptions, prompts, states, citations, the reasons of numbers and the
triage policy's flag names and safety-net sentences end up on screen, in reports and
in CSV cells, where a NUL or an escape sequence breaks readers or hides text. Labels
and states are drawn in figures, where a label of a million characters made
matplotlib fail (an image too large to draw): each field has a length limit.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping
from typing import Any

from backspasm.spec.context import Context, Rule
from backspasm.spec.raw import problem

__all__ = ["TEXT_RULES"]

#: Displayed text fields that may hold line breaks and tabs (the others are one line).
_PARAGRAPHS = ("description", "why", "citation", "note")


#: Control characters (Unicode category Cc), with and without tab and line breaks.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROL_IN_PARAGRAPH = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


#: The longest text each field may hold: labels and states are drawn as node names and
#: table headings; a prompt, a flag's name, a sentence; paragraphs are paragraphs.
_SHORT = {"label": 80, "label_no": 80, "unit": 40, "states": 80}
_LONGEST_LINE = 1_000
_LONGEST_PARAGRAPH = 20_000


def _longest(path: str) -> int:
    field = path.rsplit(".", 1)[-1].split("[", 1)[0]
    if field in _PARAGRAPHS:
        return _LONGEST_PARAGRAPH
    return _SHORT.get(field, _LONGEST_LINE)


def _control(text: str, paragraph: bool) -> str | None:
    """Return the first control character of ``text`` (a paragraph may hold tabs, breaks)."""
    found = (_CONTROL_IN_PARAGRAPH if paragraph else _CONTROL).search(text)
    return found[0] if found else None


def _text_problem(file: str, where: str, path: str, text: Any) -> Iterator[str]:
    if not isinstance(text, str):
        return  # reported by field-type
    longest = _longest(path)
    if len(text) > longest:
        yield problem(
            file,
            where,
            path,
            "plain-text",
            f"is {len(text):,} characters long; the limit is {longest:,} (it is shown in "
            f"tables and figures): {text[:60]!r}... Shorten it.",
        )
        return
    char = _control(text, path.rsplit(".", 1)[-1] in _PARAGRAPHS)
    if char is not None:
        name = unicodedata.name(char, "a control character")
        where_in = text.index(char) + 1
        yield problem(
            file,
            where,
            path,
            "plain-text",
            f"holds the control character U+{ord(char):04X} ({name}) at character "
            f"{where_in:,}; text that is shown or written to a file must be plain (a NUL "
            "breaks CSV readers). Remove it.",
        )


def _plain_text(ctx: Context) -> Iterator[str]:
    for name, (file, body) in ctx.raw.nodes.items():
        where = f"node '{name}'"
        for key in ("label", "label_no", "description"):
            yield from _text_problem(file, where, key, body.get(key))
        states = body.get("states")
        for i, state in enumerate(states if isinstance(states, list) else []):
            yield from _text_problem(file, where, f"states[{i}]", state)
        question = body.get("question")
        if isinstance(question, dict):
            for key in ("prompt", "unit"):
                yield from _text_problem(file, where, f"question.{key}", question.get(key))
        for path, param in _params(body):
            yield from _text_problem(file, where, f"{path}.why", param.get("why"))
    for key, (file, body) in ctx.raw.sources.items():
        for field in ("citation", "note", "url"):
            yield from _text_problem(file, f"source '{key}'", field, body.get(field))
    if ctx.raw.triage is None:
        return
    file, triage = ctx.raw.triage
    where = "table 'triage'"
    for kind in ("flags", "causes"):
        entries = triage.get(kind)
        for i, entry in enumerate(entries if isinstance(entries, list) else []):
            if isinstance(entry, dict):
                for field in ("name", "why"):
                    yield from _text_problem(file, where, f"{kind}[{i}].{field}", entry.get(field))
    net = triage.get("safety_net")
    for node, text in (net if isinstance(net, dict) else {}).items():
        yield from _text_problem(file, where, f"safety_net.{node}", text)


def _params(body: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Yield a node's parameter tables with their field paths (those of the right type)."""
    for key in ("prior", "leak", "base"):
        if isinstance(body.get(key), dict):
            yield key, body[key]
    for key in ("strength", "odds"):
        for parent, value in body.get(key, {}).items():
            if isinstance(value, dict):
                yield f"{key}.{parent}", value
    for i, row in enumerate(body.get("table", [])):
        if isinstance(row, dict):
            yield f"table[{i}]", row


#: The rule on displayed text (it looks at one file at a time).
TEXT_RULES: tuple[Rule, ...] = (
    Rule(
        "plain-text",
        "text that is shown holds no control characters and keeps to a length limit",
        _plain_text,
        True,
    ),
)
