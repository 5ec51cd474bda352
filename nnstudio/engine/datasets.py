"""Built-in data sets: TensorFlow-Playground-style 2-D generators, logic gates, iris, digits.

Every generator is vectorised and deterministic given ``seed``. The 2-D generators put
their inputs in roughly [-6, 6] x [-6, 6], as TensorFlow Playground does; ``noise`` is
Playground's fraction (0 to 0.5): for xor, circles, linear, plane and gauss_mix each point's
label is computed at a position shifted by up to ``noise`` times the data radius, so labels
near the boundary flip; for gaussians it widens the clouds; for spiral and moons it jitters
the points (by up to ``noise`` and ``2 * noise`` in each coordinate); for sine it is the standard deviation of Gaussian noise added to ``sin(x)``.
For a fixed seed and size, changing only the noise keeps the same base points.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache

import numpy as np

from nnstudio.engine.errors import DataError

TASKS = ("binary", "multiclass", "regression")
MIN_SAMPLES = 4
MAX_SAMPLES = 1_000_000
MAX_NOISE = 0.5
PLAYGROUND_EXTENT = (-6.0, 6.0, -6.0, 6.0)
GATE_EXTENT = (-0.5, 1.5, -0.5, 1.5)


@dataclass(eq=False)
class Dataset:
    """A table of raw input columns ``X`` and targets ``y``.

    For classification ``y`` holds class indices ``0..k-1`` (int64, shape ``(n,)``) and
    ``classes`` the labels they stand for; for regression ``y`` is float64 ``(n,)`` or
    ``(n, k)`` and ``classes`` is None. The constructor checks shapes and values and raises
    :class:`DataError` if they do not fit together.
    """

    name: str
    X: np.ndarray
    y: np.ndarray
    task: str
    feature_names: list[str]
    classes: list | None = None
    target_name: str = "y"

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise DataError(
                f"data set '{self.name}': unknown task '{self.task}' "
                f"(expected one of {', '.join(TASKS)})"
            )
        X = np.asarray(self.X, dtype=np.float64)
        if X.ndim != 2 or X.shape[0] < 1 or X.shape[1] < 1:
            raise DataError(
                f"data set '{self.name}': inputs must be a table with at least one row and "
                f"one column, got shape {X.shape}"
            )
        if not np.isfinite(X).all():
            raise DataError(f"data set '{self.name}': inputs contain NaN or infinite values")
        n, d = X.shape
        names = [str(v) for v in self.feature_names]
        if len(names) != d:
            raise DataError(
                f"data set '{self.name}': {len(names)} feature names for {d} input columns"
            )
        if len(set(names)) != len(names):
            raise DataError(f"data set '{self.name}': feature names repeat: {names}")
        self.X = X
        self.feature_names = names
        self.target_name = str(self.target_name)
        self.y = self._checked_targets(np.asarray(self.y), n)

    def _checked_targets(self, y: np.ndarray, n: int) -> np.ndarray:
        if y.shape[:1] != (n,):
            raise DataError(
                f"data set '{self.name}': {y.shape[0] if y.ndim else 0} targets for {n} rows"
            )
        if self.task == "regression":
            if self.classes is not None:
                raise DataError(f"data set '{self.name}': a regression data set has no classes")
            if y.ndim not in (1, 2) or not np.issubdtype(y.dtype, np.number):
                raise DataError(f"data set '{self.name}': regression targets must be numbers")
            y = y.astype(np.float64)
            if not np.isfinite(y).all():
                raise DataError(f"data set '{self.name}': targets contain NaN or infinite values")
            return y
        classes = list(self.classes) if self.classes is not None else []
        if len(classes) < 2:
            raise DataError(
                f"data set '{self.name}': a classification data set needs at least two "
                f"classes, got {classes}"
            )
        if self.task == "binary" and len(classes) != 2:
            raise DataError(
                f"data set '{self.name}': a binary task needs exactly two classes, "
                f"got {len(classes)}"
            )
        if y.ndim != 1 or not np.issubdtype(y.dtype, np.number):
            raise DataError(f"data set '{self.name}': class targets must be a column of indices")
        indices = y.astype(np.int64)
        if not np.array_equal(indices, y) or indices.min() < 0 or indices.max() >= len(classes):
            raise DataError(
                f"data set '{self.name}': class targets must be integers 0..{len(classes) - 1}"
            )
        self.classes = classes
        return indices

    @property
    def n_samples(self) -> int:
        return int(self.X.shape[0])

    @property
    def n_features(self) -> int:
        return int(self.X.shape[1])

    @property
    def n_classes(self) -> int:
        """Number of classes (0 for regression)."""
        return len(self.classes) if self.classes is not None else 0

    @property
    def is_classification(self) -> bool:
        return self.task != "regression"

    def subset(self, indices: Sequence[int] | np.ndarray) -> Dataset:
        """The rows ``indices`` as a new data set (same columns, classes and task)."""
        idx = np.asarray(indices, dtype=np.intp)
        return Dataset(
            name=self.name,
            X=self.X[idx],
            y=self.y[idx],
            task=self.task,
            feature_names=list(self.feature_names),
            classes=None if self.classes is None else list(self.classes),
            target_name=self.target_name,
        )


@dataclass(frozen=True)
class DatasetInfo:
    """What the GUI and CLI need to know about a built-in data set before making it."""

    name: str
    title: str
    description: str
    task: str
    default_samples: int
    is_2d: bool
    n_features: int
    group: str
    uses_samples: bool = True
    uses_noise: bool = True
    extent: tuple[float, float, float, float] | None = field(default=None)


def _info(name: str, title: str, description: str, task: str, samples: int, group: str,
          *, n_features: int = 2, fixed: bool = False,
          extent: tuple[float, float, float, float] | None = PLAYGROUND_EXTENT) -> DatasetInfo:
    return DatasetInfo(
        name=name, title=title, description=description, task=task, default_samples=samples,
        is_2d=n_features == 2 and extent is not None, n_features=n_features, group=group,
        uses_samples=not fixed, uses_noise=not fixed, extent=extent,
    )


_CLS, _REG, _GATE, _REAL = "2-D classification", "regression", "logic gate", "real data"

BUILTIN_DATASETS: dict[str, DatasetInfo] = {
    info.name: info
    for info in (
        _info("xor", "XOR", "Four quadrants; opposite quadrants share a class.", "binary", 500,
              _CLS),
        _info("circles", "Circles", "A disc of one class inside a ring of the other.", "binary",
              500, _CLS),
        _info("gaussians", "Two Gaussians", "Two round clouds; noise makes them overlap.",
              "binary", 500, _CLS),
        _info("spiral", "Two spirals", "Two interleaved spiral arms (hard without depth "
              "or sin features).", "binary", 500, _CLS),
        _info("moons", "Moons", "Two interleaving half circles.", "binary", 500, _CLS),
        _info("linear", "Linearly separable", "Two classes on either side of a straight "
              "line, with a gap.", "binary", 500, _CLS),
        _info("sine", "Sine", "One input x in [-6, 6]; target sin(x) plus noise.", "regression",
              200, _REG, n_features=1, extent=None),
        _info("plane", "Plane", "Target (x1 + x2) / 10: a tilted plane.", "regression", 500,
              _REG),
        _info("gauss_mix", "Mixture of Gaussians", "Six bumps of height +1 or -1.",
              "regression", 500, _REG),
        _info("gate_and", "AND gate", "The 4 points of AND: 1 only for (1, 1).", "binary", 4,
              _GATE, fixed=True, extent=GATE_EXTENT),
        _info("gate_or", "OR gate", "The 4 points of OR: 0 only for (0, 0).", "binary", 4,
              _GATE, fixed=True, extent=GATE_EXTENT),
        _info("gate_nand", "NAND gate", "The 4 points of NAND: 0 only for (1, 1).", "binary",
              4, _GATE, fixed=True, extent=GATE_EXTENT),
        _info("gate_nor", "NOR gate", "The 4 points of NOR: 1 only for (0, 0).", "binary", 4,
              _GATE, fixed=True, extent=GATE_EXTENT),
        _info("gate_xor", "XOR gate", "The 4 points of XOR: not linearly separable.",
              "binary", 4, _GATE, fixed=True, extent=GATE_EXTENT),
        _info("iris", "Iris", "Fisher's iris flowers: 150 rows, 4 measurements, 3 species.",
              "multiclass", 150, _REAL, n_features=4, fixed=True, extent=None),
        _info("digits", "Digits 8x8", "Handwritten digits: 1797 images of 8x8 pixels (0-16), "
              "10 classes.", "multiclass", 1797, _REAL, n_features=64, fixed=True,
              extent=None),
    )
}

_XY = ["x1", "x2"]
_GATE_POINTS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
_GATE_TARGETS = {
    "gate_and": [0, 0, 0, 1],
    "gate_or": [0, 1, 1, 1],
    "gate_nand": [1, 1, 1, 0],
    "gate_nor": [1, 0, 0, 0],
    "gate_xor": [0, 1, 1, 0],
}

Generator = Callable[[int, float, np.random.Generator], tuple[np.ndarray, np.ndarray]]


# --- 2-D classification (label 1 = Playground's positive class) ---------------------------

def _xor(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    points = rng.uniform(-5.0, 5.0, (n, 2))
    points += np.where(points > 0, 0.3, -0.3)  # keep points off the axes
    shifted = points + rng.uniform(-5.0, 5.0, (n, 2)) * noise
    return points, (shifted[:, 0] * shifted[:, 1] >= 0).astype(np.int64)


def _circles(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    radius = 5.0
    n_in = (n + 1) // 2
    r = np.concatenate([
        rng.uniform(0.0, radius * 0.5, n_in),
        rng.uniform(radius * 0.7, radius, n - n_in),
    ])
    angle = rng.uniform(0.0, 2.0 * np.pi, n)
    points = np.column_stack([r * np.sin(angle), r * np.cos(angle)])
    shifted = points + rng.uniform(-radius, radius, (n, 2)) * noise
    inside = np.hypot(shifted[:, 0], shifted[:, 1]) < radius * 0.5
    return points, inside.astype(np.int64)


def _gaussians(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    std = math.sqrt(0.5 + 7.0 * noise)  # Playground: variance 0.5 .. 4 for noise 0 .. 0.5
    labels = (np.arange(n) < (n + 1) // 2).astype(np.int64)
    centers = np.where(labels[:, None] == 1, 2.0, -2.0)
    return centers + rng.standard_normal((n, 2)) * std, labels


def _spiral(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    n_pos = (n + 1) // 2
    parts = []
    for count, delta in ((n_pos, 0.0), (n - n_pos, np.pi)):
        fraction = np.arange(count) / count
        r = fraction * 5.0
        t = 1.75 * fraction * 2.0 * np.pi + delta
        parts.append(np.column_stack([r * np.sin(t), r * np.cos(t)]))
    points = np.concatenate(parts) + rng.uniform(-1.0, 1.0, (n, 2)) * noise
    labels = (np.arange(n) < n_pos).astype(np.int64)
    return points, labels


def _moons(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    n_outer = (n + 1) // 2
    t = rng.uniform(0.0, np.pi, n)
    labels = (np.arange(n) >= n_outer).astype(np.int64)  # outer moon 0, inner moon 1
    x = np.where(labels == 0, np.cos(t), 1.0 - np.cos(t))
    y = np.where(labels == 0, np.sin(t), 0.5 - np.sin(t))
    points = np.column_stack([(x - 0.5) * 3.0, (y - 0.25) * 3.0])
    return points + rng.uniform(-2.0, 2.0, (n, 2)) * noise, labels


def _linear(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    angle = rng.uniform(0.0, 2.0 * np.pi)
    normal = np.array([math.cos(angle), math.sin(angle)])
    offset = rng.uniform(-1.5, 1.5)
    points = rng.uniform(-5.5, 5.5, (n, 2))
    side = points @ normal - offset
    points += np.where(side >= 0, 0.5, -0.5)[:, None] * normal  # a gap of width 1
    shifted = points + rng.uniform(-5.0, 5.0, (n, 2)) * noise
    return points, (shifted @ normal - offset > 0).astype(np.int64)


# --- regression -----------------------------------------------------------------------------

def _sine(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    x = rng.uniform(-6.0, 6.0, n)
    y = np.sin(x) + rng.standard_normal(n) * noise
    return x[:, None], y


def _plane(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    points = rng.uniform(-6.0, 6.0, (n, 2))
    shifted = points + rng.uniform(-6.0, 6.0, (n, 2)) * noise
    return points, shifted.sum(axis=1) / 10.0


_BUMPS = np.array([
    [-4.0, 2.5, 1.0], [0.0, 2.5, -1.0], [4.0, 2.5, 1.0],
    [-4.0, -2.5, -1.0], [0.0, -2.5, 1.0], [4.0, -2.5, -1.0],
])


def _gauss_mix(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    points = rng.uniform(-6.0, 6.0, (n, 2))
    shifted = points + rng.uniform(-6.0, 6.0, (n, 2)) * noise
    dist = np.hypot(shifted[:, 0:1] - _BUMPS[:, 0], shifted[:, 1:2] - _BUMPS[:, 1])
    values = _BUMPS[:, 2] * np.clip(1.0 - dist / 2.0, 0.0, 1.0)  # (n, 6)
    strongest = np.argmax(np.abs(values), axis=1)
    return points, values[np.arange(n), strongest]


_GENERATORS: dict[str, Generator] = {
    "xor": _xor, "circles": _circles, "gaussians": _gaussians, "spiral": _spiral,
    "moons": _moons, "linear": _linear, "sine": _sine, "plane": _plane,
    "gauss_mix": _gauss_mix,
}


# --- bundled real data ----------------------------------------------------------------------

@cache
def _bundled(name: str) -> Dataset:
    from nnstudio.engine.csvdata import load_csv
    from nnstudio.paths import resource

    target = {"iris": "species", "digits": "digit"}[name]
    path = resource("data", f"{name}.csv")
    try:
        data = load_csv(path, target=target, task="multiclass")
    except DataError as exc:
        message = f"the bundled data set '{name}' is damaged ({exc}); reinstall nnstudio"
        raise DataError(message) from exc
    except FileNotFoundError as exc:
        raise DataError(f"the bundled data set '{name}' is missing: {exc}") from exc
    data.name = name
    data.X.setflags(write=False)
    data.y.setflags(write=False)
    return data


# --- public entry point ---------------------------------------------------------------------

def _check_samples(name: str, samples: object, default: int) -> int:
    if samples is None:
        return default
    if isinstance(samples, bool):
        raise DataError(f"samples must be a whole number, got {samples!r}")
    try:
        count = operator.index(samples)  # type: ignore[arg-type]
    except TypeError:
        raise DataError(f"samples must be a whole number, got {samples!r}") from None
    if count < MIN_SAMPLES:
        raise DataError(
            f"data set '{name}' needs at least {MIN_SAMPLES} samples, got {count}"
        )
    if count > MAX_SAMPLES:
        raise DataError(f"data set '{name}': at most {MAX_SAMPLES} samples, got {count}")
    return count


def _check_noise(noise: object) -> float:
    if isinstance(noise, bool) or isinstance(noise, str):
        raise DataError(f"noise must be a number between 0 and {MAX_NOISE}, got {noise!r}")
    try:
        value = float(noise)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise DataError(
            f"noise must be a number between 0 and {MAX_NOISE}, got {noise!r}"
        ) from None
    if not 0.0 <= value <= MAX_NOISE:
        raise DataError(
            f"noise must be between 0 and {MAX_NOISE} (a fraction: 0.1 is 10 %), got {value:g}"
        )
    return value


def _check_seed(seed: object) -> int:
    if isinstance(seed, bool):
        raise DataError(f"seed must be a whole number >= 0, got {seed!r}")
    try:
        value = operator.index(seed)  # type: ignore[arg-type]
    except TypeError:
        raise DataError(f"seed must be a whole number >= 0, got {seed!r}") from None
    if value < 0:
        raise DataError(f"seed must be a whole number >= 0, got {value}")
    return value


def make_dataset(name: str, samples: int | None = None, noise: float = 0.0,
                 seed: int = 0) -> Dataset:
    """Make the built-in data set ``name`` (see :data:`BUILTIN_DATASETS`).

    ``samples`` defaults to the set's ``default_samples``; ``noise`` is a fraction 0..0.5.
    Logic gates, iris and digits have a fixed size and no noise: ``samples`` and ``noise``
    are then ignored (but ``noise`` must still be in range). Raises :class:`DataError` for
    an unknown name or a bad parameter.
    """
    key = name.strip().lower() if isinstance(name, str) else name
    info = BUILTIN_DATASETS.get(key) if isinstance(key, str) else None
    if info is None:
        raise DataError(
            f"unknown data set {name!r}; built-in data sets are: {', '.join(BUILTIN_DATASETS)}"
        )
    noise_value = _check_noise(noise)
    seed_value = _check_seed(seed)
    if key in _GATE_TARGETS:
        return Dataset(key, _GATE_POINTS.copy(), np.array(_GATE_TARGETS[key], dtype=np.int64),
                       "binary", list(_XY), [0, 1])
    if key in ("iris", "digits"):
        bundled = _bundled(key)
        return bundled.subset(np.arange(bundled.n_samples))
    count = _check_samples(key, samples, info.default_samples)
    rng = np.random.default_rng(seed_value)
    X, y = _GENERATORS[key](count, noise_value, rng)
    order = rng.permutation(count)
    X, y = X[order], y[order]
    if info.task == "regression":
        names = ["x"] if info.n_features == 1 else list(_XY)
        return Dataset(key, X, y, "regression", names, None)
    return Dataset(key, X, y, "binary", list(_XY), [0, 1])
