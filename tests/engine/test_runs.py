"""Kept runs: the step series bound, the store, run files, differences in plain words,
duplicating with one change, the classic comparisons and headless training."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from nnstudio.engine.errors import NNStudioError
from nnstudio.engine.experiment import (
    DataConfig,
    Experiment,
    default_experiment,
    load_experiment,
)
from nnstudio.engine.network import LayerSpec
from nnstudio.engine.runs import (
    SETTINGS,
    EpochTable,
    RunRecord,
    RunStore,
    StepSeries,
    comparison_presets,
    current_value,
    describe_differences,
    duplicate_with_change,
    duplicate_with_changes,
    experiment_differences,
    load_runs,
    parse_value,
    record_training,
    save_runs,
)
from nnstudio.engine.training import TrainConfig
from nnstudio.paths import resource


def small_experiment(**training) -> Experiment:
    return Experiment(
        name="Small XOR",
        data=DataConfig(source="builtin", name="xor", samples=80, noise=0.0, seed=1),
        hidden=[LayerSpec(4, "tanh"), LayerSpec(4, "tanh")],
        training=TrainConfig(optimizer="sgd", learning_rate=0.1, batch_size=16, epochs=5,
                             seed=3, **training),
    )


# --- the step series ---------------------------------------------------------------------------

def test_step_series_stays_bounded_and_keeps_the_averages():
    series = StepSeries(n_layers=2, capacity=100)
    total = 0
    for _ in range(50):
        steps = np.arange(total + 1, total + 238)
        total += len(steps)
        series.extend(steps, steps * 2.0, np.column_stack([steps, -steps]).astype(float))
        assert len(series) <= 100
    assert series.stride > 1
    assert len(series) >= 50
    # pooled samples are means of raw ones: loss stays 2 * step, grads stay (step, -step)
    np.testing.assert_allclose(series.losses, 2 * series.steps)
    np.testing.assert_allclose(series.grads[:, 0], series.steps)
    np.testing.assert_allclose(series.grads[:, 1], -series.steps)
    assert np.all(np.diff(series.steps) > 0)
    # the whole run is covered at an even density
    assert series.steps[0] < series.stride
    assert series.steps[-1] > total - 2 * series.stride
    gaps = np.diff(series.steps)
    np.testing.assert_allclose(gaps, series.stride)


def test_step_series_rejects_mismatched_shapes():
    series = StepSeries(n_layers=3)
    with pytest.raises(NNStudioError, match="2 losses"):
        series.extend([1, 2, 3], [0.1, 0.2])
    series.extend([1, 2], [0.5, 0.4], np.ones((2, 3)))
    with pytest.raises(NNStudioError, match="one column per layer"):
        series.extend([3], [0.3], np.ones((1, 4)))


# --- records and the store ---------------------------------------------------------------------

def record_with_history(name: str, exp: Experiment | None = None, epochs: int = 3) -> RunRecord:
    record = RunRecord.start(exp or small_experiment(), name)
    rows = [{"epoch": e, "train_loss": 1.0 / e, "test_loss": 1.2 / e, "train_accuracy": 0.5,
             "test_accuracy": 0.4 + 0.1 * e, "grad/layer0": 0.01, "grad/layer1": 0.02,
             "grad/layer2": 0.03} for e in range(1, epochs + 1)]
    record.extend([1, 2, 3], [0.9, 0.8, 0.7], np.full((3, 3), 0.01), rows)
    record.finish("finished")
    return record


def test_record_metrics_summary_and_columns():
    record = record_with_history("A")
    assert record.epochs_done == 3
    assert record.final_metrics() == pytest.approx(
        {"train_loss": 1 / 3, "test_loss": 0.4, "train_accuracy": 0.5, "test_accuracy": 0.7})
    assert record.summary() == "finished · 3 epochs · test loss 0.4 · test accuracy 70.0 %"
    epochs, values = record.column("grad/layer1")
    np.testing.assert_array_equal(epochs, [1, 2, 3])
    np.testing.assert_allclose(values, 0.02)
    _, missing = record.column("no such key")
    assert np.all(np.isnan(missing))
    assert record.layer_names() == ["Hidden 1", "Hidden 2", "Output"]
    assert record.task_is_classification
    with pytest.raises(NNStudioError, match="unknown run status"):
        record.finish("crashed")


def test_store_drops_the_oldest_and_keeps_running_runs():
    store = RunStore(capacity=3)
    running = RunRecord.start(small_experiment(), "live")
    store.add(running)
    finished = [record_with_history(f"r{i}") for i in range(3)]
    dropped = []
    for record in finished:
        dropped += store.add(record)
    assert [r.name for r in dropped] == ["r0"]  # the running one is kept although oldest
    assert [r.name for r in store.list()] == ["live", "r1", "r2"]
    assert store.get(finished[1].id) is finished[1]
    revision = store.revision
    assert store.remove(finished[1].id)
    assert not store.remove(finished[1].id)
    assert store.revision > revision
    assert finished[2].id in store and len(store) == 2
    assert store.unique_name("r2") == "r2 (2)"
    assert store.unique_name("new") == "new"


def test_store_makes_ids_unique():
    store = RunStore()
    a = record_with_history("a")
    b = record_with_history("b")
    b.id = a.id
    store.add(a)
    store.add(b)
    assert len(set(store.ids())) == 2


def test_runs_round_trip_through_a_file(tmp_path):
    a = record_with_history("sigmoid")
    b = record_with_history("relu", duplicate_with_change(small_experiment(),
                                                          "hidden.activation", "relu"))
    last = b.history[-1]
    b.extend(epochs=[{**last, "epoch": last["epoch"] + 1, "test_loss": math.nan}])  # diverged
    b.finish("diverged", "Training stopped: the loss became NaN")
    path = tmp_path / "runs.json"
    save_runs(path, [a, b])
    text = path.read_text(encoding="utf-8")
    assert json.loads(text, parse_constant=pytest.fail)["format"] == "nnstudio.runs"
    loaded = load_runs(path)
    assert [r.name for r in loaded] == ["sigmoid", "relu"]
    assert [r.id for r in loaded] == [a.id, b.id]
    assert loaded[1].status == "diverged" and loaded[1].message.startswith("Training stopped")
    assert math.isnan(loaded[1].history[-1]["test_loss"])
    assert loaded[0].history == a.history
    assert loaded[1].experiment == b.experiment
    np.testing.assert_array_equal(loaded[0].steps, a.steps)
    np.testing.assert_array_equal(loaded[0].grads, a.grads)
    store = RunStore(capacity=5)
    store.add(record_with_history("old"))
    store.load(path, replace=True)
    assert [r.name for r in store.list()] == ["sigmoid", "relu"]
    store.save(tmp_path / "again.json")
    assert [r.name for r in load_runs(tmp_path / "again.json")] == ["sigmoid", "relu"]


def test_bad_run_files_give_clear_messages(tmp_path):
    missing = tmp_path / "nope.json"
    with pytest.raises(NNStudioError, match="nope.json: no such file"):
        load_runs(missing)
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(NNStudioError, match="bad.json: not a valid JSON file"):
        load_runs(bad)
    bad.write_text(json.dumps({"format": "nnstudio.experiment"}), encoding="utf-8")
    with pytest.raises(NNStudioError, match="not an nnstudio runs file"):
        load_runs(bad)
    record = record_with_history("x").to_dict()
    record["experiment"]["hidden"][0]["activation"] = "relux"
    bad.write_text(json.dumps({"format": "nnstudio.runs", "version": 1, "runs": [record]}),
                   encoding="utf-8")
    with pytest.raises(NNStudioError, match=r"runs\[0\]\.experiment: hidden\[0\]\.activation"):
        load_runs(bad)
    record = record_with_history("x").to_dict()
    record["history"][0]["train_loss"] = "low"
    bad.write_text(json.dumps({"format": "nnstudio.runs", "version": 1, "runs": [record]}),
                   encoding="utf-8")
    with pytest.raises(NNStudioError, match=r"runs\[0\]\.history\[0\]"):
        load_runs(bad)


def test_a_run_saved_while_running_reads_back_as_stopped(tmp_path):
    record = RunRecord.start(small_experiment(), "live")
    save_runs(tmp_path / "r.json", [record])
    assert load_runs(tmp_path / "r.json")[0].status == "stopped"


# --- differences ---------------------------------------------------------------------------

def test_differences_in_plain_words():
    base = load_experiment(resource("presets", "vanishing_sigmoid.json"))
    relu = duplicate_with_change(base, "hidden.activation", "relu")
    adam = duplicate_with_changes(base, {"training.optimizer": "adam",
                                         "training.learning_rate": 0.01})
    full = duplicate_with_change(base, "training.batch_size", None)
    init = duplicate_with_changes(base, {"init": "normal", "init_params": {"std": 0.01}})
    shallow = duplicate_with_change(base, "hidden", [{"units": 16, "activation": "sigmoid"}])
    records = [RunRecord.start(e) for e in (base, relu, adam, full, init, shallow, base)]
    text = describe_differences(records)
    ids = [r.id for r in records]
    assert text[ids[0]] == "baseline"
    assert text[ids[1]] == "hidden activations: sigmoid ×8 → relu ×8"
    assert text[ids[2]] == "optimizer: sgd → adam; learning rate: 0.1 → 0.01"
    assert text[ids[3]] == "batch size: 16 → full"
    assert text[ids[4]] == "initializer: auto → normal (std 0.01)"
    assert text[ids[5]] == "hidden layers: 8 layers of 8 → 16"
    assert text[ids[6]] == "same settings"
    assert describe_differences([]) == {}


def test_differences_for_one_layer_data_and_output():
    a = small_experiment()
    a.hidden = [LayerSpec(4, "sigmoid")]
    b = a.copy()
    b.hidden = [LayerSpec(4, "leaky_relu", alpha=0.2)]
    b.data.noise = 0.25
    b.output = LayerSpec(1, "tanh")
    b.loss = "mse"
    b.training.shuffle = False
    assert experiment_differences(a, b) == [
        "activation: sigmoid → leaky_relu (α 0.2)",
        "output activation: automatic → tanh",
        "noise: 0 → 0.25",
        "shuffle: on → off",
        "loss: automatic → mse",
    ]


# --- duplicating with one change -----------------------------------------------------------

def test_duplicate_keeps_the_seeds_and_changes_one_setting():
    base = small_experiment()
    copy = duplicate_with_change(base, "training.learning_rate", 0.3)
    assert copy.training.learning_rate == 0.3
    assert copy.training.seed == base.training.seed and copy.data.seed == base.data.seed
    assert copy.name == "Small XOR (learning rate 0.3)"
    assert base.training.learning_rate == 0.1  # the original is untouched
    assert experiment_differences(base, copy) == ["learning rate: 0.1 → 0.3"]
    one = duplicate_with_change(base, "hidden[1].activation", "relu", name="mixed")
    assert [h.activation for h in one.hidden] == ["tanh", "relu"] and one.name == "mixed"
    assert duplicate_with_change(base, "hidden.activation", "relu").name == "Small XOR (relu ×2)"
    units = duplicate_with_change(base, "hidden.units", 16)
    assert [h.units for h in units.hidden] == [16, 16]
    full = duplicate_with_change(base, "training.batch_size", "full")
    assert full.training.batch_size is None
    assert duplicate_with_change(base, "init", "he_normal").init == "he_normal"


def test_duplicate_rejects_bad_values_naming_the_setting():
    base = small_experiment()
    with pytest.raises(NNStudioError, match=r"hidden\[0\]\.activation: unknown activation"):
        duplicate_with_change(base, "hidden.activation", "relux")
    with pytest.raises(NNStudioError, match="training.learning_rate: must be greater than 0"):
        duplicate_with_change(base, "training.learning_rate", -1.0)
    with pytest.raises(NNStudioError, match=r"hidden\[5\].activation: there is no such hidden"):
        duplicate_with_change(base, "hidden[5].activation", "relu")
    with pytest.raises(NNStudioError, match="hidden.activation: the network has no hidden"):
        duplicate_with_change(duplicate_with_change(base, "hidden", []),
                              "hidden.activation", "relu")


def test_settings_parse_and_current_values():
    base = small_experiment()
    keys = [s.key for s in SETTINGS]
    assert keys[:6] == ["hidden.activation", "training.optimizer", "training.learning_rate",
                        "init", "training.batch_size", "training.l2"]
    assert "softmax" not in SETTINGS[0].choices
    assert current_value(base, "hidden.activation") == "tanh"
    assert current_value(base, "training.learning_rate") == 0.1
    assert current_value(base, "training.batch_size") == 16
    assert parse_value("training.learning_rate", " 0.3 ") == 0.3
    assert parse_value("training.batch_size", "full") == "full"
    assert parse_value("training.batch_size", "64") == 64
    assert parse_value("training.optimizer", "adam") == "adam"
    with pytest.raises(NNStudioError, match="learning rate: must be greater than 0"):
        parse_value("training.learning_rate", "0")
    with pytest.raises(NNStudioError, match="batch size: expected a whole number"):
        parse_value("training.batch_size", "2.5")
    with pytest.raises(NNStudioError, match="L2 regularization: expected a number"):
        parse_value("training.l2", "lots")
    with pytest.raises(NNStudioError, match="optimizer: unknown choice 'adamw'"):
        parse_value("training.optimizer", "adamw")
    with pytest.raises(NNStudioError, match="unknown setting"):
        parse_value("data.colour", "1")


# --- the classic comparisons ----------------------------------------------------------------

def test_comparison_presets_differ_in_one_setting_each():
    comparisons = comparison_presets()
    keys = [c.key for c in comparisons]
    assert keys == ["activations", "optimizers", "initializers", "learning_rates", "l2"]
    for comparison in comparisons:
        assert len(comparison.experiments) >= 3
        first = comparison.experiments[0]
        for other in comparison.experiments[1:]:
            changes = experiment_differences(first, other)
            assert len(changes) == 1, (comparison.key, changes)
            assert other.training.seed == first.training.seed
        names = [e.name for e in comparison.experiments]
        assert len(set(names)) == len(names)
    activations = comparisons[0].experiments
    assert [e.hidden[0].activation for e in activations] == ["sigmoid", "tanh", "relu"]
    assert all(len(e.hidden) == 8 for e in activations)  # from vanishing_sigmoid.json
    optimizers = comparisons[1].experiments
    assert [e.training.optimizer for e in optimizers] == ["sgd", "momentum", "adam"]
    inits = comparisons[2].experiments
    assert [e.init for e in inits] == ["zeros", "normal", "normal", "glorot_uniform",
                                       "he_uniform"]
    assert inits[1].init_params == {"std": 0.01}


# --- headless training ---------------------------------------------------------------------

def test_record_training_fills_history_and_series():
    seen = []
    record = record_training(small_experiment(), on_epoch=lambda r: seen.append(r.epochs_done))
    assert record.status == "finished"
    assert seen == [1, 2, 3, 4, 5]
    assert [row["epoch"] for row in record.history] == [1, 2, 3, 4, 5]
    steps_per_epoch = 4  # 64 training rows in batches of 16
    np.testing.assert_array_equal(record.steps, np.arange(1, 5 * steps_per_epoch + 1))
    assert record.grads.shape == (20, 3)
    # the per-epoch gradient is the mean of that epoch's steps
    np.testing.assert_allclose(record.history[0]["grad/layer0"], record.grads[:4, 0].mean())


def test_record_training_stops_and_diverges():
    calls = []

    def stop() -> bool:
        calls.append(1)
        return len(calls) > 6

    record = record_training(small_experiment(), epochs=50, should_stop=stop)
    assert record.status == "stopped" and len(record.steps) == 6
    wild = duplicate_with_change(small_experiment(), "training.learning_rate", 1e12)
    wild.hidden = [LayerSpec(4, "relu")]
    wild.loss = "mse"
    wild.output = LayerSpec(1, "linear")
    diverged = record_training(wild, epochs=30)
    assert diverged.status == "diverged"
    assert "learning rate" in diverged.message


def test_the_sigmoid_comparison_shows_vanishing_gradients():
    activations = comparison_presets()[0].experiments
    sigmoid = record_training(activations[0], epochs=15)
    relu = record_training(activations[2], epochs=15)
    first_sigmoid = sigmoid.history[-1]["grad/layer0"]
    first_relu = relu.history[-1]["grad/layer0"]
    assert first_sigmoid < first_relu / 10
    assert relu.final_metrics()["test_accuracy"] > sigmoid.final_metrics()["test_accuracy"]
    text = describe_differences([sigmoid, relu])
    assert text[relu.id] == "hidden activations: sigmoid ×8 → relu ×8"


def test_record_start_accepts_an_experiment_dict():
    d = default_experiment().to_dict()
    record = RunRecord.start(d)
    assert record.name == "Two spirals" and record.status == "running"
    assert record.experiment_object().hidden[0].units == 12
    assert record.n_layers == 4


# --- the per-epoch table -----------------------------------------------------------------------

def test_epoch_table_keeps_rows_as_columns():
    table = EpochTable([{"epoch": 1, "train_loss": 0.5, "test_loss": None}])
    rows = [{"epoch": e, "train_loss": 1.0 / e, "test_loss": 2.0 / e} for e in range(2, 202)]
    table.extend(rows)  # grows past its first capacity
    assert len(table) == 201
    assert table.keys == ["epoch", "train_loss", "test_loss"]
    np.testing.assert_array_equal(table.column("epoch"), np.arange(1, 202))
    loss = table.column("test_loss")
    assert math.isnan(loss[0]) and loss[1] == pytest.approx(1.0)
    assert np.isnan(table.column("unknown")).all() and len(table.column("unknown")) == 201
    assert table.row(-1) == {"epoch": 201.0, "train_loss": pytest.approx(1 / 201),
                             "test_loss": pytest.approx(2 / 201)}
    assert table.rows(2)[1] == {"epoch": 2.0, "train_loss": 0.5, "test_loss": 1.0}
    # a key that appears later: NaN in the rows before it, and in rows without it
    table.extend([{"epoch": 202, "train_loss": 0.1, "grad/layer0": 0.3},
                  {"epoch": 203, "train_loss": 0.1}])
    grad = table.column("grad/layer0")
    assert np.isnan(grad[:201]).all() and grad[201] == 0.3 and math.isnan(grad[202])
    assert math.isnan(table.row(-1)["test_loss"])
    table.truncate(3)
    assert len(table) == 3 and table.column("epoch").tolist() == [1, 2, 3]


def test_epoch_table_reads_odd_values_as_nan():
    table = EpochTable([{"epoch": 1, "train_loss": "0.5", "test_loss": "diverged"}])
    assert table.column("train_loss")[0] == 0.5
    assert math.isnan(table.column("test_loss")[0])
    epochs = EpochTable([{"train_loss": 1.0}, {"train_loss": 2.0}]).epochs()
    assert epochs.tolist() == [1.0, 2.0]  # rows without an epoch count from 1


def test_record_history_rows_are_copies():
    record = record_with_history("A")
    record.history[-1]["test_loss"] = 99.0
    assert record.final_metrics()["test_loss"] == pytest.approx(0.4)
    assert record.n_epochs == 3


def test_store_knows_which_runs_are_unsaved(tmp_path):
    store = RunStore()
    a, b = record_with_history("a"), record_with_history("b")
    store.add(a)
    store.add(b)
    assert store.unsaved() == [a, b]
    path = tmp_path / "runs.json"
    store.save(path)
    assert store.unsaved() == []
    b.extend(epochs=[{"epoch": 4, "train_loss": 0.1}])  # trained on after saving
    c = record_with_history("c")
    store.add(c)
    assert [r.name for r in store.unsaved()] == ["b", "c"]
    other = RunStore()
    other.load(path)  # runs read from a file are saved
    assert other.unsaved() == []
