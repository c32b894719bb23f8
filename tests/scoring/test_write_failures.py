"""A write that fails (a full disk) names what was being written, and leaves the old
output, its sidecar and no temporary file behind."""

from __future__ import annotations

import errno
import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from backspasm import _files
from backspasm.cli import main
from backspasm.exceptions import CaseFileError
from backspasm.network import default_network
from backspasm.scoring import run, score_file, writers

CASES = "case_id,age,fever\na,40,yes\nb,70,no\n"


@pytest.fixture(scope="module")
def net():
    return default_network()


class Full(io.RawIOBase):
    """A file that takes ``room`` bytes, then fails as a full disk does."""

    def __init__(self, inner: Any, room: int) -> None:
        super().__init__()
        self.inner = inner
        self.room = room

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        size = len(memoryview(data).cast("B"))
        if size > self.room:
            raise OSError(errno.ENOSPC, "No space left on device")
        self.room -= size
        return self.inner.write(data)

    def flush(self) -> None:
        if not self.inner.closed:
            self.inner.flush()

    def fileno(self) -> int:
        return self.inner.fileno()

    def close(self) -> None:
        super().close()
        self.inner.close()


def fill_output(monkeypatch, room: int) -> None:
    """Make the output file (not its sidecar) run out of room after ``room`` bytes."""
    real = writers.Sink.__init__

    def init(self, output):
        real(self, output)
        self.fh = Full(self.fh, room)

    monkeypatch.setattr(writers.Sink, "__init__", init)


def old_files(tmp_path: Path, name: str) -> tuple[Path, Path]:
    src = tmp_path / "in.csv"
    src.write_text(CASES)
    dest = tmp_path / name
    dest.write_text("OLD")
    meta = Path(f"{dest}.meta.json")
    meta.write_text("OLD META")
    return dest, meta


def assert_untouched(tmp_path: Path, dest: Path, meta: Path) -> None:
    assert dest.read_text() == "OLD"
    assert meta.read_text() == "OLD META"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["in.csv", dest.name, meta.name])


def fail_rename_onto(monkeypatch, dst: Path, error: BaseException) -> None:
    """Make every rename onto ``dst`` raise ``error`` (the others go through)."""
    real = _files.os.replace

    def replace(src, to):
        if Path(to) == dst:
            raise error
        real(src, to)

    monkeypatch.setattr(_files.os, "replace", replace)


@pytest.mark.parametrize("name", ["out.csv", "out.parquet"])
@pytest.mark.parametrize("room", [0, 100])
def test_a_full_disk_names_the_output(tmp_path, net, monkeypatch, name, room):
    dest, meta = old_files(tmp_path, name)
    fill_output(monkeypatch, room)
    with pytest.raises(CaseFileError) as caught:
        score_file(tmp_path / "in.csv", dest, network=net)
    message = str(caught.value)
    assert message.startswith(f"cannot write the output '{dest}': No space left on device; ")
    assert "nothing was written" in message
    assert_untouched(tmp_path, dest, meta)


def test_a_full_disk_for_the_sidecar_names_the_sidecar(tmp_path, net, monkeypatch):
    dest, meta = old_files(tmp_path, "out.csv")

    class FullSidecar(_files.AtomicFile):
        def __init__(self, path):
            super().__init__(path)
            self.fh = Full(self.fh, 10)  # type: ignore[assignment]

    monkeypatch.setattr(run, "AtomicFile", FullSidecar)
    with pytest.raises(CaseFileError) as caught:
        score_file(tmp_path / "in.csv", dest, network=net)
    message = str(caught.value)
    assert message.startswith(
        f"cannot write the provenance sidecar '{meta}': No space left on device; "
    )
    assert f"the output '{dest}' and its sidecar are left as they were" in message
    assert_untouched(tmp_path, dest, meta)


def test_a_full_standard_output_says_so_in_one_line(tmp_path, net, monkeypatch, capsys):
    src = tmp_path / "in.csv"
    src.write_text(CASES)

    class Stdout:
        buffer = Full(io.BytesIO(), 0)

        def write(self, text: str) -> int:
            return len(text)

        def flush(self) -> None:
            pass

    monkeypatch.setattr(sys, "stdout", Stdout())
    assert main(["score", str(src), "-o", "-", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err == (
        "backspasm score: error: cannot write to standard output: No space left on device; "
        "the output there is incomplete.\n"
    )


def test_a_broken_pipe_is_still_the_end_of_standard_output(tmp_path, net, monkeypatch):
    # `| head` goes away: the command line treats that as the end, not as an error.
    src = tmp_path / "in.csv"
    src.write_text(CASES)

    class Gone(io.RawIOBase):
        def writable(self) -> bool:
            return True

        def write(self, data: Any) -> int:
            raise BrokenPipeError(errno.EPIPE, "Broken pipe")

    monkeypatch.setattr(sys, "stdout", type("Stdout", (), {"buffer": Gone()})())
    with pytest.raises(BrokenPipeError):
        score_file(src, "-", network=net)


def test_a_rename_that_fails_names_the_output_and_leaves_it(tmp_path, net, monkeypatch):
    # A rename can fail on some shared or network file systems (EBUSY, EPERM): the
    # message names the file, the old output stays and no temporary file is left.
    dest, meta = old_files(tmp_path, "out.csv")
    fail_rename_onto(monkeypatch, dest, OSError(errno.EBUSY, "Device or resource busy"))
    with pytest.raises(CaseFileError) as caught:
        score_file(tmp_path / "in.csv", dest, network=net)
    assert str(caught.value) == (
        f"cannot write '{dest}': Device or resource busy (it was left as it was)"
    )
    assert_untouched(tmp_path, dest, meta)


class Killed(BaseException):
    """SIGKILL, as far as the files on disk can tell: nothing after it runs."""


def kill_at(monkeypatch, dst: Path) -> None:
    """Make the rename onto ``dst`` be where the run is killed."""
    fail_rename_onto(monkeypatch, dst, Killed())


def test_a_run_killed_between_the_renames_leaves_no_old_sidecar_beside_the_new_output(
    tmp_path, net, monkeypatch
):
    # The output was renamed, then its sidecar: killed between the two, the new
    # output stood beside the old sidecar, whose input hash and counts are another's.
    dest, meta = old_files(tmp_path, "out.csv")
    kill_at(monkeypatch, meta)
    with pytest.raises(Killed):
        score_file(tmp_path / "in.csv", dest, network=net)
    assert dest.read_text().startswith("case_id,age,fever,")
    assert not meta.exists()
    monkeypatch.undo()
    score_file(tmp_path / "in.csv", dest, network=net)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", dest.name, meta.name]
    assert json.loads(meta.read_text())["rows"] == 2


def test_a_run_killed_before_the_output_is_renamed_leaves_the_old_output_without_sidecar(
    tmp_path, net, monkeypatch
):
    dest, meta = old_files(tmp_path, "out.csv")
    kill_at(monkeypatch, dest)
    with pytest.raises(Killed):
        score_file(tmp_path / "in.csv", dest, network=net)
    assert dest.read_text() == "OLD"
    assert not meta.exists()


def test_a_sidecar_rename_that_fails_says_the_output_was_written_without_it(
    tmp_path, net, monkeypatch
):
    # It said the sidecar "was left as it was": the old one, beside the new output.
    dest, meta = old_files(tmp_path, "out.csv")
    fail_rename_onto(monkeypatch, meta, OSError(errno.EBUSY, "Device or resource busy"))
    with pytest.raises(CaseFileError) as caught:
        score_file(tmp_path / "in.csv", dest, network=net)
    assert str(caught.value) == (
        f"cannot write '{meta}': Device or resource busy (the output '{dest}' was written "
        "without it)"
    )
    assert dest.read_text().startswith("case_id,age,fever,")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", dest.name]
