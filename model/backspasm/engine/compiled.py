"""The compiled network: exact batch marginals, log P(e), conjunctions and retractions.

:class:`CompiledNetwork` compiles a pgmpy ``DiscreteBayesianNetwork`` once and scores
whole batches of cases. This module holds the public face: building and checking the
tables, and turning each query (marginals, ``log P(e)``, conjunctions, retractions)
into batch runs. Running a batch (merging identical rows, cache-sized chunks on
several threads, junction trees without the barren nodes for big chunks) is the job
of :mod:`~backspasm.engine.runner`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from backspasm._frozen import FrozenMap
from backspasm._numeric import FloatArray
from backspasm.engine._shown import _Shown
from backspasm.engine.evidence import Evidence, EvidenceLike, Posterior, _Codec, _Trusted
from backspasm.engine.runner import _Runner
from backspasm.exceptions import EvidenceError, ImpossibleEvidenceError

if TYPE_CHECKING:
    from pgmpy.models import DiscreteBayesianNetwork

__all__ = ["CompiledNetwork"]


class CompiledNetwork(_Shown):
    """A discrete Bayesian network compiled for exact batch inference.

    Build it with :meth:`from_model`. The junction tree, clique potentials and
    contraction plans are computed once; every query then runs vectorised over its
    cases, chunk by chunk, after identical evidence rows have been merged.

    Parameters
    ----------
    factors : Sequence[tuple[Sequence[str], array_like]]
        One conditional probability table per variable: its variables (the child
        first, then its parents) and an array with one axis per variable in that
        order (state order as in ``states``), summing to one over the child.
    states : Mapping[str, Sequence[str]]
        State names per variable, in the order of the network's variables.
    chunk_size : int, default 20000
        Largest number of distinct cases evaluated at once; lowered automatically so
        that one chunk's biggest tensor stays cache-sized (about 4 MiB). Batches of
        512 distinct cases or more run the fused kernel when numba is installed
        (:mod:`backspasm.engine.fused`), in chunks of at most 256 cases; once it is
        loaded, batches of 48 or more do.
    decompose : bool, default True
        Rewrite strictly positive noisy-MAX-like CPTs (cumulative distribution a
        product of one factor per parent) without their moral edges when that makes
        the junction tree cheaper. Exact, though it adds a subtraction per such CPT.
    restarts : int, default 6
        Seeded tie-breaking restarts of each triangulation heuristic: more find smaller
        trees; 0 compiles about twice as fast, for networks queried a few times.

    Attributes
    ----------
    variables : tuple[str, ...]
        Node names, in model order.
    states : Mapping[str, tuple[str, ...]]
        State names per node.
    chunk_size : int
        Effective number of cases per chunk.
    """

    variables: tuple[str, ...]
    states: Mapping[str, tuple[str, ...]]

    def __init__(
        self,
        factors: Sequence[tuple[Sequence[str], npt.ArrayLike]],
        states: Mapping[str, Sequence[str]],
        *,
        chunk_size: int = 20_000,
        decompose: bool = True,
        restarts: int = 6,
    ) -> None:
        _Runner.check_options(chunk_size, restarts)
        if not states:
            raise ValueError("The network has no variables.")
        self.variables = tuple(states)
        self.states = FrozenMap({v: tuple(s) for v, s in states.items()})
        self._index = {v: i for i, v in enumerate(self.variables)}
        self._card = [len(self.states[v]) for v in self.variables]
        self._codec = _Codec(self.states)
        cpds: dict[int, tuple[tuple[int, ...], FloatArray]] = {}
        for names, values in factors:
            unknown = [v for v in names if v not in self._index]
            if unknown or not names:
                raise ValueError(f"CPD over unknown variable(s): {', '.join(unknown)}.")
            scope = tuple(self._index[v] for v in names)
            table = np.asarray(values, dtype=np.float64)
            if table.shape != tuple(self._card[v] for v in scope):
                raise ValueError(f"The CPD over {list(names)} has shape {table.shape}.")
            if scope[0] in cpds:
                raise ValueError(f"Two CPDs for {names[0]!r}.")
            cpds[scope[0]] = (scope, table)
        missing = [v for v in self.variables if self._index[v] not in cpds]
        if missing:
            raise ValueError(f"No CPD for {', '.join(missing)}.")
        self._runner = _Runner(
            self._codec,
            [cpds[v] for v in range(len(self.variables))],
            self._card,
            chunk_size=chunk_size,
            decompose=decompose,
            restarts=restarts,
        )

    @property
    def chunk_size(self) -> int:
        """Effective number of cases per chunk (see the class)."""
        return self._runner.chunk_size

    @classmethod
    def from_model(cls, model: DiscreteBayesianNetwork, **options: Any) -> CompiledNetwork:
        """Compile a pgmpy ``DiscreteBayesianNetwork``.

        Parameters
        ----------
        model : pgmpy.models.DiscreteBayesianNetwork
            A network with one ``TabularCPD`` per node. Its tables are used as they
            are (not renormalised).
        **options
            ``chunk_size``, ``decompose`` and ``restarts``, as for the class.

        Returns
        -------
        CompiledNetwork
            The compiled network.

        Raises
        ------
        ValueError
            If a node has no CPD or a CPD's state names disagree with its parent's.
        """
        nodes = list(model.nodes())
        if not all(isinstance(node, str) for node in nodes):
            raise ValueError("Node names must be strings.")
        cpds = {}
        for node in nodes:
            cpd = model.get_cpds(node)
            if cpd is None:
                raise ValueError(f"Node {node!r} has no CPD.")
            cpds[node] = cpd
        states = {n: tuple(str(s) for s in cpds[n].state_names[n]) for n in nodes}
        factors = []
        for node in nodes:
            cpd = cpds[node]
            table = np.asarray(cpd.values, dtype=np.float64)
            for axis, var in enumerate(cpd.variables):
                own = [str(s) for s in cpd.state_names[var]]
                if own == list(states[var]):
                    continue
                if sorted(own) != sorted(states[var]):
                    raise ValueError(
                        f"The CPD of {node!r} names the states of {var!r} {own}, "
                        f"but {var!r}'s own CPD names them {list(states[var])}."
                    )
                table = np.take(table, [own.index(s) for s in states[var]], axis=axis)
            factors.append((list(cpd.variables), table))
        return cls(factors, states, **options)

    @property
    def clique_sizes(self) -> tuple[int, ...]:
        """Number of table entries of each junction-tree clique."""
        return self._runner.full.clique_sizes

    @property
    def treewidth(self) -> int:
        """Width of the triangulation used: largest clique size in variables, minus one."""
        return self._runner.full.treewidth

    def encode(
        self, cases: Sequence[Mapping[str, str | int | Sequence[float] | None]]
    ) -> Evidence:
        """Encode a list of cases into :class:`Evidence`.

        Parameters
        ----------
        cases : Sequence[Mapping[str, str | int | Sequence[float] | None]]
            One mapping per case from node name to a state name, a state index, a
            likelihood vector (one non-negative value per state) or None (not
            observed). Nodes absent from a case are not observed.

        Returns
        -------
        Evidence
            Hard evidence as integer codes; a node given a likelihood vector in any
            case becomes soft evidence for the whole batch.

        Raises
        ------
        EvidenceError
            On an unknown node or state, or an invalid likelihood vector.
        """
        return self._codec.encode(cases)

    def query(
        self,
        evidence: EvidenceLike,
        *,
        targets: Sequence[str] | None = None,
        events: Mapping[str, Mapping[str, str | int | Sequence[str | int]]] | None = None,
    ) -> Posterior:
        """Posterior marginals of the targets for every case, and probabilities of events.

        Parameters
        ----------
        evidence : Evidence or Mapping[str, array_like]
            The batch: an :class:`Evidence`, or a mapping of node to integer codes
            (``-1`` = not observed), to state names (None = not observed) or to an
            ``(n, cardinality)`` likelihood array. An empty mapping is one case
            without evidence.
        targets : Sequence[str], optional
            Nodes whose marginals are wanted; default every node. Observed nodes get
            a marginal too (one-hot for hard evidence, the posterior for soft).
        events : Mapping[str, Mapping[str, str | int | Sequence[str | int]]], optional
            Named conjunctions, each as for :meth:`prob_conjunction`, whose
            probability given the evidence is wanted. They come from the same
            propagation as the marginals: only the messages the event's indicators
            change are recomputed (:mod:`~backspasm.engine.events`).

        Returns
        -------
        Posterior
            Marginals, log-evidence and possibility flag per case, and
            ``P(event | evidence)`` per named event. Impossible cases (``P(evidence)
            = 0``) get NaN marginals and event probabilities; no exception is raised
            for them.

        Raises
        ------
        EvidenceError
            On an unknown node or an invalid evidence value, or an event that
            constrains no node or names an unknown node or state.
        """
        chosen = self._codec.targets(targets)
        ev = self._codec.coerce(evidence)
        parsed = {name: self._event_masks(event) for name, event in (events or {}).items()}
        coded = tuple(
            tuple((v, tuple(np.flatnonzero(mask).tolist())) for v, mask in sorted(masks.items()))
            for masks in parsed.values()
        )
        marginals, log_z, _, event_logs = self._runner.run(
            _Trusted(ev.values, ev.n_cases), chosen, events=coded
        )
        names = [self.variables[v] for v in chosen]
        probabilities = {}
        for (name, masks), log_joint in zip(parsed.items(), event_logs, strict=True):
            with np.errstate(invalid="ignore", over="ignore"):
                ratio = np.minimum(np.exp(log_joint - log_z), 1.0)
            for v, mask in masks.items():
                base = ev.values.get(self.variables[v])
                if base is not None and base.ndim == 1:
                    # A case observed in a state the event excludes: exactly 0.
                    ratio[(base >= 0) & (mask[np.maximum(base, 0)] == 0.0)] = 0.0
            ratio[~(log_z > -np.inf)] = np.nan
            probabilities[name] = ratio
        return Posterior(
            marginals=FrozenMap({self.variables[v]: marginals[v] for v in chosen}),
            log_evidence=log_z,
            possible=log_z > -np.inf,
            states=FrozenMap({t: self.states[t] for t in names}),
            events=FrozenMap(probabilities),
        )

    def _event_masks(
        self, event: Mapping[str, str | int | Sequence[str | int]]
    ) -> dict[int, FloatArray]:
        """Per event node, an indicator of the states the event allows."""
        if not event:
            raise EvidenceError("The event must constrain at least one node.")
        masks: dict[int, FloatArray] = {}
        for name, wanted in event.items():
            v = self._codec.node(name)
            options = [wanted] if isinstance(wanted, str | int | np.integer) else list(wanted)
            if not options:
                raise EvidenceError(f"The event allows no state of node {name!r}.")
            mask = np.zeros(self._card[v])
            for option in options:
                mask[self._codec.state(name, option)] = 1.0
            masks[v] = mask
        return masks

    def log_evidence(self, evidence: EvidenceLike, *, eager: bool = False) -> FloatArray:
        """Log-probability of each case's evidence.

        Parameters
        ----------
        evidence : Evidence or Mapping[str, array_like]
            The batch, as for :meth:`query`.
        eager : bool, default False
            Use the fused kernel at any batch size once loaded (many small calls).

        Returns
        -------
        numpy.ndarray
            ``log P(evidence)`` per case, ``-inf`` where impossible. With soft
            evidence this is ``log sum_x P(x) prod_v likelihood_v(x_v)``.

        Raises
        ------
        EvidenceError
            On an unknown node or an invalid evidence value.
        """
        return self._runner.run(evidence, None, eager=eager)[1]

    def prob_conjunction(
        self,
        evidence: EvidenceLike,
        event: Mapping[str, str | int | Sequence[str | int]],
        *,
        log_evidence: FloatArray | None = None,
    ) -> FloatArray:
        """Probability of a conjunction of node states given each case's evidence.

        Computed exactly as ``exp(log P(e, event) - log P(e))`` with the event added as
        indicator evidence, not from marginals, so it is right for dependent nodes.

        Parameters
        ----------
        evidence : Evidence or Mapping[str, array_like]
            The batch, as for :meth:`query`.
        event : Mapping[str, str | int | Sequence[str | int]]
            Per node, the state (or any of the states) it must be in, e.g.
            ``{"a": "no", "b": ["no", "mild"]}``.
        log_evidence : numpy.ndarray, optional
            ``log P(e)`` per case when the caller already has it (from :meth:`query`
            or :meth:`log_evidence`); saves one inference pass.

        Returns
        -------
        numpy.ndarray
            ``P(event | evidence)`` per case; NaN where the evidence is impossible.

        Raises
        ------
        EvidenceError
            On an unknown node or state in the evidence or the event.
        """
        ev = self._codec.coerce(evidence)
        joint, excluded, _ = self._with_event(ev, event)
        excluded_any = np.logical_or.reduce(list(excluded.values()))
        log_e = self._runner.run(ev, None)[1] if log_evidence is None else np.asarray(log_evidence)
        log_joint = self._runner.run(joint, None)[1]
        with np.errstate(invalid="ignore", over="ignore"):
            ratio = np.minimum(np.exp(log_joint - log_e), 1.0)
        ratio[excluded_any] = 0.0
        ratio[~(log_e > -np.inf)] = np.nan
        return ratio

    def _with_event(
        self, ev: Evidence, event: Mapping[str, str | int | Sequence[str | int]]
    ) -> tuple[_Trusted, dict[int, npt.NDArray[np.bool_]], dict[int, FloatArray]]:
        """Add an event to the evidence; say which cases it contradicts, which states it allows.

        Per event node: the cases whose hard answer is another state (they are given
        the event's state instead, so the caller must zero them), and which states
        the event allows.
        """
        joint = dict(ev.values)
        excluded: dict[int, npt.NDArray[np.bool_]] = {}
        masks = self._event_masks(event)
        for v, mask in masks.items():
            name = self.variables[v]
            base = joint.get(name)
            excluded[v] = np.zeros(ev.n_cases, dtype=bool)
            if mask.sum() == 1.0 and (base is None or base.ndim == 1):
                # A single state over hard (or no) evidence stays hard evidence, which
                # the engine deduplicates; cases observed in another state get 0.
                state = int(np.flatnonzero(mask)[0])
                if base is not None:
                    excluded[v] = (base >= 0) & (base != state)
                joint[name] = np.full(ev.n_cases, state, dtype=np.int64)
                continue
            if base is None:
                rows = np.broadcast_to(mask, (ev.n_cases, self._card[v]))
            elif base.ndim == 1:
                rows = self._runner.indicator[v].T[base] * mask
            else:
                rows = base * mask
            joint[name] = np.ascontiguousarray(rows)
        # Skip validation: an event may zero a likelihood row, which is legitimate here.
        return _Trusted(joint, ev.n_cases), excluded, masks

    def log_retracted(
        self,
        evidence: EvidenceLike,
        nodes: Sequence[str],
        *,
        event: Mapping[str, str | int | Sequence[str | int]] | None = None,
        summed: bool = False,
        needed: Mapping[str, npt.NDArray[np.bool_]] | None = None,
        eager: bool = False,
    ) -> dict[str, FloatArray]:
        """``log P(node = x, event, evidence without that node's answer)`` for each node.

        Every node's leave-one-out joint comes from one propagation per chunk (fast
        retraction: the belief of the node's home clique without its own
        likelihood), instead of one per withheld answer: ``P(c | e without v)`` is
        ``sum_x P(x, c, e without v) / sum_x P(x, e without v)``, from two calls.

        Parameters
        ----------
        evidence : Evidence or Mapping[str, array_like]
            The batch, as for :meth:`query`.
        nodes : Sequence[str]
            The nodes whose answer is withheld, one at a time. A node a case did not
            answer gives ``log P(node = x, event, evidence)``.
        event : Mapping[str, str | int | Sequence[str | int]], optional
            Node states that must hold as well, as for :meth:`prob_conjunction`; it
            still constrains an event node whose own answer is withheld.
        summed : bool, default False
            Sum over the node's states: ``log P(event, e without v)`` per case alone.
        needed : mapping of str to numpy.ndarray of bool, optional
            Per node, the cases whose summed value is used (the others may be NaN).
        eager : bool, default False
            Run a batch of any size on the fused kernel once it is loaded (a few cases
            whose plan comes back every batch, as a scored file's emergencies).

        Returns
        -------
        dict of str to numpy.ndarray
            Per node, cases by states (one value per case if ``summed``); ``-inf``
            for a probability of zero.

        Raises
        ------
        EvidenceError
            On an unknown node or state.
        """
        chosen = self._codec.targets(nodes)
        ev = self._codec.coerce(evidence)
        excluded: dict[int, npt.NDArray[np.bool_]] = {}
        masks: dict[int, FloatArray] = {}
        if event is not None:
            ev, excluded, masks = self._with_event(ev, event)
        retract = tuple(dict.fromkeys(chosen))
        # Summed, a withheld event node keeps its event as an indicator in the plan.
        clamps = tuple(
            (v, tuple(np.flatnonzero(masks[v]).tolist())) for v in retract if v in masks
        )
        wanted = {self._codec.node(k): np.asarray(m, bool) for k, m in (needed or {}).items()}
        sums = clamps if summed else None
        retracted = self._runner.run(
            ev, None, retract, uniform=True, summed=sums, needed=wanted, eager=eager
        )[2]
        out: dict[str, FloatArray] = {}
        for v in chosen:
            array = retracted[v]
            others = [mask for u, mask in excluded.items() if u != v]
            if others:
                array[np.logical_or.reduce(others)] = -np.inf
            if v in masks and not summed:
                array[:, masks[v] == 0.0] = -np.inf
            out[self.variables[v]] = array
        return out

    def query_one(
        self,
        evidence: Mapping[str, str | int | Sequence[float] | None],
        targets: Sequence[str] | None = None,
    ) -> dict[str, dict[str, float]]:
        """Posterior marginals for a single case.

        Parameters
        ----------
        evidence : Mapping[str, str | int | Sequence[float] | None]
            Node name to state name, state index or likelihood vector.
        targets : Sequence[str], optional
            Nodes whose marginals are wanted; default every node.

        Returns
        -------
        dict[str, dict[str, float]]
            Per target node, the probability of each state.

        Raises
        ------
        ImpossibleEvidenceError
            If the evidence has probability zero.
        EvidenceError
            On an unknown node or state.
        """
        posterior = self.query(self.encode([evidence]), targets=targets)
        if not posterior.possible[0]:
            shown = ", ".join(f"{k}={v!r}" for k, v in evidence.items())
            raise ImpossibleEvidenceError(
                f"The evidence has probability zero under the network: {shown}."
            )
        return {
            node: dict(zip(self.states[node], map(float, rows[0]), strict=True))
            for node, rows in posterior.marginals.items()
        }
