"""Write ``data/synthetic_cases.csv``: synthetic people presenting with back spasm.

The rows are drawn from the bundled network by :func:`backspasm.learning.sample_cases`
(vectorised ancestral sampling, conditioned on ``back_spasm = yes``), with 30% of the
answers left blank and the true causes in ``true_<cause>`` columns. The same seed and
knowledge base always give the same file; rerun this script after the knowledge
base changes.

Usage::

    python scripts/make_synthetic_cases.py [-n 5000] [--seed 2026] [--missing 0.3]
                                           [-o data/synthetic_cases.csv]
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

from backspasm.learning import sample_cases
from backspasm.network import default_network

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "data" / "synthetic_cases.csv"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=5000, help="number of cases (5000)")
    parser.add_argument("--seed", type=int, default=2026, help="random seed (2026)")
    parser.add_argument("--missing", type=float, default=0.3, help="share of blank answers")
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUT, help="CSV to write")
    args = parser.parse_args(argv)
    network = default_network()
    cases = sample_cases(args.n, network=network, seed=args.seed, missing=args.missing)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    text = cases.to_csv(index=False, lineterminator="\n")
    args.output.write_text(text, encoding="utf-8")
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    print(
        f"wrote {args.output} ({len(cases)} rows, seed {args.seed}, missing {args.missing}; "
        f"knowledge base sha256 {network.spec.digest[:16]}; file sha256 {digest[:16]})",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
