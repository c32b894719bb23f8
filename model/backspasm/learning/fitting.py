"""Fitting the network's numbers to a case file, with the expert numbers as prior.

:func:`fit_network` puts a Dirichlet prior centred on each expert table
(``prior_weight`` pseudo-cases per parent configuration) and adds the data: in closed
form (pgmpy's ``DiscreteBayesianEstimator``) for families answered in every row, by
exact expectation-maximisation for the rest, correcting for the selection of people
who present with back spasm. The :class:`FitResult` holds the fitted network, its
TOML (saved by :func:`~backspasm.learning.write_spec`) and a per-number report.
"""

from __future__ import annotations

import datetime
import html
import itertools
import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from backspasm._answers import is_blank
from backspasm._numeric import FloatArray
from backspasm._text import did_you_mean
from backspasm.exceptions import BackspasmError, CaseFileError, EvidenceError
from backspasm.learning._checks import check_float, check_int
from backspasm.learning._em import EMState, make_plan, run_em
from backspasm.learning._estimation import ImpossibleRow, bayesian_estimates, family_counts
from backspasm.learning._rows import rows_named
from backspasm.learning.cases import CasesLike, case_evidence, read_cases
from backspasm.learning.spec_writer import network_from_toml, spec_to_toml
from backspasm.network import Network, network_or_default
from backspasm.questionnaire import questions_for
from backspasm.sampling import PRESENTATION, NodeTable, model_states, node_tables
from backspasm.scoring.cases import ScoringWarning
from backspasm.scoring.plan import TRUTH_PREFIX, misnamed_columns, near_miss
from backspasm.scoring.repeats import REPEATED_BLANK, repeat_of, repeated_questions
from backspasm.spec import PRESENTING

__all__ = ["FitResult", "fit_network"]


@dataclass(frozen=True)
class FitResult:
    """Numbers fitted to a case file, with provenance and a per-parameter report.

    Attributes
    ----------
    network : Network
        The fitted network, built from :attr:`spec_toml` (so it is exactly what
        :func:`write_spec` saves and ``load_network`` reads back).
    spec_toml : str
        The fitted knowledge base as one TOML document: the bibliography (plus the
        fit's own entry), the triage policy, and every node. Fitted nodes become
        ``prior`` (roots) or full ``table`` forms; the others keep their declaration.
    report : pandas.DataFrame
        One row per fitted number: ``node``, ``group``, ``method`` (``bayesian``:
        closed form, family observed in every row; ``em``: expectation-maximisation),
        ``parents`` (the parent configuration, ``name=state`` joined by ``", "``),
        ``state``, ``expert``, ``fitted``, ``change`` and ``n_parent`` (rows, or
        expected rows under EM, with that parent configuration). With
        ``presenting=True``, the selection correction counts, for every node above
        ``back_spasm``, the people of the population who did not present as well
        (about n * P(no) / P(yes) of them, imputed from the current numbers), so
        ``n_parent`` there is in population units and can be several times the
        file's rows: it overstates how much the file itself says about those numbers.
        ``prior_weight`` is in the same units.
    source_key : str
        Bibliography key every fitted number cites (``fit_<first 8 hex of sha256>``).
    data_sha256 : str
        SHA-256 of the case file's bytes (of its CSV text for a DataFrame). The
        written file's source note names it ``data file sha256``, beside the expert
        knowledge base's ``sha256 of its TOML files`` (:attr:`Spec.digest
        <backspasm.spec.Spec>`, the bytes read) and ``network fingerprint``
        (:meth:`Network.fingerprint <backspasm.network.Network.fingerprint>`, what
        they declare); those two are cut to 16 hex digits.
    n_rows : int
        Number of cases used.
    prior_weight : float
        Pseudo-cases of the expert table per parent configuration.
    iterations : int
        EM iterations run (0 when every fitted family was fully observed).
    converged : bool
        Whether the largest change of a number fell below ``tol``.
    log_likelihood : tuple of float
        Log-probability of the data (given ``back_spasm``) before each M-step.
    fitted : tuple of str
        Nodes whose numbers were fitted.
    latent : tuple of str
        Fitted nodes never observed in the data (their numbers move only through
        what their observed neighbours imply).
    started_from : str
        Where the starting knowledge base was read (its ``spec.origin``):
        :func:`write_spec` will not write over it or into its folder.
    """

    network: Network
    spec_toml: str
    report: pd.DataFrame
    source_key: str
    data_sha256: str
    n_rows: int
    prior_weight: float
    iterations: int
    converged: bool
    log_likelihood: tuple[float, ...]
    fitted: tuple[str, ...]
    latent: tuple[str, ...]
    started_from: str = ""

    def changes(self, top: int = 10) -> pd.DataFrame:
        """Return the ``top`` fitted numbers that moved most from the expert ones.

        Parameters
        ----------
        top : int, default 10
            How many numbers to show.

        Returns
        -------
        pandas.DataFrame
            Rows of :attr:`report` (for binary nodes only the ``yes`` state), largest
            absolute change first.
        """
        report = self.report
        binary = report.groupby("node")["state"].transform("nunique") == 2
        shown = report[~binary | (report["state"] == "yes")]
        order = shown["change"].abs().sort_values(ascending=False, kind="stable").index
        return shown.loc[order].head(top).reset_index(drop=True)

    def __str__(self) -> str:
        state = "converged" if self.converged else "not converged"
        rounds = f"{self.iterations} EM iteration{'' if self.iterations == 1 else 's'}"
        return (
            f"{len(self.fitted)} nodes fitted to {self.n_rows} rows, prior weight "
            f"{self.prior_weight:g}, {rounds} ({state})"
        )

    def __repr__(self) -> str:
        return f"<FitResult: {self}>"

    def _repr_html_(self) -> str:
        head = html.escape(repr(self))
        return f"<p>{head}</p>" + self.changes().to_html(index=False, float_format="{:.4f}".format)


def _provenance(
    network: Network,
    *,
    digest: str,
    label: str,
    n: int,
    weight: float,
    tol: float,
    state: EMState,
    selection: bool,
) -> tuple[str, str, str]:
    """Return the fit's bibliography key, its note (data provenance) and its citation."""
    key = f"fit_{digest[:8]}"
    note = (
        f"data file sha256 {digest}; {n} rows; prior weight {weight:g} pseudo-cases per parent "
        f"configuration; {state.iterations} EM iteration{'' if state.iterations == 1 else 's'} "
        f"({'converged' if state.converged else 'stopped at max_iter'}, tol {tol:g}); "
        f"{'corrected for presenting with back spasm; ' if selection else ''}"
        f"fitted on {datetime.date.today().isoformat()}; expert knowledge base "
        f"{network.spec.origin or 'in memory'} (sha256 of its TOML files "
        f"{network.spec.digest[:16] or 'n/a'}; network fingerprint "
        f"{network.fingerprint()[:16]})"
    )
    citation = (
        f"Numbers fitted by backspasm.learning.fit_network from {label}: a Dirichlet "
        "prior on the expert tables plus the data (closed form where every row answers "
        "the family, exact EM otherwise)."
    )
    return key, note, citation


def _check_columns(
    columns: Iterable[object], network: Network, label: str, *, use_truth: bool
) -> None:
    """Hold a file's column names to the case-file contract, as ``score`` does.

    A misnamed question (``Fever``) is refused; a near miss (``fevr``) and a truth
    column naming no cause (``true_kidney_stone``) are warned about. Before, fit used
    neither and said nothing: their answers simply did not count. A node's own name
    is a column fit reads.
    """
    by_name = {q.column: q for q in questions_for(network)}
    names = [str(c) for c in columns]
    misnamed = misnamed_columns(names, by_name)
    if misnamed is not None:
        raise CaseFileError(f"{label}: {misnamed}")
    nodes = set(network.node_names)
    truths = [TRUTH_PREFIX + c for c in network.causes]
    labels = set(names)
    for name, count in repeated_questions(names, by_name).items():
        rule = f"{REPEATED_BLANK}, and copies that disagree in a row stop the fit"
        warnings.warn(
            f"{label}: column {name!r} appears {count} times; {rule}.",
            ScoringWarning,
            stacklevel=3,
        )
    for name in names:
        if name in by_name or name in nodes or name in truths:
            continue
        if repeat_of(name, labels, by_name) is not None:  # a copy: merged with its question
            continue
        if name.startswith(TRUTH_PREFIX) and name != "true_cause":
            if use_truth:
                warnings.warn(
                    f"{label}: column {name!r} names no cause of this network, so it was "
                    f"not used as a truth.{did_you_mean(name, truths)}",
                    ScoringWarning,
                    stacklevel=3,
                )
        elif (note := near_miss(name, by_name, fate="It was not used to fit.")) is not None:
            warnings.warn(f"{label}: {note}", ScoringWarning, stacklevel=3)


def _row_said(frame: pd.DataFrame, row: int) -> str:
    """Return the cells of row ``row`` (from 0), its case_id among them, for a message."""
    cells = [f"{k}={str(v).strip()}" for k, v in frame.iloc[row].items() if not is_blank(v)]
    return f" Its cells, as score names an impossible row's: {', '.join(cells)}."


def _warn_certain(fitted: Mapping[str, Any], expert: Mapping[str, Any], label: str) -> None:
    """Warn of numbers the fit made exactly 0 or 1 where the expert's were not.

    With a prior weight of 0 a parent configuration whose rows show no case of a state
    gets a probability of 0 for it: an answer the data never met becomes impossible,
    and diagnose refuses it. The expert's own zeros (a man is never pregnant) stay.
    """
    made = []
    for v, table in fitted.items():
        new, old = np.asarray(table.values), np.asarray(expert[v].values)
        if new.shape == old.shape:
            certain = ((new == 0) | (new == 1)) & (old != 0) & (old != 1)
            if certain.any():
                made.append(f"{v} ({int(certain.sum())})")
    if made:
        warnings.warn(
            f"{label}: the fit set numbers of {len(made)} node(s) to exactly 0 or 1 where "
            f"the expert's were not: {', '.join(made[:5])}"
            f"{f' and {len(made) - 5} more' if len(made) > 5 else ''}. "
            "An answer such a number rules out is impossible (diagnose refuses it); a "
            "prior weight above 0 keeps the numbers inside (0, 1).",
            UserWarning,
            stacklevel=3,
        )


def fit_network(
    cases: CasesLike,
    *,
    network: Network | None = None,
    prior_weight: float = 50.0,
    max_iter: int = 100,
    tol: float = 1e-3,
    freeze: Iterable[str] = (PRESENTATION,),
    use_truth: bool = True,
    presenting: bool = True,
) -> FitResult:
    """Update the network's numbers from a case file, with the expert numbers as prior.

    Every conditional table gets a Dirichlet prior centred on the expert table, with
    ``prior_weight`` pseudo-cases per parent configuration (pseudo-counts
    ``prior_weight * expert``). The estimate is the posterior mode under Dirichlet
    parameters ``1 + prior_weight * expert``, that is ``counts + prior_weight *
    expert`` normalised per parent configuration:

    * a family (node and parents) answered in every row, and untouched by the
      selection below, is estimated in closed form by pgmpy's
      ``DiscreteBayesianEstimator(prior_type="dirichlet")``;
    * every other one (blank answers, latent mechanisms) by expectation-maximisation
      started at the expert numbers. The E-step takes exact posterior family
      marginals of every case from the compiled batch engine; the M-step applies the
      formula above to the expected counts. pgmpy's own EM is not used: it drops
      every row with a blank answer and enumerates all latent combinations.

    Case files hold only people who present with back spasm, so the rows are a
    sample of P(answers | back_spasm = yes), not of the population the expert
    priors describe. With ``presenting=True`` the fit maximises that conditional
    likelihood exactly, by EM for truncated samples (Dempster, Laird and Rubin 1977,
    section 4.7): the people without back spasm who never presented are treated as
    missing rows, ``n * P(no) / P(yes)`` of them in expectation, whose expected counts
    are the family marginals given ``back_spasm = no``. When few people present,
    those missing rows outnumber the data and one such step per E-step crawls, so
    each M-step of the ancestors of ``back_spasm`` repeats the missing-row step (up
    to 10 times, on that part of the network) with the presenters' expected counts
    held; the likelihood still never falls. Only the ancestors of ``back_spasm`` are
    affected; the others are fitted as usual.

    Only nodes that the data inform are fitted: those observed in some row and their
    ancestors. Complications and other nodes below the data keep the starting
    network's numbers: their declarations, or the tables a researcher edited in
    ``network.model`` (written back as assumptions that say so).

    Parameters
    ----------
    cases : pandas.DataFrame or path-like
        A case file in the contract of :mod:`backspasm.questionnaire`. Columns named
        after other nodes (state names as values) are read too, and
        ``true_<cause>`` columns, or a ``true_cause`` / ``expected_cause`` label,
        give the causes (see ``use_truth``).
    network : Network, optional
        The starting (expert) network; default the bundled one.
    prior_weight : float, default 50
        Pseudo-cases of the expert table per parent configuration (0 = maximum
        likelihood; configurations never seen then keep the expert numbers). For
        nodes above ``back_spasm`` these weigh against population counts (see
        ``n_parent`` in the report), so they count for less there than in a node
        below it.
    max_iter : int, default 100
        Most EM iterations.
    tol : float, default 1e-3
        EM stops once no probability changes by more than this in an iteration.
        Numbers of latent mechanisms that the data barely identify keep creeping
        by less than that for many more iterations, moving predictions little.
    freeze : iterable of str, default ("back_spasm",)
        Nodes whose numbers stay as the starting network has them. ``back_spasm``
        is frozen because a sample of people who all present with it cannot tell
        how often it occurs. A list of your own replaces the default: name
        ``back_spasm`` in it to keep it frozen (``["back_spasm", "kidney_stones"]``).
    use_truth : bool, default True
        Treat ``true_<cause>`` columns as observed causes (labelled data); without
        them, a ``true_cause`` / ``expected_cause`` label makes the causes it names
        observed present (the others stay unobserved; ``none``: every cause absent).
    presenting : bool, default True
        The rows are people who present with back spasm (``back_spasm`` is ``yes``
        where blank, and a ``no`` is an error); correct for that selection. With
        False the rows are a sample of the whole population and ``back_spasm`` is
        read like any other answer.

    Returns
    -------
    FitResult
        The fitted network, its TOML, the per-number report and the provenance.

    Raises
    ------
    EvidenceError
        For a value that is not allowed, or a case the network cannot explain.
    BackspasmError
        For a parameter out of range or an unknown node in ``freeze``.

    Examples
    --------
    >>> fit = fit_network(sample_cases(200, seed=3), max_iter=2)  # doctest: +SKIP
    >>> fit.changes(5)  # doctest: +SKIP
    """
    func = "fit_network"
    weight = check_float(
        func, "prior_weight", prior_weight, 0.0, math.inf, "a number >= 0 (pseudo-cases)"
    )
    max_iter = check_int(func, "max_iter", max_iter, 1)
    tol = check_float(func, "tol", tol, 0.0, math.inf, "a number >= 0")
    net = network_or_default(network)
    if isinstance(freeze, str):  # set("back_spasm") would be its letters
        # a list replaces the default, which freezes back_spasm: keep it in the advice
        kept = list(dict.fromkeys([PRESENTATION, freeze]))
        raise BackspasmError(
            f"The 'freeze' parameter of fit_network must be a list of node names; got the "
            f"string {freeze!r} instead: write freeze={kept!r}."
        )
    frozen = set(freeze)
    for node in frozen:
        if node not in net.spec.nodes:
            net.label(node)  # raises, with a suggestion
    frame, digest, label = read_cases(cases)
    n = len(frame)
    if n == 0:
        raise CaseFileError(f"{label}: the case file has no rows to fit.")
    _check_columns(frame.columns, net, label, use_truth=use_truth)
    states = model_states(net)
    selection = presenting and PRESENTING in states.get(PRESENTATION, ())
    try:  # name the file, and the row's case as evaluate does
        with rows_named(frame, np.arange(1, n + 1), label):
            evidence = case_evidence(frame, net, use_truth=use_truth, presenting=selection)
    except EvidenceError as exc:
        if str(exc).startswith(f"{label}: "):
            raise
        raise EvidenceError(f"{label}: {exc}") from None
    expert = node_tables(net)
    plan = make_plan(net, evidence, expert, frozen, selection)
    state = EMState(dict(expert), {}, [])
    for v, values in bayesian_estimates(plan.complete, expert, states, evidence, weight).items():
        state.current[v] = replace(expert[v], values=values)
    state.counts.update({v: family_counts(expert[v], evidence) for v in plan.complete})
    try:
        run_em(
            plan,
            state,
            expert,
            evidence,
            states,
            n=n,
            weight=weight,
            max_iter=max_iter,
            tol=tol,
            selection=selection,
        )
    except ImpossibleRow as exc:  # a row no number can explain: say which, and what
        raise EvidenceError(f"{label}: {exc}{_row_said(frame, exc.row)}") from None
    _warn_certain(state.current, expert, label)
    key, note, citation = _provenance(
        net,
        digest=digest,
        label=label,
        n=n,
        weight=weight,
        tol=tol,
        state=state,
        selection=selection,
    )
    declared = {names[0]: table for names, table in net.spec_tables()}
    edited = {
        v: table
        for v, table in expert.items()
        if v not in plan.fitted and not np.array_equal(table.values, declared[v])
    }
    toml_text = spec_to_toml(
        net.spec,
        {v: state.current[v] for v in plan.fitted},
        edited=edited,
        key=key,
        citation=citation,
        note=note,
        why=f"fitted: expert prior weight {weight:g} + {n} rows",
        header=f"Fitted knowledge base ({key}). {note}.",
    )
    methods = {v: ("bayesian" if v in plan.complete else "em") for v in plan.fitted}
    return FitResult(
        network=network_from_toml(toml_text, origin=f"fitted from {label} ({key})"),
        spec_toml=toml_text,
        report=_report(net, plan.fitted, expert, state.current, state.counts, methods),
        source_key=key,
        data_sha256=digest,
        n_rows=n,
        prior_weight=weight,
        iterations=state.iterations,
        converged=state.converged,
        log_likelihood=tuple(state.history),
        fitted=tuple(plan.fitted),
        latent=tuple(v for v in plan.fitted if v not in plan.observed),
        started_from=net.spec.origin,
    )


def _configurations(parents: Sequence[str], states: Mapping[str, tuple[str, ...]]) -> list[str]:
    combos = itertools.product(*(states[p] for p in parents))
    return [", ".join(f"{p}={s}" for p, s in zip(parents, c, strict=True)) for c in combos]


def _report(
    network: Network,
    fitted: Sequence[str],
    expert: Mapping[str, NodeTable],
    current: Mapping[str, NodeTable],
    counts: Mapping[str, FloatArray],
    methods: Mapping[str, str],
) -> pd.DataFrame:
    states = model_states(network)
    frames = []
    for v in fitted:
        table = expert[v]
        card = table.shape[0]
        configs = _configurations(table.parents, states)
        before = table.values.reshape(card, -1)
        after = current[v].values.reshape(card, -1)
        n_parent = counts[v].reshape(card, -1).sum(axis=0)
        frames.append(
            pd.DataFrame(
                {
                    "node": v,
                    "group": network.group_of(v) if v in network.spec.nodes else "",
                    "method": methods[v],
                    "parents": np.repeat(configs, card),
                    "state": np.tile(states[v], len(configs)),
                    "expert": before.T.reshape(-1),
                    "fitted": after.T.reshape(-1),
                    "n_parent": np.repeat(n_parent, card),
                }
            )
        )
    columns = ["node", "group", "method", "parents", "state", "expert", "fitted", "n_parent"]
    report = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    report.insert(7, "change", report["fitted"] - report["expert"])
    return report
