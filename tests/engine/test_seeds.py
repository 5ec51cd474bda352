"""The lecture notes' worked examples, reproduced with the engine.

seed 000: one gradient-descent step of the perceptron criterion, w = [-6, 2, 2] -> [-5, 3, 3].
seed 004: perceptron AND/OR tables with a step activation, and the back-propagation
formulas of a 2-2-2 sigmoid network with squared error, worked out by hand.
"""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.engine.network import LayerSpec, Network, NetworkSpec
from nnstudio.engine.optimizers import make_optimizer
from nnstudio.engine.training import TrainConfig, Trainer


def test_seed000_perceptron_criterion_step() -> None:
    """g(x) = w0 + w1 x1 + w2 x2 = -6 + 2 x1 + 2 x2 misclassifies x = (1, 1) of the positive
    class. The perceptron criterion J(w) = -w^T x has dJ/dw = -x = [-1, -1, -1]; with eta = 1,
    w_{k+1} = w_k - dJ/dw = [-5, 3, 3], i.e. g(x) = 3 x1 + 3 x2 - 5.

    In the engine: one neuron with a linear output and the hinge loss max(0, 1 - t s). For a
    misclassified point (t s < 0 < 1) its gradient is exactly the criterion's, -t x."""
    spec = NetworkSpec(2, [LayerSpec(1, "linear")], loss="hinge", task="binary")
    net = Network(spec)
    net.set_weight(0, 0, 0, 2.0)  # w1
    net.set_weight(0, 1, 0, 2.0)  # w2
    net.set_bias(0, 0, -6.0)  # w0, the weight of the constant input x0 = 1
    X = np.array([[1.0, 1.0]])
    t = np.array([[1.0]])
    assert net.forward(X)[0, 0] == -2.0  # g(x) < 0: misclassified

    net.loss_and_gradients(X, t)
    dJ_dw = [net.layers[0].db[0], *net.layers[0].dW[:, 0]]
    assert dJ_dw == [-1.0, -1.0, -1.0]  # -x with x = [x0, x1, x2] = [1, 1, 1]

    trainer = Trainer(net, X, t, config=TrainConfig(optimizer="sgd", learning_rate=1.0,
                                                    batch_size=None, shuffle=False, epochs=1))
    trainer.step()
    w = [net.layers[0].b[0], *net.layers[0].W[:, 0]]
    assert w == [-5.0, 3.0, 3.0]
    assert net.forward(X)[0, 0] == 1.0  # g(x) = 3 + 3 - 5


@pytest.mark.parametrize("gate,bias,table", [
    ("AND", -1.5, [0, 0, 0, 1]),
    ("OR", -0.5, [0, 1, 1, 1]),
])
def test_seed004_perceptron_gates(gate: str, bias: float, table: list[int]) -> None:
    """w1 = w2 = 1.0 with b = -1.5 (AND) or b = -0.5 (OR) and the step function h(a)."""
    net = Network(NetworkSpec(2, [LayerSpec(1, "step")], loss="mse", task="regression"))
    net.set_weights([(np.array([[1.0], [1.0]]), np.array([bias]))])
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    s = net.forward_trace(X)[0][0][:, 0]
    np.testing.assert_allclose(s, X.sum(axis=1) + bias)
    assert net.forward(X)[:, 0].tolist() == table, gate


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + np.exp(-z))


def test_seed004_backpropagation_by_hand() -> None:
    """A 2-2-2 sigmoid network, J_total = J_1 + J_2 with J_j = 1/2 (a_j^(3) - y_j)^2.

    The seed's notation: w_{j,i}^(l) joins unit i of layer l to unit j of layer l+1 (the
    engine's ``layers[l-1].W[i, j]``), a^(1) = x, and
        delta_j^(3) = (a_j^(3) - y_j) a_j^(3) (1 - a_j^(3))
        delta_j^(2) = (delta_1^(3) w_{1,j}^(2) + delta_2^(3) w_{2,j}^(2)) a_j^(2) (1 - a_j^(2))
        dJ/dw_{j,i}^(l) = delta_j^(l+1) a_i^(l),   w <- w - delta_j^(l+1) a_i^(l)
    """
    spec = NetworkSpec(2, [LayerSpec(2, "sigmoid"), LayerSpec(2, "sigmoid")], loss="mse")
    net = Network(spec)
    w1 = {(1, 1): 0.15, (1, 2): 0.20, (2, 1): 0.25, (2, 2): 0.30}  # w_{j,i}^(1)
    w2 = {(1, 1): 0.40, (1, 2): 0.45, (2, 1): 0.50, (2, 2): 0.55}  # w_{j,i}^(2)
    b1, b2 = [0.35, 0.35], [0.60, 0.60]
    for (j, i), value in w1.items():
        net.set_weight(0, i - 1, j - 1, value)
    for (j, i), value in w2.items():
        net.set_weight(1, i - 1, j - 1, value)
    for j in range(2):
        net.set_bias(0, j, b1[j])
        net.set_bias(1, j, b2[j])
    x = [0.05, 0.10]
    y = [0.01, 0.99]

    # forward, one unit at a time
    a1 = {1: x[0], 2: x[1]}
    a2 = {j: sigmoid(sum(w1[j, i] * a1[i] for i in (1, 2)) + b1[j - 1]) for j in (1, 2)}
    a3 = {j: sigmoid(sum(w2[j, i] * a2[i] for i in (1, 2)) + b2[j - 1]) for j in (1, 2)}
    # the seed's formulas
    d3 = {j: (a3[j] - y[j - 1]) * a3[j] * (1 - a3[j]) for j in (1, 2)}
    d2 = {j: (d3[1] * w2[1, j] + d3[2] * w2[2, j]) * a2[j] * (1 - a2[j]) for j in (1, 2)}
    dw2 = {(j, i): d3[j] * a2[i] for j in (1, 2) for i in (1, 2)}
    dw1 = {(j, i): d2[j] * a1[i] for j in (1, 2) for i in (1, 2)}

    X = np.array([x])
    Y = np.array([y])
    J = net.loss_and_gradients(X, Y)
    assert J == pytest.approx(sum(0.5 * (a3[j] - y[j - 1]) ** 2 for j in (1, 2)), rel=1e-14)
    np.testing.assert_allclose(net.forward(X)[0], [a3[1], a3[2]], rtol=1e-14)
    net.loss_and_gradients(X, Y)
    for (j, i), value in dw2.items():
        assert net.layers[1].dW[i - 1, j - 1] == pytest.approx(value, rel=1e-12)
    for (j, i), value in dw1.items():
        assert net.layers[0].dW[i - 1, j - 1] == pytest.approx(value, rel=1e-12)
    np.testing.assert_allclose(net.layers[1].db, [d3[1], d3[2]], rtol=1e-12)
    np.testing.assert_allclose(net.layers[0].db, [d2[1], d2[2]], rtol=1e-12)

    # the update w <- w - delta a (learning rate 1)
    opt = make_optimizer("sgd", net.params, 1.0)
    opt.step(net.grads)
    for (j, i), value in w2.items():
        assert net.layers[1].W[i - 1, j - 1] == pytest.approx(value - dw2[j, i], rel=1e-14)
    for (j, i), value in w1.items():
        assert net.layers[0].W[i - 1, j - 1] == pytest.approx(value - dw1[j, i], rel=1e-14)
