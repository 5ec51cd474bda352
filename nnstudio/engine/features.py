"""Derived input features, like TensorFlow Playground's x1², x1·x2 and sin(x1).

A feature is one of: a raw column name (``x1``), ``NAME^2``, ``NAME*NAME``, ``sin(NAME)`` or
``cos(NAME)``, where NAME is a raw column name. Spaces around names are allowed; the
canonical spelling (what :func:`validate_feature` returns) has none.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from nnstudio.engine.errors import DataError

DERIVED_FEATURES_2D = ["x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"]
FORMS = "a column name, NAME^2, NAME*NAME, sin(NAME) or cos(NAME)"

_FUNCTION = re.compile(r"(sin|cos)\s*\((.*)\)", re.IGNORECASE | re.DOTALL)

# A parsed feature: (kind, i, j) with kind in raw, square, product, sin, cos; column indices.
Term = tuple[str, int, int]


def _columns_text(names: Sequence[str]) -> str:
    shown = ", ".join(names[:10])
    return shown + (f", ... ({len(names)} columns)" if len(names) > 10 else "")


def parse_feature(expr: str, names: Sequence[str]) -> Term:
    """Parse ``expr`` over the raw column ``names`` into ``(kind, i, j)``.

    Raises :class:`DataError` naming the expression and the allowed forms.
    """
    if not isinstance(expr, str):
        raise DataError(f"an input feature must be text such as 'x1' or 'x1*x2', not {expr!r}")
    index = {name: k for k, name in enumerate(names)}
    text = expr.strip()
    if text in index:
        return ("raw", index[text], index[text])
    unknown: str | None = None
    if text.endswith("^2"):
        base = text[:-2].strip()
        if base in index:
            return ("square", index[base], index[base])
        unknown = base
    match = _FUNCTION.fullmatch(text)
    if match:
        inner = match.group(2).strip()
        if inner in index:
            return (match.group(1).lower(), index[inner], index[inner])
        unknown = inner
    for position in [k for k, ch in enumerate(text) if ch == "*"]:
        left, right = text[:position].strip(), text[position + 1:].strip()
        if left in index and right in index:
            return ("product", index[left], index[right])
        unknown = unknown or (right if left in index else left)
    if unknown is not None and unknown:
        raise DataError(
            f"input feature '{expr}': '{unknown}' is not a column (columns: "
            f"{_columns_text(names)}); a feature is {FORMS}"
        )
    raise DataError(
        f"unknown input feature '{expr}': use {FORMS}, where NAME is one of the columns "
        f"({_columns_text(names)})"
    )


def canonical(term: Term, names: Sequence[str]) -> str:
    """The canonical spelling of a parsed feature."""
    kind, i, j = term
    if kind == "raw":
        return names[i]
    if kind == "square":
        return f"{names[i]}^2"
    if kind == "product":
        return f"{names[i]}*{names[j]}"
    return f"{kind}({names[i]})"


def validate_feature(expr: str, names: Sequence[str]) -> str:
    """Check ``expr`` against the raw column ``names``; return its canonical spelling."""
    return canonical(parse_feature(expr, names), list(names))


def pretty_feature(expr: str) -> str:
    """A label for display: ``x1^2`` -> ``x1²``, ``x1*x2`` -> ``x1·x2``."""
    text = expr.strip()
    if text.endswith("^2"):
        return text[:-2].strip() + "²"
    return re.sub(r"\s*\*\s*", "·", text)


def expand_features(X_raw: np.ndarray, feature_names: Sequence[str],
                    features: Sequence[str]) -> np.ndarray:
    """The network's input matrix: one column per entry of ``features``, in that order.

    ``X_raw`` is ``(n, len(feature_names))``; the result is a new float array
    ``(n, len(features))`` (float32 stays float32, everything else becomes float64).
    """
    names = [str(n) for n in feature_names]
    X = np.asarray(X_raw)
    if not (np.issubdtype(X.dtype, np.number) or X.dtype == np.bool_):
        raise DataError(f"input columns must hold numbers, got data of type {X.dtype}")
    if X.ndim != 2 or X.shape[1] != len(names):
        raise DataError(
            f"the data has shape {X.shape} but {len(names)} column names were given "
            f"({_columns_text(names)})"
        )
    if len(features) == 0:
        raise DataError("no input features selected: choose at least one column or feature")
    terms = [parse_feature(expr, names) for expr in features]
    spelled = [canonical(t, names) for t in terms]
    if len(set(spelled)) != len(spelled):
        repeated = sorted({s for s in spelled if spelled.count(s) > 1})
        raise DataError(f"input feature listed twice: {', '.join(repeated)}")
    dtype = np.float32 if X.dtype == np.float32 else np.float64
    X = X.astype(dtype, copy=False)
    out = np.empty((X.shape[0], len(terms)), dtype=dtype)
    if all(kind == "raw" for kind, _, _ in terms):
        out[...] = X[:, [i for _, i, _ in terms]]
        return out
    for c, (kind, i, j) in enumerate(terms):
        column = out[:, c]
        if kind == "raw":
            column[...] = X[:, i]
        elif kind in ("square", "product"):
            np.multiply(X[:, i], X[:, j], out=column)
        elif kind == "sin":
            np.sin(X[:, i], out=column)
        else:
            np.cos(X[:, i], out=column)
    return out
