"""The training loop: determinism, mini-batches, history, commands, divergence, statistics."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnstudio.engine.errors import NNStudioError
from nnstudio.engine.network import LayerSpec, Network, NetworkSpec, encode_targets
from nnstudio.engine.optimizers import Adam
from nnstudio.engine.training import (
    PERCENTILES,
    StepReport,
    TrainConfig,
    Trainer,
    activation_stats,
)


def blobs(n: int = 60, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two noisy 2-D clusters, labels 0/1."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    X = rng.normal(scale=0.6, size=(n, 2)) + np.where(y[:, None] == 1, 1.0, -1.0)
    return X, y


def binary_trainer(n: int = 60, hidden: str = "tanh", test: bool = True, net_seed: int = 0,
                   **config) -> Trainer:
    """A small binary problem; ``config`` goes to TrainConfig (its ``seed`` shuffles)."""
    spec = NetworkSpec(2, [LayerSpec(5, hidden), LayerSpec(1, "sigmoid")],
                       loss="binary_cross_entropy", task="binary")
    net = Network(spec, seed=net_seed)
    X, y = blobs(n, net_seed)
    Y = encode_targets(y, spec)
    if test:
        Xt, yt = blobs(20, net_seed + 100)
        return Trainer(net, X, Y, Xt, encode_targets(yt, spec), TrainConfig(**config))
    return Trainer(net, X, Y, config=TrainConfig(**config))


def regression_trainer(**config) -> Trainer:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 3))
    Y = X @ np.array([[1.0], [-2.0], [0.5]]) + 0.3
    spec = NetworkSpec(3, [LayerSpec(4, "tanh"), LayerSpec(1, "linear")], loss="mse")
    return Trainer(Network(spec, seed=0), X, Y, config=TrainConfig(**config))


def test_deterministic_given_a_seed() -> None:
    runs = []
    for _ in range(2):
        trainer = binary_trainer(net_seed=3, seed=7, epochs=5, batch_size=8)
        losses = [r.loss for r in trainer.steps()]
        runs.append((losses, trainer.network.params.copy(), trainer.history))
    assert runs[0][0] == runs[1][0]
    np.testing.assert_array_equal(runs[0][1], runs[1][1])
    assert runs[0][2] == runs[1][2]
    other = binary_trainer(net_seed=3, seed=8, epochs=5, batch_size=8)
    losses = [r.loss for r in other.steps()]
    assert losses != runs[0][0]  # a different shuffling seed: a different run
    assert losses[0] != runs[0][0][0]  # already the first mini-batch differs


@pytest.mark.parametrize(
    "batch_size,steps", [(None, 1), (60, 1), (100, 1), (7, 9), (1, 60), (32, 2)]
)
def test_batch_sizes(batch_size: int | None, steps: int) -> None:
    trainer = binary_trainer(epochs=2, batch_size=batch_size)
    assert trainer.steps_per_epoch == steps
    reports = list(trainer.steps())
    assert len(reports) == 2 * steps
    assert [r.step for r in reports] == list(range(1, 2 * steps + 1))
    ends = [r.epoch_end for r in reports]
    assert ends.count(True) == 2 and ends[steps - 1] and ends[-1]
    assert [r.epoch for r in reports if r.epoch_end] == [1, 2]
    assert len(trainer.history) == 2


def test_a_batch_size_not_dividing_n_sees_every_row_once_per_epoch() -> None:
    trainer = binary_trainer(n=23, epochs=1, batch_size=5, test=False)
    seen = []
    original = trainer.network._loss_and_gradients  # the training loop's entry point

    def spy(buf, Xa, Y, l1=0.0, l2=0.0):
        assert np.all(Xa[:, -1] == 1.0)  # the bias column
        seen.append(Xa[:, :-1].copy())
        return original(buf, Xa, Y, l1, l2)

    trainer.network._loss_and_gradients = spy
    list(trainer.steps())
    assert [len(x) for x in seen] == [5, 5, 5, 5, 3]
    rows = np.concatenate(seen)
    assert sorted(map(tuple, rows)) == sorted(map(tuple, trainer.X_train))


def test_full_batch_step_is_one_gradient_descent_step() -> None:
    trainer = binary_trainer(epochs=1, batch_size=None, shuffle=False, learning_rate=0.5)
    net = trainer.network
    before = net.params.copy()
    check = net.copy()
    J = check.loss_and_gradients(trainer.X_train, trainer.Y_train)
    report = trainer.step()
    assert report.loss == pytest.approx(J, rel=1e-12)
    np.testing.assert_allclose(net.params, before - 0.5 * check.grads, rtol=1e-12)


def test_history_rows() -> None:
    trainer = binary_trainer(epochs=3, batch_size=16)
    list(trainer.steps())
    assert [row["epoch"] for row in trainer.history] == [1, 2, 3]
    keys = {
        "epoch",
        "train_loss",
        "test_loss",
        "train_accuracy",
        "test_accuracy",
        "grad/layer0",
        "grad/layer1",
    }
    for row in trainer.history:
        assert set(row) == keys
        assert all(math.isfinite(v) for v in row.values())
        assert 0.0 <= row["train_accuracy"] <= 1.0
    last = trainer.history[-1]
    metrics = trainer.evaluate()
    assert last["train_loss"] == pytest.approx(metrics["train_loss"])
    assert last["test_accuracy"] == pytest.approx(metrics["test_accuracy"])
    assert metrics["train_loss"] == pytest.approx(
        trainer.network.data_loss(trainer.X_train, trainer.Y_train)
    )


def test_history_gradients_are_the_epoch_average_of_the_steps() -> None:
    trainer = binary_trainer(epochs=1, batch_size=16)
    reports = list(trainer.steps())
    mean = np.mean([r.grad_mean_abs for r in reports], axis=0)
    row = trainer.history[0]
    assert [row["grad/layer0"], row["grad/layer1"]] == pytest.approx(list(mean), rel=1e-12)


def test_report_grad_mean_abs_is_mean_abs_weight_gradient() -> None:
    trainer = binary_trainer(epochs=1, batch_size=None)
    report = trainer.step()
    net = trainer.network
    expected = [np.abs(layer.dW).mean() for layer in net.layers]
    np.testing.assert_allclose(report.grad_mean_abs, expected, rtol=1e-12)
    kept = report.grad_mean_abs.copy()
    trainer.step()
    np.testing.assert_array_equal(report.grad_mean_abs, kept)  # reports own their arrays


def test_regression_history_has_no_accuracy_values() -> None:
    trainer = regression_trainer(epochs=2, batch_size=10)
    list(trainer.steps())
    assert math.isnan(trainer.history[0]["train_accuracy"])
    assert trainer.evaluate()["train_accuracy"] is None
    assert trainer.evaluate()["test_loss"] is None


def test_xor_is_learned_with_a_hidden_layer() -> None:
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([0, 1, 1, 0])
    spec = NetworkSpec(
        2,
        [LayerSpec(4, "tanh"), LayerSpec(1, "sigmoid")],
        loss="binary_cross_entropy",
        task="binary",
    )
    trainer = Trainer(
        Network(spec, seed=0),
        X,
        encode_targets(y, spec),
        config=TrainConfig(optimizer="adam", learning_rate=0.05, batch_size=None, epochs=500),
    )
    list(trainer.steps())
    assert trainer.history[-1]["train_accuracy"] == 1.0
    assert trainer.history[-1]["train_loss"] < 0.1
    np.testing.assert_array_equal(trainer.network.predict_classes(X), y)


def test_divergence_stops_with_a_message() -> None:
    trainer = regression_trainer(optimizer="sgd", learning_rate=100.0, batch_size=10, epochs=50)
    reports = list(trainer.steps())
    last = reports[-1]
    assert last.diverged is not None and trainer.diverged == last.diverged
    assert len(reports) < 50 * 4  # it stopped early
    assert all(r.diverged is None for r in reports[:-1])
    assert trainer.finished
    assert f"epoch {last.epoch if last.epoch_end else last.epoch + 1}," in last.diverged
    assert "learning rate (100)" in last.diverged
    assert "too high" in last.diverged
    assert list(trainer.steps()) == []  # nothing more to do


def test_commands_between_steps_learning_rate() -> None:
    trainer = binary_trainer(epochs=5, batch_size=None, shuffle=False)
    net = trainer.network
    trainer.step()
    trainer.set_learning_rate(0.7)
    check = net.copy()
    check.loss_and_gradients(trainer.X_train, trainer.Y_train)
    before = net.params.copy()
    trainer.step()
    np.testing.assert_allclose(net.params, before - 0.7 * check.grads, rtol=1e-12)
    assert trainer.config.learning_rate == 0.7
    with pytest.raises(NNStudioError, match="learning rate"):
        trainer.set_learning_rate(-1.0)


def test_commands_between_steps_optimizer_switch() -> None:
    trainer = binary_trainer(epochs=5, batch_size=None, shuffle=False, learning_rate=0.01)
    net = trainer.network
    trainer.step()
    trainer.set_optimizer("adam")
    assert isinstance(trainer.optimizer, Adam) and trainer.config.optimizer == "adam"
    check = net.copy()
    check.loss_and_gradients(trainer.X_train, trainer.Y_train)
    before = net.params.copy()
    trainer.step()
    # Adam's first step moves every weight with a non-zero gradient by lr * sign(g)
    moved = net.params - before
    mask = np.abs(check.grads) > 1e-6
    np.testing.assert_allclose(moved[mask], -0.01 * np.sign(check.grads[mask]), rtol=1e-3)
    trainer.set_optimizer("momentum", learning_rate=0.2, momentum=0.5)
    assert trainer.optimizer.lr == 0.2 and trainer.optimizer.momentum == 0.5
    with pytest.raises(NNStudioError, match="unknown optimizer"):
        trainer.set_optimizer("lbfgs")


def test_commands_between_steps_stop() -> None:
    trainer = binary_trainer(epochs=100, batch_size=8)
    count = 0
    for report in trainer.steps():
        count += 1
        if report.step == 5:
            trainer.stop()
    assert count == 5 and trainer.stopped and trainer.finished


def test_commands_between_steps_weight_edit() -> None:
    trainer = binary_trainer(epochs=5, batch_size=None, shuffle=False, learning_rate=0.1)
    net = trainer.network
    trainer.step()
    net.set_weight(0, 1, 2, 3.0)
    net.set_bias(1, 0, -1.0)
    check = net.copy()
    check.loss_and_gradients(trainer.X_train, trainer.Y_train)
    trainer.step()
    assert net.layers[0].W[1, 2] == pytest.approx(3.0 - 0.1 * check.layers[0].dW[1, 2])
    assert net.layers[1].b[0] == pytest.approx(-1.0 - 0.1 * check.layers[1].db[0])


def test_commands_batch_size_and_regularization() -> None:
    trainer = binary_trainer(epochs=3, batch_size=None, shuffle=False, learning_rate=0.1)
    trainer.step()
    trainer.set_batch_size(20)
    assert trainer.steps_per_epoch == 3
    trainer.set_regularization(0.0, 0.5)
    net = trainer.network
    check = net.copy()
    check.loss_and_gradients(trainer.X_train[:20], trainer.Y_train[:20], 0.0, 0.5)
    before = net.params.copy()
    report = trainer.step()
    np.testing.assert_allclose(net.params, before - 0.1 * check.grads, rtol=1e-12)
    assert report.loss == pytest.approx(
        check.loss_and_gradients(trainer.X_train[:20], trainer.Y_train[:20], 0.0, 0.5)
    )
    with pytest.raises(NNStudioError):
        trainer.set_batch_size(0)
    with pytest.raises(NNStudioError):
        trainer.set_regularization(-1.0, 0.0)


def test_run_epoch_and_bad_config() -> None:
    trainer = binary_trainer(epochs=3, batch_size=16)
    report = trainer.run_epoch()
    assert report.epoch_end and report.epoch == 1 and report.step == 4
    assert report.train_loss is not None and report.test_accuracy is not None
    with pytest.raises(NNStudioError, match="batch size"):
        binary_trainer(batch_size=0)
    with pytest.raises(NNStudioError, match="learning rate"):
        binary_trainer(learning_rate=0.0)
    with pytest.raises(NNStudioError, match="input column"):
        spec = NetworkSpec(3, [LayerSpec(1, "linear")])
        Trainer(Network(spec), np.zeros((4, 2)), np.zeros((4, 1)))


# --- what the GUI shows: gradients and activation statistics ---------------------------------


def deep_first_to_last_ratio(activation: str, seed: int) -> float:
    spec = NetworkSpec(
        2,
        [LayerSpec(8, activation) for _ in range(8)] + [LayerSpec(1, "sigmoid")],
        loss="binary_cross_entropy",
        task="binary",
    )
    X, y = blobs(200, seed)
    trainer = Trainer(
        Network(spec, init="auto", seed=seed),
        X,
        encode_targets(y, spec),
        config=TrainConfig(batch_size=None, seed=seed),
    )
    report = trainer.step()
    return float(report.grad_mean_abs[0] / report.grad_mean_abs[-1])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_vanishing_gradients_in_a_deep_sigmoid_net_but_not_with_relu(seed: int) -> None:
    """The lesson: 8 sigmoid layers (Glorot) shrink the first layer's gradient by orders of
    magnitude against the last layer's; ReLU layers with He initialization do not."""
    sigmoid = deep_first_to_last_ratio("sigmoid", seed)
    relu = deep_first_to_last_ratio("relu", seed)
    assert sigmoid < 1e-3
    assert relu > 1e-2
    assert relu / sigmoid > 100


def test_activation_stats_shapes_and_values() -> None:
    trainer = binary_trainer(epochs=1, batch_size=None, hidden="tanh", shuffle=False)
    W, b = trainer.network.layers[0].W.copy(), trainer.network.layers[0].b.copy()
    report = trainer.step(collect_activations=True)
    act = report.act
    assert act is not None
    assert act.mean.shape == act.std.shape == act.saturated.shape == act.dead.shape == (2,)
    assert act.percentiles.shape == (2, len(PERCENTILES))
    # the stats describe the batch that produced the step (before the update)
    hidden = np.tanh(trainer.X_train @ W + b)
    assert act.mean[0] == pytest.approx(hidden.mean(), rel=1e-12)
    assert act.std[0] == pytest.approx(hidden.std(), rel=1e-12)
    assert act.saturated[0] == pytest.approx(np.mean(np.abs(hidden) > 0.99))
    assert np.all(np.isnan(act.dead))  # no ReLU layer
    assert 0.0 <= act.saturated[0] <= 1.0 and 0.0 <= act.saturated[1] <= 1.0
    assert np.all(np.diff(act.percentiles, axis=1) >= 0)
    assert trainer.step(collect_activations=False).act is None


def test_activation_stats_match_the_forward_pass() -> None:
    spec = NetworkSpec(2, [LayerSpec(6, "relu"), LayerSpec(1, "linear")])
    net = Network(spec, seed=0)
    X = np.random.default_rng(0).normal(size=(30, 2))
    net.forward(X)
    stats = activation_stats(net)
    a = np.maximum(X @ net.layers[0].W + net.layers[0].b, 0.0)
    assert stats.mean[0] == pytest.approx(a.mean())
    assert stats.std[0] == pytest.approx(a.std())
    np.testing.assert_allclose(stats.percentiles[0], np.percentile(a, PERCENTILES))
    assert stats.dead[0] == pytest.approx(np.mean(~(a > 0).any(axis=0)))
    assert math.isnan(stats.dead[1]) and math.isnan(stats.saturated[0])


def test_dead_fraction_for_relu() -> None:
    spec = NetworkSpec(2, [LayerSpec(4, "relu"), LayerSpec(1, "linear")])
    net = Network(spec, seed=0)
    net.set_bias(0, 1, -100.0)  # unit 1 never fires: it is dead
    net.set_bias(0, 3, -100.0)
    X = np.random.default_rng(0).normal(size=(50, 2))
    trainer = Trainer(net, X, np.zeros((50, 1)), config=TrainConfig(batch_size=None))
    report = trainer.step()
    assert report.act.dead[0] == pytest.approx(0.5)
    assert np.all(net.layers[0].dW[:, [1, 3]] == 0.0)  # dead units get no gradient


def test_saturated_fraction_for_tanh_and_sigmoid() -> None:
    for activation in ("tanh", "sigmoid"):
        spec = NetworkSpec(2, [LayerSpec(4, activation), LayerSpec(1, "linear")])
        net = Network(spec, seed=0)
        X = np.random.default_rng(0).uniform(0.5, 1.0, size=(50, 2))
        trainer = Trainer(net, X, np.zeros((50, 1)), config=TrainConfig(batch_size=None))
        assert trainer.step().act.saturated[0] < 0.5
        net.layers[0].W[:] = 100.0  # every pre-activation is >= 100: all saturated
        assert trainer.step().act.saturated[0] == 1.0


def test_steps_is_an_iterator_of_reports() -> None:
    trainer = binary_trainer(epochs=2, batch_size=30)
    it = trainer.steps()
    first = next(it)
    assert isinstance(first, StepReport) and first.step == 1 and not first.epoch_end
    assert first.train_loss is None
    second = next(it)
    assert second.epoch_end and second.train_loss is not None
    assert isinstance(second.loss, float) and math.isfinite(second.loss)


def test_float32_training_matches_float64() -> None:
    results = []
    for dtype in (np.float64, np.float32):
        spec = NetworkSpec(
            2,
            [LayerSpec(6, "tanh"), LayerSpec(1, "sigmoid")],
            loss="binary_cross_entropy",
            task="binary",
        )
        net = Network(spec, seed=0, dtype=dtype)
        X, y = blobs(64)
        trainer = Trainer(
            net, X, encode_targets(y, spec), config=TrainConfig(epochs=5, batch_size=16)
        )
        list(trainer.steps())
        assert net.params.dtype == dtype
        results.append(trainer.history[-1]["train_loss"])
    assert results[1] == pytest.approx(results[0], rel=1e-3)


def test_running_train_metrics_average_the_batch_losses() -> None:
    spec = NetworkSpec(2, [LayerSpec(5, "tanh"), LayerSpec(1, "sigmoid")],
                       loss="binary_cross_entropy", task="binary")
    X, y = blobs(50)
    Xt, yt = blobs(20, 7)
    trainer = Trainer(Network(spec, seed=0), X, encode_targets(y, spec), Xt,
                      encode_targets(yt, spec), TrainConfig(epochs=2, batch_size=16),
                      train_metrics="running")
    reports = list(trainer.steps())
    first = [r for r in reports if r.epoch == 0 or (r.epoch == 1 and r.epoch_end)]
    sizes = [16, 16, 16, 2]
    expected = sum(r.loss * s for r, s in zip(first, sizes)) / 50
    row = trainer.history[0]
    assert row["train_loss"] == pytest.approx(expected, rel=1e-12)
    assert math.isnan(row["train_accuracy"])
    assert reports[3].train_accuracy is None
    # the test set is still evaluated in full
    full = trainer.evaluate()
    assert trainer.history[-1]["test_loss"] == pytest.approx(full["test_loss"], rel=1e-12)
    assert trainer.history[-1]["test_accuracy"] == pytest.approx(full["test_accuracy"])
    with pytest.raises(NNStudioError, match="train_metrics"):
        Trainer(Network(spec), X, encode_targets(y, spec), train_metrics="some")


def test_evaluation_in_chunks_equals_one_pass() -> None:
    """A wide network evaluates large sets in cache-sized chunks; the result is the same."""
    spec = NetworkSpec(2, [LayerSpec(3000, "relu"), LayerSpec(3, "softmax")],
                       loss="cross_entropy", task="multiclass")
    net = Network(spec, seed=0)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(150, 2))
    y = rng.integers(0, 3, 150)
    Y = encode_targets(y, spec)
    trainer = Trainer(net, X, Y, config=TrainConfig(batch_size=None))
    metrics = trainer.evaluate()
    assert metrics["train_loss"] == pytest.approx(net.data_loss(X, Y), rel=1e-12)
    assert metrics["train_accuracy"] == pytest.approx(np.mean(net.predict_classes(X) == y))


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "leaky_relu", "linear",
                                        "maxout", "step"])
def test_activation_stats_against_a_reference(activation: str) -> None:
    spec = NetworkSpec(3, [LayerSpec(7, activation), LayerSpec(2, "linear")])
    net = Network(spec, seed=1)
    net.layers[0].W *= 4.0  # push some units into saturation
    net.set_bias(0, 0, -50.0)  # and one unit off
    X = np.random.default_rng(2).normal(size=(40, 3))
    net.forward(X)
    stats = activation_stats(net)
    for i, (layer, a) in enumerate(zip(net.layers, net.forward_trace(X))):
        values = a[1]
        assert stats.mean[i] == pytest.approx(values.mean(), rel=1e-12, abs=1e-15)
        assert stats.std[i] == pytest.approx(values.std(), rel=1e-9, abs=1e-15)
        np.testing.assert_allclose(stats.percentiles[i], np.percentile(values, PERCENTILES),
                                   rtol=1e-12, atol=1e-15)
        if layer.act.saturates:
            assert stats.saturated[i] == pytest.approx(layer.act.saturated_fraction(values))
        else:
            assert math.isnan(stats.saturated[i])
        if layer.act.rectifies:
            assert stats.dead[i] == pytest.approx(np.mean(~(values > 0).any(axis=0)))
        else:
            assert math.isnan(stats.dead[i])


def test_many_batch_sizes_keep_working() -> None:
    trainer = binary_trainer(n=60, epochs=30, batch_size=1)
    for size in (1, 2, 3, 5, 7, 11, 13, 17, 19, 23, None, 4):
        trainer.set_batch_size(size)
        report = trainer.run_epoch()
        assert report.epoch_end and math.isfinite(report.train_loss)
    assert len(trainer.history) == 12


def test_a_step_leaves_numpy_error_state_alone() -> None:
    before = np.geterr()
    trainer = regression_trainer(learning_rate=100.0, batch_size=10, epochs=50)
    with np.errstate(over="raise", invalid="raise"):
        list(trainer.steps())  # diverges: overflows inside the steps are silenced
        assert np.geterr()["over"] == "raise" and np.geterr()["invalid"] == "raise"
    assert trainer.diverged
    assert np.geterr() == before


def test_bad_commands_leave_the_trainer_unchanged() -> None:
    trainer = binary_trainer(epochs=2, batch_size=8, learning_rate=0.1)
    optimizer = trainer.optimizer
    with pytest.raises(NNStudioError, match="unknown optimizer setting"):
        trainer.set_optimizer("adam", betta=0.5)
    with pytest.raises(NNStudioError, match="beta1"):
        trainer.set_optimizer("adam", beta1=1.5)
    with pytest.raises(NNStudioError, match="unknown optimizer"):
        trainer.set_optimizer("lion")
    assert trainer.optimizer is optimizer and trainer.config.optimizer == "sgd"
    assert trainer.config.beta1 == 0.9
    for bad in (0, -3, 2.5, True):
        with pytest.raises(NNStudioError, match="batch size"):
            trainer.set_batch_size(bad)
    assert trainer.config.batch_size == 8
    with pytest.raises(NNStudioError, match="regularization"):
        trainer.set_regularization(float("nan"), 0.0)


def test_missing_values_in_the_data_are_named() -> None:
    spec = NetworkSpec(2, [LayerSpec(1, "linear")])
    X = np.zeros((5, 2))
    X[3, 1] = np.nan
    with pytest.raises(NNStudioError, match=r"training inputs contain .*row 3"):
        Trainer(Network(spec), X, np.zeros((5, 1)))
    with pytest.raises(NNStudioError, match=r"test targets .*row 0"):
        Trainer(Network(spec), np.zeros((5, 2)), np.zeros((5, 1)), np.zeros((2, 2)),
                np.array([[np.inf], [0.0]]))
