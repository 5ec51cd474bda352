"""Optimizers that own their state and update one flat parameter buffer in place.

All parameters of a network live in one contiguous array, so each update is a handful of
whole-buffer NumPy operations however many layers there are. The learning rate (``lr``)
may be changed between steps.
"""

from __future__ import annotations

import numpy as np

from nnstudio.engine.errors import NNStudioError


class Optimizer:
    name = ""
    summary = ""

    def __init__(self, params: np.ndarray, lr: float = 0.03, **_: float) -> None:
        self.params = params
        self.lr = float(lr)
        self._scratch = np.empty_like(params)

    def step(self, grads: np.ndarray) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    name = "sgd"
    summary = "Plain gradient descent: w <- w - lr * dJ/dw."

    def step(self, grads):
        np.multiply(grads, self.lr, out=self._scratch)
        self.params -= self._scratch


class Momentum(Optimizer):
    name = "momentum"
    summary = "Keeps a velocity: v <- m*v - lr*g; w <- w + v. Rolls through flat regions."

    def __init__(self, params, lr=0.03, momentum: float = 0.9, **_):
        super().__init__(params, lr)
        self.momentum = float(momentum)
        self.velocity = np.zeros_like(params)

    def step(self, grads):
        self.velocity *= self.momentum
        np.multiply(grads, self.lr, out=self._scratch)
        self.velocity -= self._scratch
        self.params += self.velocity


class Nesterov(Momentum):
    name = "nesterov"
    summary = "Momentum that looks ahead: the step uses the gradient after the velocity move."

    def step(self, grads):
        # w <- w + m*v_new - lr*g  (the usual reformulation of Nesterov momentum)
        self.velocity *= self.momentum
        np.multiply(grads, self.lr, out=self._scratch)
        self.velocity -= self._scratch
        self.params -= self._scratch
        np.multiply(self.velocity, self.momentum, out=self._scratch)
        self.params += self._scratch


class Adagrad(Optimizer):
    name = "adagrad"
    summary = "Per-weight learning rates that shrink with the sum of past squared gradients."

    def __init__(self, params, lr=0.03, epsilon: float = 1e-8, **_):
        super().__init__(params, lr)
        self.epsilon = float(epsilon)
        self.accum = np.zeros_like(params)

    def step(self, grads):
        s = self._scratch
        np.multiply(grads, grads, out=s)
        self.accum += s
        np.sqrt(self.accum, out=s)
        s += self.epsilon
        np.divide(grads, s, out=s)
        s *= self.lr
        self.params -= s


class RMSprop(Optimizer):
    name = "rmsprop"
    summary = "Divides by a running average of squared gradients (decay rho)."

    def __init__(self, params, lr=0.001, rho: float = 0.9, epsilon: float = 1e-8, **_):
        super().__init__(params, lr)
        self.rho = float(rho)
        self.epsilon = float(epsilon)
        self.mean_square = np.zeros_like(params)

    def step(self, grads):
        s = self._scratch
        np.multiply(grads, grads, out=s)
        s *= 1.0 - self.rho
        self.mean_square *= self.rho
        self.mean_square += s
        np.sqrt(self.mean_square, out=s)
        s += self.epsilon
        np.divide(grads, s, out=s)
        s *= self.lr
        self.params -= s


class Adam(Optimizer):
    name = "adam"
    summary = "Momentum plus RMSprop with bias correction: robust default for most problems."

    def __init__(self, params, lr=0.001, beta1: float = 0.9, beta2: float = 0.999,
                 epsilon: float = 1e-8, **_):
        super().__init__(params, lr)
        self.beta1, self.beta2, self.epsilon = float(beta1), float(beta2), float(epsilon)
        self.m = np.zeros_like(params)
        self.v = np.zeros_like(params)
        self._scratch2 = np.empty_like(params)
        self.t = 0

    def step(self, grads):
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        s, s2 = self._scratch, self._scratch2
        # m <- b1*m + (1-b1)*g ;  v <- b2*v + (1-b2)*g^2
        self.m *= b1
        np.multiply(grads, 1.0 - b1, out=s)
        self.m += s
        self.v *= b2
        np.multiply(grads, grads, out=s)
        s *= 1.0 - b2
        self.v += s
        # w <- w - lr * m_hat / (sqrt(v_hat) + eps), with the bias corrections folded in
        correction1 = 1.0 - b1**self.t
        correction2 = 1.0 - b2**self.t
        np.sqrt(self.v, out=s2)
        s2 *= 1.0 / np.sqrt(correction2)
        s2 += self.epsilon
        np.divide(self.m, s2, out=s)
        s *= self.lr / correction1
        self.params -= s


OPTIMIZERS: dict[str, type[Optimizer]] = {
    cls.name: cls for cls in (SGD, Momentum, Nesterov, Adagrad, RMSprop, Adam)
}


def make_optimizer(name: str, params: np.ndarray, lr: float, **settings: float) -> Optimizer:
    """Build the optimizer ``name`` over the flat ``params`` buffer."""
    try:
        cls = OPTIMIZERS[name]
    except KeyError:
        known = ", ".join(OPTIMIZERS)
        raise NNStudioError(f"unknown optimizer {name!r} (known: {known})") from None
    if not np.isfinite(lr) or lr <= 0:
        raise NNStudioError(f"learning rate must be a positive number, got {lr}")
    return cls(params, lr=lr, **settings)
