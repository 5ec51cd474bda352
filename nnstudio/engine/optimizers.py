"""Optimizers that own their state and update one flat parameter buffer in place.

All parameters of a network live in one contiguous array, so each update is a handful of
whole-buffer NumPy operations however many layers there are. The learning rate (``lr``)
may be changed between steps.
"""

from __future__ import annotations

import numpy as np

from nnstudio.engine.errors import NNStudioError


def _fraction(name: str, value: float) -> float:
    """A decay rate: 0 <= value < 1."""
    value = float(value)
    if not 0.0 <= value < 1.0:
        raise NNStudioError(f"{name} must be at least 0 and below 1, got {value:g}")
    return value


def _positive(name: str, value: float) -> float:
    value = float(value)
    if not (value > 0.0 and np.isfinite(value)):
        raise NNStudioError(f"{name} must be a positive number, got {value:g}")
    return value


#: decaying state is checked for values about to become subnormal every this many steps
FLUSH_INTERVAL = 64


class Optimizer:
    name = ""
    summary = ""

    def __init__(self, params: np.ndarray, lr: float = 0.03, **_: float) -> None:
        self.params = params
        self._lr_array = np.array(0.0, dtype=params.dtype)  # lr for NumPy, no conversion
        self.lr = float(lr)
        self._scratch = np.empty_like(params)
        self._steps = 0
        #: (state array, its decay factor per step) for state that decays geometrically
        self._decaying: list[tuple[np.ndarray, float]] = []

    @property
    def lr(self) -> float:
        """The learning rate; may be changed between steps."""
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._lr = float(value)
        self._lr_array[...] = self._lr

    def step(self, grads: np.ndarray) -> None:
        raise NotImplementedError

    def _flush_tiny(self) -> None:
        """Zero decaying state before it becomes subnormal.

        A weight whose gradient stays exactly 0 (a dead ReLU unit, say) sees its momentum
        shrink geometrically; below the smallest normal float every operation on it is
        many times slower. Values that small move no weight, so they are set to 0 — checked
        every FLUSH_INTERVAL steps, with a margin for the decay in between.
        """
        self._steps += 1
        if self._steps % FLUSH_INTERVAL:
            return
        tiny = float(np.finfo(self.params.dtype).tiny)
        for state, decay in self._decaying:
            below = tiny / max(decay, 1e-300) ** FLUSH_INTERVAL
            np.abs(state, self._scratch)
            state[self._scratch < below] = 0.0


class SGD(Optimizer):
    name = "sgd"
    summary = "Plain gradient descent: w <- w - lr * dJ/dw."

    def step(self, grads):
        np.multiply(grads, self._lr_array, self._scratch)
        np.subtract(self.params, self._scratch, self.params)


class Momentum(Optimizer):
    name = "momentum"
    summary = "Keeps a velocity: v <- m*v - lr*g; w <- w + v. Rolls through flat regions."

    def __init__(self, params, lr=0.03, momentum: float = 0.9, **_):
        super().__init__(params, lr)
        self._momentum_array = np.array(0.0, dtype=params.dtype)
        self.momentum = momentum
        self.velocity = np.zeros_like(params)
        self._decaying = [(self.velocity, self.momentum)]

    @property
    def momentum(self) -> float:
        return self._momentum

    @momentum.setter
    def momentum(self, value: float) -> None:
        self._momentum = _fraction("momentum", value)
        self._momentum_array[...] = self._momentum

    def step(self, grads):
        v = self.velocity
        np.multiply(v, self._momentum_array, v)
        np.multiply(grads, self._lr_array, self._scratch)
        np.subtract(v, self._scratch, v)
        np.add(self.params, v, self.params)
        self._flush_tiny()


class Nesterov(Momentum):
    name = "nesterov"
    summary = "Momentum that looks ahead: the step uses the gradient after the velocity move."

    def step(self, grads):
        # w <- w + m*v_new - lr*g  (the usual reformulation of Nesterov momentum)
        v, s, p = self.velocity, self._scratch, self.params
        np.multiply(v, self.momentum, v)
        np.multiply(grads, self.lr, s)
        np.subtract(v, s, v)
        np.subtract(p, s, p)
        np.multiply(v, self.momentum, s)
        np.add(p, s, p)
        self._flush_tiny()


class Adagrad(Optimizer):
    name = "adagrad"
    summary = "Per-weight learning rates that shrink with the sum of past squared gradients."

    def __init__(self, params, lr=0.03, epsilon: float = 1e-8, **_):
        super().__init__(params, lr)
        self.epsilon = _positive("epsilon", epsilon)
        self.accum = np.zeros_like(params)

    def step(self, grads):
        s = self._scratch
        np.multiply(grads, grads, s)
        np.add(self.accum, s, self.accum)
        np.sqrt(self.accum, s)
        np.add(s, self.epsilon, s)
        np.divide(grads, s, s)
        np.multiply(s, self.lr, s)
        np.subtract(self.params, s, self.params)


class RMSprop(Optimizer):
    name = "rmsprop"
    summary = "Divides by a running average of squared gradients (decay rho)."

    def __init__(self, params, lr=0.001, rho: float = 0.9, epsilon: float = 1e-8, **_):
        super().__init__(params, lr)
        self.rho = _fraction("rho", rho)
        self.epsilon = _positive("epsilon", epsilon)
        # kept as S = mean_square / (1 - rho), so that S <- rho*S + g^2 is two passes
        self._S = np.zeros_like(params)
        self._decaying = [(self._S, self.rho)]

    @property
    def mean_square(self) -> np.ndarray:
        """The running average of g^2."""
        return self._S * (1.0 - self.rho)

    def step(self, grads):
        s, S = self._scratch, self._S
        np.multiply(grads, grads, s)
        np.multiply(S, self.rho, S)
        np.add(S, s, S)
        # lr * g / (sqrt((1-rho) S) + eps) = (lr / k) * g / (sqrt(S) + eps / k), k = sqrt(1-rho)
        k = float(np.sqrt(1.0 - self.rho))
        np.sqrt(S, s)
        np.add(s, self.epsilon / k, s)
        np.divide(grads, s, s)
        np.multiply(s, self.lr / k, s)
        np.subtract(self.params, s, self.params)
        self._flush_tiny()


class Adam(Optimizer):
    name = "adam"
    summary = "Momentum plus RMSprop with bias correction: robust default for most problems."

    def __init__(self, params, lr=0.001, beta1: float = 0.9, beta2: float = 0.999,
                 epsilon: float = 1e-8, **_):
        super().__init__(params, lr)
        self._b1_array = np.array(0.0, dtype=params.dtype)  # the betas for NumPy
        self._b2_array = np.array(0.0, dtype=params.dtype)
        self.beta1, self.beta2 = beta1, beta2
        self.epsilon = _positive("epsilon", epsilon)
        # the moments are kept as M = m / (1 - beta1) and V = v / (1 - beta2): then
        # M <- b1*M + g and V <- b2*V + g^2 need no multiplication by (1 - beta)
        self._M = np.zeros_like(params)
        self._V = np.zeros_like(params)
        self._decaying = [(self._M, self.beta1), (self._V, self.beta2)]
        self.t = 0

    @property
    def beta1(self) -> float:
        return self._beta1

    @beta1.setter
    def beta1(self, value: float) -> None:
        self._beta1 = _fraction("beta1", value)
        self._b1_array[...] = self._beta1

    @property
    def beta2(self) -> float:
        return self._beta2

    @beta2.setter
    def beta2(self, value: float) -> None:
        self._beta2 = _fraction("beta2", value)
        self._b2_array[...] = self._beta2

    @property
    def m(self) -> np.ndarray:
        """First moment estimate (running mean of g)."""
        return self._M * (1.0 - self.beta1)

    @property
    def v(self) -> np.ndarray:
        """Second moment estimate (running mean of g^2)."""
        return self._V * (1.0 - self.beta2)

    def step(self, grads):
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        s, M, V = self._scratch, self._M, self._V
        np.multiply(M, self._b1_array, M)
        np.add(M, grads, M)
        np.multiply(grads, grads, s)
        np.multiply(V, self._b2_array, V)
        np.add(V, s, V)
        # w <- w - lr * m_hat / (sqrt(v_hat) + eps), with m_hat = (1-b1) M / c1 and
        # v_hat = (1-b2) V / c2:  = (lr (1-b1) / (c1 k)) * M / (sqrt(V) + eps / k),
        # k = sqrt((1-b2) / c2). Five whole-buffer passes, one sqrt and one division.
        c1 = 1.0 - b1**self.t
        c2 = 1.0 - b2**self.t
        k = float(np.sqrt((1.0 - b2) / c2))
        np.sqrt(V, s)
        np.add(s, self.epsilon / k, s)
        np.divide(M, s, s)
        np.multiply(s, self.lr * (1.0 - b1) / (c1 * k), s)
        np.subtract(self.params, s, self.params)
        self._flush_tiny()


OPTIMIZERS: dict[str, type[Optimizer]] = {
    cls.name: cls for cls in (SGD, Momentum, Nesterov, Adagrad, RMSprop, Adam)
}


def make_optimizer(name: str, params: np.ndarray, lr: float,
                   scratch: np.ndarray | None = None, **settings: float) -> Optimizer:
    """Build the optimizer ``name`` over the flat ``params`` buffer. ``scratch``: a work
    array like ``params`` to use for the update's temporaries (the network's own, so that
    a step touches less memory); by default the optimizer allocates one."""
    try:
        cls = OPTIMIZERS[name]
    except KeyError:
        known = ", ".join(OPTIMIZERS)
        raise NNStudioError(f"unknown optimizer {name!r} (known: {known})") from None
    if not np.isfinite(lr) or lr <= 0:
        raise NNStudioError(f"learning rate must be a positive number, got {lr}")
    optimizer = cls(params, lr=lr, **settings)
    if scratch is not None and scratch.shape == params.shape and scratch.dtype == params.dtype \
            and not np.shares_memory(scratch, params):
        optimizer._scratch = scratch
    return optimizer
