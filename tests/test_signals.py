"""A signal that arrives while the main thread imports stops the run once the import is
over, and never leaves Python's import lock held (which hung `backspasm score` for good:
its helper thread, loading the compiled kernel, waited for that lock forever)."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path
from types import FrameType

import pytest

from backspasm._signals import Interrupted, SignalGuard

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

# The main thread imports a new module while another thread holds the import lock, so
# it waits inside the import machinery; SIGTERM arrives, then the lock is let go. The
# guard must not raise before the import machinery has released that lock again: a
# thread importing afterwards names what became of it.
CHILD = """
import _imp, os, signal, sys, threading, time
from backspasm._signals import Interrupted, SignalGuard
sys.path.insert(0, sys.argv[1])

def hold_the_lock():
    _imp.acquire_lock()
    time.sleep(0.3)  # the main thread is waiting for the lock by now
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(0.2)
    _imp.release_lock()

try:
    with SignalGuard("interrupted; nothing written"):
        threading.Thread(target=hold_the_lock).start()
        import waited_for
        for _ in range(500):
            time.sleep(0.01)
    print("not interrupted")
except Interrupted as exc:
    print(f"interrupted: {exc}, imported: {'waited_for' in sys.modules}")
later = threading.Thread(target=lambda: __import__("imported_later"), daemon=True)
later.start()
later.join(10)
print("later import stuck" if later.is_alive() else "later import done")
"""


def test_a_signal_during_an_import_waits_for_it_and_leaves_the_import_lock_free(
    tmp_path: Path,
) -> None:
    (tmp_path / "waited_for.py").write_text("VALUE = 1\n")
    (tmp_path / "imported_later.py").write_text("VALUE = 2\n")
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.stderr == ""
    assert child.stdout.splitlines() == [
        "interrupted: interrupted; nothing written, imported: True",
        "later import done",
    ]


def test_a_signal_held_back_by_an_import_is_passed_on_when_the_guard_ends() -> None:
    """A signal still waiting for an import when the block ends is not lost."""
    with pytest.raises(KeyboardInterrupt) as caught, SignalGuard("stop") as guard:
        # As the handler sees a SIGINT that came in the middle of an import.
        guard._handle(signal.SIGINT, _frame_in("<frozen importlib._bootstrap>"))
    # Python's own Ctrl-C handler, restored by the guard, raised it.
    assert type(caught.value) is KeyboardInterrupt
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_signal_outside_an_import_raises_at_once() -> None:
    with pytest.raises(Interrupted) as caught, SignalGuard("stop") as guard:
        guard._handle(signal.SIGTERM, _frame_in(__file__))
    assert caught.value.exit_code == 128 + signal.SIGTERM


def _frame_in(filename: str) -> FrameType:
    """A live frame of code compiled as if it came from ``filename``."""
    scope: dict[str, object] = {"sys": sys}
    exec(compile("frame = sys._getframe()", filename, "exec"), scope)
    frame = scope["frame"]
    assert isinstance(frame, FrameType)
    return frame
