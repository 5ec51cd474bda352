"""What the ``nnstudio`` sub-commands share: the program name, usage errors and output helpers.

Kept free of NumPy and Qt so that ``nnstudio --help`` starts fast.
"""

from __future__ import annotations

import argparse
import math

from nnstudio.engine.errors import NNStudioError

PROG = "nnstudio"


class UsageError(Exception):
    """A command-line mistake: exit code 2."""


def say(args: argparse.Namespace, text: str) -> None:
    """Print ``text`` unless the command runs with ``--quiet``."""
    if not getattr(args, "quiet", False):
        print(text)


def write_text(path: str, text: str, what: str) -> None:
    """Write an output file atomically; a failure names ``what`` and the path."""
    from nnstudio.engine.fileio import atomic_write_text

    try:
        atomic_write_text(path, text)
    except OSError as exc:
        raise NNStudioError(f"cannot write the {what} {path} ({exc.strerror or exc})") from None


def number_cell(value: float | None) -> str:
    """A number for a CSV cell: full precision, empty for a missing value (None or NaN)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return repr(float(value))


def count(n: int, word: str) -> str:
    """``3 epochs``, ``1 epoch``."""
    return f"{n} {word}" + ("" if n == 1 else "s")
