"""Loss functions exactly as DESIGN.md defines them, registered by name.

Each loss gives its value and dJ/dz for the output layer, averaged over the batch. Where the
output activation pairs naturally (sigmoid + binary cross-entropy, softmax + cross-entropy)
the gradient is the fused, numerically stable ``(p - y) / n`` and the value is computed
from the logits, so nothing overflows even at |z| = 1000.
"""

from __future__ import annotations

import numpy as np

from nnstudio.engine.activations import Activation
from nnstudio.engine.errors import NNStudioError


class Loss:
    name = ""
    summary = ""
    #: output activations this loss accepts (None: any)
    activations: tuple[str, ...] | None = None

    def value(self, z: np.ndarray, a: np.ndarray, y: np.ndarray) -> float:
        raise NotImplementedError

    def output_delta(
        self, z: np.ndarray, a: np.ndarray, y: np.ndarray, act: Activation, out: np.ndarray
    ) -> np.ndarray:
        """Fill ``out`` (shape of z) with dJ/dz for the output layer and return it."""
        raise NotImplementedError


class MeanSquaredError(Loss):
    name = "mse"
    summary = "0.5 * mean over samples of the summed squared error; the usual regression loss."

    def value(self, z, a, y):
        diff = a - y
        return 0.5 * float(np.einsum("ij,ij->", diff, diff)) / a.shape[0]

    def output_delta(self, z, a, y, act, out):
        grad_a = np.subtract(a, y)
        grad_a *= 1.0 / a.shape[0]
        return act.backward(z, a, grad_a, out)


class BinaryCrossEntropy(Loss):
    name = "binary_cross_entropy"
    summary = "-(y log p + (1-y) log(1-p)) for a sigmoid output; punishes confident mistakes."
    activations = ("sigmoid",)

    def value(self, z, a, y):
        # log-sum-exp form: max(z, 0) - z*y + log(1 + exp(-|z|))
        loss = np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z)))
        return float(loss.sum()) / z.shape[0]

    def output_delta(self, z, a, y, act, out):
        np.subtract(a, y, out=out)
        out *= 1.0 / a.shape[0]
        return out


class CrossEntropy(Loss):
    name = "cross_entropy"
    summary = "-sum_k y_k log p_k for a softmax output (one-hot targets)."
    activations = ("softmax",)

    def value(self, z, a, y):
        shifted = z - z.max(axis=1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        return -float(np.einsum("ij,ij->", y, log_p)) / z.shape[0]

    def output_delta(self, z, a, y, act, out):
        np.subtract(a, y, out=out)
        out *= 1.0 / a.shape[0]
        return out


class Hinge(Loss):
    name = "hinge"
    summary = "max(0, 1 - t*s) with targets -1/+1: the SVM loss, zero once a point is safely right."

    def value(self, z, a, y):
        return float(np.maximum(0.0, 1.0 - y * a).sum()) / a.shape[0]

    def output_delta(self, z, a, y, act, out):
        grad_a = np.where(y * a < 1.0, -y, 0.0)
        grad_a *= 1.0 / a.shape[0]
        return act.backward(z, a, grad_a, out)


LOSSES: dict[str, type[Loss]] = {
    cls.name: cls for cls in (MeanSquaredError, BinaryCrossEntropy, CrossEntropy, Hinge)
}


def make_loss(name: str, output_activation: str | None = None) -> Loss:
    """Build the loss ``name``, checking that it fits the output activation."""
    try:
        loss = LOSSES[name]()
    except KeyError:
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
            total += 0.5 * l2 * float(np.einsum("ij,ij->", w, w))
        if l1:
            total += l1 * float(np.abs(w).sum())
    return total
