"""The backpropagation inspector's engine: one sample's forward/backward pass, written out.

Its gradients must equal the engine's own (``Network.loss_and_gradients`` on the same
single sample) and central finite differences; seed 004's 2-2-2 sigmoid/MSE example must
come out with the well-known numbers.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnstudio.engine.backprop import explain_sample, fmt, scripts_to_html, sub, sup
from nnstudio.engine.errors import NNStudioError
from nnstudio.engine.network import LayerSpec, Network, NetworkSpec, encode_targets


def seed004_network() -> Network:
    """Seed 004's 2-2-2 sigmoid network with squared error (the classic worked example:
    w_{j,i}^(1) = 0.15, 0.20, 0.25, 0.30; w^(2) = 0.40, 0.45, 0.50, 0.55; b = 0.35, 0.60)."""
    net = Network(NetworkSpec(2, [LayerSpec(2, "sigmoid"), LayerSpec(2, "sigmoid")],
                              loss="mse"))
    # engine W[i, j] = w_{j+1, i+1}
    net.set_weights([(np.array([[0.15, 0.25], [0.20, 0.30]]), np.array([0.35, 0.35])),
                     (np.array([[0.40, 0.50], [0.45, 0.55]]), np.array([0.60, 0.60]))])
    return net


X004 = np.array([0.05, 0.10])
Y004 = np.array([0.01, 0.99])


def test_seed004_forward_numbers() -> None:
    trace = explain_sample(seed004_network(), X004, Y004, ["x1", "x2"])
    np.testing.assert_allclose(trace.layers[0].z, [0.3775, 0.3925], rtol=1e-12)
    np.testing.assert_allclose(trace.layers[0].a, [0.593269992, 0.596884378], rtol=1e-9)
    np.testing.assert_allclose(trace.output, [0.75136507, 0.772928465], rtol=1e-8)
    assert trace.loss == pytest.approx(0.298371109, rel=1e-8)


def test_seed004_output_weight_chain_rule() -> None:
    """∂J/∂w₁,₁⁽²⁾ = (a₁⁽³⁾ − y₁) × a₁⁽³⁾(1 − a₁⁽³⁾) × a₁⁽²⁾ = 0.74137 × 0.18682 × 0.59327."""
    trace = explain_sample(seed004_network(), X004, Y004)
    f = trace.weight_factors(1, 0, 0)
    assert f.symbol == "w₁,₁⁽²⁾"
    assert f.values == pytest.approx([0.74136507, 0.186815602, 0.593269992], rel=1e-8)
    assert f.value == pytest.approx(0.082167041, rel=1e-8)
    assert f.chain == "∂J/∂a₁⁽³⁾ × ∂a₁⁽³⁾/∂z₁⁽³⁾ × ∂z₁⁽³⁾/∂w₁,₁⁽²⁾"
    assert f.formula == "(a₁⁽³⁾ − y₁) × a₁⁽³⁾(1 − a₁⁽³⁾) × a₁⁽²⁾"
    assert f.arithmetic == "(0.7514 − 0.01) × 0.1868 × 0.5933"
    assert "= (0.7514 − 0.01) × 0.1868 × 0.5933 = 0.08217" in f.text
    # δ₁⁽³⁾ = the first two factors
    assert trace.layers[1].delta[0] == pytest.approx(0.74136507 * 0.186815602, rel=1e-8)


def test_seed004_hidden_weight_sums_the_deltas() -> None:
    """∂J/∂w₁,₁⁽¹⁾ = (δ₁⁽³⁾w₁,₁⁽²⁾ + δ₂⁽³⁾w₂,₁⁽²⁾) × a₁⁽²⁾(1 − a₁⁽²⁾) × a₁⁽¹⁾ = 0.000438568."""
    trace = explain_sample(seed004_network(), X004, Y004)
    d3 = trace.layers[1].delta
    f = trace.weight_factors(0, 0, 0)
    assert f.formula == "(δ₁⁽³⁾ w₁,₁⁽²⁾ + δ₂⁽³⁾ w₂,₁⁽²⁾) × a₁⁽²⁾(1 − a₁⁽²⁾) × a₁⁽¹⁾"
    assert f.factors[0].value == pytest.approx(d3[0] * 0.40 + d3[1] * 0.50, rel=1e-12)
    assert f.factors[2].value == 0.05
    assert f.value == pytest.approx(0.000438568, rel=1e-6)
    assert f.arithmetic.startswith("(0.1385 × 0.4 + (−0.0381) × 0.5) × 0.2413 × 0.05")


def test_seed004_sgd_step_with_learning_rate_half() -> None:
    net = seed004_network()
    before = net.get_weights()
    trace = explain_sample(net, X004, Y004)
    updates = trace.sgd_step(0.5)
    # the network is unchanged without apply
    for (W, b), (W0, b0) in zip(net.get_weights(), before):
        np.testing.assert_array_equal(W, W0)
        np.testing.assert_array_equal(b, b0)
    assert updates[1].W_after[0, 0] == pytest.approx(0.35891648, rel=1e-8)  # w5+
    assert updates[0].W_after[0, 0] == pytest.approx(0.149780716, rel=1e-8)  # w1+
    np.testing.assert_array_equal(updates[0].W_before, before[0][0])
    W_before, W_after, b_before, b_after = updates[1]  # unpacks like a tuple
    np.testing.assert_allclose(W_after, W_before - 0.5 * trace.layers[1].dW)
    np.testing.assert_allclose(b_after, b_before - 0.5 * trace.layers[1].db)
    trace.sgd_step(0.5, apply=True)
    assert net.layers[1].W[0, 0] == pytest.approx(0.35891648, rel=1e-8)
    assert explain_sample(net, X004, Y004).loss < trace.loss


def test_brief_example_text_single_sigmoid_neuron() -> None:
    net = Network(NetworkSpec(1, [LayerSpec(1, "sigmoid")], loss="mse"))
    net.set_weights([(np.array([[2.0]]), np.array([0.0]))])  # z = 2 × 0.5 = 1
    f = explain_sample(net, [0.5], [1.0]).weight_factors(0, 0, 0)
    # (σ(1) − 1) × σ(1)(1 − σ(1)) × 0.5 = −0.026438 (the unrounded factors' product)
    assert f.one_line() == ("∂J/∂w₁,₁⁽¹⁾ = (a₁⁽²⁾ − y₁) × a₁⁽²⁾(1 − a₁⁽²⁾) × a₁⁽¹⁾ = "
                            "(0.7311 − 1) × 0.1966 × 0.5 = −0.02644")


ARCHITECTURES = {
    "sigmoid-mse": (3, [LayerSpec(4, "sigmoid"), LayerSpec(2, "sigmoid")], "mse", "regression"),
    "tanh-relu-bce": (2, [LayerSpec(5, "tanh"), LayerSpec(4, "relu"), LayerSpec(1, "sigmoid")],
                      "binary_cross_entropy", "binary"),
    "leaky-softmax-ce": (3, [LayerSpec(6, "leaky_relu", alpha=0.1), LayerSpec(3, "softmax")],
                         "cross_entropy", "multiclass"),
    "maxout-linear-mse": (2, [LayerSpec(3, "maxout", pieces=3), LayerSpec(2, "linear")],
                          "mse", "regression"),
    "maxout-output": (2, [LayerSpec(4, "tanh"), LayerSpec(2, "maxout", pieces=2)], "mse",
                      "regression"),
    "tanh-hinge": (2, [LayerSpec(4, "tanh"), LayerSpec(1, "tanh")], "hinge", "binary"),
    "linear-hinge": (2, [LayerSpec(3, "relu"), LayerSpec(1, "linear")], "hinge", "binary"),
    "softmax-mse": (2, [LayerSpec(4, "tanh"), LayerSpec(3, "softmax")], "mse", "multiclass"),
    "deep-sigmoid": (2, [LayerSpec(3, "sigmoid")] * 5 + [LayerSpec(1, "sigmoid")],
                     "binary_cross_entropy", "binary"),
}


def build(name: str, seed: int = 0) -> tuple[Network, np.ndarray, np.ndarray]:
    inputs, layers, loss, task = ARCHITECTURES[name]
    spec = NetworkSpec(inputs, [LayerSpec(ls.units, ls.activation, ls.alpha, ls.pieces)
                                for ls in layers], loss=loss, task=task)
    net = Network(spec, seed=seed)
    rng = np.random.default_rng(seed + 100)
    for layer in net.layers:  # non-zero biases, so bias gradients are exercised
        layer.b[:] = rng.normal(0, 0.3, layer.b.shape)
    x = rng.normal(size=inputs)
    if task == "regression":
        y = rng.normal(size=spec.n_outputs)
    else:
        label = int(rng.integers(0, max(spec.n_outputs, 2)))
        y = encode_targets(np.array([label]), spec)[0]
    return net, x, y


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gradients_equal_the_engines_own(name: str, seed: int) -> None:
    net, x, y = build(name, seed)
    trace = explain_sample(net, x, y)
    J = net.loss_and_gradients(x[None, :], y[None, :])
    assert trace.loss == pytest.approx(J, rel=1e-12, abs=1e-15)
    for lt, layer in zip(trace.layers, net.layers):
        np.testing.assert_allclose(lt.dW, layer.dW, rtol=1e-10, atol=1e-15)
        np.testing.assert_allclose(lt.db, layer.db, rtol=1e-10, atol=1e-15)
    # the forward numbers are the network's own too
    for lt, (z, a) in zip(trace.layers, net.forward_trace(x[None, :])):
        np.testing.assert_allclose(lt.z, z[0], rtol=1e-13)
        np.testing.assert_allclose(lt.a, a[0], rtol=1e-13)


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_gradients_match_finite_differences(name: str) -> None:
    net, x, y = build(name, 3)
    trace = explain_sample(net, x, y)
    X, Y = x[None, :], y[None, :]
    eps = 1e-6
    for k, layer in enumerate(net.layers):
        for array, grad in ((layer.W, trace.layers[k].dW), (layer.b, trace.layers[k].db)):
            for index in np.ndindex(array.shape):
                old = array[index]
                array[index] = old + eps
                up = net.data_loss(X, Y)
                array[index] = old - eps
                down = net.data_loss(X, Y)
                array[index] = old
                numeric = (up - down) / (2 * eps)
                assert grad[index] == pytest.approx(numeric, rel=1e-5, abs=1e-8), \
                    (name, k, index)


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_factors_multiply_to_the_gradient(name: str) -> None:
    """Whatever the activation and loss, the written-out factors give ∂J/∂w exactly."""
    net, x, y = build(name, 4)
    trace = explain_sample(net, x, y)
    for k, lt in enumerate(trace.layers):
        for i in range(lt.fan_in):
            for j in range(lt.width):
                f = trace.weight_factors(k, i, j)
                assert math.prod(f.values) == pytest.approx(lt.dW[i, j], rel=1e-9, abs=1e-15)
                assert f.text.startswith(f"∂J/∂{f.symbol} = ")
        for j in range(lt.width):
            f = trace.bias_factors(k, j)
            assert f.value == lt.db[j]
            assert math.prod(f.values) == pytest.approx(lt.db[j], rel=1e-9, abs=1e-15)
            assert f.factors[-1].value == 1.0


def test_fused_output_is_explained_as_p_minus_y() -> None:
    net, x, y = build("tanh-relu-bce", 0)
    trace = explain_sample(net, x, y)
    f = trace.weight_factors(2, 1, 0)
    assert trace.fused
    p = trace.output[0]
    assert f.factors[0].value == pytest.approx(p - y[0])
    assert f.formula.startswith("(a₁⁽⁴⁾ − y₁)")
    assert "p − y" in f.text
    softmax = explain_sample(*build("leaky-softmax-ce", 0)[0:3])
    g = softmax.weight_factors(1, 0, 2)
    assert g.factors[0].value == pytest.approx(softmax.output[2] - softmax.y[2])


def test_maxout_gradient_only_through_the_winning_piece() -> None:
    net, x, y = build("maxout-linear-mse", 1)
    trace = explain_sample(net, x, y)
    lt = trace.layers[0]
    for unit in range(lt.units):
        cols = list(lt.columns_of(unit))
        winner = cols[int(np.argmax(lt.z[cols]))]
        for c in cols:
            assert lt.slope[c] == (1.0 if c == winner else 0.0)
            if c != winner:
                assert np.all(lt.dW[:, c] == 0.0)
                f = trace.weight_factors(0, 0, c)
                assert f.value == 0.0 and "loses" in f.text
    assert lt.a == pytest.approx([lt.z[list(lt.columns_of(u))].max() for u in range(lt.units)])


def test_step_activation_passes_no_gradient() -> None:
    net = Network(NetworkSpec(2, [LayerSpec(2, "step"), LayerSpec(1, "linear")], loss="mse"))
    trace = explain_sample(net, [0.3, -0.2], [1.0])
    assert np.all(trace.layers[0].dW == 0.0)
    factors = trace.weight_factors(0, 0, 0).factors
    assert factors[1].value == 0.0 and "flat" in factors[1].note


def test_hidden_sum_with_many_terms_is_written_as_sigma() -> None:
    net = Network(NetworkSpec(2, [LayerSpec(3, "tanh"), LayerSpec(8, "tanh"),
                                  LayerSpec(1, "linear")], loss="mse"), seed=2)
    trace = explain_sample(net, [0.1, 0.2], [0.5])
    f = trace.weight_factors(0, 1, 2)
    assert "Σₖ δₖ⁽³⁾" in f.formula
    assert "Σ of 8 terms" in f.factors[0].numbers


def test_input_names_and_symbols() -> None:
    trace = explain_sample(seed004_network(), X004, Y004, ["height", "weight"])
    assert trace.input_label(1) == "weight"
    assert trace.neuron_symbol(-1, 1) == "a₂⁽¹⁾"
    assert trace.neuron_symbol(1, 0, "δ") == "δ₁⁽³⁾"
    assert trace.weight_symbol(0, 1, 0) == "w₁,₂⁽¹⁾"  # from input 2 to hidden unit 1
    assert trace.bias_symbol(1, 1) == "b₂⁽²⁾"
    assert trace.layer_name(0) == "Hidden 1" and trace.layer_name(1) == "Output"
    assert "(weight)" in trace.weight_factors(0, 1, 0).factors[-1].note


@pytest.mark.parametrize("x,y,message", [
    ([1.0], [0.0, 1.0], r"input has 1 value\(s\) but the network needs 2"),
    ([1.0, 2.0], [0.0], r"target has 1 value\(s\) but the network needs 2"),
    ([1.0, float("nan")], [0.0, 1.0], "missing or infinite"),
    (["a", "b"], [0.0, 1.0], "must be numbers"),
])
def test_bad_samples_give_clear_errors(x, y, message) -> None:
    with pytest.raises(NNStudioError, match=message):
        explain_sample(seed004_network(), x, y)


def test_bad_indices_and_learning_rate() -> None:
    trace = explain_sample(seed004_network(), X004, Y004)
    with pytest.raises(NNStudioError, match="no layer 5"):
        trace.weight_factors(5, 0, 0)
    with pytest.raises(NNStudioError, match="no input 7"):
        trace.weight_factors(0, 7, 0)
    with pytest.raises(NNStudioError, match="no column 3"):
        trace.bias_factors(1, 3)
    with pytest.raises(NNStudioError, match="learning rate"):
        trace.sgd_step(0.0)


def test_float32_network_is_explained_in_float64() -> None:
    spec = NetworkSpec(2, [LayerSpec(2, "sigmoid"), LayerSpec(2, "sigmoid")], loss="mse")
    net = Network(spec, dtype=np.float32)
    trace = explain_sample(net, X004, Y004)
    assert trace.layers[0].dW.dtype == np.float64


def test_number_formatting() -> None:
    assert fmt(-0.0264301) == "−0.02643"
    assert fmt(0.7310586) == "0.7311"
    assert fmt(1.0) == "1"
    assert fmt(0.0) == "0"
    assert fmt(1.2345e-5) == "1.234×10⁻⁵" or fmt(1.2345e-5) == "1.235×10⁻⁵"
    assert fmt(123456.0) == "1.235×10⁵"
    assert fmt(float("inf")) == "∞" and fmt(float("nan")) == "nan"
    assert sub("1,2") == "₁,₂" and sup("(3)") == "⁽³⁾"
    assert scripts_to_html("w₁,₂⁽²⁾ and 0.25⁸") == \
        "w<sub>1,2</sub><sup>(2)</sup> and 0.25<sup>8</sup>"
