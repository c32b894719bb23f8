"""The command line's arguments and help texts (the commands themselves are in cli)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from backspasm._text import did_you_mean
from backspasm._version import __version__
from backspasm.cli_types import FIGURE_FORMATS as FIGURE_FORMATS  # the --help lists them
from backspasm.cli_types import FIGURE_SIZES as FIGURE_SIZES
from backspasm.cli_types import MAX_DPI as MAX_DPI
from backspasm.cli_types import (
    dpi,
    figure_formats,
    figure_selection,
    non_negative_float,
    positive_int,
    share,
    whole_number,
)

__all__ = ["FIGURE_FORMATS", "FIGURE_SIZES", "MAX_DPI", "build_parser", "parse_args"]

_RANK_HELP = (
    "rank causes by 'posterior' probability (default), by expected 'disablement' "
    "(Richens et al. 2020, exact on twin networks; slower) or by 'odds_factor', how "
    "many times the answers raised a cause's odds over the age, sex and setting alone"
)


# A command's one-line help (in `backspasm --help`) and the description under its usage
# line (`backspasm CMD --help`); the commands with longer texts keep them inline.
_COMMANDS = {
    "score": (
        "score a case file (CSV or Parquet); every row back, in order",
        (
            "Score every row of a case file: the posterior of each cause, the triage "
            "level and its reasons, P(serious), the conflict measure. Every input column and row "
            "comes back in its order, the new columns after them; a row that cannot be scored "
            "keeps its cells and says why in its 'error' column. The output is written whole or "
            "not at all, with OUT.meta.json beside it (network fingerprint, input hash, counts). "
            "Exit status: 0 every row scored, 3 some rows have an error, 2 the file could not be "
            "used (nothing written)."
        ),
    ),
    "sample": (
        "write synthetic cases drawn from the network",
        (
            "Draw synthetic cases from the network (forward sampling, seeded): the "
            "answers of the case-file contract plus true_<cause> yes/no columns, ready for "
            "`backspasm fit` and `backspasm evaluate`."
        ),
    ),
    "check": (
        "validate a knowledge base and report its sources",
        (
            "Validate a knowledge base (every problem with its file, node and field) "
            "and report its size and how its numbers are sourced: read in the source, quoted "
            "by a secondary source, recalled, or a reasoned assumption."
        ),
    ),
    "export": (
        "write the network as BIF, XMLBIF, NET, XDSL or UAI",
        (
            "Write the network's structure and tables in a standard format for "
            "other tools (pgmpy, pyAgrum, GeNIe, Hugin, UAI solvers); the format follows the "
            "output's extension unless --format says."
        ),
    ),
    "schema": (
        "print the case-file data dictionary",
        (
            "Print the case-file contract: every column, its question, the answers "
            "it accepts, the node it informs, its section and whether it is a red flag. "
            "With --outputs, every column 'score' adds instead: what it holds, whether "
            "only 'score --explain' adds it, and what it means."
        ),
    ),
}


def _command(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str
) -> argparse.ArgumentParser:
    """Add the subcommand ``name`` with its help and description from ``_COMMANDS``."""
    help_text, description = _COMMANDS[name]
    return sub.add_parser(name, help=help_text, description=description)


_EXPORT_FORMAT_HELP = "file format (default: from the output's extension, .xml for xmlbif)"
_EXPORT_OUTPUT_HELP = (
    "the file to write, in an existing folder; - for standard output (with --format)"
)


def parse_args(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse the command line; an unknown argument is refused by its command's parser.

    argparse leaves the arguments a command does not know to the top-level parser,
    whose usage line (``backspasm [-h] [--version] COMMAND ...``) then says nothing of
    the command's options: here the command's own usage says it, with the closest
    option (``--explian``: did you mean '--explain'?).
    """
    args, extra = parser.parse_known_args(argv)
    if extra:
        given = list(sys.argv[1:] if argv is None else argv)
        command = getattr(args, "command", None) or ""
        actions = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        sub = next(actions).choices.get(command, parser)
        if command in given and extra[0] in given[: given.index(command)]:
            sub = parser  # before the command: an option of backspasm itself
        said = f"unrecognized arguments: {' '.join(extra)}"
        option = next((e.split("=", 1)[0] for e in extra if e.startswith("--")), None)
        known = [o for o in sub._option_string_actions if o not in ("-h", "--help")]
        hint = did_you_mean(option, known) if option else ""
        sub.error(f"{said}.{hint}" if hint else said)
    return args


def build_parser() -> argparse.ArgumentParser:
    """Return the command line's parser: every command, its arguments and help texts."""
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

    def answer_option(p: argparse.ArgumentParser, said: str) -> None:
        p.add_argument(
            "--answer", "-a", action="append", default=[], metavar="NAME=VALUE", help=said
        )

    p = sub.add_parser("diagnose", help="rank the causes for one case")
    answer_option(
        p,
        "one answer, e.g. fever=yes or age=70 (repeat, once per question); a yes/no "
        "answer between 0 and 1 (fever=0.7 or fever=70%%) is unsure, leaning yes 70:30: "
        "it multiplies the odds of yes by 0.7/0.3",
    )
    p.add_argument(
        "answers",
        nargs="*",
        metavar="NAME=VALUE",
        help="answers may also be given without -a: backspasm diagnose fever=yes age=70",
    )
    top_help = "show the top N causes (8; --json lists every cause)"
    p.add_argument("--top", type=positive_int, default=8, metavar="N", help=top_help)
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument(
        "--counterfactual",
        action="store_true",
        help="also rank every cause by expected disablement",
    )
    network_option(p)

    p = _command(sub, "score")
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
        help="scored file: .csv, .tsv, .txt, .parquet or .pq; - writes CSV to stdout "
        "(a CSV output keeps the input's separator: .tsv for tab-separated input)",
    )
    p.add_argument(
        "--chunksize",
        type=positive_int,
        default=100_000,
        metavar="N",
        help="at most N rows scored at a time (default 100000)",
    )
    p.add_argument(
        "--precision",
        type=positive_int,
        default=None,
        metavar="N",
        help="round probabilities to N significant digits (default: every digit, lossless)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    p.add_argument(
        "--explain",
        action="store_true",
        help="add everything a one-case diagnosis says: reasons for the top cause, "
        "pointed_cause (a cause lower down that the answers point to), next_question, "
        "triage_reasons (what set the level, in words), p_pathologic, "
        "risk_<complication>, mpe and p_mpe (slower: each row gets a one-case "
        "diagnosis, about 1,000 rows/s on 2 cores against about 25,000 without, so "
        "15 to 20 minutes for a million rows; slower when the cores are busy)",
    )
    network_option(p)

    p = sub.add_parser(
        "ask",
        help="interactive questionnaire: the red-flag screen, then the most informative "
        "question first ('back' undoes an answer)",
        description="Ask the questions of the case-file contract one at a time: first the "
        "screen (every red flag and every question whose answer can set the triage "
        "level, alone or with another answer), then the most informative question. "
        "Answer with a value (yes/no, a number, a choice), an unsure 70%, or: skip "
        "(pass), back (undo the last "
        "answer), quit (stop); an empty line or ? shows the allowed answers.",
    )
    p.add_argument(
        "--min-gain",
        type=non_negative_float,
        default=0.01,
        metavar="BITS",
        help="after the screen (red flags and the questions that can set the triage), "
        "stop when no question is expected to gain this much (0.01; 0 asks every question)",
    )
    p.add_argument(
        "--show-information",
        action="store_true",
        help="for teaching: show each question's expected information gain (bits), "
        "P(serious cause) and the full report",
    )
    network_option(p)

    p = sub.add_parser(
        "figures",
        help="write the teaching figures (PNG, SVG, PDF) and their alt text",
        description="Write the teaching figures of the network and of one case, and "
        "captions.md beside them: one sentence of alt text per figure file (also written "
        "into each file: a PNG's Description, an SVG's <desc>, a PDF's Subject). The "
        "files are listed on standard output, captions.md last; standard error says each "
        "figure as it is drawn. The figures: 01 network, 01b diagnostic view, 02-06 the "
        "example case (network beliefs, causes, evidence impact, next questions, "
        "sensitivity), 07 the case beside built-in scenarios, 08 case mix, 09-10 "
        "calibration and ROC (each AUC with its 95% confidence interval) on 2000 "
        "synthetic cases. --out and --cases are checked before anything is drawn. A file "
        "is never deleted: drawing a figure again at another size or in fewer formats "
        "replaces the files of the formats asked for and leaves the others (a warning "
        "names them, with the size they were drawn at); captions.md lists every figure "
        "file in DIR under the size it was drawn at.",
    )
    p.add_argument(
        "--out",
        "-o",
        required=True,
        metavar="DIR",
        help="folder to write into; created, with any missing folders above it, if it does "
        "not exist (standard error then says 'created folder ...'); a folder that cannot be "
        "written or created is refused before any drawing",
    )
    p.add_argument(
        "--format",
        type=figure_formats,
        default=("png",),
        metavar="LIST",
        help="comma-separated formats among png, svg, pdf, each written once (default: png)",
    )
    p.add_argument(
        "--cases",
        metavar="FILE",
        help="a case file (CSV, semicolon or tab CSV, or Parquet) for the case-mix figure; "
        "the case figures (02-06, and 07 beside the built-in scenarios) show one of its "
        "cases only with --case-id",
    )
    p.add_argument(
        "--case-id",
        metavar="ID",
        help="the example case: this case_id of --cases, or its row number (1 = the first "
        "case, as score counts) when the file has no case_id column",
    )
    answer_option(
        p,
        "the example case by its answers instead, as diagnose takes them (repeat, once "
        "per question: -a age=30 -a fever=yes); the figures call it 'the case given'",
    )
    follows = "the cause the evidence-impact and sensitivity figures follow (default: top cause)"
    p.add_argument("--cause", metavar="NAME", help=follows)
    p.add_argument(
        "--dpi",
        type=dpi,
        default=300,
        help=f"PNG resolution, 1 to {MAX_DPI} (default: 300; under 100 a warning: text blurs)",
    )
    p.add_argument(
        "--only",
        type=figure_selection,
        metavar="LIST",
        help="draw only these figures (and compute only what they show), comma-separated: "
        "numbers (01, 01b, 02 ... 10, or 3 for 03) or groups: network (01, 01b), case "
        "(02-06), scenarios (07), case-mix (08), evaluation (09, 10); e.g. --only case or "
        "--only 03,05 (default: every figure). Other files in DIR are left alone, and "
        "captions.md keeps their lines (under the size they were drawn at)",
    )
    p.add_argument(
        "--size",
        choices=FIGURE_SIZES,
        default="slide",
        help="slide: 13.33 x 7.5 in, 16:9, no text under 9 pt (default); page: 7.0 in "
        "(178 mm) wide, a journal's double column; column: 3.5 in (89 mm) wide, one "
        "journal column. A journal size lays figures 03-10 out anew for that width, each "
        "as tall as it needs (at most 9 in), with no text under 6 pt as printed; PNG "
        "files are exactly width x height x DPI pixels. The whole network is readable "
        "on a slide only: with page, 01 is its structure (one box per group, 7 in wide) "
        "and 01b and 02 are drawn on a slide; with column all three are drawn on a slide; "
        "stderr says so. --only naming network figures alone that the size cannot hold "
        "(--only 02 with page, --only 01 with column) is an error",
    )
    p.add_argument("--no-progress", action="store_true", help="no line per figure drawn on stderr")
    network_option(p)

    p = _command(sub, "sample")
    p.add_argument("-n", type=whole_number, required=True, metavar="N", help="number of cases")
    p.add_argument(
        "--seed", type=whole_number, required=True, metavar="S", help="random seed, 0 or more"
    )
    p.add_argument(
        "--missing",
        type=share,
        default=0.3,
        metavar="F",
        help="share of blank answers, 0 to 1 (0.3)",
    )
    p.add_argument(
        "--output",
        "-o",
        default="-",
        metavar="FILE",
        help="file to write, written as it is drawn: .csv, .tsv, .txt (CSV) or .parquet/.pq; "
        "- for CSV on standard output (default)",
    )
    network_option(p)

    p = sub.add_parser(
        "fit",
        help="fit the network's numbers to a case file",
        description="Fit the network's numbers to a case file by EM (expectation-maximisation), "
        "with the expert numbers as a Dirichlet prior. Stops when no probability changes by "
        "more than 0.001 in a round, or after --max-iter rounds; the 'wrote' line on "
        "standard error says whether it converged.",
    )
    p.add_argument(
        "cases",
        metavar="FILE",
        help="case file (CSV, semicolon or tab CSV, or Parquet) in the case-file contract; "
        "true_<cause> columns (or a true_cause / expected_cause label naming the cause "
        "found), where given, are used as observed causes",
    )
    p.add_argument(
        "--output",
        "-o",
        required=True,
        metavar="SPEC.toml",
        help="the fitted knowledge base, a complete .toml file for --network and "
        "check (an existing folder gets fitted.toml, unless it holds a knowledge base's "
        ".toml files; missing folders are created)",
    )
    p.add_argument(
        "--prior-weight",
        type=non_negative_float,
        default=50.0,
        metavar="W",
        help="pseudo-cases of the expert table per parent configuration, 0 or more (50)",
    )
    p.add_argument(
        "--max-iter", type=positive_int, default=100, metavar="N", help="most EM iterations (100)"
    )
    network_option(p)

    p = sub.add_parser(
        "evaluate",
        help="compare scores with the known causes of a case file",
        description="Compare the network's scores with the known causes of a case file: "
        "top-1 and top-3 accuracy and triage agreement with their 95% confidence intervals "
        "(Wilson's), AUC per cause with its own (auc_low, auc_high), Brier score, log "
        "loss and calibration, and how many cases with a serious true cause were triaged "
        "self_care. Triage levels are compared (the confusion matrix, its agreement, the "
        "emergency cases sent home) only for the rows that give an expected_triage "
        "(emergency, see_doctor or self_care): without that column, or where it is blank, "
        "they are not compared (the expected level is never guessed from the cause).",
    )
    p.add_argument(
        "cases",
        metavar="FILE",
        help="scored or raw case file with the truth: true_<cause> yes/no columns, or a "
        "true_cause / expected_cause column naming the cause; optionally expected_triage",
    )
    p.add_argument("--json", action="store_true", help="print JSON instead of tables")
    p.add_argument("--rank", default="posterior", metavar="HOW", help=_RANK_HELP)
    p.add_argument(
        "--by", metavar="COLUMN", help="also evaluate group by group, e.g. --by source_kind"
    )
    p.add_argument(
        "--compare",
        metavar="PATH",
        help="a second knowledge base (folder or TOML file) to compare with the --network "
        "one, case by case: both evaluations side by side on the rows both can score, the "
        "cases each ranks first or "
        "in the top three that the other does not, McNemar's exact test on those, and "
        "every case whose expected cause moved (needs raw cases, not a scored file)",
    )
    network_option(p)

    p = _command(sub, "check")
    p.add_argument(
        "spec",
        nargs="?",
        default=None,
        metavar="PATH",
        help="folder of *.toml files or one TOML file (default: bundled)",
    )
    network_option(p)

    p = _command(sub, "export")
    formats = ["bif", "xmlbif", "net", "xdsl", "uai"]
    p.add_argument(  # any case, as figures' --format takes 'PNG'
        "--format", "-f", type=str.lower, choices=formats, help=_EXPORT_FORMAT_HELP
    )
    p.add_argument("--output", "-o", required=True, metavar="FILE", help=_EXPORT_OUTPUT_HELP)
    network_option(p)

    p = _command(sub, "schema")
    p.add_argument(
        "--format",
        choices=["table", "csv", "markdown"],
        default="table",
        help="print a plain table (default), CSV or a Markdown table",
    )
    p.add_argument(
        "--outputs",
        action="store_true",
        help="describe the columns 'score' adds (with 'score --explain') instead of the questions",
    )
    network_option(p)
    return parser
