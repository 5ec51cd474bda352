"""Network spec, sizes as the lecture notes count them, weight access, targets, initializers."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.engine.errors import NNStudioError
from nnstudio.engine.initializers import INITIALIZERS, resolve_initializer
from nnstudio.engine.network import (
    LayerSpec,
    Network,
    NetworkSpec,
    default_output,
    encode_targets,
)


def spec_of(
    sizes: list[int],
    hidden: str = "tanh",
    output: str = "linear",
    loss: str = "mse",
    task: str = "regression",
) -> NetworkSpec:
    layers = [LayerSpec(u, hidden) for u in sizes[1:-1]] + [LayerSpec(sizes[-1], output)]
    return NetworkSpec(sizes[0], layers, loss=loss, task=task)


@pytest.mark.parametrize(
    "sizes,neurons,params",
    [
        ([3, 4, 2], 6, 26),
        ([3, 4, 4, 1], 9, 41),
        ([2, 1], 1, 3),
        ([64, 128, 64, 10], 202, 64 * 128 + 128 + 128 * 64 + 64 + 64 * 10 + 10),
    ],
)
def test_sizes_as_the_seeds_count_them(sizes, neurons, params) -> None:
    spec = spec_of(sizes)
    assert spec.n_neurons == neurons
    assert spec.n_params == params
    net = Network(spec)
    assert net.params.size == params == net.grads.size
    assert sum(layer.W.size + layer.b.size for layer in net.layers) == params
    assert spec.sizes == sizes


def test_maxout_has_one_weight_set_per_piece() -> None:
    spec = NetworkSpec(3, [LayerSpec(4, "maxout", pieces=3), LayerSpec(1, "linear")])
    assert spec.n_neurons == 5
    assert spec.n_params == 3 * 12 + 12 + 4 * 1 + 1
    net = Network(spec)
    assert net.layers[0].W.shape == (3, 12) and net.layers[0].b.shape == (12,)
    assert net.forward(np.ones((2, 3))).shape == (2, 1)


def test_weights_are_views_into_the_flat_buffers() -> None:
    net = Network(spec_of([3, 4, 2]))
    net.params[:] = np.arange(26.0)
    W0, b0 = net.layers[0].W, net.layers[0].b
    np.testing.assert_array_equal(W0, np.arange(12.0).reshape(3, 4))
    np.testing.assert_array_equal(b0, [12.0, 13.0, 14.0, 15.0])
    np.testing.assert_array_equal(net.layers[1].W, np.arange(16.0, 24.0).reshape(4, 2))
    np.testing.assert_array_equal(net.layers[1].b, [24.0, 25.0])
    net.layers[1].W[0, 0] = -1.0
    assert net.params[16] == -1.0
    net.grads[:] = 7.0
    assert np.all(net.layers[0].dW == 7.0) and np.all(net.layers[1].db == 7.0)


def test_forward_is_the_design_formula() -> None:
    net = Network(spec_of([3, 4, 2], hidden="sigmoid", output="tanh"), seed=5)
    X = np.random.default_rng(0).normal(size=(5, 3))
    W0, b0 = net.layers[0].W, net.layers[0].b
    W1, b1 = net.layers[1].W, net.layers[1].b
    hidden = 1.0 / (1.0 + np.exp(-(X @ W0 + b0)))
    np.testing.assert_allclose(net.forward(X), np.tanh(hidden @ W1 + b1), rtol=1e-13)
    np.testing.assert_allclose(net.predict(X), np.tanh(hidden @ W1 + b1), rtol=1e-13)
    trace = net.forward_trace(X)
    assert len(trace) == 2
    np.testing.assert_allclose(trace[0][0], X @ W0 + b0, rtol=1e-13)
    np.testing.assert_allclose(trace[0][1], hidden, rtol=1e-13)
    np.testing.assert_allclose(net.activations()[0], hidden, rtol=1e-13)


def test_set_weight_and_set_bias() -> None:
    net = Network(spec_of([3, 4, 2]))
    net.set_weight(0, 2, 3, 1.5)
    net.set_bias(1, 1, -0.25)
    assert net.layers[0].W[2, 3] == 1.5
    assert net.layers[1].b[1] == -0.25
    X = np.zeros((1, 3))
    X[0, 2] = 1.0
    z = net.forward_trace(X)[0][0]
    assert z[0, 3] == pytest.approx(1.5)
    with pytest.raises(NNStudioError, match="layer 0 has no weight \\(3, 0\\)"):
        net.set_weight(0, 3, 0, 1.0)
    with pytest.raises(NNStudioError, match="layer 1 has no bias 2"):
        net.set_bias(1, 2, 0.0)
    with pytest.raises(NNStudioError, match="there is no layer 2"):
        net.set_weight(2, 0, 0, 1.0)
    with pytest.raises(NNStudioError, match="no layer -1"):
        net.set_bias(-1, 0, 1.0)


def test_get_and_set_weights() -> None:
    a = Network(spec_of([3, 4, 2]), seed=1)
    b = Network(spec_of([3, 4, 2]), seed=2)
    weights = a.get_weights()
    assert [w.shape for w, _ in weights] == [(3, 4), (4, 2)]
    weights[0][0][0, 0] = 99.0  # copies: the network is not changed
    assert a.layers[0].W[0, 0] != 99.0
    b.set_weights(a.get_weights())
    np.testing.assert_array_equal(a.params, b.params)
    with pytest.raises(NNStudioError, match="expected weights for 2 layers"):
        b.set_weights(weights[:1])
    bad = [(np.zeros((3, 5)), np.zeros(5)), weights[1]]
    with pytest.raises(NNStudioError, match="layer 0"):
        b.set_weights(bad)


def test_copy_and_reinitialize() -> None:
    net = Network(spec_of([2, 5, 1]), seed=3)
    other = net.copy()
    np.testing.assert_array_equal(other.params, net.params)
    other.params[0] += 1.0
    assert other.params[0] != net.params[0]
    first = net.params.copy()
    net.reinitialize(3)
    np.testing.assert_array_equal(net.params, first)
    net.reinitialize(4)
    assert not np.array_equal(net.params, first)
    assert np.all(net.layers[0].b == 0.0)


def test_spec_round_trip_and_validation() -> None:
    spec = NetworkSpec(
        2,
        [
            LayerSpec(3, "leaky_relu", alpha=0.2),
            LayerSpec(2, "maxout", pieces=3),
            LayerSpec(3, "softmax"),
        ],
        loss="cross_entropy",
        task="multiclass",
        classes=["a", "b", "c"],
        feature_names=["x1", "x2"],
    )
    d = spec.to_dict()
    assert d["layers"][0] == {"units": 3, "activation": "leaky_relu", "alpha": 0.2}
    assert d["layers"][1] == {"units": 2, "activation": "maxout", "pieces": 3}
    again = NetworkSpec.from_dict(d)
    assert again.to_dict() == d
    assert spec.describe() == "2-3-2-3 leaky_relu,maxout,softmax / cross_entropy"
    with pytest.raises(NNStudioError, match="layer 1: unknown activation 'soft'"):
        NetworkSpec.from_dict(
            {"inputs": 2, "layers": [{"units": 2}, {"units": 1, "activation": "soft"}]}
        )
    with pytest.raises(NNStudioError, match="missing key 'inputs'"):
        NetworkSpec.from_dict({"layers": []})
    with pytest.raises(NNStudioError, match="softmax is only allowed on the output"):
        NetworkSpec(2, [LayerSpec(3, "softmax"), LayerSpec(1, "linear")])
    with pytest.raises(NNStudioError, match="needs a sigmoid output"):
        NetworkSpec(2, [LayerSpec(1, "tanh")], loss="binary_cross_entropy", task="binary")


def test_default_output() -> None:
    assert default_output("binary") == (LayerSpec(1, "sigmoid"), "binary_cross_entropy")
    assert default_output("multiclass", 4) == (LayerSpec(4, "softmax"), "cross_entropy")
    assert default_output("regression", n_targets=2) == (LayerSpec(2, "linear"), "mse")


def test_encode_targets() -> None:
    y = np.array([0, 1, 1, 0])
    binary = spec_of([2, 3, 1], output="sigmoid", loss="binary_cross_entropy", task="binary")
    np.testing.assert_array_equal(encode_targets(y, binary), [[0.0], [1.0], [1.0], [0.0]])
    hinge = spec_of([2, 3, 1], output="linear", loss="hinge", task="binary")
    np.testing.assert_array_equal(encode_targets(y, hinge), [[-1.0], [1.0], [1.0], [-1.0]])
    multi = spec_of([2, 3, 3], output="softmax", loss="cross_entropy", task="multiclass")
    np.testing.assert_array_equal(encode_targets(np.array([2, 0, 1]), multi), np.eye(3)[[2, 0, 1]])
    multi_hinge = spec_of([2, 3, 3], output="linear", loss="hinge", task="multiclass")
    np.testing.assert_array_equal(encode_targets(np.array([1]), multi_hinge), [[-1.0, 1.0, -1.0]])
    reg = spec_of([2, 3, 2])
    np.testing.assert_array_equal(encode_targets(np.ones((4, 2)), reg), np.ones((4, 2)))
    assert encode_targets(np.arange(3.0), spec_of([2, 1])).shape == (3, 1)
    assert encode_targets(y, binary, dtype=np.float32).dtype == np.float32
    with pytest.raises(NNStudioError, match="exactly two classes"):
        encode_targets(np.array([0, 2]), binary)
    with pytest.raises(NNStudioError, match="class index 3"):
        encode_targets(np.array([0, 3]), multi)
    with pytest.raises(NNStudioError, match="2 target column"):
        encode_targets(np.ones((4, 2)), spec_of([2, 1]))


# --- initializers ---------------------------------------------------------------------------

FAN_IN, FAN_OUT = 300, 200


def draw(name: str, **params: float) -> np.ndarray:
    return INITIALIZERS[name](FAN_IN, FAN_OUT, np.random.default_rng(0), **params)


def test_glorot_uniform_limit() -> None:
    w = draw("glorot_uniform")
    limit = np.sqrt(6.0 / (FAN_IN + FAN_OUT))
    assert w.shape == (FAN_IN, FAN_OUT)
    assert np.abs(w).max() <= limit
    assert np.abs(w).max() > 0.99 * limit
    assert w.std() == pytest.approx(limit / np.sqrt(3.0), rel=0.02)
    assert abs(w.mean()) < 0.01 * limit


def test_he_uniform_limit() -> None:
    w = draw("he_uniform")
    limit = np.sqrt(6.0 / FAN_IN)
    assert np.abs(w).max() <= limit
    assert np.abs(w).max() > 0.99 * limit
    assert w.std() == pytest.approx(np.sqrt(2.0 / FAN_IN), rel=0.02)


def test_normal_initializers() -> None:
    assert draw("glorot_normal").std() == pytest.approx(np.sqrt(2.0 / (FAN_IN + FAN_OUT)), rel=0.02)
    assert draw("he_normal").std() == pytest.approx(np.sqrt(2.0 / FAN_IN), rel=0.02)
    assert draw("normal", std=0.3).std() == pytest.approx(0.3, rel=0.02)
    assert np.abs(draw("uniform", limit=0.2)).max() <= 0.2
    assert np.all(draw("zeros") == 0.0)


def test_auto_picks_he_for_relu_and_glorot_for_tanh() -> None:
    assert resolve_initializer("auto", "relu") is INITIALIZERS["he_uniform"]
    assert resolve_initializer("auto", "leaky_relu") is INITIALIZERS["he_uniform"]
    assert resolve_initializer("auto", "tanh") is INITIALIZERS["glorot_uniform"]
    assert resolve_initializer("auto", "sigmoid") is INITIALIZERS["glorot_uniform"]
    spec = NetworkSpec(
        FAN_IN, [LayerSpec(FAN_OUT, "relu"), LayerSpec(FAN_OUT, "tanh"), LayerSpec(1, "linear")]
    )
    net = Network(spec, init="auto", seed=0)
    relu_w, tanh_w = net.layers[0].W, net.layers[1].W
    assert relu_w.std() == pytest.approx(np.sqrt(2.0 / FAN_IN), rel=0.03)
    assert np.abs(relu_w).max() <= np.sqrt(6.0 / FAN_IN)
    assert np.abs(relu_w).max() > np.sqrt(6.0 / (FAN_IN + FAN_OUT))  # beyond Glorot's limit
    assert np.abs(tanh_w).max() <= np.sqrt(6.0 / (FAN_OUT + FAN_OUT))
    assert np.all(net.layers[0].b == 0.0)


def test_initializer_params_and_errors() -> None:
    net = Network(spec_of([4, 50, 1]), init="normal", init_params={"std": 0.5}, seed=0)
    assert net.layers[0].W.std() == pytest.approx(0.5, rel=0.15)
    with pytest.raises(NNStudioError, match="unknown initializer 'xavier'"):
        Network(spec_of([2, 1]), init="xavier")


def test_float32_network() -> None:
    net = Network(spec_of([3, 4, 2], hidden="relu"), dtype=np.float32)
    assert net.params.dtype == np.float32
    X = np.random.default_rng(0).normal(size=(6, 3)).astype(np.float32)
    assert net.forward(X).dtype == np.float32
    J = net.loss_and_gradients(X, np.zeros((6, 2), np.float32), l2=0.1)
    assert np.isfinite(J) and net.grads.dtype == np.float32
    ref = Network(spec_of([3, 4, 2], hidden="relu"))
    ref.params[:] = net.params
    assert ref.loss_and_gradients(X.astype(float), np.zeros((6, 2)), l2=0.1) == pytest.approx(
        J, rel=1e-5
    )
    np.testing.assert_allclose(ref.grads, net.grads, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("hidden", ["linear", "step", "sigmoid", "tanh", "relu", "leaky_relu",
                                    "maxout"])
def test_every_hidden_activation_forward_and_views(hidden: str) -> None:
    """Hidden layers keep the bias's column of ones beside their output (some make it
    themselves); what the network shows must be exactly f(z) of the layer."""
    spec = NetworkSpec(3, [LayerSpec(4, hidden, alpha=0.2, pieces=3), LayerSpec(5, hidden,
                                                                               alpha=0.2),
                           LayerSpec(2, "softmax")], loss="cross_entropy", task="multiclass")
    net = Network(spec, seed=3)
    X = np.random.default_rng(1).normal(size=(6, 3))
    from nnstudio.engine.activations import activation_value
    a = X
    for layer, (z, out), view in zip(net.layers, net.forward_trace(X), net.activations()):
        np.testing.assert_allclose(z, a @ layer.W + layer.b, rtol=1e-13, atol=1e-15)
        expected = activation_value(layer.activation, z, alpha=layer.spec.alpha,
                                    pieces=layer.spec.pieces)
        np.testing.assert_allclose(out, expected, rtol=1e-13, atol=1e-15)
        np.testing.assert_array_equal(view, out)
        assert view.shape == (6, layer.units)
        a = out
    # repeated passes with other batch sizes do not disturb the ones
    for n in (1, 6, 2, 6):
        out = net.predict(X[:n])
        np.testing.assert_allclose(out, net.forward_trace(X[:n])[-1][1])


def test_bad_shapes_give_clear_errors() -> None:
    net = Network(spec_of([3, 4, 2]))
    with pytest.raises(NNStudioError, match=r"inputs of shape \(n, 3\)"):
        net.forward(np.zeros((5, 2)))
    with pytest.raises(NNStudioError, match=r"targets must have shape \(5, 2\)"):
        net.loss_and_gradients(np.zeros((5, 3)), np.zeros(5))
    with pytest.raises(NNStudioError, match="targets"):
        net.data_loss(np.zeros((5, 3)), np.zeros((4, 2)))
    with pytest.raises(NNStudioError, match=r"augmented input has shape \(n, 4\)"):
        net.loss_and_gradients_augmented(np.zeros((5, 3)), np.zeros((5, 2)))
    Xa = net.augment(np.ones((5, 3)))
    assert Xa.shape == (5, 4) and np.all(Xa[:, -1] == 1.0)
    J = net.loss_and_gradients_augmented(Xa.astype(np.float32), np.zeros((5, 2)))
    assert J == pytest.approx(net.loss_and_gradients(np.ones((5, 3)), np.zeros((5, 2))))
    np.testing.assert_array_equal(net.forward_augmented(Xa), net.forward(np.ones((5, 3))))
    assert net.data_loss_augmented(Xa, np.zeros((5, 2))) == pytest.approx(J)
    assert net.forward([[1, 2, 3]]).shape == (1, 2)  # lists are fine
