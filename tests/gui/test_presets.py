"""Each preset experiment shows the lesson its description promises (run headless)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from nnstudio.engine.experiment import build_network, build_trainer, load_experiment, prepare_data
from nnstudio.gui.presets import find_preset, list_presets
from nnstudio.paths import resource

LESSONS = ("xor_hidden_layer", "vanishing_sigmoid", "vanishing_relu", "lr_too_high",
           "overfitting")


def trainer_for(stem: str, **changes):
    exp = load_experiment(resource("presets", f"{stem}.json"))
    for key, value in changes.items():
        setattr(exp, key, value)
    prepared = prepare_data(exp)
    network = build_network(exp, prepared)
    return build_trainer(exp, prepared, network)


def train(trainer, epochs: int):
    while trainer.epoch < epochs and not trainer.diverged:
        trainer.step(collect_activations=False)
    return trainer.history


@pytest.mark.parametrize("stem", LESSONS)
def test_preset_files_are_valid_and_described(stem):
    path = resource("presets", f"{stem}.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["format"] == "nnstudio.experiment"
    assert data["name"] and len(data["description"]) > 80
    load_experiment(path)  # validates every key


def test_presets_are_listed_in_menu_order():
    stems = [p.stem for p in list_presets()]
    assert [s for s in stems if s in LESSONS] == list(LESSONS)
    assert find_preset("overfitting").name == "Overfitting: small data, big network"
    assert find_preset("xor_hidden_layer.json").stem == "xor_hidden_layer"
    assert find_preset("Learning rate too high").stem == "lr_too_high"
    assert find_preset("no such preset") is None


def test_xor_needs_a_hidden_layer():
    with_hidden = train(trainer_for("xor_hidden_layer"), 60)
    assert with_hidden[-1]["test_accuracy"] >= 0.9
    without = train(trainer_for("xor_hidden_layer", hidden=[]), 60)
    assert max(row["train_accuracy"] for row in without) <= 0.75


def _layer_grads(row: dict, n: int) -> np.ndarray:
    return np.array([row[f"grad/layer{i}"] for i in range(n)])


def test_sigmoid_gradients_vanish():
    history = train(trainer_for("vanishing_sigmoid"), 10)
    for row in history:
        g = _layer_grads(row, 9)
        assert g[0] * 100 <= g[7]  # first hidden layer >= 100x below the last hidden layer
        assert g[0] * 1000 <= g[8]  # ... and far below the output layer
    assert history[-1]["train_accuracy"] <= 0.6  # and it does not learn


def test_relu_gradients_do_not_vanish():
    history = train(trainer_for("vanishing_relu"), 10)
    g = _layer_grads(history[0], 9)
    assert g.max() / g.min() < 20  # every layer within about an order of magnitude
    assert history[-1]["test_accuracy"] >= 0.9


def test_learning_rate_too_high_oscillates_and_a_small_one_learns():
    history = train(trainer_for("lr_too_high"), 60)
    losses = np.array([row["train_loss"] for row in history])
    accuracy = np.array([row["train_accuracy"] for row in history])
    assert losses.min() > 0.5 and accuracy.max() < 0.75  # never learns
    assert np.abs(np.diff(losses)).mean() > 1.0  # the loss jumps around
    exp = load_experiment(resource("presets", "lr_too_high.json"))
    exp.training.learning_rate = 0.1
    prepared = prepare_data(exp)
    trainer = build_trainer(exp, prepared, build_network(exp, prepared))
    assert train(trainer, 60)[-1]["test_accuracy"] >= 0.9


def test_overfitting_test_loss_turns_up_while_training_loss_falls():
    history = train(trainer_for("overfitting"), 300)
    test = np.array([row["test_loss"] for row in history])
    train_loss = np.array([row["train_loss"] for row in history])
    best = int(test.argmin())
    assert best < 100
    assert test[-1] > 2 * test[best]
    assert train_loss[-1] < 0.1 * train_loss[0]
    assert history[-1]["train_accuracy"] - history[-1]["test_accuracy"] >= 0.2
