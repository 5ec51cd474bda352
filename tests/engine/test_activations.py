"""Activation and loss values, derivatives and numerical stability at |z| = 1000."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from nnstudio.engine.activations import (
    ACTIVATIONS,
    activation_derivative,
    activation_value,
    make_activation,
)
from nnstudio.engine.errors import NNStudioError
from nnstudio.engine.losses import LOSSES, make_loss, regularization_value
from nnstudio.engine.network import LayerSpec, Network, NetworkSpec

Z = np.array([[-3.0, -0.5, 0.0, 0.5, 3.0]])


def test_registry_names() -> None:
    assert set(ACTIVATIONS) == {
        "linear",
        "step",
        "sigmoid",
        "tanh",
        "relu",
        "leaky_relu",
        "softmax",
        "maxout",
    }
    assert set(LOSSES) == {"mse", "binary_cross_entropy", "cross_entropy", "hinge"}


@pytest.mark.parametrize(
    "name,expected",
    [
        ("linear", Z),
        ("step", (Z > 0).astype(float)),
        ("sigmoid", 1.0 / (1.0 + np.exp(-Z))),
        ("tanh", np.tanh(Z)),
        ("relu", np.maximum(Z, 0.0)),
        ("leaky_relu", np.where(Z > 0, Z, 0.01 * Z)),
    ],
)
def test_elementwise_values(name: str, expected: np.ndarray) -> None:
    np.testing.assert_allclose(activation_value(name, Z), expected, rtol=1e-14, atol=1e-15)


def test_step_is_zero_at_zero() -> None:
    assert activation_value("step", [[0.0]])[0, 0] == 0.0
    assert activation_value("step", [[1e-300]])[0, 0] == 1.0


def test_leaky_relu_alpha() -> None:
    np.testing.assert_allclose(
        activation_value("leaky_relu", Z, alpha=0.2), np.where(Z > 0, Z, 0.2 * Z)
    )
    with pytest.raises(NNStudioError, match="alpha"):
        make_activation("leaky_relu", alpha=1.5)


def test_softmax_values() -> None:
    z = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    e = np.exp(z)
    np.testing.assert_allclose(
        activation_value("softmax", z), e / e.sum(1, keepdims=True), rtol=1e-14
    )


def test_maxout_values() -> None:
    z = np.array([[1.0, 5.0, -2.0, -3.0, 0.5, 0.25]])
    np.testing.assert_array_equal(activation_value("maxout", z, pieces=2), [[5.0, -2.0, 0.5]])
    np.testing.assert_array_equal(activation_value("maxout", z, pieces=3), [[5.0, 0.5]])


@pytest.mark.parametrize(
    "name,expected",
    [
        ("linear", np.ones_like(Z)),
        ("step", np.zeros_like(Z)),
        ("sigmoid", np.exp(-Z) / (1.0 + np.exp(-Z)) ** 2),
        ("tanh", 1.0 - np.tanh(Z) ** 2),
        ("relu", (Z > 0).astype(float)),
        ("leaky_relu", np.where(Z > 0, 1.0, 0.01)),
    ],
)
def test_elementwise_derivatives(name: str, expected: np.ndarray) -> None:
    np.testing.assert_allclose(activation_derivative(name, Z), expected, rtol=1e-12, atol=1e-15)


def test_derivative_keeps_shape_and_rejects_vector_activations() -> None:
    assert activation_derivative("tanh", np.zeros(7)).shape == (7,)
    for name in ("softmax", "maxout"):
        with pytest.raises(NNStudioError, match=name):
            activation_derivative(name, Z)


def test_unknown_names_are_clear() -> None:
    with pytest.raises(NNStudioError, match="unknown activation 'relux'.*known"):
        make_activation("relux")
    with pytest.raises(NNStudioError, match="unknown loss 'l3'"):
        make_loss("l3")
    with pytest.raises(NNStudioError, match="softmax output"):
        make_loss("cross_entropy", "sigmoid")
    with pytest.raises(NNStudioError, match="sigmoid output"):
        make_loss("binary_cross_entropy", "tanh")


# --- the losses, exactly as DESIGN.md defines them ------------------------------------------


def _output(loss: str, activation: str, z: np.ndarray) -> tuple[Network, np.ndarray]:
    """A one-layer network whose pre-activation equals ``z`` for the identity input."""
    k = z.shape[1]
    net = Network(NetworkSpec(k, [LayerSpec(k, activation)], loss=loss, task="regression"))
    net.layers[0].W[:] = np.eye(k)
    net.layers[0].b[:] = 0.0
    return net, z


def test_mse_value() -> None:
    net, z = _output("mse", "linear", np.array([[1.0, 2.0], [0.0, -1.0], [3.0, 3.0]]))
    y = np.array([[0.0, 2.0], [1.0, 1.0], [3.0, 0.0]])
    expected = 0.5 * np.mean(np.sum((y - z) ** 2, axis=1))
    assert net.data_loss(z, y) == pytest.approx(expected, rel=1e-14)


def test_binary_cross_entropy_value() -> None:
    net, z = _output("binary_cross_entropy", "sigmoid", np.array([[0.3], [-1.2], [2.0]]))
    y = np.array([[1.0], [0.0], [0.0]])
    p = 1.0 / (1.0 + np.exp(-z))
    expected = np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p)))
    assert net.data_loss(z, y) == pytest.approx(expected, rel=1e-13)


def test_cross_entropy_value() -> None:
    net, z = _output("cross_entropy", "softmax", np.array([[0.3, -1.0, 2.0], [1.0, 1.0, 1.0]]))
    y = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    expected = np.mean(-np.sum(y * np.log(p), axis=1))
    assert net.data_loss(z, y) == pytest.approx(expected, rel=1e-13)


def test_hinge_value() -> None:
    net, s = _output("hinge", "linear", np.array([[0.3], [-2.0], [1.5], [0.0]]))
    t = np.array([[1.0], [-1.0], [-1.0], [1.0]])
    expected = np.mean(np.maximum(0.0, 1.0 - t * s))
    assert net.data_loss(s, t) == pytest.approx(expected, rel=1e-14)
    assert expected == pytest.approx((0.7 + 0.0 + 2.5 + 1.0) / 4)


def test_regularization_value() -> None:
    w = [np.array([[1.0, -2.0]]), np.array([[3.0], [0.5]])]
    assert regularization_value(w, 0.0, 0.5) == pytest.approx(0.25 * (1 + 4 + 9 + 0.25))
    assert regularization_value(w, 0.1, 0.0) == pytest.approx(0.1 * 6.5)


# --- stability ------------------------------------------------------------------------------

BIG = np.array([[-1000.0], [1000.0], [-800.0], [800.0], [0.0]])


def test_sigmoid_at_1000_is_finite_and_silent() -> None:
    with warnings.catch_warnings(), np.errstate(all="raise", under="ignore"):
        warnings.simplefilter("error")
        a = activation_value("sigmoid", BIG)
        d = activation_derivative("sigmoid", BIG)
    assert np.all(np.isfinite(a)) and np.all(np.isfinite(d))
    np.testing.assert_array_equal(a[:, 0], [0.0, 1.0, 0.0, 1.0, 0.5])
    np.testing.assert_array_equal(d[:2, 0], [0.0, 0.0])


def test_tanh_at_1000() -> None:
    with warnings.catch_warnings(), np.errstate(all="raise", under="ignore"):
        warnings.simplefilter("error")
        a = activation_value("tanh", BIG)
    np.testing.assert_array_equal(a[:2, 0], [-1.0, 1.0])


def test_softmax_at_1000_is_finite_and_silent() -> None:
    z = np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -1000.0], [1000.0, 1000.0, 999.0]])
    with warnings.catch_warnings(), np.errstate(all="raise", under="ignore"):
        warnings.simplefilter("error")
        p = activation_value("softmax", z)
    assert np.all(np.isfinite(p))
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    np.testing.assert_allclose(p[0], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(p[1], [1 / 3] * 3)


@pytest.mark.parametrize("scale", [1.0, 1000.0, -1000.0])
def test_binary_cross_entropy_at_1000(scale: float) -> None:
    z = scale * np.array([[1.0], [-1.0], [0.5]])
    y = np.array([[1.0], [1.0], [0.0]])
    net, _ = _output("binary_cross_entropy", "sigmoid", z)
    with warnings.catch_warnings(), np.errstate(all="raise", under="ignore"):
        warnings.simplefilter("error")
        J = net.loss_and_gradients(z, y)
    assert np.isfinite(J) and np.all(np.isfinite(net.grads))
    # logit form: -log sigmoid(-1000) is exactly 1000, not inf
    expected = np.mean(np.logaddexp(0.0, z) - z * y)
    assert J == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("scale", [1.0, 1000.0])
def test_cross_entropy_at_1000(scale: float) -> None:
    z = scale * np.array([[1.0, -1.0, 0.0], [-1.0, 1.0, 0.5], [0.0, 0.0, 0.0]])
    y = np.eye(3)
    net, _ = _output("cross_entropy", "softmax", z)
    with warnings.catch_warnings(), np.errstate(all="raise", under="ignore"):
        warnings.simplefilter("error")
        J = net.loss_and_gradients(z, y)
    assert np.isfinite(J) and np.all(np.isfinite(net.grads))
    m = z.max(axis=1, keepdims=True)
    log_p = z - m - np.log(np.exp(z - m).sum(axis=1, keepdims=True))
    assert J == pytest.approx(-np.mean(np.sum(y * log_p, axis=1)), rel=1e-12)
    if scale == 1000.0:
        assert J == pytest.approx(np.log(3.0) / 3, rel=1e-12)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "leaky_relu", "linear", "step"])
def test_hidden_layers_at_1000_give_finite_gradients(name: str) -> None:
    spec = NetworkSpec(
        2, [LayerSpec(3, name), LayerSpec(2, "softmax")], "cross_entropy", "multiclass"
    )
    net = Network(spec, seed=0)
    X = np.array([[1000.0, -1000.0], [-1000.0, 1000.0]])
    Y = np.eye(2)
    with warnings.catch_warnings(), np.errstate(all="raise", under="ignore"):
        warnings.simplefilter("error")
        J = net.loss_and_gradients(X, Y)
    assert np.isfinite(J) and np.all(np.isfinite(net.grads))


def test_softmax_rows_far_apart_in_one_batch() -> None:
    """One shift for the whole batch would underflow the second row: each row stays exact."""
    z = np.array([[0.0, 1.0, 2.0], [-900.0, -899.0, -898.0], [5000.0, 5001.0, 5002.0]])
    with warnings.catch_warnings(), np.errstate(all="raise", under="ignore"):
        warnings.simplefilter("error")
        p = activation_value("softmax", z)
    e = np.exp([0.0, 1.0, 2.0])
    for row in p:
        np.testing.assert_allclose(row, e / e.sum(), rtol=1e-14)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_cross_entropy_with_rows_far_apart(dtype) -> None:
    z = np.array([[0.0, 1.0, 2.0], [-900.0, -899.0, -898.0]])
    y = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    net = Network(NetworkSpec(3, [LayerSpec(3, "softmax")], loss="cross_entropy",
                              task="multiclass"), dtype=dtype)
    net.layers[0].W[:] = np.eye(3)
    with warnings.catch_warnings(), np.errstate(all="raise", under="ignore"):
        warnings.simplefilter("error")
        J = net.loss_and_gradients(z.astype(dtype), y.astype(dtype))
    lse = np.log(np.exp([0.0, 1.0, 2.0]).sum())
    # float32 holds -898 only to ~6e-5: log p of that row is as exact as its scores
    rel = 1e-12 if dtype == np.float64 else 1e-4
    assert J == pytest.approx(((lse - 0.0) + (lse - 2.0)) / 2, rel=rel)


def test_binary_cross_entropy_on_a_large_batch() -> None:
    """Large batches take softplus from p (fast SIMD log): the same value, still finite."""
    rng = np.random.default_rng(0)
    z = np.concatenate([rng.normal(scale=4.0, size=(297, 1)), [[1000.0], [-1000.0], [37.0]]])
    y = (rng.random((300, 1)) > 0.5).astype(float)
    net, _ = _output("binary_cross_entropy", "sigmoid", z)
    expected = np.mean(np.logaddexp(0.0, z) - z * y)
    with warnings.catch_warnings(), np.errstate(all="raise", under="ignore"):
        warnings.simplefilter("error")
        assert net.data_loss(z, y) == pytest.approx(expected, rel=1e-13)
        J = net.loss_and_gradients(z, y)
    assert J == pytest.approx(expected, rel=1e-13)
    p = 0.5 * (1.0 + np.tanh(0.5 * z))
    np.testing.assert_allclose(net.grads[:1], [np.sum((p - y) * z) / 300], rtol=1e-9)
