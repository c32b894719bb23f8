"""Compiled exact batch inference for discrete Bayesian networks.

pgmpy answers one query at a time. :class:`CompiledNetwork` compiles a
``DiscreteBayesianNetwork`` once into a junction tree whose clique potentials are
plain numpy arrays, then scores whole batches of cases with vectorised Shafer-Shenoy
message passing. The results are exact up to floating-point rounding (no sampling,
no loopy approximation); messages are rescaled per case and the logs of the scales
carried along, so ``log P(evidence)`` stays exact when the evidence is very unlikely.
Two limits of that rescaling: the tables assigned to one clique are multiplied
unscaled when it is built, so numbers whose product in one clique falls below about
1e-308 (two priors of 1e-161 in a variant's clique) underflow there; and one step's
likelihood rows are multiplied before its message is rescaled, so rows scaled to
1e-64 or below on several nodes of one clique lose the case. Neither is reachable from
answers (an unsure answer's larger likelihood is at least one half) or from the
bundled network, whose smallest positive number is a leak of 1e-6.

Modules, in import order:

* :mod:`~backspasm.engine.evidence`: the evidence and posterior containers, and the
  validation and encoding of what users pass;
* :mod:`~backspasm.engine.jit`: numba, imported on demand for the two compiled loops
  below, its cache kept outside the package;
* :mod:`~backspasm.engine.greedy`: the greedy elimination search in Python, on
  bitsets;
* :mod:`~backspasm.engine.known_trees`: the bundled network's triangulations, written
  down so that compiling it searches for none;
* :mod:`~backspasm.engine.triangulation`: elimination orders, cliques and the
  junction tree's edges;
* :mod:`~backspasm.engine.elimination`: the same elimination search compiled, used
  once numba is loaded (the same trees, found many times faster);
* :mod:`~backspasm.engine.noisy_max`: noisy-MAX CPTs rewritten without their moral
  edges;
* :mod:`~backspasm.engine.kernels`: compiled plans and the numeric message passing
  with numpy;
* :mod:`~backspasm.engine.fused`: the same message passing as one compiled loop per
  chunk, with numba (the numpy kernel stands in when numba cannot compile);
* :mod:`~backspasm.engine.events`: final steps that reuse a plan's messages: fast
  retractions, and ``P(e, event)`` with only the messages the event changes
  recomputed;
* :mod:`~backspasm.engine.junction_tree`: the tree, separators, static messages and
  the message schedule of each evidence pattern;
* :mod:`~backspasm.engine.plan_cache`: the schedules (plans) a tree keeps, the most
  recently used, with the bytes they hold;
* :mod:`~backspasm.engine.slicing`: a junction tree conditioned on variables that
  every case of a group observes in the same states, re-triangulated when that is
  cheaper (big batches are split by them);
* :mod:`~backspasm.engine.forest`: which junction tree a chunk runs on (the whole
  network's, one without barren nodes for big chunks, triangulated anew or with the
  whole tree's cliques restricted, whichever is smaller, or such a tree conditioned),
  compiled when first needed and cached, with the bytes of all their plans bounded;
* :mod:`~backspasm.engine.runner`: one batch run: identical rows merged, big batches
  split by observed variables (and their groups again), every group's chunks on
  threads;
* :mod:`~backspasm.engine.compiled`: :class:`CompiledNetwork` (marginals,
  ``log P(e)``, probabilities of conjunctions, alone or with the marginals in one
  propagation, and every observed node's
  leave-one-out joint ``P(x_v, e without e_v)`` from one propagation: fast
  retraction).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from backspasm.engine.compiled import CompiledNetwork
    from backspasm.engine.evidence import Evidence, EvidenceLike, Posterior

__all__ = ["CompiledNetwork", "Evidence", "EvidenceLike", "Posterior"]


def __getattr__(name: str) -> Any:
    # Loaded on first use (numpy and pandas): the knowledge-base check, run on every
    # load, needs only the triangulation.
    if name in __all__:
        from backspasm.engine import compiled, evidence

        value = getattr(compiled if name == "CompiledNetwork" else evidence, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
