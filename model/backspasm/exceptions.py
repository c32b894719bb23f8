"""Exceptions raised by backspasm.

Library code raises these and never prints; the command line turns them into one
line on stderr and an exit code.
"""

from __future__ import annotations

__all__ = [
    "BackspasmError",
    "CaseFileError",
    "EvidenceError",
    "ImpossibleEvidenceError",
    "NotACauseError",
    "SpecError",
    "UnknownNodeError",
    "UnknownStateError",
]


class BackspasmError(Exception):
    """Base class of every error backspasm raises on purpose."""


class SpecError(BackspasmError):
    """The knowledge-base specification is invalid.

    Parameters
    ----------
    problems : sequence of str
        Every problem found, one sentence each.
    origin : str, optional
        Where the knowledge base was read (its folder or file), named in the message:
        with two networks at hand (``evaluate --compare``) it says which one.
    """

    def __init__(self, problems: list[str] | tuple[str, ...], origin: str | None = None) -> None:
        self.problems = tuple(problems)
        self.origin = origin
        count = len(self.problems)
        which = "The knowledge base" + (f" at {origin}" if origin else "")
        head = f"{which} has {count} problem{'s' if count != 1 else ''}:"
        super().__init__("\n".join([head, *(f"  - {p}" for p in self.problems)]))


class EvidenceError(BackspasmError, ValueError):
    """An answer or an evidence value is not allowed (unknown name or value)."""


class ImpossibleEvidenceError(EvidenceError):
    """The evidence has probability zero under the network."""


class CaseFileError(BackspasmError):
    """A case file cannot be read or written at all (not a per-row problem)."""


class _LookupRefusal(BackspasmError, KeyError):
    """A name looked up and not found: a :class:`KeyError` that reads as a sentence."""

    def __str__(self) -> str:
        # KeyError shows its argument's repr, in quotes; this is a sentence.
        return str(self.args[0]) if self.args else ""


class NotACauseError(_LookupRefusal):
    """A name given where a cause of the network is wanted.

    A :class:`~backspasm.exceptions.BackspasmError` like every refusal of the
    package, and a :class:`KeyError` as :meth:`Diagnosis.reasons
    <backspasm.diagnosis.Diagnosis.reasons>` raised before.
    """


class UnknownNodeError(_LookupRefusal):
    """A name given where a node of the network is wanted, and no node has it.

    Raised by :meth:`Diagnosis.posterior <backspasm.diagnosis.Diagnosis.posterior>`,
    the network's tables and the other lookups by node name; a :class:`KeyError`,
    as :class:`NotACauseError` is, so that one ``except KeyError`` catches both.
    """


class UnknownStateError(_LookupRefusal):
    """A state asked of a node that does not have it (its message lists the states).

    Raised by :meth:`Diagnosis.posterior <backspasm.diagnosis.Diagnosis.posterior>`;
    a :class:`KeyError` as it raised before.
    """
