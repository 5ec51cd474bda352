"""What the output plots draw: a network evaluated over a grid of the input plane, a fitted
1-D curve, and a confusion matrix. Pure NumPy, vectorised, no Qt.

``transform`` is the data pipeline from raw input columns to network inputs (derived
features + standardization, ``PreparedData.transform``); ``None`` means the identity.
Grids are row-major: ``image[iy, ix]`` is the network at ``(xs[ix], ys[iy])``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from nnstudio.engine.errors import NNStudioError
from nnstudio.engine.network import Network

Transform = Callable[[np.ndarray], np.ndarray] | None

MAX_RESOLUTION = 2000


def _check_extent(extent: Sequence[float]) -> tuple[float, float, float, float]:
    try:
        xmin, xmax, ymin, ymax = (float(v) for v in extent)
    except (TypeError, ValueError):
        raise NNStudioError(
            f"grid extent must be four numbers (xmin, xmax, ymin, ymax), got {extent!r}"
        ) from None
    if not all(math.isfinite(v) for v in (xmin, xmax, ymin, ymax)):
        raise NNStudioError(f"grid extent must be finite, got {extent!r}")
    if not (xmin < xmax and ymin < ymax):
        raise NNStudioError(
            f"grid extent needs xmin < xmax and ymin < ymax, got {tuple(extent)!r}"
        )
    return xmin, xmax, ymin, ymax


def _check_resolution(resolution: Any, what: str = "grid resolution") -> int:
    if isinstance(resolution, bool) or not isinstance(resolution, (int, np.integer)):
        raise NNStudioError(f"{what} must be a whole number, got {resolution!r}")
    if not 2 <= resolution <= MAX_RESOLUTION:
        raise NNStudioError(f"{what} must be between 2 and {MAX_RESOLUTION}, got {resolution}")
    return int(resolution)


def _inputs(network: Network, transform: Transform, X_raw: np.ndarray) -> np.ndarray:
    X = X_raw if transform is None else transform(X_raw)
    X = np.asarray(X, dtype=network.dtype)
    if X.ndim != 2 or X.shape[1] != network.spec.inputs:
        raise NNStudioError(
            f"the network expects {network.spec.inputs} input(s) but the transformed grid has "
            f"shape {X.shape}"
        )
    return X


def grid_points(extent: Sequence[float], resolution: int) -> tuple[np.ndarray, np.ndarray,
                                                                   np.ndarray]:
    """``(X_raw (r*r, 2), xs (r,), ys (r,))`` covering ``extent`` row by row (y outer)."""
    xmin, xmax, ymin, ymax = _check_extent(extent)
    r = _check_resolution(resolution)
    xs = np.linspace(xmin, xmax, r)
    ys = np.linspace(ymin, ymax, r)
    X = np.empty((r * r, 2))
    X[:, 0] = np.tile(xs, r)
    X[:, 1] = np.repeat(ys, r)
    return X, xs, ys


def _binary_probability(out: np.ndarray, activation: str) -> np.ndarray:
    """A single output unit as P(class 1) in [0, 1], with the decision threshold at 0.5."""
    if activation in ("sigmoid", "step"):
        return np.clip(out, 0.0, 1.0)
    if activation == "tanh":
        return np.clip(0.5 * (out + 1.0), 0.0, 1.0)
    # linear / hinge scores and other unbounded outputs: the logistic squash keeps 0 -> 0.5
    return 0.5 * (1.0 + np.tanh(0.5 * out))


def _class_probabilities(out: np.ndarray, activation: str) -> np.ndarray:
    """Several output units as rows of class probabilities (softmax outputs pass through)."""
    if activation == "softmax":
        return out
    if activation in ("sigmoid", "step"):
        total = out.sum(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            p = np.where(total > 0, out / np.where(total > 0, total, 1.0), 1.0 / out.shape[1])
        return p
    shifted = out - out.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


def _output_picture(out: np.ndarray, activation: str, task: str, xs: np.ndarray,
                    ys: np.ndarray) -> dict[str, Any]:
    """The output grid's dict (see :func:`output_grid`) from the network's outputs ``out``
    (``(r * r, units)``, row-major) at the grid points."""
    r = len(xs)
    confidence = None
    probabilities = None
    if task == "regression":
        kind, value = "regression", out[:, 0]
    elif out.shape[1] == 1:
        kind, value = "binary", _binary_probability(out[:, 0], activation)
    else:
        kind = "multiclass"
        probabilities = _class_probabilities(out, activation)
        winner = probabilities.argmax(axis=1)
        value = winner
        confidence = np.take_along_axis(probabilities, winner[:, None], axis=1)[:, 0]
        confidence = np.array(confidence, dtype=np.float64).reshape(r, r)
        probabilities = np.array(probabilities, dtype=np.float64).reshape(r, r, -1)
    return {  # (fresh arrays: ``out`` may be a network's buffer)
        "kind": kind,
        "value": np.array(value, dtype=np.float64).reshape(r, r),
        "confidence": confidence,
        "probabilities": probabilities,
        "extent": (float(xs[0]), float(xs[-1]), float(ys[0]), float(ys[-1])),
        "xs": xs,
        "ys": ys,
    }


def output_grid(network: Network, transform: Transform, extent: Sequence[float],
                resolution: int = 100) -> dict[str, Any]:
    """The network over the raw input plane, as an image ``value[iy, ix]``.

    ``kind`` follows the task: ``"binary"`` gives P(class 1) in [0, 1]; ``"multiclass"`` the
    winning class index with ``confidence`` = its probability; ``"regression"`` the first
    output. Also returns ``extent``, ``xs`` and ``ys`` so the image can be placed.
    """
    if network.spec.inputs < 1:
        raise NNStudioError("the network has no inputs")
    X_raw, xs, ys = grid_points(extent, resolution)
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        out = network.predict(_inputs(network, transform, X_raw))
    return _output_picture(out, network.layers[-1].activation, network.spec.task, xs, ys)


def neuron_grids(network: Network, transform: Transform, extent: Sequence[float],
                 resolution: int = 24) -> list[np.ndarray]:
    """Every neuron's activation over the input plane: per layer an array ``(units, r, r)``."""
    X_raw, xs, _ = grid_points(extent, resolution)
    r = len(xs)
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        trace = network.forward_trace(_inputs(network, transform, X_raw))
    return [np.ascontiguousarray(a.T).reshape(a.shape[1], r, r) for _, a in trace]


class PlaneViews:
    """The output picture and every neuron's picture of one network, evaluated again and
    again over a fixed input plane (the live views while a network trains).

    What does not change between two evaluations is computed once: the grid points and
    their transformed inputs (with the column of ones), for the output grid and the neuron
    grids stacked into one batch. Each :meth:`evaluate` copies the weights into its own
    network (float32 by default: these are pictures, and float32 halves the work), runs one
    forward pass into that network's reused buffers and cuts the pictures out of it.
    Weights too large for float32 are evaluated in float64. Results equal
    :func:`output_grid` and :func:`neuron_grids` up to the float32 rounding.
    """

    def __init__(self, network: Network, transform: Transform, extent: Sequence[float],
                 resolution: int = 100, neuron_resolution: int = 24,
                 dtype: Any = np.float32) -> None:
        if network.spec.inputs < 1:
            raise NNStudioError("the network has no inputs")
        self.spec = network.spec.copy()
        self.extent = _check_extent(extent)
        X_out, self.xs, self.ys = grid_points(extent, resolution)
        X_neu, neuron_xs, _ = grid_points(extent, neuron_resolution)
        self._n_out = len(X_out)
        self._r_neu = len(neuron_xs)
        # the raw points through the data pipeline once, in float64 (as output_grid does)
        inputs = _inputs(network, transform, np.concatenate([X_out, X_neu]))
        self._nets: dict[np.dtype, Network] = {}
        self._batches: dict[np.dtype, np.ndarray] = {}
        self._inputs = inputs
        self._dtype = np.dtype(dtype)
        self._net(self._dtype)

    def _net(self, dtype: np.dtype) -> Network:
        net = self._nets.get(dtype)
        if net is None:
            net = Network(self.spec.copy(), seed=0, dtype=dtype)
            self._nets[dtype] = net
            self._batches[dtype] = net.augment(self._inputs)
        return net

    def fits(self, network: Network) -> bool:
        """Whether ``network`` has this evaluator's structure (its weights can be shown)."""
        return network.params.shape == self._nets[self._dtype].params.shape \
            and [(layer.units, layer.activation) for layer in network.spec.layers] \
            == [(layer.units, layer.activation) for layer in self.spec.layers]

    def evaluate(self, params: np.ndarray) -> tuple[dict[str, Any], list[np.ndarray]]:
        """``(output picture, neuron pictures)`` for the flat weights ``params``, as
        :func:`output_grid` and :func:`neuron_grids` return them."""
        net = self._nets[self._dtype]
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            np.copyto(net.params, params, casting="unsafe")
            if net.dtype != np.float64 and not np.isfinite(net.params).all():
                net = self._net(np.dtype(np.float64))  # too large for float32
                np.copyto(net.params, params)
            net.forward_augmented(self._batches[net.dtype])
            acts = net.activations()
            n = self._n_out
            picture = _output_picture(acts[-1][:n], net.layers[-1].activation,
                                      self.spec.task, self.xs, self.ys)
        r = self._r_neu
        neurons = [np.array(a[n:].T, dtype=np.float64).reshape(a.shape[1], r, r) for a in acts]
        return picture, neurons


def regression_curve(network: Network, transform: Transform, x_range: Sequence[float],
                     n: int = 200) -> tuple[np.ndarray, np.ndarray]:
    """The fitted function of a 1-input regression network: ``(xs (n,), ys (n,))``."""
    try:
        lo, hi = (float(v) for v in x_range)
    except (TypeError, ValueError):
        raise NNStudioError(f"curve range must be two numbers (xmin, xmax), got {x_range!r}") \
            from None
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise NNStudioError(f"curve range needs finite xmin < xmax, got {tuple(x_range)!r}")
    n = _check_resolution(n, "number of curve points")
    xs = np.linspace(lo, hi, n)
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        out = network.predict(_inputs(network, transform, xs[:, None]))
    return xs, np.ascontiguousarray(out[:, 0], dtype=np.float64)


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """Counts ``(k, k)``: row = true class, column = predicted class."""
    if isinstance(n_classes, bool) or not isinstance(n_classes, (int, np.integer)) \
            or n_classes < 1:
        raise NNStudioError(f"number of classes must be a whole number >= 1, got {n_classes!r}")
    k = int(n_classes)
    t = np.asarray(y_true).ravel()
    p = np.asarray(y_pred).ravel()
    if t.shape != p.shape:
        raise NNStudioError(
            f"confusion matrix: {t.size} true labels but {p.size} predictions")
    if t.size == 0:
        return np.zeros((k, k), dtype=np.int64)
    for name, v in (("true label", t), ("prediction", p)):
        if not np.issubdtype(v.dtype, np.integer):
            if not np.all(np.isfinite(v)) or not np.all(v == np.round(v)):
                raise NNStudioError(f"confusion matrix: every {name} must be a class index")
        lo, hi = v.min(), v.max()
        if lo < 0 or hi >= k:
            raise NNStudioError(
                f"confusion matrix: {name} {int(hi if hi >= k else lo)} is outside 0..{k - 1}")
    t = t.astype(np.int64)
    p = p.astype(np.int64)
    return np.bincount(t * k + p, minlength=k * k).reshape(k, k)
