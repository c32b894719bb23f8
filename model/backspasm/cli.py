"""The ``backspasm`` command line: thin subcommands over the public API.

Data goes to stdout or files; progress, summaries and errors go to stderr. Exit
codes: 0 success, 2 unusable input or command (one line on stderr, no traceback),
3 a case file was scored but some rows carry errors, 130 and 143 interrupted by SIGINT
and SIGTERM (one line on stderr; ``score`` leaves no file behind).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import warnings
from collections.abc import Sequence
from typing import Any

from backspasm._version import __version__
from backspasm.exceptions import BackspasmError

__all__ = ["main"]

EXIT_OK = 0
EXIT_UNUSABLE = 2
EXIT_ROW_ERRORS = 3
EXIT_INTERRUPTED = 130  # 128 + SIGINT; 143 (128 + SIGTERM) for a SIGTERM


def _network(path: str | None):  # type: ignore[no-untyped-def]
    from backspasm.network import default_network, load_network

    return load_network(path) if path else default_network()


def _cmd_check(args: argparse.Namespace) -> int:
    from backspasm.network import Network
    from backspasm.spec import load_spec

    if args.spec and args.spec_option and args.spec != args.spec_option:
        raise BackspasmError("give the knowledge base once: PATH or --network, not both.")
    spec = load_spec(args.spec or args.spec_option)
    summary = Network(spec).summary()
    groups = ", ".join(f"{g} {n}" for g, n in summary["groups"].items())
    lines = [
        f"knowledge base: {spec.origin} (valid)",
        f"nodes: {summary['nodes']} ({groups})",
        f"edges: {summary['edges']}",
        f"declared numbers: {summary['numbers']}, of which {summary['sourced']} "
        f"({summary['sourced_share']:.1%}) cite a literature source, "
        f"{summary['fitted']} were fitted to data and "
        f"{summary['assumptions']} are reasoned assumptions",
        "by kind: "
        + ", ".join(
            f"{kind} {n} ({n / summary['numbers']:.1%})"
            for kind, n in spec.numbers_by_kind().items()
            if summary["numbers"]
        ),
        f"expanded CPT entries: {summary['cpt_entries']}",
        f"bibliography: {summary['sources']} sources ({summary['source_tags']})",
    ]
    print("\n".join(lines))
    return EXIT_OK


def _unsure(text: str) -> float | str | None:
    """Read ``0.7`` or ``70%`` as the lean to yes (``0%``: no, ``100%``); None otherwise."""
    word = text.strip()
    scale = 100.0 if word.endswith("%") else 1.0
    try:
        p = float(word.removesuffix("%")) / scale
    except ValueError:
        return None
    if p in (0.0, 1.0):
        return "yes" if p == 1.0 else "no"
    return p if 0.0 < p < 1.0 else None


def _cli_answers(items: Sequence[str], network: Any) -> dict[str, str | float]:
    """Parse ``--answer NAME=VALUE`` items: once per question, unsure yes/no as floats."""
    from backspasm.questionnaire import questions_for

    kinds = {q.column: q.kind for q in questions_for(network)}
    answers: dict[str, str | float] = {}  # an unsure answer as a float
    given: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep:
            raise BackspasmError(f"an answer takes NAME=VALUE (e.g. fever=yes); got {item!r}.")
        name = name.strip()
        if name in given and given[name].strip().lower() != value.strip().lower():
            raise BackspasmError(
                f"the answer {name} is given twice, as {given[name]!r} and {value!r}; "
                "give each question once."
            )
        given[name] = value
        p = _unsure(value) if kinds.get(name) == "yes_no" else None
        answers[name] = value if p is None else p
    return answers


def _cmd_diagnose(args: argparse.Namespace) -> int:
    from backspasm.diagnosis import diagnose

    net = _network(args.network)
    answers = _cli_answers([*args.answers, *args.answer], net)
    result = diagnose(answers, network=net)
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
    else:
        unsure = [
            f"{k}: unsure, leaning yes {v:.0%}:{1 - v:.0%} (odds of yes x{v / (1 - v):.3g})"
            for k, v in answers.items()
            if isinstance(v, float)
        ]
        if unsure:
            print("unsure answers (soft evidence): " + "; ".join(unsure))
        print(result.summary(top=args.top, counterfactual=args.counterfactual))
    return EXIT_OK


def _cmd_ask(args: argparse.Namespace) -> int:
    from backspasm.interview import interview

    interactive = sys.stdin.isatty()

    def read(prompt: str) -> str | None:
        if interactive:
            try:
                return input(prompt)
            except EOFError:
                return None
        print(prompt, flush=True)
        line = sys.stdin.readline()
        if not line:
            return None
        print(f"> {line.strip()}")
        return line.rstrip("\n")

    interview(
        read,
        print,
        network=_network(args.network),
        min_gain=args.min_gain,
        show_information=args.show_information,
    )
    return EXIT_OK


def _cmd_figures(args: argparse.Namespace) -> int:
    from backspasm.figures import write_teaching_figures
    from backspasm.scoring.cases import read_case_table

    formats = tuple(f.strip().lower() for f in args.format.split(",") if f.strip())
    if args.case_id is not None and args.cases is None:
        raise BackspasmError("--case-id needs --cases FILE.")
    cases = None if args.cases is None else read_case_table(args.cases)[0]
    paths = write_teaching_figures(
        args.out,
        formats=formats,
        network=_network(args.network),
        cases=cases,
        case_id=args.case_id,
        cause=args.cause,
        dpi=args.dpi,
    )
    for path in paths:
        print(path)
    print(f"wrote {len(paths)} files to {args.out}", file=sys.stderr)
    return EXIT_OK


def _cmd_sample(args: argparse.Namespace) -> int:
    from backspasm._files import output_format
    from backspasm.learning import sample_cases, write_cases

    output_format(args.output)  # refuse a wrong extension before sampling
    cases = sample_cases(
        args.n, network=_network(args.network), seed=args.seed, missing=args.missing
    )
    write_cases(cases, args.output)
    if args.output != "-":
        print(f"wrote {args.output} ({len(cases)} cases, seed {args.seed})", file=sys.stderr)
    return EXIT_OK


def _cmd_fit(args: argparse.Namespace) -> int:
    from backspasm.learning import fit_network, write_spec

    fit = fit_network(
        args.cases,
        network=_network(args.network),
        prior_weight=args.prior_weight,
        max_iter=args.max_iter,
    )
    path = write_spec(fit, args.output)
    print(f"wrote {path}: {fit!r}", file=sys.stderr)
    return EXIT_OK


_RANK_HELP = (
    "rank causes by 'posterior' probability (default) or by expected 'disablement' "
    "(Richens et al. 2020, exact on twin networks; slower)"
)


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from backspasm.learning import evaluate_groups

    network = _network(args.network)
    result, groups = evaluate_groups(args.cases, args.by, network=network, rank=args.rank)
    if args.json:
        payload = result.to_dict()
        if groups is not None:
            records = json.loads(groups.to_json(orient="records"))
            payload["by"] = {"column": args.by, "groups": records}
        print(json.dumps(payload, indent=2))
    else:
        print(result.summary().to_string(index=False))
        print()
        print(result.per_cause.to_string(index=False, float_format="{:.3f}".format))
        print(
            f"\ncalibration, every cause pooled: expected calibration error {result.ece:.4f} "
            "(count-weighted mean of |observed - predicted| over the bins)"
        )
        table = result.reliability.drop(columns=["lower", "upper"])
        print(table.to_string(index=False, float_format="{:.4f}".format))
        if result.triage is not None:
            print("\ntriage (rows expected, columns predicted)")
            print(result.triage.to_string())
        if groups is not None:
            print(f"\nby {args.by}")
            print(groups.to_string(index=False, float_format="{:.3f}".format))
    return EXIT_OK


def _cmd_score(args: argparse.Namespace) -> int:
    from backspasm._files import check_paths

    # Refuse an unsafe or unwritable output before loading anything heavy.
    check_paths(args.input, args.output)
    from backspasm.scoring import score_file

    summary = score_file(
        args.input,
        args.output,
        network=_network(args.network),
        chunksize=args.chunksize,
        precision=args.precision,
        progress=False if args.no_progress else None,
        explain=args.explain,
    )
    print(summary.format(), file=sys.stderr)
    return summary.exit_code


def _positive_int(text: str) -> int:
    """Return a whole number of at least 1 (an argparse type)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number; got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more; got {value}")
    return value


def _cmd_export(args: argparse.Namespace) -> int:
    net = _network(args.network)
    path = net.export(args.output, format=args.format)
    if args.output != "-":
        print(f"wrote {path} ({args.format or path.suffix.lstrip('.')})", file=sys.stderr)
    return EXIT_OK


def _cmd_schema(args: argparse.Namespace) -> int:
    from backspasm.questionnaire import data_dictionary, questions_for

    net = _network(args.network) if args.network else None
    qs = questions_for(net) if net else None
    table = data_dictionary(qs)
    if args.format == "csv":
        sys.stdout.write(table.to_csv(index=False))
    elif args.format == "markdown":
        header = "| " + " | ".join(table.columns) + " |"
        rule = "|" + "---|" * len(table.columns)
        code = table.assign(
            column=[f"`{v}`" for v in table["column"]],
            node=[f"`{v}`" if v else "" for v in table["node"]],
        )
        body = [
            "| " + " | ".join(str(v) for v in row) + " |" for row in code.itertuples(index=False)
        ]
        print("\n".join([header, rule, *body]))
    else:
        print(table.to_string(index=False))
    return EXIT_OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="backspasm",
        description="Bayesian diagnostic model for the causes of back spasm.",
    )
    parser.add_argument("--version", action="version", version=f"backspasm {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def network_option(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--network",
            metavar="PATH",
            help="a knowledge-base folder or TOML file (default: bundled)",
        )

    p = sub.add_parser("diagnose", help="rank the causes for one case")
    p.add_argument(
        "--answer",
        "-a",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="one answer, e.g. fever=yes or age=70 (repeat, once per question); a yes/no "
        "answer between 0 and 1 (fever=0.7 or fever=70%%) is unsure, leaning yes 70:30: "
        "it multiplies the odds of yes by 0.7/0.3",
    )
    p.add_argument(
        "answers",
        nargs="*",
        metavar="NAME=VALUE",
        help="answers may also be given without -a: backspasm diagnose fever=yes age=70",
    )
    p.add_argument(
        "--top", type=_positive_int, default=8, metavar="N", help="show the top N causes (8)"
    )
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument(
        "--counterfactual",
        action="store_true",
        help="also rank every cause by expected disablement",
    )
    network_option(p)
    p.set_defaults(func=_cmd_diagnose)

    p = sub.add_parser(
        "score", help="score a case file (CSV or Parquet); every row back, in order"
    )
    p.add_argument(
        "input",
        metavar="IN",
        help="case file: CSV (comma, semicolon or tab, found from the header) or Parquet; "
        "- reads stdin",
    )
    p.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="OUT",
        help="scored file: .csv, .tsv, .txt, .parquet or .pq; - writes CSV to stdout",
    )
    p.add_argument(
        "--chunksize",
        type=_positive_int,
        default=100_000,
        metavar="N",
        help="at most N rows scored at a time (default 100000)",
    )
    p.add_argument(
        "--precision",
        type=_positive_int,
        default=None,
        metavar="N",
        help="round probabilities to N significant digits (default: every digit, lossless)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    p.add_argument(
        "--explain",
        action="store_true",
        help="add everything a one-case diagnosis says: reasons for the top cause, "
        "next_question, p_pathologic, risk_<complication>, mpe and p_mpe (slower)",
    )
    network_option(p)
    p.set_defaults(func=_cmd_score)

    p = sub.add_parser(
        "ask",
        help="interactive questionnaire: the red-flag screen, then the most informative "
        "question first ('back' undoes an answer)",
    )
    p.add_argument(
        "--min-gain",
        type=float,
        default=0.01,
        metavar="BITS",
        help="after the red-flag screen, stop when no question is expected to gain this "
        "much (0.01)",
    )
    p.add_argument(
        "--show-information",
        action="store_true",
        help="for teaching: show each question's expected information gain (bits), "
        "P(serious cause) and the full report",
    )
    network_option(p)
    p.set_defaults(func=_cmd_ask)

    p = sub.add_parser("figures", help="write the teaching figures (PNG, SVG, PDF)")
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write into")
    p.add_argument(
        "--format",
        default="png",
        metavar="LIST",
        help="comma-separated formats among png, svg, pdf (default: png)",
    )
    p.add_argument("--cases", metavar="FILE", help="a case file (CSV) for the case-mix figure")
    p.add_argument("--case-id", metavar="ID", help="the example case: this case_id of --cases")
    follows = "the cause the evidence-impact and sensitivity figures follow (default: top cause)"
    p.add_argument("--cause", metavar="NAME", help=follows)
    p.add_argument("--dpi", type=_positive_int, default=300, help="PNG resolution (default: 300)")
    network_option(p)
    p.set_defaults(func=_cmd_figures)

    p = sub.add_parser("sample", help="write synthetic cases drawn from the network")
    p.add_argument("-n", type=int, required=True, metavar="N", help="number of cases")
    p.add_argument("--seed", type=int, required=True, metavar="S", help="random seed")
    p.add_argument(
        "--missing", type=float, default=0.3, metavar="F", help="share of blank answers (0.3)"
    )
    p.add_argument("--output", "-o", default="-", metavar="FILE", help="CSV to write (stdout)")
    network_option(p)
    p.set_defaults(func=_cmd_sample)

    p = sub.add_parser("fit", help="fit the network's numbers to a case file")
    p.add_argument("cases", metavar="FILE", help="case file (CSV) with true_<cause> columns")
    p.add_argument("--output", "-o", required=True, metavar="SPEC.toml", help="TOML to write")
    p.add_argument(
        "--prior-weight",
        type=float,
        default=50.0,
        metavar="W",
        help="pseudo-cases of the expert table per parent configuration (50)",
    )
    p.add_argument(
        "--max-iter", type=int, default=100, metavar="N", help="most EM iterations (100)"
    )
    network_option(p)
    p.set_defaults(func=_cmd_fit)

    p = sub.add_parser("evaluate", help="compare scores with the known causes of a case file")
    p.add_argument("cases", metavar="FILE", help="scored or raw case file with the truth")
    p.add_argument("--json", action="store_true", help="print JSON instead of tables")
    p.add_argument("--rank", default="posterior", metavar="HOW", help=_RANK_HELP)
    p.add_argument(
        "--by", metavar="COLUMN", help="also evaluate group by group, e.g. --by source_kind"
    )
    network_option(p)
    p.set_defaults(func=_cmd_evaluate)

    p = sub.add_parser("check", help="validate a knowledge base and report its sources")
    p.add_argument(
        "spec",
        nargs="?",
        default=None,
        metavar="PATH",
        help="folder of *.toml files or one TOML file (default: bundled)",
    )
    p.add_argument(
        "--network",
        dest="spec_option",
        default=None,
        metavar="PATH",
        help="the same as PATH, as the other commands name it",
    )
    p.set_defaults(func=_cmd_check)

    p = sub.add_parser("export", help="write the network as BIF, XMLBIF, NET, XDSL or UAI")
    p.add_argument(
        "--format",
        "-f",
        choices=["bif", "xmlbif", "net", "xdsl", "uai"],
        help="file format (default: from the output's extension, .xml for xmlbif)",
    )
    p.add_argument(
        "--output",
        "-o",
        required=True,
        metavar="FILE",
        help="the file to write, in an existing folder; - for standard output (with --format)",
    )
    network_option(p)
    p.set_defaults(func=_cmd_export)

    p = sub.add_parser("schema", help="print the case-file data dictionary")
    p.add_argument(
        "--format",
        choices=["table", "csv", "markdown"],
        default="table",
        help="print a plain table (default), CSV or a Markdown table",
    )
    network_option(p)
    p.set_defaults(func=_cmd_schema)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit code.
    """
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", UserWarning)
            code: int = args.func(args)
        for w in caught:  # a library warning, said as the command's own line
            print(f"backspasm {args.command}: warning: {w.message}", file=sys.stderr)
    except BackspasmError as exc:
        print(f"backspasm {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    except BrokenPipeError:
        # The reader (e.g. `| head`) went away: not an error of ours.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        return EXIT_OK
    except OSError as exc:
        print(f"backspasm {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    except KeyboardInterrupt as exc:
        # Ctrl-C or SIGTERM (backspasm._files.Interrupted says what became of the output).
        print(f"backspasm {args.command}: {str(exc) or 'interrupted'}", file=sys.stderr)
        return int(getattr(exc, "exit_code", EXIT_INTERRUPTED))
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
