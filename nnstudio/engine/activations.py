"""Activation functions: a name -> object registry, in the style of scikit-learn's ``_base.py``.

Every activation works on whole batches with preallocated buffers (``out=``). ``z`` is the
layer's pre-activation ``a_prev @ W + b`` of shape ``(n, width)``; ``a`` has shape
``(n, units)`` (the same except for maxout, where ``width = units * pieces``).
"""

from __future__ import annotations

import numpy as np

from nnstudio.engine.errors import NNStudioError


class Activation:
    """Base class. ``forward`` fills ``out`` with f(z); ``backward`` fills ``out`` with dJ/dz."""

    name = ""
    #: whether f(z) saturates (the fraction of saturated units is reported for these)
    saturates = False
    #: whether units can die (the fraction of dead units is reported for these)
    rectifies = False
    #: a sentence for tooltips and lessons
    summary = ""

    def __init__(self, alpha: float = 0.01, pieces: int = 2) -> None:
        self.alpha = float(alpha)
        self.pieces = int(pieces)

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
        return float("nan")


class Linear(Activation):
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


class Step(Activation):
    name = "step"
    summary = "1 if z > 0 else 0: the classic perceptron; its gradient is zero everywhere."

    def forward(self, z, out):
        np.greater(z, 0, out=out)
        return out

    def backward(self, z, a, grad_a, out):
        out.fill(0.0)
        return out


class Sigmoid(Activation):
    name = "sigmoid"
    saturates = True
    summary = "Squashes z into (0, 1); saturates for large |z|, so gradients can vanish."

    def forward(self, z, out):
        # 0.5 * (1 + tanh(z / 2)) never overflows, even at |z| = 1000.
        np.multiply(z, 0.5, out=out)
        np.tanh(out, out=out)
        out += 1.0
        out *= 0.5
        return out

    def backward(self, z, a, grad_a, out):
        # dJ/dz = dJ/da * a * (1 - a)
        np.subtract(1.0, a, out=out)
        out *= a
        out *= grad_a
        return out

    def saturated_fraction(self, a):
        return float(np.mean((a < 0.01) | (a > 0.99))) if a.size else float("nan")


class Tanh(Activation):
    name = "tanh"
    saturates = True
    summary = "Squashes z into (-1, 1), zero-centred; still saturates for large |z|."

    def forward(self, z, out):
        np.tanh(z, out=out)
        return out

    def backward(self, z, a, grad_a, out):
        # dJ/dz = dJ/da * (1 - a^2)
        if out is grad_a:
            scratch = np.multiply(a, a)
            np.subtract(1.0, scratch, out=scratch)
            out *= scratch
            return out
        np.multiply(a, a, out=out)
        np.subtract(1.0, out, out=out)
        out *= grad_a
        return out

    def saturated_fraction(self, a):
        return float(np.mean(np.abs(a) > 0.99)) if a.size else float("nan")


class ReLU(Activation):
    name = "relu"
    rectifies = True
    summary = "max(0, z): does not saturate for z > 0, so deep networks keep their gradients."

    def forward(self, z, out):
        np.maximum(z, 0.0, out=out)
        return out

    def backward(self, z, a, grad_a, out):
        np.multiply(grad_a, z > 0, out=out)
        return out


class LeakyReLU(Activation):
    name = "leaky_relu"
    rectifies = True
    summary = "z if z > 0 else alpha*z: like ReLU, but a small slope keeps units from dying."

    def forward(self, z, out):
        np.multiply(z, self.alpha, out=out)
        np.maximum(z, out, out=out)  # valid for 0 <= alpha <= 1
        return out

    def backward(self, z, a, grad_a, out):
        slope = np.where(z > 0, 1.0, self.alpha)
        np.multiply(grad_a, slope, out=out)
        return out


class Softmax(Activation):
    name = "softmax"
    summary = "exp(z_k) / sum_j exp(z_j): turns scores into class probabilities (output layer)."

    def forward(self, z, out):
        np.subtract(z, z.max(axis=1, keepdims=True), out=out)
        np.exp(out, out=out)
        out /= out.sum(axis=1, keepdims=True)
        return out

    def backward(self, z, a, grad_a, out):
        # dJ/dz_k = a_k * (dJ/da_k - sum_j dJ/da_j a_j)
        inner = np.sum(grad_a * a, axis=1, keepdims=True)
        np.subtract(grad_a, inner, out=out)
        out *= a
        return out


class Maxout(Activation):
    name = "maxout"
    summary = "max over k linear pieces: learns its own piecewise-linear activation."

    def width(self, units: int) -> int:
        return units * self.pieces

    def forward(self, z, out):
        n = z.shape[0]
        np.max(z.reshape(n, -1, self.pieces), axis=2, out=out)
        return out

    def backward(self, z, a, grad_a, out):
        n = z.shape[0]
        pieces = z.reshape(n, -1, self.pieces)
        winner = pieces.argmax(axis=2)[..., None]
        out.fill(0.0)
        np.put_along_axis(out.reshape(n, -1, self.pieces), winner, grad_a[..., None], axis=2)
        return out


ACTIVATIONS: dict[str, type[Activation]] = {
    cls.name: cls for cls in (Linear, Step, Sigmoid, Tanh, ReLU, LeakyReLU, Softmax, Maxout)
}


def make_activation(name: str, alpha: float = 0.01, pieces: int = 2) -> Activation:
    """Build the activation called ``name``; unknown names raise a clear error."""
    try:
        cls = ACTIVATIONS[name]
    except KeyError:
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
    out = np.empty((z.shape[0], z.shape[1] // act.pieces if name == "maxout" else z.shape[1]))
    return act.forward(z, out)


def activation_derivative(name: str, z: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    """Elementwise da/dz for the elementwise activations (not softmax or maxout)."""
    if name in ("softmax", "maxout"):
        raise NNStudioError(f"{name} has no elementwise derivative")
    act = make_activation(name, alpha)
    z = np.asarray(z, dtype=float)
    flat = np.atleast_2d(z)
    a = act.forward(flat, np.empty_like(flat))
    return act.backward(flat, a, np.ones_like(flat), np.empty_like(flat)).reshape(z.shape)
