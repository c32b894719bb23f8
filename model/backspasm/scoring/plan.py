"""The scoring plan: which input columns are questions, which pass through, what is added.

A plan is built once per table or file from its header: each column whose name is a
question of the case-file contract is encoded and scored, every other column is passed
through untouched, and the output columns are appended after the input's. The plan
also collects the file-level remarks (near-miss names, the other columns passed
through unscored, repeated or unused questions) that scoring reports as warnings.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from backspasm._text import close_match
from backspasm._text import column_key as column_key  # re-exported: the key near misses use
from backspasm.columns import encodable
from backspasm.exceptions import CaseFileError, EvidenceError
from backspasm.network import Network, network_or_default
from backspasm.questionnaire import Question, questions_for
from backspasm.scoring.repeats import repeat_of, repeated_column_note
from backspasm.spec.rules_questions import LABEL_COLUMNS as LABEL_COLUMNS
from backspasm.spec.rules_questions import TRUTH_PREFIX as TRUTH_PREFIX

__all__ = [
    "WHOLE_OUTPUTS",
    "Column",
    "Plan",
    "column_key",
    "make_plan",
    "near_miss",
    "output_columns",
    "wrong_split",
]

_NEAR_MISS_CUTOFF = 0.8


@dataclass(frozen=True)
class Column:
    """A contract column found in the input, and how to encode it."""

    position: int
    question: Question
    states: tuple[str, ...]
    used: bool  # False when the network has no node for it: checked, not used
    #: Where the column's name appears again (merged by scoring.repeats.merge_encoded).
    copies: tuple[int, ...] = ()


@dataclass(frozen=True)
class Plan:
    """What to do with each input column; built once per table or file."""

    network: Network
    columns: tuple[Column, ...]
    id_position: int | None
    outputs: tuple[str, ...]
    explain: bool
    warnings: tuple[str, ...]

    @property
    def positions(self) -> tuple[int, ...]:
        """Every input position a reader must hand over: the question columns and copies."""
        return tuple(p for c in self.columns for p in (c.position, *c.copies))

    #: (code, invalid) per (column position, type, value), shared by the chunks of
    #: a file: the same few answers recur in every chunk.
    encoded: dict[tuple[int, type, Any], tuple[int, bool]] = field(
        default_factory=dict, compare=False, repr=False
    )


#: Output numbers that are not measures but hours and counts: ``precision`` leaves them
#: whole (rounded to one digit, 24 hours read 20).
WHOLE_OUTPUTS = frozenset({"triage_within_hours", "screen_unanswered"})


def output_columns(network: Network | None = None, *, explain: bool = False) -> tuple[str, ...]:
    """Return the names of the columns scoring appends, in order.

    Parameters
    ----------
    network : Network, optional
        Defaults to the bundled network.
    explain : bool, default False
        Include the columns that make a row say everything a
        :class:`~backspasm.diagnosis.Diagnosis` says: ``p_pathologic``,
        ``risk_<complication>``, ``reasons``, ``pointed_cause``,
        ``pointed_odds_factor``, ``next_question``, ``triage_reasons``, ``mpe`` and
        ``p_mpe``.

    Returns
    -------
    tuple of str
        ``p_<cause>`` per cause, ``p_serious``, [``p_pathologic``,
        ``risk_<complication>`` per complication], ``top_cause``, [``reasons``,
        ``pointed_cause``, ``pointed_odds_factor``, ``next_question``], ``conflict``,
        ``triage``, ``triage_within_hours`` (how soon a ``see_doctor`` case should see
        the doctor, in hours; blank when its rules give no timeframe), ``red_flags``,
        [``triage_reasons``], ``screen_unanswered`` (how many screening questions the
        row left unanswered: above 0, ``self_care`` means only that no warning sign was
        found yet), [``mpe``, ``p_mpe``], ``error``.
    """
    net = network_or_default(network)
    return _outputs(net, explain)


def _outputs(network: Network, explain: bool) -> tuple[str, ...]:
    names = [f"p_{c}" for c in network.causes]
    names += ["p_serious"]
    if explain:
        names += ["p_pathologic", *(f"risk_{c}" for c in network.nodes_in("complication"))]
    names += ["top_cause"]
    names += (
        ["reasons", "pointed_cause", "pointed_odds_factor", "next_question"] if explain else []
    )
    names += ["conflict", "triage", "triage_within_hours", "red_flags"]
    names += ["triage_reasons"] if explain else []
    names += ["screen_unanswered"]
    names += ["mpe", "p_mpe"] if explain else []
    return (*names, "error")


def _fallback_states(q: Question) -> tuple[str, ...]:
    return q.states or ("no", "yes")


def _unseen(label: str) -> str:
    """Say what in ``label`` a reader cannot see or tell apart ("" for nothing)."""
    if any(unicodedata.category(c) == "Cf" for c in label):
        return " (it holds an invisible character)"
    if any(not c.isspace() and unicodedata.normalize("NFKC", c) != c for c in label):
        return " (it is written in full-width or other look-alike characters)"
    return ""


def make_plan(
    header: Sequence[object],
    network: Network,
    *,
    explain: bool,
    name_passed: bool = True,
    delimiter: str | None = None,
    sep_hint: bool = False,
    index: Collection[str] = (),
) -> Plan:
    """Read a header: find the question columns and collect the remarks about it.

    Parameters
    ----------
    header : sequence
        The input's column labels, in order.
    network : Network
    explain : bool
        Whether the explanation columns (``p_pathologic``, ``risk_<complication>``,
        ``reasons``, ``pointed_cause``, ``pointed_odds_factor``, ``next_question``,
        ``triage_reasons``, ``mpe``, ``p_mpe``) are added.
    name_passed : bool, default True
        Remark on the columns passed through unscored (not questions, and not named
        in a did-you-mean remark), all in one line; off for callers that keep
        other columns on purpose.
    delimiter : str, optional
        The character a CSV reader split the header at, named when a header with
        no question looks split at the wrong one.
    sep_hint : bool, default False
        Whether that delimiter came from the file's first line (``sep=;``).
    index : collection of str, default ()
        The columns that hold the input's index (a Parquet file's pandas metadata
        names them: ``__index_level_0__``, or the index's name). They are passed
        through, and kept as the index, without a remark.

    Returns
    -------
    Plan

    Raises
    ------
    CaseFileError
        For a column that differs from a question only in what :func:`column_key`
        drops, a column named like an output column, or no question column (saying
        so when the header looks split at the wrong character).
    EvidenceError
        When a network node has states that its question cannot be encoded into.
    """
    questions = questions_for(network)
    by_name = {q.column: q for q in questions}
    nodes = set(network.node_names)
    outputs = _outputs(network, explain)
    seen: dict[str, int] = {}
    columns: list[Column] = []
    notes: list[str] = []
    repeated: list[str] = []
    copies: dict[str, list[int]] = {}
    unused: list[str] = []
    passed: list[str] = []
    labels = {str(label) for label in header}
    misnamed = misnamed_columns(header, by_name)
    if misnamed is not None:
        raise CaseFileError(misnamed)
    for position, label in enumerate(header):
        if isinstance(label, str) and label in by_name:
            name = label
            if name in seen:
                repeated.append(name)
                copies.setdefault(name, []).append(position)
                continue
            seen[name] = position
            q = by_name[name]
            if q.node is None:
                continue
            used = q.node in nodes
            states = network.states(q.node) if used else _fallback_states(q)
            if not encodable(q, states):
                raise EvidenceError(
                    f"Node '{q.node}' of the network has states {', '.join(states)}; the "
                    f"question '{q.column}' needs {', '.join(_fallback_states(q))}."
                )
            columns.append(Column(position, q, states, used))
            if not used:
                unused.append(name)
            continue
        base = repeat_of(label, labels, by_name) if isinstance(label, str) else None
        if base is not None:  # age.1 beside age: the name a reader gives a second age
            repeated.append(base)
            copies.setdefault(base, []).append(position)
            continue
        note = near_miss(str(label), by_name, outputs)
        if note is not None:
            notes.append(note)
        elif not is_label(str(label)) and label not in index:
            passed.append(str(label))
    if passed and name_passed:
        # without it a variant's column, scored without its network, was lost unsaid
        notes.append(passed_note(passed))
    columns = [replace(c, copies=tuple(copies.get(c.question.column, ()))) for c in columns]
    for name in dict.fromkeys(repeated):
        count = repeated.count(name) + 1
        merged = any(c.copies for c in columns if c.question.column == name)
        notes.append(repeated_column_note(name, count, used="merged" if merged else "scored"))
    if unused:
        shown = ", ".join(repr(u) for u in unused)
        notes.append(
            f"column(s) {shown} ask about nodes this network does not have; "
            "their answers were checked but not used."
        )
    clash = list(dict.fromkeys(str(c) for c in header if isinstance(c, str) and c in outputs))
    if clash:
        shown = ", ".join(repr(c) for c in clash[:8]) + (" ..." if len(clash) > 8 else "")
        raise CaseFileError(
            f"the cases already have column(s) named like the scores ({shown}); a scored "
            "file would hold each of them twice, and readers would take the old values. "
            "Score the original cases, or rename or drop those columns first."
        )
    if not columns:
        # A file of ids alone was scored too: every person self_care, exit code 0.
        raise CaseFileError(
            "no column is a question of the case-file contract, so there is nothing to "
            "score (`backspasm schema` lists the names)."
            + wrong_split(header, by_name, delimiter, sep_hint)
        )
    return Plan(
        network=network,
        columns=tuple(columns),
        id_position=seen.get("case_id"),
        outputs=outputs,
        explain=explain,
        warnings=tuple(notes),
    )


def is_label(name: str) -> bool:
    """Say whether a column is one the package reads beside the answers (the truth)."""
    return name in LABEL_COLUMNS or name.startswith(TRUTH_PREFIX)


def passed_note(labels: Sequence[str], *, fate: str = "passed through unscored") -> str:
    """Return the remark naming the columns left out of the answers (the first 10).

    ``fate`` says what became of them ("passed through unscored", or "ignored").
    """
    names = list(dict.fromkeys(labels))
    shown = ", ".join(repr(n) for n in names[:10])
    more = f" and {len(names) - 10} more" if len(names) > 10 else ""
    return f"columns {fate} (not questions of this network): {shown}{more}."


def misnamed_columns(labels: Sequence[object], by_name: Mapping[str, Question]) -> str | None:
    r"""Return why labels that have a question's :func:`column_key`, not its name, are refused.

    Passed through, their answers would be lost without a word that counts: a file
    with ``Fever`` and ``Saddle Numbness`` scored ``self_care``, exit code 0, and so
    did ``blood_in_urine`` followed by a zero-width space. Each label is shown as
    :func:`repr` shows it, so an invisible character reads ``\u200b``. None when
    there are none (or the exact name is also present, which is the one read).

    A label one letter away from a question's name (:func:`one_letter_off`: ``fevr``,
    ``blood_in_urin``) is refused too: it was passed through with a warning and exit
    code 0, its answers lost. A column of one's own that close to a question needs
    a name further from it.
    """
    exact = {label for label in labels if isinstance(label, str) and label in by_name}
    order = {q: i for i, q in enumerate(by_name)}
    # A name one letter off (four letters or more) is one length off at most, and
    # begins or ends with the question's two letters: only those are compared.
    ends: dict[tuple[int, str], set[str]] = {}
    for q in by_name:
        if q not in exact:
            for end in (f"^{q[:2]}", f"{q[-2:]}$"):
                ends.setdefault((len(q), end), set()).add(q)
    misnamed, misspelt = [], []
    for label in labels:
        if not isinstance(label, str) or label in by_name:
            continue
        key = column_key(label)
        if key in by_name:
            if key not in exact:
                misnamed.append((label, key))
            continue
        tips = (f"^{key[:2]}", f"{key[-2:]}$")
        near = {q for n in (-1, 0, 1) for e in tips for q in ends.get((len(key) + n, e), ())}
        typo = next(
            (q for q in sorted(near, key=order.__getitem__) if one_letter_off(key, q)), None
        )
        if typo is not None:
            misspelt.append((label, typo))
    said = []
    if misnamed:
        shown = ", ".join(f"{label!r} for {name!r}{_unseen(label)}" for label, name in misnamed)
        said.append(
            f"column names are exact, and {shown} differ from a question only in case, "
            "spaces, hyphens, invisible characters or the width of letters"
        )
    if misspelt:
        shown = ", ".join(f"{label!r} (for {name!r})" for label, name in misspelt)
        verb = "is" if len(misspelt) == 1 else "are"
        said.append(f"column {shown} {verb} one letter away from a question's name (a typo?)")
    if not said:
        return None
    return (
        "; ".join(said) + ", so their answers would be lost: rename them (`backspasm "
        "schema` lists the names; a column of your own needs a name further from a "
        "question's)."
    )


def one_letter_off(name: str, question: str) -> bool:
    """Whether ``name`` is ``question`` with one letter dropped, added, changed or swapped.

    Only names of four letters or more are compared, so that a short column of one's
    own (``id``, ``bmi``) is not taken for a short question (``age``, ``sex``).
    """
    if name == question or min(len(name), len(question)) < 4:
        return False
    if len(name) == len(question):
        diff = [i for i, (a, b) in enumerate(zip(name, question, strict=True)) if a != b]
        if len(diff) == 1:
            return True
        if len(diff) != 2 or diff[1] != diff[0] + 1:
            return False
        i, j = diff
        return name[i] == question[j] and name[j] == question[i]
    short, long = sorted((name, question), key=len)
    if len(long) - len(short) != 1:
        return False
    return any(long[:k] + long[k + 1 :] == short for k in range(len(long)))


def near_miss(
    text: str,
    by_name: Mapping[str, Question],
    outputs: Sequence[str] = (),
    *,
    fate: str = "It was passed through unscored.",
) -> str | None:
    """Return the "did you mean" remark for a column close to a question's name.

    ``by_name`` maps question columns to questions; ``outputs`` are names that are
    not remarked on (a scored file's own columns); ``fate`` says what became of the
    column.
    """
    if text in outputs:
        return None
    guess = column_key(text)
    match = guess if guess in by_name else close_match(guess, tuple(by_name), _NEAR_MISS_CUTOFF)
    if match is None or (match != guess and extends(guess, match)):
        return None
    return f"column {text!r} is not a question; did you mean {match!r}? {fate}"


def extends(name: str, question: str) -> bool:
    """Whether ``name`` extends a question's name by whole words (``true_fever``, ``p_fever``).

    Such a column is deliberate, not a misspelling; ``fevers`` or ``agee`` are not.
    """
    return (
        name.startswith(question + "_") or name.endswith("_" + question) or f"_{question}_" in name
    )


#: Characters that join a header's names when the reader split it at another one:
#: another program's delimiter, or a case-file delimiter that a wrong ``sep=`` line
#: or an unlucky sniff did not pick. Spaces come last: a name seldom holds one.
_JOINERS = ("|", ";", "\t", ",", ":", " ")
#: Joiners that a name may hold as text: they need two questions' names.
_LOOSE = (":", " ")


def _say(char: str) -> str:
    """Name a delimiter in words a person reads without escapes."""
    words = {",": "commas", ";": "semicolons", "\t": "tabs", " ": "spaces"}
    return words.get(char, repr(char))


def _joined(label: str, by_name: Mapping[str, Question]) -> tuple[int, str] | None:
    """Return how many questions ``label`` names when split, and at what character."""
    best: tuple[int, str] | None = None
    for joiner in _JOINERS:
        parts = label.split() if joiner == " " else label.split(joiner)
        if len(parts) < 2:
            continue
        hits = sum(column_key(part) in by_name for part in parts)
        # "note: fever" or "about fever" is a name; "case_id age fever" is not
        enough = hits >= (2 if joiner in _LOOSE else 1)
        if enough and (best is None or hits > best[0]):
            best = (hits, joiner)
    return best


def wrong_split(
    header: Sequence[object],
    by_name: Mapping[str, Question],
    delimiter: str | None = None,
    sep_hint: bool = False,
) -> str:
    """Say why a header with no question looks split at the wrong character ("" if not).

    A pipe-separated file, or a ``sep=,`` line above a semicolon header, is read as
    one column (or a few) whose name holds the questions' names joined by another
    character; without this the refusal said only that no column is a question.

    Parameters
    ----------
    header : sequence
        The column labels as read.
    by_name : mapping
        Question columns to questions (``case_id`` included).
    delimiter : str, optional
        The character the reader split the header at, when known.
    sep_hint : bool, default False
        Whether the file's first line named that delimiter (``sep=,``).

    Returns
    -------
    str
        A sentence or two to append to the refusal, starting with a space.
    """
    best: tuple[int, str, str] | None = None
    for label in header:
        if not isinstance(label, str):
            continue
        hit = _joined(label, by_name)
        if hit is not None and (best is None or hit[0] > best[0]):
            best = (hit[0], label, hit[1])
    if best is None:
        return ""
    _, label, joiner = best
    read = "one column" if len(header) == 1 else f"{len(header):,} columns, one of them"
    how = ""
    if delimiter is not None:
        how = f", split at {_say(delimiter)}"
        how += f" as its first line {_sep_line(delimiter)} says" if sep_hint else ""
    if joiner == delimiter:
        return (
            f" The header was read as {read} {label!r}{how}: its names are inside one "
            "quoted cell. Remove the quotes around the header."
        )
    text = (
        f" The header was read as {read} {label!r}{how}, but its names look separated "
        f"by {_say(joiner)}. A case file is separated by commas, semicolons or tabs"
    )
    if joiner == " ":
        return text + ": separate the columns with one of them."
    if sep_hint:
        return text + (
            f", or by the character a first line `sep=` names: make that line "
            f"{_sep_line(joiner)}, or remove it."
        )
    other = " (or correct a `sep=` line that names another)" if delimiter is None else ""
    return text + (
        f", or by the character a first line `sep=` names: add the line "
        f"{_sep_line(joiner)} above the header{other}."
    )


def _sep_line(char: str) -> str:
    """Write the ``sep=`` line that names ``char``, a tab in words."""
    return "`sep=` and a tab" if char == "\t" else f"`sep={char}`"
