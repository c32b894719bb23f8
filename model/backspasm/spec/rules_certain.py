"""Numbers of exactly 0 or 1 that rule an answer out: legal, and warned about.

A deterministic link can be meant, so no rule of :mod:`backspasm.spec.rules_numbers`
refuses such a number; :func:`certain_numbers` words one warning for each, which
:meth:`backspasm.network.Network.report` (``backspasm check``) issues as a
:class:`CertainNumberWarning`.
"""

from __future__ import annotations

from collections.abc import Mapping

from backspasm.spec.schema import NodeSpec, Spec

__all__ = ["CertainNumberWarning", "certain_numbers"]


class CertainNumberWarning(UserWarning):
    """A number of exactly 0 or 1 that makes an answer impossible (legal; maybe meant)."""


#: What each certain-number warning ends with.
_CERTAIN_ADVICE = (
    "diagnose refuses an impossible answer (ImpossibleEvidenceError); keep the number if "
    "the link is meant to be certain, or use one just inside 0 and 1 (0.001, 0.999)."
)


def certain_numbers(spec: Spec) -> list[str]:
    """Word a warning for every number of exactly 0 or 1 that rules an answer out.

    A prior of 0 or 1 (or a state of a multi-state prior at 0), and on a noisy-OR a
    leak of 0 or 1 (or one so small, under about 1e-16, that ``1 - leak`` is 1 in
    double precision) or a strength of 1: each makes some answer have probability zero,
    which :func:`~backspasm.diagnosis.diagnose` then refuses as impossible evidence.
    A strength of 0 is not warned about: it makes no probability zero (the parent
    simply adds nothing). A logistic ``base`` of 0 or 1 is an error already, and a
    full ``table`` may hold zeros on purpose (a man is never pregnant).

    Parameters
    ----------
    spec : Spec
        A validated knowledge base.

    Returns
    -------
    list of str
        One line each: ``"<file>: node '<name>', field '<path>': <what>; <advice>"``.
    """
    found: list[str] = []

    def say(node: NodeSpec, path: str, what: str) -> None:
        where = f"{node.file}: node '{node.name}', field '{path}'"
        found.append(f"{where}: {what}; {_CERTAIN_ADVICE}")

    for node in spec.nodes.values():
        name = node.name
        if node.form == "prior" and node.prior is not None:
            p = node.prior.p
            if isinstance(p, Mapping):
                for state, value in p.items():
                    if float(value) == 0.0:
                        say(
                            node,
                            f"prior.p.{state}",
                            f"a prior of 0 makes P({name}={state}) zero: the answer "
                            f"'{state}' is impossible",
                        )
            elif float(p) in (0.0, 1.0):
                out = "yes" if float(p) == 0.0 else "no"
                say(
                    node,
                    "prior.p",
                    f"a prior of {float(p):g} makes P({name}={out}) zero: the answer "
                    f"'{out}' is impossible",
                )
        if node.form != "noisy_or" or node.leak is None:
            continue
        leak = float(node.leak.p)  # type: ignore[arg-type]
        if leak == 1.0:
            say(
                node,
                "leak.p",
                f"a leak of 1 makes P({name}=no) zero whatever its parents: the answer "
                "'no' is impossible",
            )
        elif 1.0 - leak == 1.0:  # 0, or so small that 1 - leak rounds to 1
            rounds = "" if leak == 0.0 else " (in double precision: 1 - p rounds to 1)"
            say(
                node,
                "leak.p",
                f"a leak of {leak:g}{rounds} makes P({name}=yes) zero when none of its "
                "parents is present: 'yes' with every parent answered absent is impossible",
            )
        for parent, param in node.strengths.items():
            p = param.p
            active = (
                [s for s, v in p.items() if float(v) == 1.0]
                if isinstance(p, Mapping)
                else (["yes"] if float(p) == 1.0 else [])
            )
            for state in active:
                say(
                    node,
                    f"strength.{parent}.p" + (f".{state}" if isinstance(p, Mapping) else ""),
                    f"a strength of 1 makes P({name}=no) zero when {parent}={state}: the "
                    f"answer 'no' rules {parent}={state} out completely",
                )
    return found
