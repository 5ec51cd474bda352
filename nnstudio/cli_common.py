"""What the ``nnstudio`` sub-commands share: the program name, usage errors and output helpers.

Kept free of NumPy and Qt so that ``nnstudio --help`` starts fast.
"""

from __future__ import annotations

import argparse

from nnstudio.engine.errors import NNStudioError
from nnstudio.engine.history import number_cell  # noqa: F401  (re-exported for the CLI)

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


def count(n: int, word: str) -> str:
    """``3 epochs``, ``1 epoch``."""
    return f"{n} {word}" + ("" if n == 1 else "s")
