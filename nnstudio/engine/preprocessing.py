"""Input standardization and the train/test split."""

from __future__ import annotations

import operator
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from nnstudio.engine.errors import DataError


@dataclass
class Standardizer:
    """``transform(X) = (X - mean) / scale`` column by column.

    ``mean`` and ``scale`` are 1-D float64 arrays of the same length; every scale is a
    finite number > 0 (checked on construction).
    """

    mean: np.ndarray
    scale: np.ndarray

    def __post_init__(self) -> None:
        mean = np.atleast_1d(np.asarray(self.mean, dtype=np.float64))
        scale = np.atleast_1d(np.asarray(self.scale, dtype=np.float64))
        if mean.ndim != 1 or mean.shape != scale.shape:
            raise DataError(
                f"standardization mean and scale must be two lists of the same length, got "
                f"shapes {mean.shape} and {scale.shape}"
            )
        if not np.isfinite(mean).all():
            raise DataError("standardization mean contains NaN or infinite values")
        if not (np.isfinite(scale).all() and (scale > 0).all()):
            raise DataError("standardization scale must hold finite numbers greater than 0")
        self.mean, self.scale = mean, scale

    @classmethod
    def fit(cls, X: np.ndarray) -> Standardizer:
        """Mean and standard deviation of each column of ``X``; a constant column gets scale 1."""
        data = np.asarray(X, dtype=np.float64)
        if data.ndim == 1:
            data = data[:, None]
        if data.ndim != 2 or data.shape[0] == 0:
            raise DataError(f"cannot fit a standardization to data of shape {data.shape}")
        if not np.isfinite(data).all():
            raise DataError("cannot standardize data containing NaN or infinite values")
        mean = data.mean(axis=0)
        std = data.std(axis=0)
        # A constant column can give a tiny non-zero std from rounding: treat it as 0.
        constant = std <= 1e-12 * np.maximum(1.0, np.abs(mean))
        return cls(mean, np.where(constant, 1.0, std))

    @classmethod
    def identity(cls, n_columns: int) -> Standardizer:
        """A standardizer that changes nothing."""
        return cls(np.zeros(n_columns), np.ones(n_columns))

    @property
    def n_columns(self) -> int:
        return int(self.mean.shape[0])

    def _check(self, X: np.ndarray) -> np.ndarray:
        data = np.asarray(X)
        if data.ndim == 0 or data.shape[-1] != self.n_columns:
            raise DataError(
                f"the data has {data.shape[-1] if data.ndim else 0} columns but the "
                f"standardization was fitted on {self.n_columns}"
            )
        return data

    def transform(self, X: np.ndarray) -> np.ndarray:
        """A new array ``(X - mean) / scale`` (float32 input stays float32)."""
        data = self._check(X)
        dtype = np.float32 if data.dtype == np.float32 else np.float64
        out = np.subtract(data, self.mean.astype(dtype), dtype=dtype)
        out /= self.scale.astype(dtype)
        return out

    def inverse_transform(self, X: np.ndarray) -> np.ndarray:
        """Undo :meth:`transform`: ``X * scale + mean``."""
        data = self._check(X)
        dtype = np.float32 if data.dtype == np.float32 else np.float64
        out = np.multiply(data, self.scale.astype(dtype), dtype=dtype)
        out += self.mean.astype(dtype)
        return out


def _test_count(n: int, test_fraction: float) -> int:
    if test_fraction == 0.0 or n < 2:
        return 0
    return int(min(n - 1, max(1, round(n * test_fraction))))


def _stratified_counts(class_sizes: np.ndarray, n_test: int) -> np.ndarray:
    """Test rows per class: proportional (largest remainder), leaving each class a train row."""
    room = np.maximum(class_sizes - 1, 0)
    n_test = min(n_test, int(room.sum()))
    ideal = class_sizes * (n_test / class_sizes.sum())
    counts = np.minimum(np.floor(ideal).astype(np.int64), room)
    remaining = n_test - int(counts.sum())
    while remaining > 0:
        # Give the next row to the class furthest below its share that still has room.
        deficit = np.where(counts < room, ideal - counts, -np.inf)
        k = int(np.argmax(deficit))
        counts[k] += 1
        remaining -= 1
    return counts


def train_test_split_indices(n: int, test_fraction: float, seed: int = 0,
                             stratify: Sequence | np.ndarray | None = None
                             ) -> tuple[np.ndarray, np.ndarray]:
    """Random ``(train_idx, test_idx)`` over ``range(n)``, deterministic given ``seed``.

    ``test_fraction`` is in [0, 1): 0 puts every row in training (empty test set); any
    other value gives at least one test row and keeps at least one training row. With
    ``stratify`` (one class label per row) each class is split in proportion and keeps at
    least one training row (so the test set is empty if every class has a single row).
    Both index arrays are in random order.
    """
    try:
        count = operator.index(n)
    except TypeError:
        raise DataError(f"the number of rows must be a whole number, got {n!r}") from None
    if count < 1:
        raise DataError(f"cannot split {count} rows: the data set is empty")
    try:
        fraction = float(test_fraction)
    except (TypeError, ValueError):
        raise DataError(f"the test fraction must be a number, got {test_fraction!r}") from None
    if not 0.0 <= fraction < 1.0:
        raise DataError(
            f"the test fraction must be at least 0 and less than 1 (0.2 = 20 %), got "
            f"{test_fraction!r}"
        )
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise DataError(f"the split seed must be a whole number >= 0, got {seed!r}")
    rng = np.random.default_rng(int(seed))
    n_test = _test_count(count, fraction)
    if stratify is None:
        order = rng.permutation(count)
        return order[n_test:], order[:n_test]
    labels = np.asarray(stratify)
    if labels.shape != (count,):
        raise DataError(f"stratify needs one label per row ({count}), got shape {labels.shape}")
    _, inverse, sizes = np.unique(labels, return_inverse=True, return_counts=True)
    inverse = inverse.reshape(-1)
    per_class = _stratified_counts(sizes, n_test)
    order = rng.permutation(count)
    ranks = np.empty(count, dtype=np.int64)
    # Rank of each row within its class, in the random order: the first ranks go to test.
    by_class = order[np.argsort(inverse[order], kind="stable")]
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    ranks[by_class] = np.arange(count) - np.repeat(starts, sizes)
    is_test = ranks < per_class[inverse]
    return order[~is_test[order]], order[is_test[order]]
