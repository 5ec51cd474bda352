"""The closed-form least-squares baseline: a linear model fitted by the Moore–Penrose inverse.

Seed 003: for inputs ``X`` (n × d) and targets ``Y`` (n × k) the least-squares weights are
``β = X⁺ Y`` with ``X⁺ = np.linalg.pinv(X)``. For a model with an intercept a column of
ones is appended to ``X`` first; without it the fitted plane is forced through the origin,
which is why the notes' pinv result differed from ``sklearn.LinearRegression`` until the
ones column was added. No iteration, no learning rate: the answer gradient descent should
approach when the network is linear.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnstudio.engine.errors import DataError


def _matrix(X: object, what: str) -> np.ndarray:
    try:
        A = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError):
        raise DataError(f"closed-form fit: the {what} must be numbers") from None
    if A.ndim == 1:
        A = A.reshape(-1, 1)
    if A.ndim != 2 or A.shape[0] == 0 or A.shape[1] == 0:
        raise DataError(f"closed-form fit: the {what} must be a table with at least one row "
                        f"and one column, got shape {A.shape}")
    if not np.all(np.isfinite(A)):
        row = int(np.argwhere(~np.isfinite(A))[0][0])
        raise DataError(f"closed-form fit: the {what} have a missing or infinite value "
                        f"(row {row})")
    return A


@dataclass
class LinearFit:
    """``ŷ = X @ coef + intercept`` fitted by least squares.

    ``coef`` has shape (d, k), ``intercept`` (k,) (zeros when fitted without the ones
    column). ``single_output``: the targets were one column, so :meth:`predict` returns (n,).
    """

    coef: np.ndarray
    intercept: np.ndarray
    fit_intercept: bool
    single_output: bool = True
    rank: int = 0

    @property
    def n_inputs(self) -> int:
        return int(self.coef.shape[0])

    def predict(self, X: object) -> np.ndarray:
        """Predictions for the rows of ``X``: shape (n,) for one target column, else (n, k)."""
        A = _matrix(X, "inputs")
        if A.shape[1] != self.n_inputs:
            raise DataError(f"closed-form fit: the model was fitted on {self.n_inputs} input "
                            f"column(s), got {A.shape[1]}")
        out = A @ self.coef + self.intercept
        return out[:, 0] if self.single_output else out

    def mse(self, X: object, Y: object) -> float:
        """DESIGN.md's ``mse``: 0.5 × mean over samples of the summed squared error."""
        P = self.predict(X).reshape(len(_matrix(X, "inputs")), -1)
        T = _matrix(Y, "targets")
        if T.shape != P.shape:
            raise DataError(f"closed-form fit: {P.shape[0]} predictions with {P.shape[1]} "
                            f"column(s) but targets of shape {T.shape}")
        diff = P - T
        return 0.5 * float(np.sum(diff * diff)) / diff.shape[0]

    def equation(self, names: list[str] | None = None, digits: int = 3,
                 output: int = 0) -> str:
        """E.g. ``ŷ = 0.512 + 1.3·x1 − 0.204·x2`` for one output column."""
        names = names or [f"x{i + 1}" for i in range(self.n_inputs)]
        parts: list[str] = []
        if self.fit_intercept:
            parts.append(f"{self.intercept[output]:.{digits}g}")
        for name, c in zip(names, self.coef[:, output]):
            term = f"{abs(c):.{digits}g}·{name}"
            if not parts:
                parts.append(("−" if c < 0 else "") + term)
            else:
                parts.append(("− " if c < 0 else "+ ") + term)
        return "ŷ = " + (" ".join(parts) if parts else "0").replace("-", "−")


def fit_linear(X: object, Y: object, intercept: bool = True) -> LinearFit:
    """Least squares by the pseudo-inverse: ``β = pinv([X, 1]) @ Y`` (or ``pinv(X) @ Y``).

    ``X`` is (n, d) (a 1-D array is one column), ``Y`` is (n,) or (n, k). Raises
    :class:`DataError` for non-numeric, empty, non-finite or mismatched data.
    """
    A = _matrix(X, "inputs")
    T = _matrix(Y, "targets")
    single = np.ndim(Y) == 1
    if T.shape[0] != A.shape[0]:
        raise DataError(f"closed-form fit: {A.shape[0]} input rows but {T.shape[0]} targets")
    design = np.hstack([A, np.ones((A.shape[0], 1))]) if intercept else A
    pinv = np.linalg.pinv(design)
    beta = pinv @ T
    rank = int(np.linalg.matrix_rank(design))
    if intercept:
        coef, icpt = beta[:-1], beta[-1]
    else:
        coef, icpt = beta, np.zeros(T.shape[1])
    return LinearFit(coef=coef, intercept=np.asarray(icpt, dtype=np.float64),
                     fit_intercept=intercept, single_output=single, rank=rank)
