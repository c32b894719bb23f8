"""SIGTERM while pyarrow reads ahead: exit 143 in one line, and pyarrow holds nothing of
ours when the command ends (a thread of pyarrow's that lets go of a Python object
while the interpreter shuts down aborts the process: "terminate called ...")."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

# The child reads in blocks of 256 KiB and sends itself SIGTERM from pyarrow's reading
# thread at its READS-th read; once the command is over, it names whatever of ours is
# still alive or still held by pyarrow.
CHILD = """
import gc, os, signal, sys
from backspasm.scoring import held, lines, run
run.score_file.__kwdefaults__["chunk_bytes"] = 256 * 1024
reads, real = [0], lines._Guard.read
def read(self, size=-1):
    reads[0] += 1
    if reads[0] == int(os.environ["READS"]):
        os.kill(os.getpid(), signal.SIGTERM)
    return real(self, size)
lines._Guard.read = read
from backspasm.cli import main
code = main(sys.argv[1:])
gc.collect()
for kept in list(held._OPEN):
    print(f"left: {kept.count} blocks, {getattr(kept, 'kept', '?')} objects", file=sys.stderr)
guards = sum(isinstance(o, lines._Guard) for o in gc.get_objects())
if guards:
    print(f"left: {guards} guards", file=sys.stderr)
sys.exit(code)
"""


@pytest.fixture(scope="module")
def cases(tmp_path_factory) -> Path:
    """About 6 MB of cases: two dozen blocks of 256 KiB."""
    path = tmp_path_factory.mktemp("cases") / "cases.csv"
    row = "{i},45,male,yes,no,lower_back,3,a note long enough to fill the file quickly\n"
    with path.open("w") as fh:
        fh.write(
            "case_id,age,sex,fever,saddle_numbness,spasm_location,spasm_duration_weeks,note\n"
        )
        fh.writelines(row.format(i=i) for i in range(75_000))
    return path


@pytest.mark.parametrize("reads", [3, 8, 14])
def test_sigterm_mid_read_ends_cleanly(tmp_path, cases, reads):
    out = tmp_path / "out.csv"
    out.write_text("OLD\n")
    child = subprocess.run(
        [sys.executable, "-c", CHILD, "score", str(cases), "-o", str(out), "--no-progress"],
        env={**os.environ, "READS": str(reads)},
        capture_output=True,
        timeout=300,
    )
    err = child.stderr.decode()
    assert "terminate called" not in err
    assert err == "backspasm score: interrupted; nothing written\n"
    assert child.returncode == 143
    assert out.read_text() == "OLD\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]
