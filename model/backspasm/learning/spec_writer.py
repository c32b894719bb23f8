"""Writing a knowledge base back to TOML: the fitted numbers, every other declaration kept.

:func:`spec_to_toml` writes a whole :class:`~backspasm.spec.Spec` as one TOML
document that :func:`backspasm.spec.load_spec` reads back: the bibliography (plus the
fit's own entry), the triage policy, and every node, its question and its numbers.
Fitted nodes are written as ``prior`` (roots) or full ``table`` forms citing the
fit; the others keep their declaration exactly. :func:`write_spec` saves the result
of :func:`~backspasm.learning.fit_network`.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol

from backspasm._files import AtomicFile
from backspasm._numeric import FloatArray
from backspasm.exceptions import BackspasmError, CaseFileError
from backspasm.network import Network
from backspasm.sampling import NodeTable
from backspasm.spec import (
    NodeSpec,
    Parameter,
    QuestionSpec,
    Spec,
    TriageCauseRule,
    TriageFlag,
    TriagePolicy,
    load_spec,
)
from backspasm.spec.reader import origin_path


class FitResult(Protocol):
    """What :func:`write_spec` needs of a :class:`backspasm.learning.FitResult`."""

    @property
    def spec_toml(self) -> str:
        """The fitted knowledge base as one TOML document."""

    @property
    def started_from(self) -> str:
        """Where the knowledge base it was fitted from was read."""


__all__ = ["fitted_path", "network_from_toml", "spec_to_toml", "write_spec"]

#: Significant digits of a fitted number (declared numbers are written exactly).
_SIG_DIGITS = 8


def _toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _toml_string(key)


def _toml_float(value: float, *, exact: bool) -> str:
    number = float(value) if exact else float(f"{float(value):.{_SIG_DIGITS}g}")
    return repr(number)


def _toml_p(p: float | Mapping[str, float], *, exact: bool) -> str:
    if isinstance(p, Mapping):
        inner = ", ".join(f"{_toml_key(k)} = {_toml_float(v, exact=exact)}" for k, v in p.items())
        return "{ " + inner + " }"
    return _toml_float(p, exact=exact)


def _toml_param(param: Parameter, *, exact: bool = True, prefix: str = "") -> str:
    parts = [f"p = {_toml_p(param.p, exact=exact)}", f"source = {_toml_string(param.source)}"]
    if param.why is not None:
        parts.append(f"why = {_toml_string(param.why)}")
    return "{ " + prefix + ", ".join(parts) + " }"


def _distribution(values: FloatArray, states: tuple[str, ...]) -> float | dict[str, float]:
    if states == ("no", "yes"):
        return float(values[1])
    return {s: float(x) for s, x in zip(states, values, strict=True)}


def _node_toml(
    node: NodeSpec,
    spec: Spec,
    fitted: NodeTable | None,
    key: str,
    why: str,
) -> list[str]:
    lines = [
        f"[nodes.{_toml_key(node.name)}]",
        f"group = {_toml_string(node.group)}",
        f"label = {_toml_string(node.label)}",
        f"description = {_toml_string(node.description)}",
    ]
    if node.label_no:
        lines.insert(3, f"label_no = {_toml_string(node.label_no)}")
    if node.question is not None:
        lines.append(_question_toml(node.question))
    if node.states != ("no", "yes"):
        lines.append("states = [" + ", ".join(_toml_string(s) for s in node.states) + "]")
    if node.parents:
        lines.append("parents = [" + ", ".join(_toml_string(p) for p in node.parents) + "]")
    if node.extension:
        lines.append("extension = true")
    if fitted is None:
        return lines + _declared_numbers(node)
    return lines + _fitted_numbers(node, spec, fitted, key, why)


def _declared_numbers(node: NodeSpec) -> list[str]:
    """Return the node's numbers exactly as declared, in whichever form it uses."""
    lines = []
    if node.prior is not None:
        lines.append(f"prior = {_toml_param(node.prior)}")
    if node.leak is not None:
        lines.append(f"leak = {_toml_param(node.leak)}")
    for parent, param in node.strengths.items():
        lines.append(f"strength.{_toml_key(parent)} = {_toml_param(param)}")
    if node.base is not None:
        lines.append(f"base = {_toml_param(node.base)}")
    for parent, param in node.odds.items():
        lines.append(f"odds.{_toml_key(parent)} = {_toml_param(param)}")
    if node.table:
        lines.append("table = [")
        for row in node.table:
            prefix = f"when = {_when_toml(row.when)}, "
            lines.append(f"  {_toml_param(row.param, prefix=prefix)},")
        lines.append("]")
    return lines


def _fitted_numbers(
    node: NodeSpec, spec: Spec, fitted: NodeTable, key: str, why: str
) -> list[str]:
    """Return the fitted table: a root's ``prior``, else a ``table`` row per parent state."""
    values = fitted.values
    if list(fitted.parents) != list(node.parents):  # the model's parent order rules
        raise BackspasmError(
            f"Node '{node.name}': the model's parents {list(fitted.parents)} differ from the "
            f"knowledge base's {list(node.parents)}; fitted numbers cannot be written back."
        )
    if not node.parents:
        prior = Parameter(_distribution(values, node.states), key, why)
        return [f"prior = {_toml_param(prior, exact=False)}"]
    lines = ["table = ["]
    parent_states = [spec.nodes[p].states for p in node.parents]
    for combo in itertools.product(*(range(len(s)) for s in parent_states)):
        when = {
            p: parent_states[i][c]
            for i, (p, c) in enumerate(zip(node.parents, combo, strict=True))
        }
        column: tuple[Any, ...] = (slice(None), *combo)
        param = Parameter(_distribution(values[column], node.states), key, why)
        prefix = f"when = {_when_toml(when)}, "
        lines.append(f"  {_toml_param(param, exact=False, prefix=prefix)},")
    lines.append("]")
    return lines


def _answers_keys(keys: dict[str, str], entry: TriageFlag | TriageCauseRule) -> dict[str, str]:
    """Add a flag's or cause rule's answers and timeframe to ``keys``, those it declares."""
    out = dict(keys)
    if entry.when:
        out["when"] = _when_toml(entry.when)
    if unless := getattr(entry, "unless", None):
        out["unless"] = _when_toml(unless)
    if isinstance(entry, TriageFlag) and entry.of:
        out["of"] = _when_toml(entry.of)
        out["at_least"] = str(entry.at_least)
    if entry.within_hours is not None:
        out["within_hours"] = _toml_float(entry.within_hours, exact=True)
    return out


def _when_toml(when: Mapping[str, str]) -> str:
    return "{ " + ", ".join(f"{_toml_key(k)} = {_toml_string(v)}" for k, v in when.items()) + " }"


def _provenance_toml(source: str, why: str | None) -> list[str]:
    parts = [f"source = {_toml_string(source)}"]
    if why is not None:
        parts.append(f"why = {_toml_string(why)}")
    return parts


def _rule_toml(keys: Mapping[str, str], source: str, why: str | None) -> str:
    """One inline table of a triage rule list: its keys, then its provenance."""
    parts = [f"{key} = {value}" for key, value in keys.items()]
    return "  { " + ", ".join([*parts, *_provenance_toml(source, why)]) + " },"


def _triage_toml(policy: TriagePolicy) -> list[str]:
    lines = ["[triage]"]
    for name in ("emergency_p_serious", "see_doctor_p_serious", "see_doctor_p_pathologic"):
        param = getattr(policy, name)
        if param is not None:
            lines.append(f"{name} = {_toml_param(param)}")
    if policy.causes:
        lines.append("causes = [")
        for rule in policy.causes:
            keys = {
                "cause": _toml_string(rule.cause),
                "level": _toml_string(rule.level),
                "p": _toml_float(rule.p, exact=True),
            }
            lines.append(_rule_toml(_answers_keys(keys, rule), rule.source, rule.why))
        lines.append("]")
    lines.append("flags = [")
    for flag in policy.flags:
        keys = {"name": _toml_string(flag.name), "level": _toml_string(flag.level)}
        lines.append(_rule_toml(_answers_keys(keys, flag), flag.source, flag.why))
    lines.append("]")
    if policy.safety_net:
        lines += ["", "[triage.safety_net]"]
        lines += [f"{_toml_key(k)} = {_toml_string(v)}" for k, v in policy.safety_net.items()]
    return lines


def _question_toml(q: QuestionSpec) -> str:
    parts = [
        f"column = {_toml_string(q.column)}",
        f"prompt = {_toml_string(q.prompt)}",
        f"section = {_toml_string(q.section)}",
    ]
    if q.red_flag:
        parts.append("red_flag = true")
    if q.unit is not None:
        parts.append(f"unit = {_toml_string(q.unit)}")
    if q.integer:
        parts.append("integer = true")
    if q.minimum is not None:
        parts.append(f"min = {_toml_float(q.minimum, exact=True)}")
    if q.maximum is not None:
        parts.append(f"max = {_toml_float(q.maximum, exact=True)}")
    if q.bins:
        bins = ", ".join(
            f"{_toml_key(state)} = {_toml_string(f'{op} {bound!r}')}"
            for state, op, bound in q.bins
        )
        parts.append("bins = { " + bins + " }")
    if q.default is not None:
        parts.append(f"default = {_toml_string(q.default)}")
    return "question = { " + ", ".join(parts) + " }"


def spec_to_toml(
    spec: Spec,
    fitted: Mapping[str, NodeTable],
    *,
    key: str,
    citation: str,
    note: str,
    why: str,
    header: str,
    edited: Mapping[str, NodeTable] | None = None,
) -> str:
    """Write a whole knowledge base as one TOML document, with some nodes' numbers fitted.

    Parameters
    ----------
    spec : Spec
        The knowledge base (sources, triage policy, nodes and questions).
    fitted : mapping of str to NodeTable
        Fitted tables by node; those nodes are written as ``prior`` (a root) or a
        full ``table``, each number citing ``key``. Every other node keeps its
        declaration exactly.
    key : str
        Bibliography key of the fit, added as a source tagged ``fitted``.
    citation, note : str
        That source's citation and note (the data's provenance).
    why : str
        The ``why`` of every fitted number.
    header : str
        The comment on the document's first line.
    edited : mapping of str to NodeTable, optional
        Tables a researcher edited in ``network.model`` that were not fitted: written
        as tables too, each number an ``assumption`` that says so, so that the edits
        are kept rather than replaced by the declarations.

    Returns
    -------
    str
        A TOML document that :func:`backspasm.spec.load_spec` reads back.

    Raises
    ------
    BackspasmError
        When a fitted table's parents are not the node's declared parents, in order.
    """
    lines = [f"# {header}", ""]
    for source in spec.sources.values():
        if source.key == key:
            continue
        lines.append(f"[sources.{_toml_key(source.key)}]")
        lines.append(f"citation = {_toml_string(source.citation)}")
        lines.append(f"tag = {_toml_string(source.tag)}")
        if source.url is not None:
            lines.append(f"url = {_toml_string(source.url)}")
        if source.note is not None:
            lines.append(f"note = {_toml_string(source.note)}")
        lines.append("")
    lines += [
        f"[sources.{_toml_key(key)}]",
        f"citation = {_toml_string(citation)}",
        # Numbers estimated from a data file (identified by its SHA-256 in the note),
        # kept apart from literature figures in `backspasm check`.
        'tag = "fitted"',
        f"note = {_toml_string(note)}",
        "",
    ]
    if spec.triage is not None:
        lines += [*_triage_toml(spec.triage), ""]
    for name, node in spec.nodes.items():
        if name in fitted:
            lines += [*_node_toml(node, spec, fitted[name], key, why), ""]
        elif edited and name in edited:
            lines += [*_node_toml(node, spec, edited[name], "assumption", _EDITED_WHY), ""]
        else:
            lines += [*_node_toml(node, spec, None, key, why), ""]
    return "\n".join(lines)


_EDITED_WHY = "edited in network.model before the fit, and not fitted: kept as edited"


def network_from_toml(text: str, *, origin: str) -> Network:
    """Build a network from one TOML document (read through a temporary file).

    Parameters
    ----------
    text : str
        A knowledge base, e.g. from :func:`spec_to_toml`.
    origin : str
        Where it came from, recorded in the spec (``Network.spec.origin``).

    Returns
    -------
    Network
        The validated network.
    """
    with tempfile.TemporaryDirectory(prefix="backspasm-fit-") as folder:
        path = Path(folder) / "fitted.toml"
        path.write_text(text, encoding="utf-8")
        spec = load_spec(path)
    return Network(replace(spec, origin=origin))


def fitted_path(path: str | os.PathLike[str], started_from: str = "") -> Path:
    """Return the file :func:`write_spec` writes for ``path`` (check it before fitting).

    ``started_from`` is where the knowledge base being fitted was read (a file or a
    folder, its ``spec.origin``): the fit is not written over that file, nor into
    that folder, where the knowledge base would then declare every node twice.

    Raises
    ------
    CaseFileError
        When ``path`` is neither a ``.toml`` file nor an existing folder, is a
        folder that holds other ``.toml`` files (a knowledge base), or is the
        knowledge base being fitted or a file in its folder.
    """
    dest = Path(path)
    if dest.is_dir():
        # A knowledge base is every .toml file of its folder: fitted.toml beside the
        # files it was fitted from would declare each node twice when the folder loads.
        others = sorted(p.name for p in dest.glob("*.toml") if p.name != "fitted.toml")
        if others:
            raise CaseFileError(
                f"cannot write into '{path}': it holds a knowledge base ({', '.join(others[:3])}"
                f"{', ...' if len(others) > 3 else ''}), which would then read fitted.toml "
                "too, with every node declared twice. Name a .toml file elsewhere, or an "
                "empty folder."
            )
        return _not_the_start(dest / "fitted.toml", path, started_from)
    if dest.suffix.lower() != ".toml":
        raise CaseFileError(
            f"cannot write '{path}': a fitted knowledge base is a .toml file (or name an "
            "existing folder, which gets fitted.toml)."
        )
    return _not_the_start(dest, path, started_from)


def _not_the_start(target: Path, path: str | os.PathLike[str], started_from: str) -> Path:
    """Return ``target``, or refuse it: the knowledge base fitted, or a file in its folder."""
    start = origin_path(started_from)
    if start is not None:
        over = target.resolve() == start.resolve()
        if over or (start.is_dir() and target.resolve().parent == start.resolve()):
            raise CaseFileError(
                f"cannot write the fit to '{path}': it would "
                + ("overwrite" if over else "join")
                + f" the knowledge base it was fitted from ('{started_from}'), whose numbers "
                "would be lost or declared twice. Name a .toml file elsewhere."
            )
    return target


def write_spec(fit: FitResult, path: str | os.PathLike[str]) -> Path:
    """Save a fitted knowledge base as TOML, readable by ``load_network(path)``.

    Parameters
    ----------
    fit : FitResult
        The result of :func:`~backspasm.learning.fit_network`.
    path : path-like
        A ``.toml`` file, or an existing folder (then ``fitted.toml`` inside it).
        Written atomically (a temporary file in the same folder, then a rename).

    Returns
    -------
    Path
        The written file; ``backspasm check`` validates it.

    Raises
    ------
    CaseFileError
        When the file is not ``.toml`` or cannot be created (missing folders are
        created).
    """
    dest = fitted_path(path, fit.started_from)
    dest.parent.mkdir(parents=True, exist_ok=True)
    target = AtomicFile(dest)
    try:
        target.fh.write(fit.spec_toml.encode("utf-8"))
        target.finish()
        target.replace()
    finally:
        target.discard()
    return dest
