"""The result of one diagnosis and the ways it reads: tables, sentences, text, HTML.

:class:`Diagnosis` holds the exact posterior picture of one case, as
:func:`backspasm.diagnosis.diagnose` computes it, and presents it: ranked causes,
reasons, next questions, a one-sentence explanation per cause, the text report of
``backspasm diagnose``, a JSON-ready dictionary and the notebook's HTML. The text
report is written in :mod:`backspasm.diagnosis._report` and the HTML in
:mod:`backspasm.diagnosis.page`, both from what :class:`~backspasm.diagnosis.words.Shown`
reads of a diagnosis.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from backspasm._text import percent
from backspasm.diagnosis._questions import (
    cause_columns,
    cause_groups,
    next_questions_over,
    question_order,
    refuse_question_name,
)
from backspasm.diagnosis._report import diagnosis_text
from backspasm.diagnosis.page import diagnosis_html
from backspasm.diagnosis.words import (
    effects_words,
    json_answer,
    json_records,
    not_presenting_note,
    screen_progress,
    unsure_lines,
)
from backspasm.exceptions import BackspasmError, UnknownStateError
from backspasm.explain.case import network_of
from backspasm.explain.conflict import conflict_flagged, conflict_threshold
from backspasm.explain.odds import explained_causes
from backspasm.network import Network
from backspasm.questionnaire import EvidenceValue, Question
from backspasm.triage import (
    screen_questions,
    self_care_unscreened,
    triage_advice,
    triage_reason_words,
)

__all__ = ["Diagnosis"]


@dataclass(frozen=True, eq=False)
class Diagnosis:
    """The exact posterior picture of one case.

    Attributes
    ----------
    answers : mapping
        The answers that count (no blank, no 50% lean, no other column), as given.
    evidence : mapping
        The evidence they became (node to state, or to a likelihood tuple).
    causes : pandas.DataFrame
        One row per cause, highest posterior first: ``cause``, ``label``, ``group``,
        ``prior`` (P(cause | back spasm), before any answer), ``given_context`` (given
        only the context answers: age, sex, setting), ``posterior`` and ``odds_factor``
        (posterior odds over those given the context; see :mod:`backspasm.explain.odds`).
    p_serious : float
        Exact probability that at least one serious cause is present.
    p_pathologic : float
        Exact probability that at least one pathologic (spinal) cause is present.
    triage : str
        ``emergency``, ``see_doctor`` or ``self_care`` (see :mod:`backspasm.triage`).
    red_flags : tuple of str
        What drove an emergency (empty otherwise), machine-readable, as a scored file's
        ``red_flags`` column has it: the flag answers that set it, each written
        ``node=state`` (``blood_in_urine=yes``), each cause rule that fired with its
        probability (``Kidney stones 73.2% (>= 50%)``), and, where no flag had already
        set the emergency, the answers that raised that cause most. What set the
        level, said for a person, is :attr:`triage_reasons`.
    complications : pandas.DataFrame
        Risk of each complication if the cause is left untreated, highest first:
        ``complication``, ``label``, ``prior``, ``risk``.
    conflict : float
        Jensen's conflict measure ``log(prod_i P(e_i) / P(e))`` of the answers, given
        back spasm; positive values mean answers that are unlikely together.
    conflict_threshold : float
        The network's calibrated flag level (see
        :func:`~backspasm.explain.conflict.conflict_threshold`): :attr:`conflicted` is
        ``conflict > conflict_threshold``.
    most_probable_explanation : mapping of str to str
        The jointly most probable state of every cause given the answers (exact
        maximum a posteriori over the causes, other nodes summed out).
    mpe_probability : float
        Its posterior probability.
    beliefs : mapping of str to mapping of str to float
        Posterior distribution of every node.
    network : Network
        The network that produced it: when ``diagnose`` was given none, the bundled
        network every default call shares (:func:`~backspasm.network.default_network`).
        To change numbers, edit a copy of your own (:func:`~backspasm.load_network`).
    safety_net : tuple of str
        The warning signs that should bring the person back (``self_care``) or send
        them to an emergency department before their visit (``see_doctor``), one
        plain sentence each (see :func:`backspasm.triage.safety_net`); empty for an
        emergency.
    network_fingerprint : str
        :meth:`~backspasm.network.Network.fingerprint` of the network's numbers when
        the diagnosis was made; the explanations computed later from the diagnosis
        (sensitivity, expected disablement) refuse a network edited since.
    triage_reasons : tuple of str
        What set the level, for every level, in the words that ``diagnose``, ``ask``,
        the JSON, the notebook's table and the widget show (one function,
        :func:`backspasm.triage.triage_reason_words`, writes them): at every level the
        names of the matching flags (``"Age 65 or over (a higher risk of fracture and
        cancer)"``), one cause rule per cause (``"Kidney stones 73.2% (>= 50%)"``), the
        group thresholds reached (``"Any serious cause 11.4% (>= 5%)"``, see
        :func:`backspasm.triage.triage_explained`) and, for an emergency set by rules
        alone, the answers that drove it (``"Blood in urine"``); empty for
        ``self_care``.
    triage_within_hours : float or None
        For ``see_doctor``, how soon to see the doctor, in hours: the smallest
        ``within_hours`` of the policy's flags and cause rules that set the level (see
        :func:`backspasm.triage.triage_within_hours`); None when none of them has one
        ("see a doctor soon") and for the other levels.
    """

    answers: Mapping[str, Any]
    evidence: Mapping[str, EvidenceValue]
    _causes: pd.DataFrame = field(repr=False)
    p_serious: float
    triage: str
    red_flags: tuple[str, ...]
    _complications: pd.DataFrame = field(repr=False)
    conflict: float
    most_probable_explanation: Mapping[str, str]
    mpe_probability: float
    beliefs: Mapping[str, Mapping[str, float]] = field(repr=False)
    network: Network = field(repr=False)
    _reasons: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    _next: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    mpe_exact: bool = True
    safety_net: tuple[str, ...] = ()
    _conflict_threshold: float | None = field(default=None, repr=False)
    p_pathologic: float = math.nan
    triage_reasons: tuple[str, ...] = ()
    network_fingerprint: str = ""
    triage_within_hours: float | None = None
    _closed_screen: frozenset[str] = field(default=frozenset(), repr=False)

    # -- simple views ---------------------------------------------------------------
    @property
    def causes(self) -> pd.DataFrame:
        """One row per cause, highest posterior first (a copy: editing it changes nothing)."""
        return self._causes.copy()

    @property
    def complications(self) -> pd.DataFrame:
        """Risk of each complication if left untreated (a copy, as :attr:`causes`)."""
        return self._complications.copy()

    @property
    def top_cause(self) -> str:
        """The most probable cause."""
        return str(self._causes["cause"].iloc[0])

    @property
    def conflict_threshold(self) -> float:
        """The network's conflict flag level (see :func:`~backspasm.explain.conflict_threshold`).

        Shipped for the bundled network and cached per network numbers; for an edited
        network it is computed on first use (one or two seconds: 20,000 presenters are
        sampled and scored), so that a what-if sweep of :func:`diagnose` calls stays
        fast when nobody asks.

        Raises
        ------
        BackspasmError
            When it was not yet computed and the network was edited since the diagnosis.
        """
        if self._conflict_threshold is None:
            value = conflict_threshold(network_of(self))
            object.__setattr__(self, "_conflict_threshold", value)
            return value
        return self._conflict_threshold

    @property
    def screen(self) -> tuple[Question, ...]:
        """The screening questions: what an interview asks before it may conclude.

        Every warning sign (a red-flag question, ``red_flag = yes`` in ``backspasm
        schema``) and every question a triage flag names, whose answer can set a
        triage level alone or with another answer (pain below the knee with a cancer
        history, age 65 or over: :func:`backspasm.triage.screen_nodes`); those whose
        yes alone is an emergency first (weakness in both legs or a worsening one,
        saddle numbness, loss of bladder or bowel control).
        A question that only flags of two answers name leaves it once the other
        answers rule them out (no tingling: no thyroid question, see
        :func:`backspasm.triage.closed_screen`); a warning sign never does.
        Every view calls them "screening questions" and keeps "warning sign" for the
        red-flag questions.
        """
        return screen_questions(self.network, self._closed_screen)

    @property
    def unscreened(self) -> tuple[Question, ...]:
        """The questions of :attr:`screen` not answered: the advice is incomplete without them."""
        return tuple(q for q in self.screen if q.node not in self.evidence)

    @property
    def conflicted(self) -> bool:
        """Whether the answers conflict: their measure exceeds :attr:`conflict_threshold`."""
        return conflict_flagged(self.conflict, self.conflict_threshold)

    def _known_threshold(self) -> float | None:
        """:attr:`conflict_threshold`, or None when the network was edited before it was known."""
        try:
            return self.conflict_threshold
        except BackspasmError:
            return None

    def posterior(self, node: str, state: str = "yes") -> float:
        """Return P(node = state | answers).

        Raises
        ------
        BackspasmError
            For a name that is not a node: a question's name (``age``) gets its node
            (``age_group``), a mistyped node the closest one.
        UnknownStateError
            For a state the node does not have, with its states (a ``KeyError``).
        """
        if isinstance(node, str) and node not in self.beliefs:
            refuse_question_name(self.network, node)
        states = self.network.states(node)  # raises with a suggestion for a mistyped node
        if state not in states:
            named = ", ".join(states)
            raise UnknownStateError(f"{node!r} has no state {state!r}; its states: {named}")
        return float(self.beliefs[node][state])

    def _cause(self, cause: str) -> str:
        """Return ``cause``, or raise naming the causes when it is not one.

        Raises
        ------
        backspasm.network.NotACauseError
            A :class:`BackspasmError` and a :class:`KeyError`, with the closest cause.
        """
        return self.network.check_cause(cause)

    def reasons(self, cause: str | Sequence[str] | None = None) -> pd.DataFrame:
        """Return the effect of each answer on the causes.

        The effect of an answer is the change in the log-odds of a cause between
        the posterior with every answer and the posterior with that answer withheld
        (positive: the answer raised the cause).

        Parameters
        ----------
        cause : str or sequence of str, optional
            Only this cause, or these causes (in the table's order); by default
            every cause.

        Returns
        -------
        pandas.DataFrame
            ``cause``, ``question``, ``answer``, ``posterior_with``,
            ``posterior_without``, ``log_odds_change``; within a cause the largest
            absolute effect first. A posterior of exactly 0 or 1 (a cause answered as
            known, or ruled out) is taken 1e-12 from its bound, so its change is
            finite but large (about 27.6 plus the other side's log-odds; for a known
            stone at 31% without the answer, 28.4): read a change beyond about 25 as
            "settled by this answer", and leave such rows out of any average.

        Raises
        ------
        backspasm.network.NotACauseError
            For a ``cause`` that is not a cause of the network (a mechanism, a
            finding, a mistyped name), with the causes and the closest one; it is a
            :class:`~backspasm.exceptions.BackspasmError` and a :class:`KeyError`.
        """
        if cause is None:
            return self._reasons.copy()
        wanted = [cause] if isinstance(cause, str) else list(cause)
        for name in wanted:
            self._cause(name)
        table = self._reasons[self._reasons["cause"].isin(wanted)]
        return table.reset_index(drop=True)

    def cause_groups(self) -> dict[str, tuple[str, ...]]:
        """Return each cause group (``group`` of :attr:`causes`) with its causes."""
        return cause_groups(self.network)

    def next_questions(
        self, order: str = "information", causes: str | Sequence[str] | None = None
    ) -> pd.DataFrame:
        """Rank the unanswered questions by expected information gain.

        The default, ``order="information"``, is for research: it ranks every
        unanswered question by information gain alone, whatever the triage level, so
        for an emergency it still lists them all. What to ask the person is
        ``order="interview"``: it is empty for an emergency ("none before going",
        as ``print(d)``, ``backspasm diagnose``, ``ask``, the notebook's table and the
        widget say) and puts the screening questions first otherwise.

        The criterion: the expected reduction, in bits, of the summed binary
        entropies of the causes, ``sum_c H(c | e) - E_a[sum_c H(c | e, a)]``, where the
        expectation is over the answer ``a`` to the question drawn from its exact
        posterior predictive distribution ``P(a | e)`` and the sums run over every
        cause, or over ``causes``: ``causes="serious"`` ranks the questions by how
        well they tell the serious causes apart, so a question that only separates
        weak abdominal muscles from tight hamstrings gains nothing there.

        Parameters
        ----------
        order : {"information", "interview"}, default "information"
            ``information``: highest expected information gain first, whatever the
            triage level (an emergency's questions too).
            ``interview``: what ``backspasm ask`` asks: nothing for an emergency
            (no question comes before going); otherwise the screen first (every
            unanswered screening question: every warning sign, whose
            :attr:`~backspasm.questionnaire.Question.red_flag` is set, and every
            question whose answer can set a triage level, see
            :func:`backspasm.triage.screen_nodes`; those whose yes alone is an
            emergency first, then by information gain), then the
            rest by information gain: the order ``backspasm ask`` follows, so that no
            warning sign goes unasked however little it would change the ranking of
            the causes.
        causes : str or sequence of str, optional
            Whose entropies the gain sums: every cause (None, the table computed with
            the diagnosis), a group of :meth:`cause_groups` (``"serious"``,
            ``"pathologic"``, ``"fitness"`` for the bundled network, or as
            :meth:`Network.group_of` names it, ``"cause_serious"``) or cause names.
            Given, the gain is computed exactly for this case by the same function,
            evidence and marginals (one batched query); ``order="interview"`` keeps
            the screen first.

        Returns
        -------
        pandas.DataFrame
            ``question``, ``node``, ``prompt``, ``expected_information_gain`` (bits),
            ``red_flag`` (a warning sign), ``screen`` (a screening question: every
            warning sign and every question that can set the triage level),
            ``examination`` (a sign a clinician checks);
            highest gain first (within the screen and the rest, for
            ``order="interview"``), ties in questionnaire order.

        Raises
        ------
        backspasm.network.NotACauseError
            For a ``causes`` name that is neither a group nor a cause (with both).
        ValueError
            For an unknown ``order`` or an empty ``causes``.
        backspasm.exceptions.BackspasmError
            With ``causes``, when the network's numbers changed since the diagnosis.
        """
        if order not in ("information", "interview"):
            raise ValueError(f"order must be 'information' or 'interview'; got {order!r}.")
        if causes is None:
            table = self._next.copy()
        else:
            columns = cause_columns(self.network, causes, self._cause)
            table = next_questions_over(network_of(self), self.evidence, self.beliefs, columns)
        return question_order(self.network, table, order, self.triage, self._closed_screen)

    def counterfactual_ranking(self) -> pd.DataFrame:
        """Rank every cause by expected disablement, as ``evaluate(rank="disablement")`` does.

        In the spirit of Richens, Lee & Johri (Nature Communications 2020): for each
        cause, the expected number of this case's positive findings (back spasm
        included) that would switch off if the cause were removed by intervention,
        computed exactly on a twin network that shares the noisy-OR noise between
        the factual and the counterfactual world. See
        :func:`backspasm.explain.counterfactual.expected_disablement`.

        The first call on a network compiles its twin networks (one per cause) and
        takes a few seconds (about 3 s for the bundled network, more for a larger
        variant or after an edit); later calls on the same numbers take about 0.1 s.

        Returns
        -------
        pandas.DataFrame
            ``cause``, ``label``, ``group``, ``posterior``, ``expected_disablement``,
            ``disablement_rank``, ``posterior_rank``.
        """
        from backspasm.explain.counterfactual import counterfactual_ranking

        return counterfactual_ranking(self)

    def explanation(self, cause: str | None = None) -> str:
        """One plain-language sentence on why a cause stands where it does.

        Parameters
        ----------
        cause : str, optional
            Default: the top cause.
        """
        cause = self._cause(cause) if cause else self.top_cause
        row = self._causes.set_index("cause").loc[cause]
        label = str(row["label"])
        before, now = percent(row["prior"]), percent(row["posterior"])
        text = f"{label}: {before} before any answer, {now} now"
        return text + effects_words(self.reasons(cause)) + "."

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dictionary of the whole diagnosis.

        ``conflict_threshold`` and ``conflicted`` are null when the threshold was not
        known yet and the network has been edited since the diagnosis; so is an
        infinite or undefined ``odds_factor`` (a posterior of 1: a cause known present).
        """
        threshold = self._known_threshold()
        return {
            "answers": {k: json_answer(v) for k, v in self.answers.items()},
            "triage": self.triage,
            "triage_within_hours": self.triage_within_hours,
            "red_flags": list(self.red_flags),
            "triage_reasons": list(self.triage_reasons),
            "safety_net": list(self.safety_net),
            "p_serious": self.p_serious,
            "p_pathologic": self.p_pathologic,
            "conflict": self.conflict,
            "conflict_threshold": threshold,
            "conflicted": conflict_flagged(self.conflict, threshold),
            "causes": json_records(self._causes),
            "explanations": {c: self.explanation(c) for c in explained_causes(self._causes)},
            "complications": self._complications.to_dict(orient="records"),
            "most_probable_explanation": dict(self.most_probable_explanation),
            "mpe_probability": self.mpe_probability,
            # "screen": a screening question; "red_flag": a warning sign (one of them)
            "next_questions": self.next_questions(order="interview")[
                ["question", "expected_information_gain", "screen", "red_flag"]
            ].to_dict(orient="records"),
            "unscreened": [q.column for q in self.unscreened],
            "notes": [*self.notes, *unsure_lines(self.network, self.evidence)],  # as text says
            "network_fingerprint": self.network_fingerprint,
        }

    @property
    def notes(self) -> tuple[str, ...]:
        """What the numbers mean when the case is not a presenter (``back_spasm = no``).

        The chances are then for someone without back spasm. Every view says it.
        """
        return tuple(not_presenting_note(self.evidence))

    @property
    def advice(self) -> str:
        """What the level asks the person to do, in words, with its timeframe.

        ``"see a doctor within 24 hours"``, or ``"see a doctor soon"`` without one (see
        :func:`backspasm.triage.triage_advice`): what ``diagnose``, ``ask`` and the widget say.
        Self care is not advised while screening questions are unanswered
        (:attr:`unscreened`): ``"no warning sign yet (3 of 29 screening questions
        answered)"`` with the bundled network, since a person may stop there.
        """
        if self_care_unscreened(self.triage, len(self.unscreened)):
            return f"no warning sign yet ({screen_progress(self)})"
        return triage_advice(self.triage, self.triage_within_hours)

    @property
    def triage_words(self) -> tuple[str, ...]:
        """:attr:`triage_reasons` (in words already; :attr:`red_flags` has ``node=state``)."""
        return triage_reason_words(self.network, self.triage_reasons)

    def summary(self, top: int = 5, *, counterfactual: bool = False) -> str:
        """Return a multi-line text report (what ``backspasm diagnose`` prints).

        Parameters
        ----------
        top : int, default 5
            How many causes to list: a whole number, at least 1 (else a TypeError or
            a ValueError).
        counterfactual : bool, default False
            Also list the counterfactual ranking beside the posterior ranking (the
            first call compiles one twin network per cause, a few seconds).
        """
        given: object = top  # typed int, but a notebook passes what it has
        if isinstance(given, bool) or not isinstance(given, numbers.Integral):
            raise TypeError(f"top must be a whole number of causes; got {top!r}.")
        if top < 1:
            raise ValueError(f"top is how many causes to list, at least 1; got {top}.")
        return diagnosis_text(self, self._known_threshold(), top, counterfactual=counterfactual)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        # One line (the dataclass default ran to kilobytes); str() is the full report.
        top, n = self.top_cause, len(self.answers)
        return (
            f"<Diagnosis: {n} answer{'' if n == 1 else 's'}, triage={self.triage}, top cause="
            f"{top} {percent(self.posterior(top))}, P(serious)={percent(self.p_serious)}>"
        )

    def _repr_html_(self) -> str:
        return diagnosis_html(self)
