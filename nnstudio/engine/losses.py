"""Loss functions exactly as DESIGN.md defines them, registered by name.

Each loss gives its value and dJ/dz for the output layer, averaged over the batch. Where the
output activation pairs naturally (sigmoid + binary cross-entropy, softmax + cross-entropy)
the gradient is the fused, numerically stable ``(p - y) / n`` and the value is computed
from the logits, so nothing overflows even at |z| = 1000.

The training loop calls :meth:`Loss.value_and_delta`, which computes both in a handful of
whole-array operations into preallocated buffers (``out`` has the shape of z, ``scratch``
the shape of the output activations).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np

from nnstudio.engine.activations import Activation, Linear, Sigmoid, Softmax, const
from nnstudio.engine.errors import NNStudioError

#: np.vdot without NumPy's ``__array_function__`` dispatch (plain arrays only)
_dot = getattr(np.vdot, "_implementation", np.vdot)


class Loss:
    name = ""
    summary = ""
    #: output activations this loss accepts (None: any)
    activations: tuple[str, ...] | None = None

    def value(self, z: np.ndarray, a: np.ndarray, y: np.ndarray,
              act: Activation | None = None) -> float:
        raise NotImplementedError

    def output_delta(
        self, z: np.ndarray, a: np.ndarray, y: np.ndarray, act: Activation, out: np.ndarray,
        scratch: np.ndarray | None = None,
    ) -> np.ndarray:
        """Fill ``out`` (shape of z) with dJ/dz for the output layer and return it."""
        raise NotImplementedError

    def value_and_delta(
        self, z: np.ndarray, a: np.ndarray, y: np.ndarray, act: Activation, out: np.ndarray,
        scratch: np.ndarray | None = None,
    ) -> float:
        """J for the batch, with dJ/dz written into ``out``."""
        J = self.value(z, a, y, act)
        self.output_delta(z, a, y, act, out, scratch)
        return J

    def program(self, z: np.ndarray, a: np.ndarray, out: np.ndarray, scratch: np.ndarray,
                act: Activation, fused: bool) -> Callable[[np.ndarray], float]:
        """The training pass's loss step bound to the network's arrays: called with the
        batch's targets, it returns J and leaves dJ/dz in ``out`` (and, if ``fused``, the
        output activation in ``a``)."""
        step = self.forward_value_and_delta if fused else self.value_and_delta
        return partial(_bound_loss, step, z, a, out, scratch, act)

    def fuses(self, act: Activation) -> bool:
        """Whether :meth:`forward_value_and_delta` can compute this output activation itself
        (cheaper than the activation's forward pass followed by :meth:`value_and_delta`)."""
        return False

    def forward_value_and_delta(
        self, z: np.ndarray, a: np.ndarray, y: np.ndarray, act: Activation, out: np.ndarray,
        scratch: np.ndarray | None = None,
    ) -> float:
        """Fill ``a`` with the output activation of ``z``, then as :meth:`value_and_delta`."""
        act.forward(z, a)
        return self.value_and_delta(z, a, y, act, out, scratch)


def _bound_loss(step: Callable[..., float], z: np.ndarray, a: np.ndarray, out: np.ndarray,
                scratch: np.ndarray, act: Activation, y: np.ndarray) -> float:
    return step(z, a, y, act, out, scratch)


def _scratch_for(a: np.ndarray, scratch: np.ndarray | None) -> np.ndarray:
    if scratch is None or scratch.shape != a.shape or scratch.dtype != a.dtype:
        return np.empty(a.shape, a.dtype)
    return scratch


class MeanSquaredError(Loss):
    name = "mse"
    summary = "0.5 * mean over samples of the summed squared error; the usual regression loss."

    def value(self, z, a, y, act=None):
        diff = np.subtract(a, y)
        return 0.5 * float(_dot(diff, diff)) / a.shape[0]

    def output_delta(self, z, a, y, act, out, scratch=None):
        self.value_and_delta(z, a, y, act, out, scratch)
        return out

    def value_and_delta(self, z, a, y, act, out, scratch=None):
        inv_n = 1.0 / a.shape[0]
        if type(act) is Linear and out.shape == a.shape:
            np.subtract(a, y, out=out)
            J = 0.5 * float(_dot(out, out)) * inv_n
            np.multiply(out, inv_n, out=out)
            return J
        grad_a = _scratch_for(a, scratch)
        np.subtract(a, y, out=grad_a)
        J = 0.5 * float(_dot(grad_a, grad_a)) * inv_n
        np.multiply(grad_a, inv_n, out=grad_a)
        act.backward(z, a, grad_a, out)
        return J


class BinaryCrossEntropy(Loss):
    name = "binary_cross_entropy"
    summary = "-(y log p + (1-y) log(1-p)) for a sigmoid output; punishes confident mistakes."
    activations = ("sigmoid",)
    #: from this many outputs on, softplus comes from p (SIMD log) instead of logaddexp
    LARGE = 256

    @staticmethod
    def _softplus_from_p(z: np.ndarray, p: np.ndarray, out: np.ndarray) -> np.ndarray:
        """log(1 + e^z) = max(z, 0) - log(max(p, 1 - p)), p = sigmoid(z): the logarithm is
        only ever taken of the larger of p and 1 - p (>= 1/2), so it is exact to rounding
        and finite at |z| = 1000; much faster than ``logaddexp`` on large arrays."""
        tmp = np.subtract(1.0, p)
        np.maximum(p, tmp, out=tmp)
        np.log(tmp, out=tmp)
        np.maximum(z, 0.0, out=out)
        np.subtract(out, tmp, out=out)
        return out

    def value(self, z, a, y, act=None):
        # logit form: log(1 + exp(z)) - z*y, exact and finite at |z| = 1000
        if z.size >= self.LARGE and a.shape == z.shape:
            softplus = self._softplus_from_p(z, a, np.empty_like(z))
        else:
            softplus = np.logaddexp(0.0, z)
        return (float(np.add.reduce(softplus, axis=None)) - float(_dot(z, y))) / z.shape[0]

    def output_delta(self, z, a, y, act, out, scratch=None):
        np.subtract(a, y, out=out)
        np.multiply(out, 1.0 / a.shape[0], out=out)
        return out

    def value_and_delta(self, z, a, y, act, out, scratch=None):
        inv_n = 1.0 / z.shape[0]
        softplus = _scratch_for(z, scratch)
        if z.size >= self.LARGE:
            self._softplus_from_p(z, a, softplus)
        else:
            np.logaddexp(0.0, z, out=softplus)
        J = (float(np.add.reduce(softplus, axis=None)) - float(_dot(z, y))) * inv_n
        np.subtract(a, y, out=out)
        np.multiply(out, inv_n, out=out)
        return J

    def fuses(self, act):
        return type(act) is Sigmoid

    def program(self, z, a, out, scratch, act, fused):
        if not fused or z.size >= self.LARGE:
            return super().program(z, a, out, scratch, act, fused)
        # the small-batch fused pass (forward_value_and_delta) with every array bound
        inv_n = 1.0 / z.shape[0]
        inv_n_array, zero = const(inv_n, z), const(0.0, z)
        softplus = _scratch_for(z, scratch)
        logaddexp, reduce, dot = np.logaddexp, np.add.reduce, _dot
        subtract, exp, multiply = np.subtract, np.exp, np.multiply

        def run(y: np.ndarray) -> float:
            logaddexp(zero, z, softplus)
            J = (float(reduce(softplus, None)) - float(dot(z, y))) * inv_n
            subtract(z, softplus, a)
            exp(a, a)
            subtract(a, y, out)
            multiply(out, inv_n_array, out)
            return J

        return run

    def forward_value_and_delta(self, z, a, y, act, out, scratch=None):
        if z.size >= self.LARGE:
            act.forward(z, a)
            return self.value_and_delta(z, a, y, act, out, scratch)
        # small batches: sigmoid(z) = exp(z - softplus(z)) from the loss's own softplus
        # (z - softplus(z) = log p <= 0 never overflows): fewer passes than the tanh form
        inv_n = 1.0 / z.shape[0]
        softplus = _scratch_for(z, scratch)
        np.logaddexp(0.0, z, out=softplus)
        J = (float(np.add.reduce(softplus, axis=None)) - float(_dot(z, y))) * inv_n
        np.subtract(z, softplus, out=a)
        np.exp(a, out=a)
        np.subtract(a, y, out=out)
        np.multiply(out, inv_n, out=out)
        return J


class CrossEntropy(Loss):
    name = "cross_entropy"
    summary = "-sum_k y_k log p_k for a softmax output (one-hot targets)."
    activations = ("softmax",)

    def value(self, z, a, y, act=None, scratch=None):
        log_norm = act.log_normalizer(z) if isinstance(act, Softmax) else None
        if log_norm is None:  # not the last forward pass: compute log-sum-exp afresh
            row_max = z.max(axis=1, keepdims=True)
            log_norm = np.log(np.exp(z - row_max).sum(axis=1, keepdims=True)) + row_max
        log_p = _scratch_for(z, scratch)
        np.subtract(z, log_norm, out=log_p)
        return -float(_dot(y, log_p)) / z.shape[0]

    def output_delta(self, z, a, y, act, out, scratch=None):
        np.subtract(a, y, out=out)
        np.multiply(out, 1.0 / a.shape[0], out=out)
        return out

    def value_and_delta(self, z, a, y, act, out, scratch=None):
        J = self.value(z, a, y, act, scratch)
        np.subtract(a, y, out=out)
        np.multiply(out, 1.0 / a.shape[0], out=out)
        return J


class Hinge(Loss):
    name = "hinge"
    summary = "max(0, 1 - t*s) with targets -1/+1: the SVM loss, zero once a point is safely right."

    def value(self, z, a, y, act=None):
        return float(np.maximum(0.0, 1.0 - y * a).sum()) / a.shape[0]

    def output_delta(self, z, a, y, act, out, scratch=None):
        self.value_and_delta(z, a, y, act, out, scratch)
        return out

    def value_and_delta(self, z, a, y, act, out, scratch=None):
        inv_n = 1.0 / a.shape[0]
        margin = _scratch_for(a, scratch)
        np.multiply(y, a, out=margin)
        np.subtract(1.0, margin, out=margin)
        np.maximum(margin, 0.0, out=margin)
        J = float(np.add.reduce(margin, axis=None)) * inv_n
        # dJ/da = -t / n where the margin is violated (1 - t*s > 0), else 0
        np.greater(margin, 0.0, out=margin)
        np.multiply(margin, y, out=margin)
        np.multiply(margin, -inv_n, out=margin)
        act.backward(z, a, margin, out)
        return J


LOSSES: dict[str, type[Loss]] = {
    cls.name: cls for cls in (MeanSquaredError, BinaryCrossEntropy, CrossEntropy, Hinge)
}


def make_loss(name: str, output_activation: str | None = None) -> Loss:
    """Build the loss ``name``, checking that it fits the output activation."""
    try:
        loss = LOSSES[name]()
    except (KeyError, TypeError):
        known = ", ".join(LOSSES)
        raise NNStudioError(f"unknown loss {name!r} (known: {known})") from None
    if output_activation is not None and loss.activations is not None:
        if output_activation not in loss.activations:
            needed = " or ".join(loss.activations)
            raise NNStudioError(
                f"loss {name!r} needs a {needed} output layer, not {output_activation!r}"
            )
    return loss


def regularization_value(weights: list[np.ndarray], l1: float, l2: float) -> float:
    """0.5 * l2 * sum(W^2) + l1 * sum(|W|) over the weight matrices (not biases)."""
    total = 0.0
    for w in weights:
        if l2:
            total += 0.5 * l2 * float(_dot(w, w))
        if l1:
            total += l1 * float(np.abs(w).sum())
    return total
