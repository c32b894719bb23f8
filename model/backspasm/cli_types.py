"""The command line's argument types (an option's text to a value, or a refusal).

Each refusal is one line that argparse shows under the command's usage.
"""

from __future__ import annotations

import argparse
import math

__all__ = [
    "FIGURE_FORMATS",
    "FIGURE_SIZES",
    "MAX_DPI",
    "dpi",
    "figure_formats",
    "figure_selection",
    "finite_float",
    "non_negative_float",
    "positive_int",
    "share",
    "whole_number",
]

#: What ``figures --format``, ``--dpi`` and ``--size`` accept: those of
#: :mod:`backspasm.figures._save` and :mod:`backspasm.figures._style`, repeated so
#: that parsing imports no matplotlib (a test holds them equal).
FIGURE_FORMATS: tuple[str, ...] = ("png", "svg", "pdf")
MAX_DPI = 1200
FIGURE_SIZES: tuple[str, ...] = ("slide", "page", "column")


def positive_int(text: str) -> int:
    """Return a whole number of at least 1 (an argparse type)."""
    return _whole_number_from(text, 1)


def whole_number(text: str) -> int:
    """Return a whole number of at least 0 (an argparse type)."""
    return _whole_number_from(text, 0)


def _whole_number_from(text: str, least: int) -> int:
    """Return the whole number ``text`` says, refused under ``least``."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number; got {text!r}") from None
    if value < least:
        raise argparse.ArgumentTypeError(f"must be {least} or more; got {value}")
    return value


def share(text: str) -> float:
    """Return a number from 0 to 1 (an argparse type)."""
    value = finite_float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be a share from 0 to 1 (0.3 = 30%); got {text!r}")
    return value


def non_negative_float(text: str) -> float:
    """Return a finite number of at least 0 (an argparse type)."""
    value = finite_float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more; got {text!r}")
    return value


def dpi(text: str) -> int:
    """Return a PNG resolution, 1 to :data:`MAX_DPI` (an argparse type)."""
    value = positive_int(text)
    if value > MAX_DPI:
        raise argparse.ArgumentTypeError(f"must be 1 to {MAX_DPI}; got {value}")
    return value


def figure_formats(text: str) -> tuple[str, ...]:
    """Return the formats of a comma-separated list, each once (an argparse type)."""
    formats = [f.strip().lower() for f in text.split(",") if f.strip()]
    bad = [f for f in formats if f not in FIGURE_FORMATS]
    if bad or not formats:
        what = f"{', '.join(repr(f) for f in bad)} is not one" if bad else "none given"
        raise argparse.ArgumentTypeError(
            f"must be one or more of {', '.join(FIGURE_FORMATS)}, separated by commas "
            f"(e.g. png,svg); got {text!r} ({what})"
        )
    return tuple(dict.fromkeys(formats))


def figure_selection(text: str) -> tuple[str, ...]:
    """Return the teaching figures a comma-separated list names (an argparse type).

    Numbers, file stems and groups, as
    :func:`backspasm.figures.teaching.select_figures` reads them (imported only for
    ``--only``: it imports no matplotlib).
    """
    from backspasm.exceptions import BackspasmError
    from backspasm.figures.teaching import select_figures

    try:
        return select_figures([name for name in text.split(",") if name.strip()])
    except BackspasmError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def finite_float(text: str) -> float:
    """Return a finite number (an argparse type): nan and inf are refused."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number; got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number; got {text!r}")
    return value
