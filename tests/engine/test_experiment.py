"""Experiment files: round trips (JSON and TOML), validation messages, data preparation."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnstudio.engine.errors import DataError, ExperimentError
from nnstudio.engine.experiment import (
    FORMAT,
    DataConfig,
    Experiment,
    build_network,
    build_spec,
    build_trainer,
    default_experiment,
    experiment_text,
    load_experiment,
    prepare_data,
    save_experiment,
)
from nnstudio.engine.network import LayerSpec
from nnstudio.engine.training import TrainConfig
from nnstudio.paths import resource

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    tomllib = pytest.importorskip("tomli")


def rich_experiment() -> Experiment:
    """An experiment that uses every key, with awkward text in it."""
    return Experiment(
        name='Spiral "hard" \\ 나선',
        description="two lines\nand a tab\there",
        data=DataConfig(source="painted", name="moons", samples=123, noise=0.25, seed=7,
                        task="multiclass", test_fraction=0.3,
                        features=["x1", "x2", "x1*x2", "sin(x1)", "x2^2"], standardize=False,
                        points=[[0.5, -1.25, "red"], [1.0, 2.0, "blue"], [3.0, 1.0, "green"]]),
        hidden=[LayerSpec(5, "maxout", pieces=3), LayerSpec(4, "leaky_relu", alpha=0.2),
                LayerSpec(3, "relu")],
        output=LayerSpec(1, "linear"),
        loss="hinge",
        init="normal",
        init_params={"std": 0.05},
        training=TrainConfig(optimizer="adam", learning_rate=0.001, batch_size=None, epochs=7,
                             l1=0.001, l2=0.0001, shuffle=False, seed=3, momentum=0.8,
                             beta1=0.85, beta2=0.99, epsilon=1e-7, rho=0.95),
    )


# --- round trips ----------------------------------------------------------------------------------

def test_default_experiment_is_the_bundled_preset():
    assert load_experiment(resource("presets", "default.json")) == default_experiment()


@pytest.mark.parametrize("suffix", [".json", ".toml"])
def test_round_trip_keeps_every_setting(tmp_path, suffix):
    exp = rich_experiment()
    path = tmp_path / f"exp{suffix}"
    save_experiment(exp, path)
    assert load_experiment(path) == exp
    # and the file parses with the standard library alone, with the format keys in it
    text = path.read_text(encoding="utf-8")
    d = tomllib.loads(text) if suffix == ".toml" else json.loads(text)
    assert d["format"] == FORMAT and d["version"] == 1
    assert d["training"]["batch_size"] == "full"
    assert "units" not in d["output"]


@pytest.mark.parametrize("suffix", [".json", ".toml"])
def test_round_trip_default_and_empty_hidden(tmp_path, suffix):
    exp = default_experiment()
    exp.hidden = []
    path = tmp_path / f"e{suffix}"
    save_experiment(exp, path)
    assert load_experiment(path) == exp


def test_minimal_file_takes_defaults(tmp_path):
    path = tmp_path / "min.json"
    path.write_text('{"data": {"name": "xor"}}')
    exp = load_experiment(path)
    assert exp.data.name == "xor"
    assert exp.hidden == Experiment().hidden
    assert exp.training == TrainConfig()


def test_csv_path_is_relative_to_the_experiment_file(tmp_path, monkeypatch):
    folder = tmp_path / "project"
    folder.mkdir()
    csv_file = folder / "points.csv"
    csv_file.write_text("a,b,label\n" + "".join(
        f"{i},{i % 3},{'yes' if i % 2 else 'no'}\n" for i in range(20)))
    (folder / "exp.json").write_text(json.dumps(
        {"data": {"source": "csv", "path": "points.csv", "target": "label"}}))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    exp = load_experiment(folder / "exp.json")
    assert Path(exp.data.path) == csv_file.resolve()
    prepared = prepare_data(exp)
    assert prepared.feature_names == ["a", "b"] and prepared.classes == ["no", "yes"]
    # saved somewhere else, the path is rewritten relative to the new file
    other = tmp_path / "saved" / "copy.toml"
    other.parent.mkdir()
    save_experiment(exp, other)
    assert tomllib.loads(other.read_text())["data"]["path"] == "../project/points.csv"
    assert Path(load_experiment(other).data.path) == csv_file.resolve()


# --- validation -------------------------------------------------------------------------------------

def _with(change):
    d = default_experiment().to_dict()
    change(d)
    return d


BAD = [
    (lambda d: d["hidden"][1].update(activation="relux"),
     "hidden[1].activation: unknown activation 'relux' (known: linear"),
    (lambda d: d.update(epochs=5), "epochs: unknown key"),
    (lambda d: d["data"].update(name="spirals"), "data.name: unknown built-in data set 'spirals'"),
    (lambda d: d["data"].update(source="web"), "data.source: unknown data source 'web'"),
    (lambda d: d["training"].update(optimizer="adamw"), "training.optimizer: unknown optimizer"),
    (lambda d: d.update(loss="l2"), "loss: unknown loss 'l2'"),
    (lambda d: d.update(init="xavier"), "init: unknown initializer 'xavier'"),
    (lambda d: d["training"].update(learning_rate="fast"),
     "training.learning_rate: expected a number, got the text 'fast'"),
    (lambda d: d["training"].update(learning_rate=0), "training.learning_rate: must be greater"),
    (lambda d: d["training"].update(batch_size=0), "training.batch_size: must be at least 1"),
    (lambda d: d["training"].update(batch_size="all"), "training.batch_size: expected a whole"),
    (lambda d: d["training"].update(shuffle="yes"), "training.shuffle: expected true or false"),
    (lambda d: d["training"].update(epochs=-1), "training.epochs: must be at least 0"),
    (lambda d: d["hidden"][0].update(units=2.5), "hidden[0].units: expected a whole number"),
    (lambda d: d["hidden"][0].pop("units"), "hidden[0]: missing key 'units'"),
    (lambda d: d["hidden"][2].update(activation="softmax"),
     "hidden[2].activation: softmax is only allowed on the output layer"),
    (lambda d: d["hidden"][0].update(dropout=0.5), "hidden[0].dropout: unknown key"),
    (lambda d: d.update(hidden={"units": 3}), "hidden: expected a list of layers"),
    (lambda d: d.update(output={"units": 3, "activation": "softmax"}), "output.units:"),
    (lambda d: d["data"].update(noise=0.9), "data.noise: must be at most 0.5"),
    (lambda d: d["data"].update(test_fraction=1.0), "data.test_fraction: must be below 1"),
    (lambda d: d["data"].update(features="x1"), "data.features: expected a non-empty list"),
    (lambda d: d["data"].update(features=["x1", 2]), "data.features[1]: expected text"),
    (lambda d: d["data"].update(source="csv"), "data.path: a CSV data source needs 'path'"),
    (lambda d: d["data"].update(source="painted", points=[[1, 2, 0], [1, 2]]),
     "data.points[1]: expected [x1, x2, label_or_value]"),
    (lambda d: d["data"].update(source="painted", points=[[1, "a", 0]]),
     "data.points[0][1]: expected a number"),
    (lambda d: d.update(format="nnstudio.model"), "format: expected 'nnstudio.experiment'"),
    (lambda d: d.update(version=2), "version: the file has format version 2"),
    (lambda d: d.update(init_params={"sigma": 1}), "init_params.sigma: unknown key"),
    (lambda d: d["training"].update(beta2=1.0), "training.beta2: must be below 1"),
    (lambda d: d["training"].update(learning_rate=10**400), "training.learning_rate: the number"),
    (lambda d: d["hidden"][0].update(units=10**9), "hidden[0].units: must be at most 100000"),
]


@pytest.mark.parametrize("change, message", BAD)
def test_bad_keys_are_named_with_the_file(tmp_path, change, message):
    path = tmp_path / "spiral.json"
    path.write_text(json.dumps(_with(change)))
    with pytest.raises(ExperimentError) as info:
        load_experiment(path)
    assert str(info.value).startswith(f"{path}: ")
    assert message in str(info.value)


@pytest.mark.parametrize("name, content, message", [
    ("broken.json", '{"name": "x",\n "hidden": [}', "not valid JSON: line 2, column"),
    ("broken.toml", 'name = "x"\n[data\n', "not valid TOML"),
    ("binary.json", b"\xff\xfe\x00garbage", "not a text (UTF-8) file"),
    ("list.json", "[1, 2]", "(top level): expected a table/object"),
])
def test_unreadable_files(tmp_path, name, content, message):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    with pytest.raises(ExperimentError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_experiment(path)


def test_missing_file(tmp_path):
    with pytest.raises(ExperimentError, match="no such experiment file"):
        load_experiment(tmp_path / "nope.json")


def test_unknown_feature_is_named_when_preparing():
    exp = default_experiment()
    exp.data.features = ["x1", "x2", "x3*x1"]
    with pytest.raises(ExperimentError, match=r"data\.features\[2\]: .*'x3' is not a column"):
        prepare_data(exp)


def test_task_cannot_be_forced_on_builtin_data():
    exp = default_experiment()
    exp.data.task = "regression"
    with pytest.raises(ExperimentError, match="data.task"):
        prepare_data(exp)


# --- preparing data ---------------------------------------------------------------------------------

def test_prepare_splits_expands_and_standardizes_on_training_rows():
    exp = default_experiment()
    exp.data.features = ["x1", "x2", "x1*x2", "sin(x1)"]
    p = prepare_data(exp)
    n = p.dataset.n_samples
    assert len(p.X_train) + len(p.X_test) == n and len(p.X_test) == round(0.2 * n)
    assert sorted(np.concatenate([p.train_index, p.test_index]).tolist()) == list(range(n))
    np.testing.assert_array_equal(p.X_train_raw, p.dataset.X[p.train_index])
    assert p.input_names == ["x1", "x2", "x1*x2", "sin(x1)"]
    raw = p.X_train_raw
    expanded = np.column_stack([raw[:, 0], raw[:, 1], raw[:, 0] * raw[:, 1], np.sin(raw[:, 0])])
    np.testing.assert_allclose(p.standardizer.mean, expanded.mean(axis=0))
    np.testing.assert_allclose(p.X_train, (expanded - expanded.mean(0)) / expanded.std(0))
    np.testing.assert_allclose(p.X_train.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(p.transform(p.X_test_raw), p.X_test)
    # the split is stratified: both classes in the test rows in proportion
    assert abs(p.y_test.mean() - p.dataset.y.mean()) < 0.02


def test_prepare_without_test_rows_or_standardization():
    exp = default_experiment()
    exp.data.test_fraction = 0.0
    exp.data.standardize = False
    p = prepare_data(exp)
    assert p.X_test.shape == (0, 2) and p.standardizer is None
    assert len(p.X_train) == p.dataset.n_samples
    trainer = build_trainer(exp, p, build_network(exp, p))
    assert trainer.evaluate()["test_loss"] is None


def test_same_seed_same_data_and_weights():
    exp = default_experiment()
    a, b = prepare_data(exp), prepare_data(exp)
    np.testing.assert_array_equal(a.X_train, b.X_train)
    np.testing.assert_array_equal(build_network(exp, a).params, build_network(exp, b).params)
    exp.data.seed = 1
    assert not np.array_equal(prepare_data(exp).train_index, a.train_index)


def _spec_for(dataset, **changes):
    exp = Experiment(data=DataConfig(name=dataset))
    for key, value in changes.items():
        setattr(exp, key, value)
    return build_spec(exp, prepare_data(exp))


def test_output_and_loss_follow_the_task():
    spec = _spec_for("moons")
    assert (spec.layers[-1].units, spec.layers[-1].activation, spec.loss) == \
        (1, "sigmoid", "binary_cross_entropy")
    spec = _spec_for("iris")
    assert (spec.layers[-1].units, spec.layers[-1].activation, spec.loss) == \
        (3, "softmax", "cross_entropy")
    assert spec.classes == ["setosa", "versicolor", "virginica"]
    spec = _spec_for("sine")
    assert (spec.layers[-1].units, spec.layers[-1].activation, spec.loss) == (1, "linear", "mse")
    assert spec.feature_names == ["x"] and spec.features == ["x"]
    assert _spec_for("xor", loss="hinge").layers[-1].activation == "linear"
    spec = _spec_for("xor", output=LayerSpec(1, "softmax"))
    assert (spec.layers[-1].units, spec.loss) == (2, "cross_entropy")
    spec = _spec_for("xor", output=LayerSpec(1, "sigmoid"), loss="mse")
    assert spec.loss == "mse"


def test_incompatible_output_and_loss_is_an_experiment_error():
    with pytest.raises(ExperimentError, match="loss: .*needs a sigmoid output"):
        _spec_for("iris", loss="binary_cross_entropy")


@pytest.mark.parametrize("points, task, expected_task, classes", [
    ([[0, 0, 0], [1, 1, 1], [2, 2, 1]], None, "binary", [0, 1]),
    ([[0, 0, 1], [1, 1, 1], [2, 2, 1]], "binary", "binary", [0, 1]),
    ([[0, 0, "cat"], [1, 1, "dog"], [2, 2, "emu"]], None, "multiclass", ["cat", "dog", "emu"]),
    ([[0, 0, 0.5], [1, 1, -0.25], [2, 2, 1.75]], None, "regression", None),
    ([[0, 0, 0], [1, 1, 1], [2, 2, 2]], "regression", "regression", None),
])
def test_painted_points(points, task, expected_task, classes):
    exp = Experiment(data=DataConfig(source="painted", points=points, task=task,
                                     test_fraction=0.0))
    p = prepare_data(exp)
    assert p.task == expected_task and p.classes == classes
    np.testing.assert_array_equal(p.X_train_raw, np.array([r[:2] for r in points], float))
    if expected_task == "regression":
        np.testing.assert_array_equal(p.y_train, [r[2] for r in points])


def test_painted_single_class_is_a_clear_error():
    exp = Experiment(data=DataConfig(source="painted", points=[[0, 0, 1], [1, 1, 1]]))
    with pytest.raises(DataError, match="at least two classes"):
        prepare_data(exp)


def test_default_experiment_learns_the_spiral():
    """The preset must actually work: two spirals learned within its 300 epochs."""
    exp = default_experiment()
    p = prepare_data(exp)
    trainer = build_trainer(exp, p, build_network(exp, p))
    while not trainer.finished:
        trainer.run_epoch()
    metrics = trainer.evaluate()
    assert trainer.epoch == exp.training.epochs
    assert metrics["train_accuracy"] >= 0.95 and metrics["test_accuracy"] >= 0.9


def test_build_trainer_copies_the_training_settings():
    exp = default_experiment()
    p = prepare_data(exp)
    trainer = build_trainer(exp, p, build_network(exp, p))
    trainer.set_learning_rate(0.5)
    assert exp.training.learning_rate == 0.2


def test_experiment_text_is_stable_json():
    text = experiment_text(default_experiment())
    assert json.loads(text) == default_experiment().to_dict()
    assert resource("presets", "default.json").read_text(encoding="utf-8") == text


# --- any parsed file gives an Experiment or an ExperimentError -----------------------------------

_SCALAR = (st.none() | st.booleans() | st.integers(-3, 10**400) | st.text(max_size=6)
           | st.floats(allow_nan=True, allow_infinity=True)
           | st.sampled_from(["tanh", "relu", "softmax", "csv", "painted", "full", "x1", "spiral"]))
_KEY = st.sampled_from(["format", "version", "name", "data", "hidden", "output", "loss", "init",
                        "init_params", "training", "source", "points", "features", "units",
                        "activation", "alpha", "pieces", "batch_size", "learning_rate", "path",
                        "target", "task", "std", "noise", "samples", "epochs", "shuffle"])
_TREE = st.recursive(_SCALAR, lambda inner: st.lists(inner, max_size=4)
                     | st.dictionaries(_KEY, inner, max_size=5), max_leaves=20)


def _assert_accepted_or_named(d: dict) -> None:
    """``d`` is either refused with a message naming the file, or accepted and then round-trips
    through both JSON and TOML unchanged."""
    try:
        exp = Experiment.from_dict(d, source="fuzz.json")
    except ExperimentError as exc:
        assert str(exc).startswith("fuzz.json: ")
        return
    assert Experiment.from_dict(json.loads(experiment_text(exp))) == exp
    assert Experiment.from_dict(tomllib.loads(experiment_text(exp, toml=True))) == exp


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_KEY, _TREE, max_size=6))
def test_random_content_is_accepted_or_named(d):
    _assert_accepted_or_named(d)


def _leaf_paths(value, prefix=()):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaf_paths(item, prefix + (key,))
    elif isinstance(value, list) and value:
        for i, item in enumerate(value):
            yield from _leaf_paths(item, prefix + (i,))
    yield prefix


def _template() -> dict:
    exp = rich_experiment()
    exp.data.source, exp.data.path, exp.data.target = "csv", "x.csv", "label"
    return exp.to_dict()


_PATHS = [p for p in _leaf_paths(_template()) if p]


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(_PATHS), _TREE)
def test_one_bad_value_anywhere_is_named(path, value):
    d = _template()
    target = d
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    _assert_accepted_or_named(d)


@pytest.mark.parametrize("suffix", [".json", ".toml"])
def test_float32_precision_round_trips_and_builds_a_float32_network(tmp_path, suffix):
    exp = default_experiment()
    exp.training.precision = "float32"
    path = tmp_path / f"exp{suffix}"
    save_experiment(exp, path)
    back = load_experiment(path)
    assert back.training.precision == "float32"
    prepared = prepare_data(back)
    network = build_network(back, prepared)
    assert network.params.dtype == np.float32
    report = build_trainer(back, prepared, network).run_epoch()
    assert np.isfinite(report.train_loss)


def test_unknown_precision_is_named(tmp_path):
    path = tmp_path / "exp.json"
    d = default_experiment().to_dict()
    d["training"]["precision"] = "float16"
    path.write_text(json.dumps(d))
    with pytest.raises(ExperimentError, match=r"training\.precision.*float16"):
        load_experiment(path)
