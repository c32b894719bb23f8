"""backspasm ask: next-best questions, skip and quit, stopping, piped stdin."""

from __future__ import annotations

import io

from backspasm.cli import main
from backspasm.diagnosis import diagnose
from backspasm.interview import interview


def run(lines, **options):
    prompts: list[str] = []
    shown: list[str] = []
    feed = iter(lines)

    def read(prompt):
        prompts.append(prompt)
        return next(feed, None)

    result = interview(read, shown.append, **options)
    return result, prompts, shown


def test_asks_the_most_informative_question_first():
    expected = diagnose({}).next_questions()["prompt"].iloc[0]
    _, prompts, _ = run(["quit"])
    assert prompts[0].startswith(expected)


def valid_answer(prompt):
    if "weeks" in prompt:
        return "3"
    if "How old" in prompt:
        return "40"
    if "sex" in prompt:
        return "female"
    return "yes"


def test_answers_update_the_ranking_and_skip_moves_on():
    start = {"spasm_location": "flank"}
    ranked = diagnose(start).next_questions()["question"].tolist()
    replies = iter(["skip", None, "quit"])
    prompts: list[str] = []
    shown: list[str] = []

    def read(prompt):
        prompts.append(prompt)
        reply = next(replies)
        return valid_answer(prompt) if reply is None else reply

    d = interview(read, shown.append, answers=start)
    assert ranked[0] not in d.answers  # skipped
    assert ranked[1] in d.answers  # the next-best question was asked and answered
    assert len(prompts) == 3
    assert len(d.answers) == 2
    assert sum(line.startswith("  -> triage") for line in shown) == 2


def test_invalid_answer_is_explained_and_asked_again():
    _, prompts, shown = run(["maybe", "quit"], answers={"spasm_duration_weeks": 2, "age": 30})
    assert prompts[0] == prompts[1]
    assert any("must be" in line and "got 'maybe'" in line for line in shown)


def test_stops_when_no_question_is_worth_asking():
    d, prompts, shown = run([], min_gain=10.0)
    assert prompts == []
    assert "No remaining question is worth asking." in shown
    assert "triage:" in "\n".join(shown)
    assert d.answers == {}


def test_end_of_input_stops_cleanly():
    d, _, shown = run([])
    assert "Stopped." in shown
    assert d.triage in {"emergency", "see_doctor", "self_care"}


def test_cli_ask_reads_piped_stdin(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("2\nyes\nyes\nquit\n"))
    assert main(["ask"]) == 0
    out = capsys.readouterr().out
    assert out.count("> ") >= 3
    assert "Stopped." in out
    assert "triage:" in out
