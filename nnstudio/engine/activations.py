"""Activation functions: a name -> object registry, in the style of scikit-learn's ``_base.py``.

Every activation works on whole batches with preallocated buffers (``out=``) and allocates
nothing per call in the training loop. ``z`` is the layer's pre-activation
``a_prev @ W + b`` of shape ``(n, width)``; ``a`` has shape ``(n, units)`` (the same except
for maxout, where ``width = units * pieces``). Any memory layout works. The network's
training pass calls the element-wise ones (``elementwise``) on its transposed work arrays
directly, through the prebuilt operations of :meth:`Activation.forward_ops` and friends.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from nnstudio.engine.errors import NNStudioError

#: a prebuilt operation: all its arrays bound, called without arguments
Op = Callable[[], Any]


def const(value: float, like: np.ndarray) -> np.ndarray:
    """``value`` as a 0-d array of ``like``'s dtype: in a prebuilt operation it costs NumPy
    less per call than a Python float (no conversion) and keeps float32 work in float32."""
    return np.array(value, dtype=like.dtype)


class Activation:
    """Base class. ``forward`` fills ``out`` with f(z); ``backward`` fills ``out`` with dJ/dz."""

    name = ""
    #: whether f(z) saturates (the fraction of saturated units is reported for these)
    saturates = False
    #: a value below the first or above the second bound counts as saturated
    saturation_bounds = (-np.inf, np.inf)
    #: whether units can die (the fraction of dead units is reported for these)
    rectifies = False
    #: a sentence for tooltips and lessons
    summary = ""
    #: whether f acts on every element alone (softmax and maxout look at several)
    elementwise = True
    #: a constant c with f(c) == 1.0 exactly in float32 and float64 (None: there is none);
    #: the network lets the activation write its column of ones for the next layer's bias
    one_at: float | None = None

    def __init__(self, alpha: float = 0.01, pieces: int = 2) -> None:
        self.alpha = float(alpha)
        self.pieces = int(pieces)
        self._work: dict[tuple, np.ndarray] = {}

    def width(self, units: int) -> int:
        """Columns of z (and of W) needed for ``units`` outputs."""
        return units

    def forward(self, z: np.ndarray, out: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def backward(
        self, z: np.ndarray, a: np.ndarray, grad_a: np.ndarray, out: np.ndarray
    ) -> np.ndarray:
        """dJ/dz from dJ/da; ``out`` may be ``grad_a`` itself (elementwise activations)."""
        raise NotImplementedError

    def saturated_fraction(self, a: np.ndarray) -> float:
        """The fraction of ``a`` outside :attr:`saturation_bounds` (NaN when the activation
        does not saturate or ``a`` is empty)."""
        if not self.saturates or not a.size:
            return float("nan")
        lo, hi = self.saturation_bounds
        return float(np.mean((a < lo) | (a > hi)))

    # --- prebuilt operations for the training loop ----------------------------------------
    # The network binds these to its work arrays once per batch size and then just calls
    # them: no method dispatch or argument handling per step.

    #: layers whose activations share a key get their local derivatives f'(z) in one pass
    #: over all of them (their arrays are blocks of one buffer); None: no such pass
    def slope_key(self) -> tuple | None:
        return None

    def slope_ops(self, z: np.ndarray, a: np.ndarray, slope: np.ndarray) -> list[Op]:
        """Operations writing f'(z) into ``slope`` (z, a: the group's flat buffers)."""
        return []

    def forward_ops(self, z: np.ndarray, out: np.ndarray) -> list[Op]:
        return [partial(self.forward, z, out)]

    def backward_ops(self, z: np.ndarray, a: np.ndarray, grad_a: np.ndarray, out: np.ndarray,
                     slope: np.ndarray | None = None) -> list[Op]:
        """dJ/dz; with ``slope`` (from :meth:`slope_ops`) a single product."""
        if slope is not None:
            return [partial(np.multiply, grad_a, slope, out)]
        return [partial(self.backward, z, a, grad_a, out)]

    def _scratch(self, key: str, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
        """A work array kept between calls (one per key, shape and dtype)."""
        k = (key, shape, dtype)
        buf = self._work.get(k)
        if buf is None:
            if len(self._work) >= 64:  # bounded when batch sizes vary
                self._work.clear()
            buf = self._work[k] = np.empty(shape, dtype)
        return buf


class Linear(Activation):
    one_at = 1.0
    name = "linear"
    summary = "Identity: passes z through unchanged; used for regression outputs."

    def forward(self, z, out):
        if out is not z:
            np.copyto(out, z)
        return out

    def backward(self, z, a, grad_a, out):
        if out is not grad_a:
            np.copyto(out, grad_a)
        return out

    def forward_ops(self, z, out):
        return [] if out is z else [partial(np.copyto, out, z)]

    def backward_ops(self, z, a, grad_a, out, slope=None):
        return [] if out is grad_a else [partial(np.copyto, out, grad_a)]


class Step(Activation):
    one_at = 1.0
    name = "step"
    summary = "1 if z > 0 else 0: the classic perceptron; its gradient is zero everywhere."

    def forward(self, z, out):
        np.greater(z, 0.0, out=out)
        return out

    def backward(self, z, a, grad_a, out):
        out.fill(0.0)
        return out

    def forward_ops(self, z, out):
        return [partial(np.greater, z, const(0.0, z), out)]

    def backward_ops(self, z, a, grad_a, out, slope=None):
        return [partial(out.fill, 0.0)]


class Sigmoid(Activation):
    one_at = 80.0
    name = "sigmoid"
    saturates = True
    saturation_bounds = (0.01, 0.99)
    summary = "Squashes z into (0, 1); saturates for large |z|, so gradients can vanish."

    def forward(self, z, out):
        # 0.5 * (1 + tanh(z / 2)) never overflows, even at |z| = 1000.
        np.multiply(z, 0.5, out=out)
        np.tanh(out, out=out)
        np.multiply(out, 0.5, out=out)
        np.add(out, 0.5, out=out)
        return out

    def backward(self, z, a, grad_a, out):
        # dJ/dz = dJ/da * a * (1 - a)
        if out is grad_a:
            slope = self._scratch("slope", a.shape, a.dtype)
            np.subtract(1.0, a, out=slope)
            np.multiply(slope, a, out=slope)
            np.multiply(out, slope, out=out)
            return out
        np.subtract(1.0, a, out=out)
        np.multiply(out, a, out=out)
        np.multiply(out, grad_a, out=out)
        return out

    def forward_ops(self, z, out):
        half = const(0.5, out)
        return [partial(np.multiply, z, half, out), partial(np.tanh, out, out),
                partial(np.multiply, out, half, out), partial(np.add, out, half, out)]

    def slope_key(self):
        return ("sigmoid",)

    def slope_ops(self, z, a, slope):
        # a (1 - a) = a - a^2
        return [partial(np.multiply, a, a, slope), partial(np.subtract, a, slope, slope)]


class Tanh(Activation):
    one_at = 40.0
    name = "tanh"
    saturates = True
    saturation_bounds = (-0.99, 0.99)
    summary = "Squashes z into (-1, 1), zero-centred; still saturates for large |z|."

    def forward(self, z, out):
        np.tanh(z, out=out)
        return out

    def backward(self, z, a, grad_a, out):
        # dJ/dz = dJ/da * (1 - a^2)
        if out is grad_a:
            slope = self._scratch("slope", a.shape, a.dtype)
            np.multiply(a, a, out=slope)
            np.subtract(1.0, slope, out=slope)
            np.multiply(out, slope, out=out)
            return out
        np.multiply(a, a, out=out)
        np.subtract(1.0, out, out=out)
        np.multiply(out, grad_a, out=out)
        return out

    def forward_ops(self, z, out):
        return [partial(np.tanh, z, out)]

    def slope_key(self):
        return ("tanh",)

    def slope_ops(self, z, a, slope):
        return [partial(np.multiply, a, a, slope),
                partial(np.subtract, const(1.0, slope), slope, slope)]


class ReLU(Activation):
    one_at = 1.0
    name = "relu"
    rectifies = True
    summary = "max(0, z): does not saturate for z > 0, so deep networks keep their gradients."

    def forward(self, z, out):
        np.maximum(z, 0.0, out=out)
        return out

    def backward(self, z, a, grad_a, out):
        if out is grad_a:
            mask = self._scratch("mask", z.shape, z.dtype)
            np.greater(z, 0.0, out=mask)
            np.multiply(out, mask, out=out)
            return out
        np.greater(z, 0.0, out=out)
        np.multiply(out, grad_a, out=out)
        return out

    def forward_ops(self, z, out):
        return [partial(np.maximum, z, const(0.0, z), out=out)]

    def slope_key(self):
        return ("relu",)

    def slope_ops(self, z, a, slope):
        return [partial(np.greater, z, const(0.0, z), slope)]


class LeakyReLU(Activation):
    one_at = 1.0
    name = "leaky_relu"
    rectifies = True
    summary = "z if z > 0 else alpha*z: like ReLU, but a small slope keeps units from dying."

    def forward(self, z, out):
        np.multiply(z, self.alpha, out=out)
        np.maximum(z, out, out=out)  # valid for 0 <= alpha <= 1
        return out

    def backward(self, z, a, grad_a, out):
        # slope = alpha + (1 - alpha) * [z > 0]
        target = out
        if out is grad_a:
            target = self._scratch("slope", z.shape, z.dtype)
        np.greater(z, 0.0, out=target)
        np.multiply(target, 1.0 - self.alpha, out=target)
        np.add(target, self.alpha, out=target)
        np.multiply(grad_a, target, out=out)
        return out

    def forward_ops(self, z, out):
        return [partial(np.multiply, z, const(self.alpha, z), out),
                partial(np.maximum, z, out, out=out)]

    def slope_key(self):
        return ("leaky_relu", self.alpha)

    def slope_ops(self, z, a, slope):
        return [partial(np.greater, z, const(0.0, z), slope),
                partial(np.multiply, slope, const(1.0 - self.alpha, slope), slope),
                partial(np.add, slope, const(self.alpha, slope), slope)]


#: a row sum of exp(z - shift) below this means the shift was too large for that row
_SAFE_ROW_SUM = {"d": float(np.sqrt(np.finfo(np.float64).tiny)),
                 "f": float(np.sqrt(np.finfo(np.float32).tiny))}


class Softmax(Activation):
    elementwise = False
    name = "softmax"
    summary = "exp(z_k) / sum_j exp(z_j): turns scores into class probabilities (output layer)."

    def __init__(self, alpha: float = 0.01, pieces: int = 2) -> None:
        super().__init__(alpha, pieces)
        # (z, shift, row sums of exp(z - shift)) of the last forward pass, for cross-entropy
        self._last: tuple[np.ndarray, float | np.ndarray, np.ndarray] | None = None

    def forward(self, z, out):
        n, k = z.shape
        row_max = self._scratch("max", (n, 1), z.dtype)
        row_sum = self._scratch("sum", (n, 1), z.dtype)
        ones = self._work.get(("ones", k, z.dtype))
        if ones is None:
            ones = self._work[("ones", k, z.dtype)] = np.ones((k, 1), z.dtype)
        # Shift by the batch's largest score (one cheap reduction), unless some row lies so
        # far below it that its exponentials would underflow: then shift each row by its own
        # maximum. Either way exp never overflows and every row sum is >= 1 (or accurate).
        top = np.maximum.reduce(z, axis=None)
        np.subtract(z, top, out=out)
        np.exp(out, out=out)
        np.matmul(out, ones, out=row_sum)
        shift: float | np.ndarray = top
        safe = _SAFE_ROW_SUM.get(z.dtype.char, _SAFE_ROW_SUM["d"])
        if not np.minimum.reduce(row_sum, axis=None) >= safe and top == top:
            shift = np.maximum.reduce(z, axis=1, out=row_max, keepdims=True)
            np.subtract(z, row_max, out=out)
            np.exp(out, out=out)
            np.matmul(out, ones, out=row_sum)
        np.divide(out, row_sum, out=out)
        self._last = (z, shift, row_sum)
        return out

    def log_normalizer(self, z: np.ndarray) -> np.ndarray | None:
        """log sum_j exp(z_j) per row, shape (n, 1), if ``z`` is the array of the last forward
        pass (so log p = z - log_normalizer without overflow); None otherwise."""
        last = self._last
        if last is None or last[0] is not z:
            return None
        _, shift, row_sum = last
        log_norm = self._scratch("lognorm", row_sum.shape, row_sum.dtype)
        np.log(row_sum, out=log_norm)
        np.add(log_norm, shift, out=log_norm)
        return log_norm

    def backward(self, z, a, grad_a, out):
        # dJ/dz_k = a_k * (dJ/da_k - sum_j dJ/da_j a_j)
        n = a.shape[0]
        prod = self._scratch("prod", a.shape, a.dtype)
        inner = self._scratch("inner", (n, 1), a.dtype)
        np.multiply(grad_a, a, out=prod)
        np.add.reduce(prod, axis=1, out=inner, keepdims=True)
        np.subtract(grad_a, inner, out=out)
        np.multiply(out, a, out=out)
        return out


class Maxout(Activation):
    elementwise = False
    name = "maxout"
    summary = "max over k linear pieces: learns its own piecewise-linear activation."

    def width(self, units: int) -> int:
        return units * self.pieces

    # Pieces of unit j are the columns j*pieces .. j*pieces + pieces-1 of z. Strided column
    # selections (not reshapes) keep this right for any memory layout of z and out.
    def forward(self, z, out):
        P = self.pieces
        if P == 1:
            np.copyto(out, z)
            return out
        np.maximum(z[:, 0::P], z[:, 1::P], out=out)
        for p in range(2, P):
            np.maximum(out, z[:, p::P], out=out)
        return out

    def backward(self, z, a, grad_a, out):
        # the gradient goes to the winning piece of every unit (the first one on a tie)
        P = self.pieces
        pieces = np.stack([z[:, p::P] for p in range(P)], axis=-1)
        winner = pieces.argmax(axis=-1)
        grad = np.array(grad_a, copy=True)
        for p in range(P):
            np.multiply(grad, winner == p, out=out[:, p::P])
        return out


ACTIVATIONS: dict[str, type[Activation]] = {
    cls.name: cls for cls in (Linear, Step, Sigmoid, Tanh, ReLU, LeakyReLU, Softmax, Maxout)
}


def make_activation(name: str, alpha: float = 0.01, pieces: int = 2) -> Activation:
    """Build the activation called ``name``; unknown names raise a clear error."""
    try:
        cls = ACTIVATIONS[name]
    except (KeyError, TypeError):
        known = ", ".join(ACTIVATIONS)
        raise NNStudioError(f"unknown activation {name!r} (known: {known})") from None
    if cls is LeakyReLU and not 0.0 <= alpha <= 1.0:
        raise NNStudioError(f"leaky_relu alpha must be between 0 and 1, got {alpha}")
    if cls is Maxout and pieces < 1:
        raise NNStudioError(f"maxout pieces must be at least 1, got {pieces}")
    return cls(alpha=alpha, pieces=pieces)


def activation_value(name: str, z: np.ndarray, alpha: float = 0.01, pieces: int = 2) -> np.ndarray:
    """f(z) as a new array (for plots and the inspector, not the training loop)."""
    act = make_activation(name, alpha, pieces)
    z = np.atleast_2d(np.asarray(z, dtype=float))
    if name == "maxout" and z.shape[1] % act.pieces:
        raise NNStudioError(f"maxout with {act.pieces} pieces needs a multiple of {act.pieces} "
                            f"columns, got {z.shape[1]}")
    width = z.shape[1] // act.pieces if name == "maxout" else z.shape[1]
    return act.forward(z, np.empty((z.shape[0], width)))


def activation_derivative(name: str, z: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    """Elementwise da/dz for the elementwise activations (not softmax or maxout)."""
    if name in ("softmax", "maxout"):
        raise NNStudioError(f"{name} has no elementwise derivative")
    act = make_activation(name, alpha)
    z = np.asarray(z, dtype=float)
    flat = np.atleast_2d(z)
    a = act.forward(flat, np.empty_like(flat))
    return act.backward(flat, a, np.ones_like(flat), np.empty_like(flat)).reshape(z.shape)
