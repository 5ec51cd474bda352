"""Finite-difference checks of the engine's back-propagation.

Every analytic gradient the network computes is compared with central differences of the
loss J (float64). The relative error ``|g - g_num| / (|g| + |g_num|)`` over the whole
parameter vector must stay below 1e-6.
"""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.engine.activations import ACTIVATIONS
from nnstudio.engine.network import LayerSpec, Network, NetworkSpec, encode_targets

H = 1e-5
TOL = 1e-6


def numeric_gradient(
    net: Network, X: np.ndarray, Y: np.ndarray, l1: float = 0.0, l2: float = 0.0
) -> np.ndarray:
    """Central differences of J with respect to every parameter."""
    num = np.empty_like(net.params)
    for k in range(net.params.size):
        keep = net.params[k]
        net.params[k] = keep + H
        up = net.loss_and_gradients(X, Y, l1, l2)
        net.params[k] = keep - H
        down = net.loss_and_gradients(X, Y, l1, l2)
        net.params[k] = keep
        num[k] = (up - down) / (2 * H)
    return num


def analytic_gradient(
    net: Network, X: np.ndarray, Y: np.ndarray, l1: float = 0.0, l2: float = 0.0
) -> np.ndarray:
    net.loss_and_gradients(X, Y, l1, l2)
    return net.grads.copy()


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    scale = np.linalg.norm(a) + np.linalg.norm(b)
    return float(np.linalg.norm(a - b) / scale) if scale > 0 else 0.0


def check(net: Network, X: np.ndarray, Y: np.ndarray, l1: float = 0.0, l2: float = 0.0) -> float:
    g = analytic_gradient(net, X, Y, l1, l2)
    g_num = numeric_gradient(net, X, Y, l1, l2)
    err = relative_error(g, g_num)
    assert err < TOL, f"relative gradient error {err:.3g} (analytic {g[:6]}, numeric {g_num[:6]})"
    return err


def make_net(
    inputs: int, layers: list[LayerSpec], loss: str, task: str, seed: int = 1, init: str = "auto"
) -> Network:
    spec = NetworkSpec(inputs, layers, loss=loss, task=task)
    return Network(spec, init=init, seed=seed)


def regression_data(n: int, d: int, k: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    Y = rng.normal(size=(n, k))
    return X, Y


def classification_data(n: int, d: int, k: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)), rng.integers(0, k, size=n)


SMOOTH = ["linear", "sigmoid", "tanh", "relu", "leaky_relu", "maxout"]


@pytest.mark.parametrize("output", [name for name in ACTIVATIONS if name != "step"])
@pytest.mark.parametrize("hidden", SMOOTH)
def test_mse_with_every_activation(hidden: str, output: str) -> None:
    units = 1 if output != "softmax" else 3
    net = make_net(3, [LayerSpec(5, hidden), LayerSpec(units, output)], "mse", "regression")
    X, Y = regression_data(7, 3, units)
    if output == "sigmoid":
        Y = 1.0 / (1.0 + np.exp(-Y))
    check(net, X, Y)


@pytest.mark.parametrize("hidden", SMOOTH)
def test_mse_with_step_output_has_zero_gradient(hidden: str) -> None:
    net = make_net(2, [LayerSpec(4, hidden), LayerSpec(2, "step")], "mse", "regression")
    X, Y = regression_data(6, 2, 2)
    g = analytic_gradient(net, X, Y)
    assert np.all(g == 0.0)
    np.testing.assert_allclose(numeric_gradient(net, X, Y), 0.0, atol=1e-12)


def test_step_hidden_layer_passes_no_gradient_below() -> None:
    net = make_net(
        2, [LayerSpec(4, "tanh"), LayerSpec(3, "step"), LayerSpec(1, "linear")], "mse", "regression"
    )
    X, Y = regression_data(6, 2, 1)
    g = analytic_gradient(net, X, Y)
    below = net.layers[0]
    assert np.all(below.dW == 0.0) and np.all(below.db == 0.0)
    assert np.all(net.layers[1].dW == 0.0)
    assert np.any(net.layers[2].dW != 0.0)  # the linear output layer still learns
    assert relative_error(g, numeric_gradient(net, X, Y)) < TOL


@pytest.mark.parametrize("hidden", SMOOTH)
def test_binary_cross_entropy_with_sigmoid(hidden: str) -> None:
    net = make_net(
        2, [LayerSpec(5, hidden), LayerSpec(1, "sigmoid")], "binary_cross_entropy", "binary"
    )
    X, y = classification_data(9, 2, 2)
    check(net, X, encode_targets(y, net.spec))


@pytest.mark.parametrize("hidden", SMOOTH)
def test_cross_entropy_with_softmax(hidden: str) -> None:
    net = make_net(
        3, [LayerSpec(6, hidden), LayerSpec(4, "softmax")], "cross_entropy", "multiclass"
    )
    X, y = classification_data(11, 3, 4)
    check(net, X, encode_targets(y, net.spec))


def test_cross_entropy_with_soft_targets() -> None:
    net = make_net(
        3, [LayerSpec(4, "tanh"), LayerSpec(3, "softmax")], "cross_entropy", "multiclass"
    )
    rng = np.random.default_rng(3)
    Y = rng.dirichlet(np.ones(3), size=5)
    check(net, rng.normal(size=(5, 3)), Y)


@pytest.mark.parametrize("output", ["linear", "tanh"])
@pytest.mark.parametrize("units", [1, 3])
def test_hinge(output: str, units: int) -> None:
    task = "binary" if units == 1 else "multiclass"
    net = make_net(2, [LayerSpec(5, "tanh"), LayerSpec(units, output)], "hinge", task)
    X, y = classification_data(10, 2, max(units, 2))
    Y = encode_targets(y, net.spec)
    assert set(np.unique(Y)) <= {-1.0, 1.0}
    check(net, X, Y)


@pytest.mark.parametrize("pieces", [2, 3])
def test_maxout(pieces: int) -> None:
    layers = [
        LayerSpec(4, "maxout", pieces=pieces),
        LayerSpec(3, "maxout", pieces=pieces),
        LayerSpec(1, "sigmoid"),
    ]
    net = make_net(3, layers, "binary_cross_entropy", "binary")
    assert net.layers[0].W.shape == (3, 4 * pieces)
    X, y = classification_data(8, 3, 2)
    check(net, X, encode_targets(y, net.spec))


def test_maxout_output_layer_with_mse() -> None:
    net = make_net(2, [LayerSpec(4, "tanh"), LayerSpec(2, "maxout", pieces=3)], "mse", "regression")
    X, Y = regression_data(6, 2, 2)
    check(net, X, Y)


@pytest.mark.parametrize("alpha", [0.0, 0.01, 0.3, 1.0])
def test_leaky_relu_alpha(alpha: float) -> None:
    layers = [
        LayerSpec(5, "leaky_relu", alpha=alpha),
        LayerSpec(4, "leaky_relu", alpha=alpha),
        LayerSpec(2, "linear"),
    ]
    net = make_net(3, layers, "mse", "regression")
    X, Y = regression_data(9, 3, 2)
    check(net, X, Y)


def test_leaky_relu_alpha_changes_the_gradient() -> None:
    grads = []
    for alpha in (0.01, 0.5):
        net = make_net(
            2,
            [LayerSpec(6, "leaky_relu", alpha=alpha), LayerSpec(1, "linear")],
            "mse",
            "regression",
        )
        X, Y = regression_data(8, 2, 1)
        grads.append(analytic_gradient(net, X, Y))
    assert not np.allclose(grads[0], grads[1])


@pytest.mark.parametrize("l1,l2", [(0.0, 0.1), (0.05, 0.0), (0.03, 0.2)])
def test_regularization(l1: float, l2: float) -> None:
    net = make_net(
        3,
        [LayerSpec(5, "tanh"), LayerSpec(2, "softmax")],
        "cross_entropy",
        "multiclass",
        init="normal",
    )
    # L1 is not differentiable at 0: keep every weight well away from it
    for layer in net.layers:
        layer.W[:] = np.where(layer.W >= 0, layer.W + 0.05, layer.W - 0.05)
    X, y = classification_data(7, 3, 2)
    check(net, X, encode_targets(y, net.spec), l1, l2)


def test_regularization_terms_match_the_design() -> None:
    net = make_net(2, [LayerSpec(3, "tanh"), LayerSpec(1, "linear")], "mse", "regression")
    X, Y = regression_data(5, 2, 1)
    base = net.loss_and_gradients(X, Y)
    g0 = net.grads.copy()
    l1, l2 = 0.07, 0.3
    J = net.loss_and_gradients(X, Y, l1, l2)
    weights = [layer.W for layer in net.layers]
    expected = (
        base
        + 0.5 * l2 * sum((w**2).sum() for w in weights)
        + l1 * sum(np.abs(w).sum() for w in weights)
    )
    assert J == pytest.approx(expected, rel=1e-12)
    for layer, (start, stop) in zip(net.layers, _weight_ranges(net)):
        np.testing.assert_allclose(
            layer.dW.ravel(),
            g0[start:stop] + l2 * layer.W.ravel() + l1 * np.sign(layer.W.ravel()),
            rtol=1e-12,
            atol=1e-15,
        )
    # biases are not regularized
    for layer, b_range in zip(net.layers, _bias_ranges(net)):
        np.testing.assert_array_equal(layer.db, g0[b_range[0] : b_range[1]])


def _weight_ranges(net: Network) -> list[tuple[int, int]]:
    out, offset = [], 0
    for layer in net.layers:
        out.append((offset, offset + layer.W.size))
        offset += layer.W.size + layer.b.size
    return out


def _bias_ranges(net: Network) -> list[tuple[int, int]]:
    return [
        (stop, stop + layer.b.size) for layer, (_, stop) in zip(net.layers, _weight_ranges(net))
    ]


@pytest.mark.parametrize("hidden", ["tanh", "sigmoid", "relu", "leaky_relu"])
def test_deep_network(hidden: str) -> None:
    layers = [LayerSpec(5, hidden) for _ in range(6)] + [LayerSpec(3, "softmax")]
    net = make_net(4, layers, "cross_entropy", "multiclass", seed=2)
    assert net.n_layers == 7
    X, y = classification_data(6, 4, 3, seed=5)
    check(net, X, encode_targets(y, net.spec))


def test_deep_mixed_network_with_regularization() -> None:
    layers = [
        LayerSpec(6, "relu"),
        LayerSpec(5, "tanh"),
        LayerSpec(5, "maxout", pieces=2),
        LayerSpec(4, "sigmoid"),
        LayerSpec(4, "leaky_relu", alpha=0.2),
        LayerSpec(3, "linear"),
        LayerSpec(1, "sigmoid"),
    ]
    net = make_net(3, layers, "binary_cross_entropy", "binary", seed=4)
    X, y = classification_data(8, 3, 2, seed=6)
    check(net, X, encode_targets(y, net.spec), 0.0, 0.05)


@pytest.mark.parametrize("output", ["linear", "tanh"])
def test_multi_output_regression(output: str) -> None:
    net = make_net(
        3, [LayerSpec(6, "tanh"), LayerSpec(4, "relu"), LayerSpec(3, output)], "mse", "regression"
    )
    X, Y = regression_data(10, 3, 3)
    if output == "tanh":
        Y = np.tanh(Y)
    check(net, X, Y)


def test_gradient_of_a_single_sample_batch() -> None:
    net = make_net(
        2, [LayerSpec(3, "tanh"), LayerSpec(1, "sigmoid")], "binary_cross_entropy", "binary"
    )
    check(net, np.array([[0.3, -0.7]]), np.array([[1.0]]))


def test_gradients_do_not_depend_on_previous_batch_sizes() -> None:
    net = make_net(2, [LayerSpec(4, "tanh"), LayerSpec(1, "linear")], "mse", "regression")
    X, Y = regression_data(12, 2, 1)
    net.loss_and_gradients(X[:5], Y[:5])
    first = net.grads.copy()
    net.loss_and_gradients(X, Y)
    net.loss_and_gradients(X[:3], Y[:3])
    net.loss_and_gradients(X[:5], Y[:5])
    np.testing.assert_array_equal(net.grads, first)


@pytest.mark.parametrize("n", [255, 256, 400])
def test_binary_cross_entropy_small_and_large_batches(n: int) -> None:
    net = make_net(2, [LayerSpec(3, "tanh"), LayerSpec(1, "sigmoid")], "binary_cross_entropy",
                   "binary")
    X, y = classification_data(n, 2, 2)
    check(net, X, encode_targets(y, net.spec))
