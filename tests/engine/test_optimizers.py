"""Each optimizer's first two updates against values worked out by hand in the test.

The expected values are written with the textbook formulas one weight at a time (plain
Python floats), independently of the engine's vectorised, fused implementation.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnstudio.engine.errors import NNStudioError
from nnstudio.engine.optimizers import OPTIMIZERS, make_optimizer

P0 = [1.0, -2.0, 0.5]
G1 = [0.1, -0.2, 0.3]
G2 = [0.4, 0.0, -0.1]
EPS = 1e-8


def run_two(name: str, lr1: float, lr2: float, **settings: float) -> tuple[np.ndarray, ...]:
    params = np.array(P0)
    opt = make_optimizer(name, params, lr1, **settings)
    opt.step(np.array(G1))
    p1 = params.copy()
    opt.lr = lr2
    opt.step(np.array(G2))
    assert opt.params is params  # updated in place
    return p1, params.copy()


def test_sgd_by_hand() -> None:
    p1, p2 = run_two("sgd", 0.1, 0.1)
    np.testing.assert_allclose(p1, [0.99, -1.98, 0.47], rtol=1e-14)
    np.testing.assert_allclose(p2, [0.95, -1.98, 0.48], rtol=1e-14)


def test_momentum_by_hand() -> None:
    # v1 = -lr g1 = [-0.01, 0.02, -0.03];  v2 = 0.9 v1 - lr g2 = [-0.049, 0.018, -0.017]
    p1, p2 = run_two("momentum", 0.1, 0.1, momentum=0.9)
    np.testing.assert_allclose(p1, [0.99, -1.98, 0.47], rtol=1e-14)
    np.testing.assert_allclose(p2, [0.941, -1.962, 0.453], rtol=1e-14)


def test_nesterov_by_hand() -> None:
    # w <- w + m v_new - lr g (the same as PyTorch's nesterov=True for a constant lr)
    p1, p2 = run_two("nesterov", 0.1, 0.1, momentum=0.9)
    np.testing.assert_allclose(p1, [0.981, -1.962, 0.443], rtol=1e-14)
    np.testing.assert_allclose(p2, [0.8969, -1.9458, 0.4377], rtol=1e-13)


def test_adagrad_by_hand() -> None:
    lr = 0.1
    p1, p2 = run_two("adagrad", lr, lr, epsilon=EPS)
    e1, e2 = [], []
    for w, g1, g2 in zip(P0, G1, G2):
        acc = g1 * g1
        w1 = w - lr * g1 / (math.sqrt(acc) + EPS)
        acc += g2 * g2
        e1.append(w1)
        e2.append(w1 - lr * g2 / (math.sqrt(acc) + EPS))
    np.testing.assert_allclose(p1, e1, rtol=1e-13)
    np.testing.assert_allclose(p2, e2, rtol=1e-13)
    # the first step moves every weight by lr in the direction of -sign(g)
    np.testing.assert_allclose(p1, [0.9, -1.9, 0.4], rtol=1e-6)


def test_rmsprop_by_hand() -> None:
    lr, rho = 0.01, 0.9
    p1, p2 = run_two("rmsprop", lr, lr, rho=rho, epsilon=EPS)
    e1, e2 = [], []
    for w, g1, g2 in zip(P0, G1, G2):
        ms = (1 - rho) * g1 * g1
        w1 = w - lr * g1 / (math.sqrt(ms) + EPS)
        ms = rho * ms + (1 - rho) * g2 * g2
        e1.append(w1)
        e2.append(w1 - lr * g2 / (math.sqrt(ms) + EPS))
    np.testing.assert_allclose(p1, e1, rtol=1e-13)
    np.testing.assert_allclose(p2, e2, rtol=1e-13)


def adam_by_hand(
    lr1: float, lr2: float, b1: float = 0.9, b2: float = 0.999, eps: float = EPS
) -> tuple[list[float], list[float]]:
    e1, e2 = [], []
    for w, g1, g2 in zip(P0, G1, G2):
        m = (1 - b1) * g1
        v = (1 - b2) * g1 * g1
        w1 = w - lr1 * (m / (1 - b1)) / (math.sqrt(v / (1 - b2)) + eps)
        m = b1 * m + (1 - b1) * g2
        v = b2 * v + (1 - b2) * g2 * g2
        m_hat = m / (1 - b1**2)
        v_hat = v / (1 - b2**2)
        e1.append(w1)
        e2.append(w1 - lr2 * m_hat / (math.sqrt(v_hat) + eps))
    return e1, e2


def test_adam_by_hand() -> None:
    p1, p2 = run_two("adam", 0.001, 0.001)
    e1, e2 = adam_by_hand(0.001, 0.001)
    np.testing.assert_allclose(p1, e1, rtol=1e-13)
    np.testing.assert_allclose(p2, e2, rtol=1e-13)
    # Adam's first step is lr * sign(g) (up to epsilon)
    np.testing.assert_allclose(p1, [0.999, -1.999, 0.499], rtol=1e-9)


def test_adam_betas() -> None:
    p1, p2 = run_two("adam", 0.01, 0.01, beta1=0.5, beta2=0.9, epsilon=1e-3)
    e1, e2 = adam_by_hand(0.01, 0.01, 0.5, 0.9, 1e-3)
    np.testing.assert_allclose(p1, e1, rtol=1e-13)
    np.testing.assert_allclose(p2, e2, rtol=1e-13)


def test_learning_rate_change_between_steps_takes_effect() -> None:
    p1, p2 = run_two("sgd", 0.1, 1.0)
    np.testing.assert_allclose(p2, np.array(p1) - 1.0 * np.array(G2), rtol=1e-14)
    p1, p2 = run_two("adam", 0.001, 0.5)
    e1, e2 = adam_by_hand(0.001, 0.5)
    np.testing.assert_allclose(p2, e2, rtol=1e-13)
    p1, p2 = run_two("momentum", 0.1, 0.2, momentum=0.9)
    # v2 = 0.9 * v1 - 0.2 g2
    v1 = -0.1 * np.array(G1)
    np.testing.assert_allclose(p2, np.array(p1) + 0.9 * v1 - 0.2 * np.array(G2), rtol=1e-13)
    for name in ("nesterov", "adagrad", "rmsprop"):
        _, slow = run_two(name, 0.01, 0.01)
        _, fast = run_two(name, 0.01, 0.02)
        assert not np.allclose(slow, fast), name


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_zero_gradient_moves_nothing(name: str) -> None:
    params = np.array(P0)
    opt = make_optimizer(name, params, 0.1)
    for _ in range(3):
        opt.step(np.zeros(3))
    np.testing.assert_array_equal(params, P0)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_every_optimizer_descends_a_quadratic(name: str) -> None:
    params = np.array([3.0, -2.0])
    opt = make_optimizer(name, params, 0.2)
    for _ in range(300):
        opt.step(params.copy())  # gradient of 0.5 |w|^2
    assert np.linalg.norm(params) < 0.2, name


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_float32_buffers_stay_float32(name: str) -> None:
    params = np.array(P0, dtype=np.float32)
    opt = make_optimizer(name, params, 0.1)
    opt.step(np.array(G1, dtype=np.float32))
    opt.step(np.array(G2, dtype=np.float32))
    assert params.dtype == np.float32
    _, expected = run_two(name, 0.1, 0.1)
    np.testing.assert_allclose(params, expected, rtol=1e-5)


def test_bad_optimizer_settings() -> None:
    with pytest.raises(NNStudioError, match="unknown optimizer 'adamw'.*known"):
        make_optimizer("adamw", np.zeros(2), 0.1)
    for lr in (0.0, -1.0, float("nan"), float("inf")):
        with pytest.raises(NNStudioError, match="learning rate"):
            make_optimizer("sgd", np.zeros(2), lr)


@pytest.mark.parametrize("name", ["momentum", "nesterov", "rmsprop", "adam"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_decaying_state_never_becomes_subnormal(name: str, dtype) -> None:
    """A weight whose gradient stays 0 (a dead unit) must not leave its optimizer state in
    the slow subnormal range."""
    params = np.ones(4, dtype=dtype)
    opt = make_optimizer(name, params, 0.01, momentum=0.5, beta1=0.5, beta2=0.5, rho=0.5)
    grads = np.array([1.0, -1.0, 0.5, 0.25], dtype=dtype)
    opt.step(grads)
    tiny = np.finfo(dtype).tiny
    for _ in range(3000):
        opt.step(np.zeros(4, dtype=dtype))
        for state, _decay in opt._decaying:
            small = np.abs(state[state != 0])
            assert np.all(small >= tiny), (name, small)
    for state, _decay in opt._decaying:
        assert np.all(state == 0.0)
    assert np.all(np.isfinite(params))
