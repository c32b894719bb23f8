"""Score one case file with two checkouts of backspasm and compare every output column.

A speed change must not change what a file says: this runs ``backspasm score`` (with
``--explain`` unless ``--no-explain``) on the same input once per model folder, each
in a subprocess with that folder first on ``PYTHONPATH``, prints each run's wall time,
rows/s and peak RSS, and compares the outputs cell by cell: text identical, numbers
within ``--atol`` (1e-12). It exits 1 on any difference.

Example (main against this checkout, the benchmark's sampled file)::

    python scripts/compare_scored.py cases.csv --base /work/main/model --head model
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

# Appended to the measured subprocess: report its own peak resident memory (VmHWM).
PEAK = (
    "import atexit, sys\n"
    "def _peak():\n"
    "    for line in open('/proc/self/status').read().splitlines():\n"
    "        if line.startswith('VmHWM'):\n"
    "            print('PEAK_KIB', line.split()[1], file=sys.stderr)\n"
    "atexit.register(_peak)\n"
    "import runpy; sys.argv = ['backspasm', *sys.argv[1:]]\n"
    "runpy.run_module('backspasm.cli', run_name='__main__')\n"
)


def score(model: Path, source: Path, output: Path, explain: bool) -> tuple[float, int]:
    """Score ``source`` with the backspasm of ``model``: wall seconds and peak KiB."""
    env = {**os.environ, "PYTHONPATH": str(model.resolve())}
    args = ["score", str(source), "-o", str(output), "--no-progress"]
    args += ["--explain"] if explain else []
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", PEAK, *args], env=env, capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - start
    if done.returncode not in (0, 3):
        raise SystemExit(f"scoring with {model} failed ({done.returncode}):\n{done.stderr}")
    peak = [int(x.split()[1]) for x in done.stderr.splitlines() if x.startswith("PEAK_KIB")]
    return wall, peak[-1] if peak else 0


def differences(base: pd.DataFrame, head: pd.DataFrame, atol: float) -> list[str]:
    """Return one line per column that differs (text, or numbers beyond ``atol``)."""
    if list(base.columns) != list(head.columns) or len(base) != len(head):
        return [f"shape or columns differ: {base.shape} {head.shape}"]
    out = []
    for col in base.columns:
        x, y = base[col], head[col]
        differ = (x != y).to_numpy()
        if not differ.any():
            continue
        xf = pd.to_numeric(x, errors="coerce").to_numpy()
        yf = pd.to_numeric(y, errors="coerce").to_numpy()
        numeric = differ & ~np.isnan(xf) & ~np.isnan(yf)
        text = differ & ~numeric
        if text.any():
            i = int(np.flatnonzero(text)[0])
            out.append(f"{col}: {int(text.sum())} cells differ, row {i}: {x[i]!r} / {y[i]!r}")
        if numeric.any():
            worst = float(np.max(np.abs(xf[numeric] - yf[numeric])))
            if worst > atol:
                out.append(f"{col}: numbers differ by up to {worst:.3g}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="the case file to score")
    parser.add_argument("--base", type=Path, required=True, help="model folder of the base")
    parser.add_argument("--head", type=Path, default=Path(__file__).parent.parent / "model")
    parser.add_argument("--no-explain", action="store_true", help="score without --explain")
    parser.add_argument("--atol", type=float, default=1e-12)
    args = parser.parse_args()
    rows = 0
    frames = []
    with tempfile.TemporaryDirectory() as folder:
        for name, model in (("base", args.base), ("head", args.head)):
            output = Path(folder) / f"{name}.csv"
            wall, peak = score(model, args.source, output, not args.no_explain)
            frames.append(pd.read_csv(output, dtype=str, keep_default_na=False))
            rows = len(frames[-1])
            load = os.getloadavg()[0]
            print(
                f"{name} ({model}): {rows:,} rows in {wall:.2f} s = {rows / wall:,.0f} rows/s, "
                f"peak RSS {peak / 1024:,.0f} MiB (load average {load:.2f})"
            )
    found = differences(frames[0], frames[1], args.atol)
    same = f"every column equal ({len(frames[0].columns)} columns, {rows:,} rows)"
    print("\n".join(found) or same)
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
