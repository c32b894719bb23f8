"""The validator never crashes: wrong types, huge tables, cycles, names, TOML syntax.

Every malformed knowledge base ends in a :class:`SpecError` listing its problems (file,
node, field, rule), never in another exception; ``test_mutations_never_crash`` fuzzes
this with hypothesis.
"""

from __future__ import annotations

import math
import os
import shutil
import tomllib
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backspasm.exceptions import SpecError
from backspasm.network import Network
from backspasm.spec import MAX_TABLE_ENTRIES, load_spec


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(SpecError) as info:
        load_spec(folder)
    return list(info.value.problems)


LOCATION_TABLE = """table = [
  { when = { stone = "no" }, p = { lower_back = 0.9, flank = 0.1 }, source = "Toy20" },
  { when = { stone = "yes" }, p = { lower_back = 0.2, flank = 0.8 }, source = "Toy20" },
]"""
LOCATION_ROW_0 = (
    '  { when = { stone = "no" }, p = { lower_back = 0.9, flank = 0.1 }, source = "Toy20" },\n'
)


# ------------------------------------------------------------------ wrong types


@pytest.mark.parametrize(
    ("replace", "expected"),
    [
        pytest.param(
            {'states = ["acute", "subacute", "chronic"]': "states = 5"},
            "nodes.toml: node 'duration', field 'states': must be an array of state names, "
            'e.g. ["low", "high"]; got 5. [rule: field-type]',
            id="states",
        ),
        pytest.param(
            {'states = ["acute", "subacute", "chronic"]': 'states = ["acute", 5, "chronic"]'},
            "nodes.toml: node 'duration', field 'states': must be an array of state names, "
            "e.g. [\"low\", \"high\"]; got ['acute', 5, 'chronic'] (an array). [rule: field-type]",
            id="states-item",
        ),
        pytest.param(
            {'strength.exertion = { p = 0.5, source = "Toy20" }': "strength = 5"},
            "nodes.toml: node 'strain', field 'strength': must be a table of "
            "strength.<parent> = { p = ... }; got 5. [rule: field-type]",
            id="strength",
        ),
        pytest.param(
            {'strength.exertion = { p = 0.5, source = "Toy20" }': "strength.exertion = 0.5"},
            "nodes.toml: node 'strain', field 'strength.exertion': must be an inline table "
            "{ p = ..., source = ... }; got 0.5. [rule: field-type]",
            id="strength-entry",
        ),
        pytest.param(
            {'parents = ["exertion"]\nleak': 'parents = "exertion"\nleak'},
            "nodes.toml: node 'strain', field 'parents': must be an array of node names, "
            'e.g. ["exertion"]; got \'exertion\' (a string). Did you mean ["exertion"]? '
            "[rule: field-type]",
            id="parents",
        ),
        pytest.param(
            {'{ when = { stone = "yes" }': "{ when = 7"},
            "nodes.toml: node 'location', field 'table[1].when': must be an inline table "
            "{ parent = state, ... }; got 7. [rule: field-type]",
            id="when",
        ),
        pytest.param(
            {'{ when = { stone = "yes" }': "{ when = { stone = true }"},
            "nodes.toml: node 'location', field 'table[1].when.stone': must be a string; "
            "got true (a boolean). [rule: field-type]",
            id="when-state",
        ),
        pytest.param(
            {LOCATION_TABLE: "table = 5"},
            "nodes.toml: node 'location', field 'table': must be an array of rows "
            "[{ when = {...}, p = ... }, ...]; got 5. [rule: field-type]",
            id="table",
        ),
        pytest.param(
            {LOCATION_ROW_0: "  5,\n"},
            "nodes.toml: node 'location', field 'table[0]': must be an inline table "
            "{ when = {...}, p = ..., source = ... }; got 5. [rule: field-type]",
            id="table-row",
        ),
        pytest.param(
            {'prior = { p = 0.05, source = "Toy20" }': 'prior = "x"'},
            "nodes.toml: node 'stone', field 'prior': must be an inline table "
            "{ p = ..., source = ... }; got 'x' (a string). [rule: field-type]",
            id="prior",
        ),
        pytest.param(
            {'prior = { p = 0.05, source = "Toy20" }': 'prior = { p = [1], source = "Toy20" }'},
            "nodes.toml: node 'stone', field 'prior.p': must be a probability between 0 and 1 "
            "(P(yes)); got [1] (an array). [rule: probability-range]",
            id="p",
        ),
        pytest.param(
            {'label = "Strain"': "label = 3"},
            "nodes.toml: node 'strain', field 'label': must be a string; got 3. "
            "[rule: field-type]",
            id="label",
        ),
        pytest.param(
            {'label = "Strain"': 'label = "Strain"\nextension = "yes"'},
            "nodes.toml: node 'strain', field 'extension': must be true or false; "
            "got 'yes' (a string). [rule: field-type]",
            id="extension",
        ),
        pytest.param(
            {'why = "baseline strain rate"': "why = 5"},
            "nodes.toml: node 'strain', field 'leak.why': must be a string; got 5. "
            "[rule: field-type]",
            id="why",
        ),
        pytest.param(
            {
                'strength.exertion = { p = 0.5, source = "Toy20" }': (
                    "strength.exertion = { p = 0.5, source = 5 }"
                )
            },
            "nodes.toml: node 'strain', field 'strength.exertion.source': must be a string; "
            "got 5. [rule: field-type]",
            id="source",
        ),
        pytest.param(
            {'label = "Strain"': 'label = "Strain"\nquestion = 5'},
            "nodes.toml: node 'strain', field 'question': must be an inline table "
            "{ column = ..., prompt = ... }; got 5. [rule: field-type]",
            id="question",
        ),
        pytest.param(
            {'states = ["lower_back", "flank"]': 'states = "lower_back"'},
            "nodes.toml: node 'location', field 'states': must be an array of state names, "
            'e.g. ["low", "high"]; got \'lower_back\' (a string). [rule: field-type]',
            id="parent-states",
        ),
    ],
)
def test_wrong_type_is_one_problem(toy_spec_dir, replace, expected):
    assert problems_of(toy_spec_dir(replace)) == [expected]


@pytest.mark.parametrize(
    ("file", "text", "expected"),
    [
        pytest.param(
            "more.toml",
            "nodes = 5\n",
            "more.toml: top level, field 'nodes': must be a table of [nodes.<name>] tables; "
            "got 5. [rule: field-type]",
            id="nodes",
        ),
        pytest.param(
            "more.toml",
            "[nodes]\nbroken = 5\n",
            "more.toml: node 'broken': must be a table of fields ([nodes.broken]); got 5. "
            "[rule: field-type]",
            id="node-body",
        ),
        pytest.param(
            "more.toml",
            'sources = "Toy20"\n',
            "more.toml: top level, field 'sources': must be a table of [sources.<name>] "
            "tables; got 'Toy20' (a string). [rule: field-type]",
            id="sources",
        ),
        pytest.param(
            "more.toml",
            "[sources]\nx = 5\n",
            "more.toml: source 'x': must be a table of fields ([sources.x]); got 5. "
            "[rule: field-type]",
            id="source-body",
        ),
        pytest.param(
            "more.toml",
            '[sources.X]\ncitation = 5\ntag = "found"\n',
            "more.toml: source 'X', field 'citation': must be a string; got 5. [rule: field-type]",
            id="citation",
        ),
        pytest.param(
            "triage.toml",
            "triage = 5\n",
            "triage.toml: top level, field 'triage': must be a table ([triage]); got 5. "
            "[rule: field-type]",
            id="triage",
        ),
    ],
)
def test_wrong_type_in_another_file(toy_spec_dir, file, text, expected):
    folder = toy_spec_dir()
    (folder / file).write_text(text)
    assert problems_of(folder) == [expected]


def test_node_body_of_wrong_type_is_still_a_known_parent(toy_spec_dir):
    folder = toy_spec_dir(
        {'[nodes.exertion]\ngroup = "exposure"': '[nodes.old]\ngroup = "exposure"'}
    )
    (folder / "more.toml").write_text('[nodes]\nexertion = ["not", "a", "table"]\n')
    (found,) = problems_of(folder)
    assert found.startswith("more.toml: node 'exertion': must be a table of fields")


# ------------------------------------------------------------------ names, sizes, cycles


def test_empty_node_name_is_refused(toy_spec_dir):
    folder = toy_spec_dir()
    (folder / "more.toml").write_text(
        '[nodes.""]\ngroup = "finding"\nlabel = "E"\ndescription = "e"\n'
        'prior = { p = 0.1, source = "Toy20" }\n'
    )
    assert problems_of(folder) == [
        "more.toml: node '': the node has no name; give it one, e.g. "
        "[nodes.muscle_strain]. [rule: non-empty-name]"
    ]


def wide_node(form: str, n_parents: int = 30) -> str:
    """``n_parents`` binary roots and one child of them all."""
    roots = "".join(
        f'[nodes.r{i}]\ngroup = "context"\nlabel = "R"\ndescription = "r"\n'
        'prior = { p = 0.5, source = "Toy20" }\n\n'
        for i in range(n_parents)
    )
    parents = ", ".join(f'"r{i}"' for i in range(n_parents))
    body = (
        'leak = { p = 0.1, source = "Toy20" }\n'
        + "".join(f'strength.r{i} = {{ p = 0.1, source = "Toy20" }}\n' for i in range(n_parents))
        if form == "noisy_or"
        else 'table = [{ when = { r0 = "no" }, p = 0.1, source = "Toy20" }]\n'
    )
    return (
        roots + f'[nodes.wide]\ngroup = "finding"\nlabel = "W"\ndescription = "w"\n'
        f"parents = [{parents}]\n{body}"
    )


@pytest.mark.parametrize("form", ["noisy_or", "table"])
def test_huge_table_is_refused_before_allocation(toy_spec_dir, form):
    folder = toy_spec_dir(extra=wide_node(form))
    tracemalloc.start()
    try:
        found = problems_of(folder)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert found == [
        "nodes.toml: node 'wide', field 'parents': its full table would have "
        "2,147,483,648 entries (2 states x 1,073,741,824 combinations of 30 parents); the "
        "limit is 1,000,000. Give it fewer parents or states, or group some parents under "
        "an intermediate node. [rule: table-size]"
    ]
    assert peak < 20_000_000


def test_table_at_the_limit_is_allowed(toy_spec_dir):
    n = int(math.log2(MAX_TABLE_ENTRIES)) - 1  # 2 states x 2**18 combinations
    spec = load_spec(toy_spec_dir(extra=wide_node("noisy_or", n)))
    assert len(spec.nodes["wide"].parents) == n


CYCLES = """
[nodes.a]
group = "mechanism"
label = "A"
description = "a"
parents = ["b"]
leak = { p = 0.1, source = "Toy20" }
strength.b = { p = 0.1, source = "Toy20" }

[nodes.b]
group = "mechanism"
label = "B"
description = "b"
parents = ["a"]
leak = { p = 0.1, source = "Toy20" }
strength.a = { p = 0.1, source = "Toy20" }

[nodes.c]
group = "mechanism"
label = "C"
description = "c"
parents = ["e", "exertion"]
leak = { p = 0.1, source = "Toy20" }
strength.e = { p = 0.1, source = "Toy20" }
strength.exertion = { p = 0.1, source = "Toy20" }

[nodes.d]
group = "mechanism"
label = "D"
description = "d"
parents = ["c"]
leak = { p = 0.1, source = "Toy20" }
strength.c = { p = 0.1, source = "Toy20" }

[nodes.e]
group = "mechanism"
label = "E"
description = "e"
parents = ["d"]
leak = { p = 0.1, source = "Toy20" }
strength.d = { p = 0.1, source = "Toy20" }
"""


def test_every_cycle_is_reported(toy_spec_dir):
    assert problems_of(toy_spec_dir(extra=CYCLES)) == [
        "nodes.toml: node 'a', field 'parents': the parents form a cycle: a <- b <- a. "
        "[rule: acyclic]",
        "nodes.toml: node 'c', field 'parents': the parents form a cycle: c <- e <- d <- c. "
        "[rule: acyclic]",
    ]


def test_cycles_sharing_a_node_are_one_problem_naming_them_all(toy_spec_dir):
    extra = CYCLES.replace('parents = ["a"]', 'parents = ["a", "c"]').replace(
        'strength.a = { p = 0.1, source = "Toy20" }',
        'strength.a = { p = 0.1, source = "Toy20" }\nstrength.c = { p = 0.1, source = "Toy20" }',
    )
    extra = extra.replace('parents = ["e", "exertion"]', 'parents = ["e", "exertion", "b"]')
    extra = extra.replace(
        'strength.e = { p = 0.1, source = "Toy20" }',
        'strength.e = { p = 0.1, source = "Toy20" }\nstrength.b = { p = 0.1, source = "Toy20" }',
    )
    (found,) = problems_of(toy_spec_dir(extra=extra))
    assert found == (
        "nodes.toml: node 'a', field 'parents': the parents form a cycle: a <- b <- a "
        "(nodes on cycles together: a, b, c, d, e). [rule: acyclic]"
    )


# ------------------------------------------------------------------ TOML syntax


def test_syntax_error_has_no_follow_on_problems(toy_spec_dir):
    folder = toy_spec_dir()
    # Every number cites Toy20: without the file that declares it they would all fail.
    (folder / "sources.toml").write_text('[sources.Toy20]\ncitation = "x\n')
    assert problems_of(folder) == [
        "sources.toml: line 2: not valid TOML: Illegal character '\\n', at column 14. "
        "[rule: toml-syntax]"
    ]


def test_syntax_error_keeps_the_local_problems_of_other_files(toy_spec_dir):
    folder = toy_spec_dir({'label = "Strain"': "label = 3"})
    (folder / "sources.toml").write_text("[sources.Toy20\n")
    assert problems_of(folder) == [
        "sources.toml: line 1: not valid TOML: Expected ']' at the end of a table "
        "declaration, at column 15. [rule: toml-syntax]",
        "nodes.toml: node 'strain', field 'label': must be a string; got 3. [rule: field-type]",
    ]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(
            b"a = 1\nb = '\xff'\n",
            "more.toml: line 2: not valid TOML: not UTF-8 text (byte 11 of the file). "
            "[rule: toml-syntax]",
            id="not-utf8",
        ),
        pytest.param(
            b"a = " + b"9" * 5000 + b"\n",
            "more.toml: not valid TOML: Exceeds the limit (4300 digits) for integer string "
            "conversion: value has 5000 digits. [rule: toml-syntax]",
            id="huge-integer",
        ),
        pytest.param(
            b"a = " + b"[" * 2000 + b"]" * 2000 + b"\n",
            "more.toml: not valid TOML: arrays or tables nested too deeply. [rule: toml-syntax]",
            id="deep-nesting",
        ),
        pytest.param(
            b"[nodes.x]\nlabel = ",
            "more.toml: line 2: not valid TOML: Invalid value, at the end of the file. "
            "[rule: toml-syntax]",
            id="end-of-file",
        ),
    ],
)
def test_unreadable_toml_is_one_problem(toy_spec_dir, data, expected):
    folder = toy_spec_dir()
    (folder / "more.toml").write_bytes(data)
    assert problems_of(folder) == [expected]


def test_huge_probability_is_a_problem(toy_spec_dir):
    found = problems_of(
        toy_spec_dir({"chronic = 0.1 }, source": "chronic = 1" + "0" * 400 + " }, source"})
    )
    assert "field 'leak.p.chronic': must be a probability between 0 and 1" in found[0]


# ------------------------------------------------------------------ fuzzing

FUZZ_QUESTIONS = {
    'label = "Exertion"': 'label = "Exertion"\nquestion = { column = "lifting", '
    'prompt = "Heavy lifting?", section = "exposure", red_flag = false }',
    'label = "Back spasm"': 'label = "Back spasm"\nquestion = { column = "spasm", prompt = '
    '"Back spasm?", section = "presentation", default = "yes" }',
    'label = "Duration"': 'label = "Duration"\nquestion = { column = "weeks", prompt = "How '
    'long?", section = "symptom", unit = "weeks", integer = false, min = 0, max = 520, '
    'bins = { acute = "< 6", subacute = "<= 12", chronic = "> 12" } }',
    'label = "Location"': 'label = "Location"\nquestion = { column = "where", prompt = '
    '"Where?", section = "symptom" }',
}
FUZZ_TRIAGE = """
[triage]
emergency_p_serious = { p = 0.3, source = "assumption", why = "act on a real possibility" }
see_doctor_p_serious = { p = 0.05, source = "Toy20" }
see_doctor_p_pathologic = { p = 0.5, source = "Toy20" }
flags = [
  { name = "flank", level = "emergency", when = { location = "flank" }, source = "Toy20" },
]
"""


def fuzz_base(toy: Path) -> dict[str, dict[str, Any]]:
    """The toy knowledge base with questions and a triage table, as parsed TOML."""
    texts = {f.name: f.read_text() for f in toy.glob("*.toml")}
    for old, new in FUZZ_QUESTIONS.items():
        assert old in texts["nodes.toml"]
        texts["nodes.toml"] = texts["nodes.toml"].replace(old, new)
    texts["triage.toml"] = FUZZ_TRIAGE
    return {name: tomllib.loads(text) for name, text in sorted(texts.items())}


def toml_string(text: str) -> str:
    out = []
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        return ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{toml_string(k)} = {toml_value(v)}" for k, v in value.items()) + "}"


def toml_document(doc: dict[str, Any]) -> str:
    return "".join(f"{toml_string(k)} = {toml_value(v)}\n" for k, v in doc.items())


def value_paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside a document (keys and list indexes)."""
    children = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    out = [path] if path else []
    for key, child in children:
        out.extend(value_paths(child, (*path, key)))
    return out


def kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


NAMES = ["no", "yes", "Toy20", "assumption", "stone", "strain", "flank", "acute", "p", "when"]
KEYS = st.one_of(st.text(max_size=8), st.sampled_from(NAMES))
SCALARS = {
    "bool": st.booleans(),
    "number": st.one_of(
        st.integers(min_value=-(2**63), max_value=2**63 - 1),
        st.floats(min_value=0, max_value=1),
        st.floats(),
    ),
    "str": st.one_of(st.text(max_size=12), st.sampled_from(NAMES)),
}
VALUES = st.recursive(
    st.one_of(*SCALARS.values()),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=4)),
    max_leaves=8,
)
#: A JSON-like value of each kind (TOML has no null).
OF_KIND = {
    **SCALARS,
    "list": st.lists(VALUES, max_size=4),
    "dict": st.dictionaries(KEYS, VALUES, max_size=4),
}

MISSING = object()


def get_path(doc: Any, path: tuple[Any, ...]) -> Any:
    """The value at ``path``, or MISSING if a container on the way is gone."""
    for key in path:
        in_dict = isinstance(doc, dict) and key in doc
        in_list = isinstance(doc, list) and isinstance(key, int) and key < len(doc)
        if not (in_dict or in_list):
            return MISSING
        doc = doc[key]
    return doc


def set_path(doc: Any, path: tuple[Any, ...], value: Any, *, delete: bool = False) -> None:
    *head, last = path
    for key in head:
        doc = doc[key]
    if delete:
        del doc[last]
    else:
        doc[last] = value


def test_fuzz_base_loads(toy_spec_dir, tmp_path):
    folder = tmp_path / "fuzz"  # beside the toy folder: a subfolder's files are not read
    folder.mkdir()
    for name, doc in fuzz_base(toy_spec_dir()).items():
        text = toml_document(doc)
        assert tomllib.loads(text) == doc
        (folder / name).write_text(text)
    spec = load_spec(folder)
    assert [q.column for q in spec.questions] == ["lifting", "spasm", "weeks", "where"]
    assert spec.triage is not None


# The toy folder is only read, never changed: sharing it between examples is safe.
@settings(
    max_examples=int(os.environ.get("BACKSPASM_FUZZ_EXAMPLES", "300")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_mutations_never_crash(toy_spec_dir, tmp_path_factory, data):
    """Replace values by values of other types (or drop keys): a Spec or a SpecError."""
    base = fuzz_base(toy_spec_dir())
    paths = [(name, *p) for name, doc in base.items() for p in value_paths(doc)]
    for _ in range(data.draw(st.integers(min_value=1, max_value=3), label="mutations")):
        path = data.draw(st.sampled_from(paths), label="path")
        old = get_path(base, path)
        if old is MISSING:
            continue  # an earlier mutation removed or replaced it
        if data.draw(st.integers(0, 3), label="delete") == 0 and isinstance(path[-1], str):
            set_path(base, path, None, delete=True)
        else:
            other = data.draw(st.sampled_from([k for k in OF_KIND if k != kind(old)]))
            set_path(base, path, data.draw(OF_KIND[other], label="value"))
    folder = tmp_path_factory.mktemp("kb")
    for name, doc in base.items():
        (folder / name).write_text(toml_document(doc))
    try:
        spec = load_spec(folder)
    except SpecError as exc:
        problems = exc.problems
    else:
        problems = ("loaded",)
        Network(spec)  # a validated knowledge base always builds
    finally:
        shutil.rmtree(folder)
    assert problems
    assert all(p == "loaded" or "[rule: " in p for p in problems)
