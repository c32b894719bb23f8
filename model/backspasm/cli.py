"""The ``backspasm`` command line: thin subcommands over the public API.

Data goes to stdout or files; progress, summaries and errors go to stderr. Exit
codes: 0 success, 2 unusable input or command (one line on stderr, no traceback),
3 a case file was scored but some rows carry errors, 130 and 143 interrupted by SIGINT
and SIGTERM (one line on stderr; ``score`` leaves no file behind).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from backspasm.cli_args import build_parser, parse_args
from backspasm.exceptions import BackspasmError

if TYPE_CHECKING:
    from backspasm.network import Network
    from backspasm.questionnaire import Question

__all__ = ["main"]

EXIT_OK = 0
EXIT_UNUSABLE = 2
EXIT_ROW_ERRORS = 3
EXIT_INTERRUPTED = 130  # 128 + SIGINT; 143 (128 + SIGTERM) for a SIGTERM
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: the reader of standard output went away
_NOTHING_WRITTEN = "interrupted; nothing written"


def _tell(text: str) -> None:
    """Print a command's closing report on standard error, keeping its exit code.

    A reader that went away (``2>&1 | head -1``) loses the report, not the code that
    says whether rows failed: a broken pipe raised from here would end as success.
    """
    try:
        print(text, file=sys.stderr, flush=True)
    except BrokenPipeError:
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115


def _network(path: str | None) -> Network:
    from backspasm.network import default_network, load_network

    return load_network(path) if path else default_network()


def _cmd_check(args: argparse.Namespace) -> int:
    from backspasm.network import Network
    from backspasm.spec import load_spec

    if args.spec and args.network and args.spec != args.network:
        raise BackspasmError("give the knowledge base once: PATH or --network, not both.")
    spec = load_spec(args.spec or args.network)
    print(Network(spec).report())
    return EXIT_OK


def _cli_answers(items: Sequence[str], questions: Sequence[Question]) -> dict[str, str]:
    """Parse ``--answer NAME=VALUE`` items, once per question (values read by diagnose).

    ``questions`` are those of the network the answers are for (``--network``).
    """
    given: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep:
            raise BackspasmError(f"an answer takes NAME=VALUE (e.g. fever=yes); got {item!r}.")
        name = name.strip()
        if name in given and not _same_answer(name, given[name], value, questions):
            raise BackspasmError(
                f"the answer {name} is given twice, as {given[name]!r} and {value!r}; "
                "give each question once."
            )
        given[name] = value
    return given


def _same_answer(name: str, first: str, second: str, questions: Sequence[Question]) -> bool:
    """Whether two answers to one question say the same (``yes`` and ``Y`` do)."""
    from backspasm.questionnaire import get_question, same_answer

    try:
        question = get_question(name, questions)
    except BackspasmError:  # an unknown question: diagnose() will say so
        return first.strip().lower() == second.strip().lower()
    return same_answer(question, first, second)


def _cmd_diagnose(args: argparse.Namespace) -> int:
    from backspasm.diagnosis import diagnose
    from backspasm.questionnaire import questions_for

    net = _network(args.network)
    answers = _cli_answers([*args.answers, *args.answer], questions_for(net))
    result = diagnose(answers, network=net)
    if args.json:
        data = result.to_dict()
        if args.counterfactual:
            ranking = result.counterfactual_ranking()
            data["counterfactual_ranking"] = ranking.to_dict(orient="records")
        print(json.dumps(data, indent=2))
    else:
        print(result.summary(top=args.top, counterfactual=args.counterfactual))
    return EXIT_OK


def _cmd_ask(args: argparse.Namespace) -> int:
    from backspasm.interview import interview

    stdin = sys.stdin
    if stdin is None:  # started with standard input closed: nothing to read
        interactive = False
    else:
        interactive = stdin.isatty()
        if isinstance(stdin, io.TextIOWrapper):
            # bytes that are not UTF-8 read as U+FFFD: an answer ask refuses, not a traceback
            stdin.reconfigure(errors="replace")

    interrupted = False

    def read(prompt: str) -> str | None:
        nonlocal interrupted
        if stdin is None:
            return None
        if interactive:
            try:
                return input(prompt)
            except EOFError:  # Ctrl-D: end the prompt's line before the last words
                print()
                return None
            except KeyboardInterrupt:  # Ctrl-C: stop as quit does, with the summary
                print()
                interrupted = True
                return None
        print(prompt, flush=True)
        line = stdin.readline()
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
    return EXIT_INTERRUPTED if interrupted else EXIT_OK


def _cmd_figures(args: argparse.Namespace) -> int:
    from backspasm._text import did_you_mean
    from backspasm.figures import write_teaching_figures
    from backspasm.figures.teaching import CAPTIONS_FILE
    from backspasm.questionnaire import questions_for

    # Checked here to name the options: the library names its parameters.
    if args.case_id is not None and args.answer:
        raise BackspasmError("give the example case once: --case-id or --answer, not both.")
    if args.case_id is not None and args.cases is None:
        raise BackspasmError("--case-id needs --cases FILE.")
    if os.path.exists(args.out) and not os.path.isdir(args.out):
        raise BackspasmError(f"--out must be a folder; '{args.out}' is a file.")
    network = _network(args.network)
    if args.cause is not None and args.cause not in network.causes:
        raise BackspasmError(
            f"--cause must be a cause of the network ({', '.join(network.causes)}); "
            f"got {args.cause!r}.{did_you_mean(args.cause, network.causes)}"
        )

    def say(line: str) -> None:
        print(f"backspasm figures: {line}", file=sys.stderr, flush=True)

    paths = write_teaching_figures(
        args.out,
        formats=args.format,
        network=network,
        cases=args.cases,
        case_id=args.case_id,
        answers=_cli_answers(args.answer, questions_for(network)) if args.answer else None,
        cause=args.cause,
        dpi=args.dpi,
        only=args.only,
        progress=None if args.no_progress else say,
        note=say,
        size=args.size,
    )
    for path in paths:
        print(path)
    print(Path(args.out) / CAPTIONS_FILE)  # written on every run, listed last
    files, whose = ("1 file", "its") if len(paths) == 1 else (f"{len(paths)} files", "their")
    print(f"wrote {files} to {args.out}; {whose} alt text is in {CAPTIONS_FILE}", file=sys.stderr)
    return EXIT_OK


def _cmd_sample(args: argparse.Namespace) -> int:
    from backspasm._files import output_format
    from backspasm._signals import SignalGuard
    from backspasm.learning import iter_sample_cases, write_cases

    output_format(args.output)  # refuse a wrong extension before sampling
    frames = iter_sample_cases(
        args.n, network=_network(args.network), seed=args.seed, missing=args.missing
    )
    with SignalGuard(_NOTHING_WRITTEN):  # SIGTERM, SIGHUP: the temporary file removed
        rows = write_cases(frames, args.output)
    if args.output != "-":
        print(f"wrote {args.output} ({rows} cases, seed {args.seed})", file=sys.stderr)
    return EXIT_OK


def _cmd_fit(args: argparse.Namespace) -> int:
    from backspasm._signals import SignalGuard
    from backspasm.learning import fit_network, write_spec
    from backspasm.learning.spec_writer import fitted_path

    network = _network(args.network)
    fitted_path(args.output, network.spec.origin)  # refuse a wrong name before fitting
    with SignalGuard(_NOTHING_WRITTEN):
        fit = fit_network(
            args.cases,
            network=network,
            prior_weight=args.prior_weight,
            max_iter=args.max_iter,
        )
        path = write_spec(fit, args.output)
    print(f"wrote {path}: {fit}", file=sys.stderr)
    return EXIT_OK


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from backspasm.learning import evaluate_groups
    from backspasm.learning.grouped import groups_dict, groups_report

    network = _network(args.network)
    if args.compare:
        return _compare(args, network)
    result, groups = evaluate_groups(args.cases, args.by, network=network, rank=args.rank)
    if result.n_cases == 0:
        raise BackspasmError(
            f"no row of {args.cases} could be evaluated: {result.n_excluded} had a scoring "
            f"error and {result.n_no_truth} no truth (`backspasm score` names each row's "
            "error)."
        )
    if args.json:
        print(json.dumps(groups_dict(result, groups, args.by), indent=2))
    else:
        print(groups_report(result, groups, args.by))
    return EXIT_OK


def _compare(args: argparse.Namespace, network: Network) -> int:
    from backspasm.learning import compare_networks

    if args.by:
        raise BackspasmError("give --by or --compare, not both: compare whole files.")
    result = compare_networks(args.cases, _network(args.compare), baseline=network, rank=args.rank)
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
        return EXIT_OK
    print(f"baseline: {args.network or 'the bundled network'}; candidate: {args.compare}")
    print(result.report())
    return EXIT_OK


def _cmd_score(args: argparse.Namespace) -> int:
    from backspasm._files import check_paths

    # Refuse an unsafe or unwritable output before loading anything heavy.
    check_paths(args.input, args.output)
    from backspasm._memory import limit_malloc_arenas
    from backspasm.scoring import score_file

    limit_malloc_arenas()  # this process only scores: fewer arenas, less memory kept

    summary = score_file(
        args.input,
        args.output,
        network=_network(args.network),
        chunksize=args.chunksize,
        precision=args.precision,
        progress=False if args.no_progress else None,
        explain=args.explain,
    )
    _tell(summary.format())
    return summary.exit_code


def _cmd_export(args: argparse.Namespace) -> int:
    from backspasm._network_export import export_format

    net = _network(args.network)
    path = net.export(args.output, format=args.format)
    if args.output != "-":
        print(f"wrote {path} ({export_format(path, args.format)})", file=sys.stderr)
    return EXIT_OK


def _cmd_schema(args: argparse.Namespace) -> int:
    from backspasm.dictionary import (
        data_dictionary,
        data_dictionary_markdown,
        data_dictionary_text,
        output_dictionary,
    )
    from backspasm.questionnaire import questions_for

    net = _network(args.network) if args.network else None
    if args.outputs:
        table = output_dictionary(net)
    else:
        table = data_dictionary(questions_for(net) if net else None)
    if args.format == "csv":
        sys.stdout.write(table.to_csv(index=False))
    elif args.format == "markdown":
        print(data_dictionary_markdown(table))
    else:
        print(data_dictionary_text(table))
    return EXIT_OK


_COMMANDS = {
    "diagnose": _cmd_diagnose,
    "score": _cmd_score,
    "ask": _cmd_ask,
    "figures": _cmd_figures,
    "sample": _cmd_sample,
    "fit": _cmd_fit,
    "evaluate": _cmd_evaluate,
    "check": _cmd_check,
    "export": _cmd_export,
    "schema": _cmd_schema,
}


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
    parser = build_parser()
    args = parse_args(parser, argv)
    caught: list[warnings.WarningMessage] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", UserWarning)
            code: int = _COMMANDS[args.command](args)
    except BackspasmError as exc:
        print(f"backspasm {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    except BrokenPipeError:
        # The reader (`| head`) went away before the end: said as a process killed by
        # SIGPIPE says it, so `set -o pipefail` does not take a cut-off output for all.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        return EXIT_BROKEN_PIPE
    except OSError as exc:
        print(f"backspasm {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    except KeyboardInterrupt as exc:
        # Ctrl-C or SIGTERM (backspasm._signals.Interrupted says what became of the output).
        print(f"backspasm {args.command}: {str(exc) or 'interrupted'}", file=sys.stderr)
        return int(getattr(exc, "exit_code", EXIT_INTERRUPTED))
    finally:
        # A library warning, said once as the command's own line, also when the
        # command then failed (what it warned about often explains the failure).
        for message in dict.fromkeys(str(w.message) for w in caught):
            print(f"backspasm {args.command}: warning: {message}", file=sys.stderr)
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
