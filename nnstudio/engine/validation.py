"""Checking a parsed JSON/TOML document key by key, so that every error names the key.

:class:`KeyReader` holds the checks a settings file needs (known keys, whole numbers,
finite numbers, booleans, text, a name from a list); a file format subclasses it with
one method per section. Each error reads ``<source>: <key path>: <what is wrong>``, e.g.
``spiral.json: hidden[1].units: must be at least 1, got 0``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from nnstudio.engine.errors import NNStudioError

MAX_INTEGER = 2**63 - 1  # TOML integers are 64-bit


def value_kind(value: Any) -> str:
    """A parsed value as an error message shows it: ``the text 'x'``, ``a list``, ..."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"{str(value).lower()} (true/false)"
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, dict):
        return "a table/object"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


class KeyReader:
    """Checks values of a parsed document; errors are ``error`` naming ``source`` and the key."""

    error: type[NNStudioError] = NNStudioError

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, path: str, message: str) -> NNStudioError:
        """The error to raise for the key ``path`` (empty: the whole document)."""
        where = f"{self.source}: {path}" if path else self.source
        return self.error(f"{where}: {message}")

    def keys(self, d: Any, allowed: Sequence[str], path: str) -> dict[str, Any]:
        """``d`` itself, after checking it is a table holding only ``allowed`` keys."""
        if not isinstance(d, dict):
            raise self.fail(path or "(top level)",
                            f"expected a table/object, got {value_kind(d)}")
        for key in d:
            if key not in allowed:
                where = f"{path}.{key}" if path else str(key)
                raise self.fail(where, f"unknown key (known keys here: {', '.join(allowed)})")
        return d

    def integer(self, value: Any, path: str, minimum: int | None = None,
                maximum: int | None = None) -> int:
        """A whole number (``2.0`` counts) within the bounds (default maximum: 64-bit)."""
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            else:
                raise self.fail(path, f"expected a whole number, got {value_kind(value)}")
        if minimum is not None and value < minimum:
            raise self.fail(path, f"must be at least {minimum}, got {value}")
        if maximum is None:
            maximum = MAX_INTEGER
        if value > maximum:
            raise self.fail(path, f"must be at most {maximum}, got {value}")
        return int(value)

    def number(self, value: Any, path: str, low: float | None = None, high: float | None = None,
               positive: bool = False) -> float:
        """A finite number within ``low``..``high`` (and > 0 if ``positive``), as a float."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(path, f"expected a number, got {value_kind(value)}")
        try:
            value = float(value)
        except OverflowError:
            raise self.fail(path, "the number is far too large") from None
        if not math.isfinite(value):
            raise self.fail(path, f"must be a finite number, got {value}")
        if positive and value <= 0:
            raise self.fail(path, f"must be greater than 0, got {value:g}")
        if low is not None and value < low:
            raise self.fail(path, f"must be at least {low:g}, got {value:g}")
        if high is not None and value > high:
            raise self.fail(path, f"must be at most {high:g}, got {value:g}")
        return value

    def boolean(self, value: Any, path: str) -> bool:
        """``true`` or ``false`` (not 0/1)."""
        if not isinstance(value, bool):
            raise self.fail(path, f"expected true or false, got {value_kind(value)}")
        return value

    def text(self, value: Any, path: str) -> str:
        """A string."""
        if not isinstance(value, str):
            raise self.fail(path, f"expected text, got {value_kind(value)}")
        return value

    def choice(self, value: Any, path: str, known: Any, what: str) -> str:
        """One of the names in ``known``; ``what`` says what they name (e.g. "activation")."""
        if not isinstance(value, str):
            raise self.fail(path, f"expected the name of a {what}, got {value_kind(value)}")
        if value not in known:
            raise self.fail(path, f"unknown {what} {value!r} (known: {', '.join(known)})")
        return value

    def format_and_version(self, d: dict[str, Any], expected: str, version: int,
                           what: str) -> None:
        """Check a document's optional ``format`` name and ``version`` (at most ``version``)."""
        if "format" in d and d["format"] != expected:
            raise self.fail("format", f"expected {expected!r}, got {value_kind(d['format'])}; "
                            f"this is not an nnstudio {what}")
        if "version" in d:
            found = self.integer(d["version"], "version", 1)
            if found > version:
                raise self.fail("version", f"the file has format version {found}, but this "
                                f"nnstudio reads version {version}; update nnstudio")
