"""Experiment files: everything needed to reproduce a run, as JSON or TOML.

An experiment names its data (a built-in set, a CSV file or painted points), the input
features, the hidden layers, the output layer and loss (both follow the task unless set),
the initializer and the training settings. The GUI's Save/Open and ``nnstudio train`` read
and write the same file. Reading validates every key and type; an error names the file and
the key path, e.g. ``spiral.json: hidden[1].activation: unknown activation 'relux'``.

CSV paths in a file are relative to the file's folder. :func:`load_experiment` turns them
into absolute paths and :func:`save_experiment` writes them relative to the new file.

The JSON/TOML parsing and writing live in :mod:`nnstudio.engine.jsontoml`, the generic
key-by-key checks in :mod:`nnstudio.engine.validation`; this module holds the schema.
"""

from __future__ import annotations

import copy
import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nnstudio.engine.activations import ACTIVATIONS
from nnstudio.engine.datasets import BUILTIN_DATASETS, Dataset, make_dataset
from nnstudio.engine.errors import DataError, ExperimentError, NNStudioError
from nnstudio.engine.fileio import atomic_write_text
from nnstudio.engine.initializers import INITIALIZERS
from nnstudio.engine.jsontoml import is_toml, read_document, to_json, to_toml
from nnstudio.engine.losses import LOSSES
from nnstudio.engine.network import (
    LayerSpec,
    Network,
    NetworkSpec,
    default_output,
    encode_targets,
)
from nnstudio.engine.optimizers import OPTIMIZERS
from nnstudio.engine.training import PRECISIONS, TrainConfig, Trainer
from nnstudio.engine.validation import KeyReader, value_kind

FORMAT = "nnstudio.experiment"
VERSION = 1
SOURCES = ("builtin", "csv", "painted")
TASKS = ("binary", "multiclass", "regression")
#: painted labels with at most this many distinct whole numbers are classes (task not set)
MAX_PAINTED_CLASSES = 10
INIT_PARAM_NAMES = ("std", "limit")
MAX_UNITS = 100_000
MAX_PIECES = 64
MAX_SAMPLES = 1_000_000

_TOP_KEYS = ("format", "version", "name", "description", "data", "hidden", "output", "loss",
             "init", "init_params", "training")
_DATA_KEYS = ("source", "name", "samples", "noise", "seed", "path", "target", "task",
              "test_fraction", "features", "standardize", "points")
_LAYER_KEYS = ("units", "activation", "alpha", "pieces")
_OUTPUT_KEYS = ("activation", "alpha", "pieces")
_TRAIN_KEYS = tuple(f.name for f in dataclasses.fields(TrainConfig))


# --- the data classes -------------------------------------------------------------------------

@dataclass
class DataConfig:
    """Where the data come from and how they are split, expanded and scaled."""

    source: str = "builtin"  # "builtin" | "csv" | "painted"
    name: str = "spiral"  # built-in data set name
    samples: int | None = None  # None: the data set's default size
    noise: float = 0.0  # 0 .. 0.5
    seed: int = 0  # data generation and the train/test split
    path: str | None = None  # CSV file
    target: str | int | None = None  # CSV target column: name or 0-based index (None: last)
    task: str | None = None  # None: guessed from the target
    test_fraction: float = 0.2
    features: list[str] | None = None  # None: the raw columns
    standardize: bool = True
    points: list | None = None  # painted: [[x1, x2, label_or_value], ...]

    def to_dict(self) -> dict[str, Any]:
        """The ``data`` table of the file (keys whose value is None are left out)."""
        d: dict[str, Any] = {"source": self.source, "name": self.name}
        if self.samples is not None:
            d["samples"] = self.samples
        d["noise"] = self.noise
        if self.path is not None:
            d["path"] = self.path
        if self.target is not None:
            d["target"] = self.target
        if self.points is not None:
            d["points"] = [list(p) for p in self.points]
        if self.task is not None:
            d["task"] = self.task
        d["seed"] = self.seed
        d["test_fraction"] = self.test_fraction
        if self.features is not None:
            d["features"] = list(self.features)
        d["standardize"] = self.standardize
        return d


def _default_hidden() -> list[LayerSpec]:
    return [LayerSpec(8, "tanh"), LayerSpec(8, "tanh")]


@dataclass
class Experiment:
    """One reproducible run: data, architecture, initializer and training settings.

    ``output`` is the output layer's activation (and ``alpha``/``pieces``); its number of
    units always follows the data (classes or target columns), so its ``units`` is not
    used. ``output`` None and ``loss`` None follow the task (sigmoid + binary cross-entropy,
    softmax + cross-entropy, linear + MSE).
    """

    name: str = "Untitled"
    description: str = ""
    data: DataConfig = field(default_factory=DataConfig)
    hidden: list[LayerSpec] = field(default_factory=_default_hidden)
    output: LayerSpec | None = None
    loss: str | None = None
    init: str = "auto"
    init_params: dict[str, float] = field(default_factory=dict)
    training: TrainConfig = field(default_factory=TrainConfig)

    def to_dict(self) -> dict[str, Any]:
        """The file's content as plain JSON/TOML-friendly values."""
        d: dict[str, Any] = {"format": FORMAT, "version": VERSION, "name": self.name,
                             "description": self.description, "data": self.data.to_dict(),
                             "hidden": [layer.to_dict() for layer in self.hidden]}
        if self.output is not None:
            out = self.output.to_dict()
            out.pop("units", None)
            d["output"] = out
        if self.loss is not None:
            d["loss"] = self.loss
        d["init"] = self.init
        if self.init_params:
            d["init_params"] = dict(self.init_params)
        training = self.training.to_dict()
        training["batch_size"] = "full" if self.training.batch_size is None else \
            self.training.batch_size
        d["training"] = training
        return d

    @classmethod
    def from_dict(cls, d: Any, source: str = "<experiment>") -> Experiment:
        """Validate and build; errors are :class:`ExperimentError` naming ``source`` and the key."""
        return _Reader(source).experiment(d)

    def copy(self) -> Experiment:
        return copy.deepcopy(self)


# --- validation ---------------------------------------------------------------------------------

class _Reader(KeyReader):
    """Builds an :class:`Experiment` from a parsed file, naming the key of every problem."""

    error = ExperimentError

    def experiment(self, d: Any) -> Experiment:
        d = self.keys(d, _TOP_KEYS, "")
        self.format_and_version(d, FORMAT, VERSION, "experiment file")
        exp = Experiment()
        if "name" in d:
            exp.name = self.text(d["name"], "name")
        if "description" in d:
            exp.description = self.text(d["description"], "description")
        if "data" in d:
            exp.data = self.data(d["data"])
        if "hidden" in d:
            if not isinstance(d["hidden"], list):
                raise self.fail("hidden",
                                f"expected a list of layers, got {value_kind(d['hidden'])}")
            exp.hidden = [self.layer(item, f"hidden[{i}]") for i, item in enumerate(d["hidden"])]
        if d.get("output") is not None:
            exp.output = self.output(d["output"])
        if d.get("loss") is not None:
            exp.loss = self.choice(d["loss"], "loss", LOSSES, "loss")
        if "init" in d:
            exp.init = self.choice(d["init"], "init", INITIALIZERS, "initializer")
        if "init_params" in d:
            params = self.keys(d["init_params"], INIT_PARAM_NAMES, "init_params")
            exp.init_params = {k: self.number(v, f"init_params.{k}", positive=True)
                               for k, v in params.items()}
        if "training" in d:
            exp.training = self.training(d["training"])
        return exp

    def layer(self, d: Any, path: str) -> LayerSpec:
        d = self.keys(d, _LAYER_KEYS, path)
        if "units" not in d:
            raise self.fail(path, "missing key 'units' (the number of neurons)")
        units = self.integer(d["units"], f"{path}.units", 1, MAX_UNITS)
        return self._activation_part(d, path, units, hidden=True)

    def output(self, d: Any) -> LayerSpec:
        if isinstance(d, dict) and "units" in d:
            raise self.fail("output.units", "the output layer's size follows the data (one "
                            "unit per class or target column); remove 'units'")
        d = self.keys(d, _OUTPUT_KEYS, "output")
        return self._activation_part(d, "output", 1, hidden=False)

    def _activation_part(self, d: dict, path: str, units: int, hidden: bool) -> LayerSpec:
        activation = self.choice(d.get("activation", "tanh"), f"{path}.activation",
                                 ACTIVATIONS, "activation")
        if hidden and activation == "softmax":
            raise self.fail(f"{path}.activation",
                            "softmax is only allowed on the output layer")
        alpha = self.number(d.get("alpha", 0.01), f"{path}.alpha", 0.0, 1.0)
        pieces = self.integer(d.get("pieces", 2), f"{path}.pieces", 1, MAX_PIECES)
        # alpha only matters for leaky_relu and pieces for maxout: keep the defaults otherwise
        return LayerSpec(units, activation, alpha if activation == "leaky_relu" else 0.01,
                         pieces if activation == "maxout" else 2)

    def data(self, d: Any) -> DataConfig:
        d = self.keys(d, _DATA_KEYS, "data")
        cfg = DataConfig()
        if "source" in d:
            cfg.source = self.choice(d["source"], "data.source", SOURCES, "data source")
        if "name" in d:
            cfg.name = self.choice(d["name"], "data.name", BUILTIN_DATASETS, "built-in data set")
        if d.get("samples") is not None:
            cfg.samples = self.integer(d["samples"], "data.samples", 4, MAX_SAMPLES)
        if "noise" in d:
            cfg.noise = self.number(d["noise"], "data.noise", 0.0, 0.5)
        if "seed" in d:
            cfg.seed = self.integer(d["seed"], "data.seed", 0)
        if d.get("path") is not None:
            cfg.path = self.text(d["path"], "data.path")
            if not cfg.path.strip():
                raise self.fail("data.path", "the CSV path is empty")
        if d.get("target") is not None:
            target = d["target"]
            if isinstance(target, bool) or not isinstance(target, (str, int)):
                raise self.fail("data.target", "expected a column name or a 0-based column "
                                f"index, got {value_kind(target)}")
            cfg.target = target
        if d.get("task") is not None:
            cfg.task = self.choice(d["task"], "data.task", TASKS, "task")
        if "test_fraction" in d:
            cfg.test_fraction = self.number(d["test_fraction"], "data.test_fraction", 0.0)
            if cfg.test_fraction >= 1.0:
                raise self.fail("data.test_fraction", "must be below 1 (some rows must be left "
                                f"to train on), got {cfg.test_fraction:g}")
        if d.get("features") is not None:
            features = d["features"]
            if not isinstance(features, list) or not features:
                raise self.fail("data.features", "expected a non-empty list of feature names "
                                f"such as [\"x1\", \"x2\", \"x1*x2\"], got {value_kind(features)}")
            cfg.features = [self.text(f, f"data.features[{i}]") for i, f in enumerate(features)]
        if "standardize" in d:
            cfg.standardize = self.boolean(d["standardize"], "data.standardize")
        if d.get("points") is not None:
            cfg.points = self.points(d["points"])
        if cfg.source == "csv" and cfg.path is None:
            raise self.fail("data.path", "a CSV data source needs 'path' (the CSV file)")
        if cfg.source == "painted" and cfg.points is None:
            raise self.fail("data.points", "painted data need 'points': [[x1, x2, label], ...]")
        return cfg

    def points(self, points: Any) -> list:
        if not isinstance(points, list):
            raise self.fail("data.points", f"expected a list of [x1, x2, label] rows, got "
                            f"{value_kind(points)}")
        rows = []
        for i, p in enumerate(points):
            path = f"data.points[{i}]"
            if not isinstance(p, list) or len(p) != 3:
                raise self.fail(path, f"expected [x1, x2, label_or_value], got {value_kind(p)}"
                                + (f" of {len(p)} values" if isinstance(p, list) else ""))
            x1 = self.number(p[0], f"{path}[0]")
            x2 = self.number(p[1], f"{path}[1]")
            label = p[2]
            if isinstance(label, str):
                if not label.strip():
                    raise self.fail(f"{path}[2]", "the class label is empty")
            else:
                label = self.number(label, f"{path}[2]")
                if label.is_integer():
                    label = int(label)
            rows.append([x1, x2, label])
        return rows

    def training(self, d: Any) -> TrainConfig:
        d = self.keys(d, _TRAIN_KEYS, "training")
        cfg = TrainConfig()
        if "optimizer" in d:
            cfg.optimizer = self.choice(d["optimizer"], "training.optimizer", OPTIMIZERS,
                                        "optimizer")
        if "learning_rate" in d:
            cfg.learning_rate = self.number(d["learning_rate"], "training.learning_rate",
                                            positive=True)
        if "batch_size" in d:
            batch = d["batch_size"]
            if batch is None or batch == "full":
                cfg.batch_size = None
            elif isinstance(batch, str):
                raise self.fail("training.batch_size", "expected a whole number >= 1 or "
                                f"\"full\", got {value_kind(batch)}")
            else:
                cfg.batch_size = self.integer(batch, "training.batch_size", 1)
        if "epochs" in d:
            cfg.epochs = self.integer(d["epochs"], "training.epochs", 0)
        for key in ("l1", "l2"):
            if key in d:
                setattr(cfg, key, self.number(d[key], f"training.{key}", 0.0))
        if "shuffle" in d:
            cfg.shuffle = self.boolean(d["shuffle"], "training.shuffle")
        if "seed" in d:
            cfg.seed = self.integer(d["seed"], "training.seed", 0)
        if "momentum" in d:
            cfg.momentum = self.number(d["momentum"], "training.momentum", 0.0, 1.0)
        for key in ("beta1", "beta2", "rho"):
            if key in d:
                value = self.number(d[key], f"training.{key}", 0.0)
                if value >= 1.0:
                    raise self.fail(f"training.{key}", f"must be below 1, got {value:g}")
                setattr(cfg, key, value)
        if "epsilon" in d:
            cfg.epsilon = self.number(d["epsilon"], "training.epsilon", positive=True)
        if "precision" in d:
            cfg.precision = self.choice(d["precision"], "training.precision", PRECISIONS,
                                        "precision")
        try:
            cfg.validate()
        except NNStudioError as exc:
            raise self.fail("training", str(exc)) from None
        return cfg


# --- reading and writing files ----------------------------------------------------------------

def load_experiment(path: str | os.PathLike[str]) -> Experiment:
    """Read and validate an experiment file (JSON, or TOML for a ``.toml`` name).

    A relative CSV path is resolved against the file's folder (the result holds an absolute
    path). Raises :class:`ExperimentError` naming the file and the key.
    """
    file = Path(path)
    label = str(path)
    document = read_document(file, label, what="experiment", error=ExperimentError)
    exp = Experiment.from_dict(document, source=label)
    if exp.data.path is not None:
        exp.data.path = str(resolve_data_path(exp.data.path, file.parent))
    return exp


def resolve_data_path(data_path: str, base_dir: str | os.PathLike[str] | None) -> Path:
    """A CSV path from an experiment, relative paths taken from ``base_dir`` (default: cwd)."""
    p = Path(data_path).expanduser()
    if not p.is_absolute():
        p = Path(base_dir if base_dir is not None else os.getcwd()) / p
    return Path(os.path.normpath(p.absolute()))


def _relative_data_path(data_path: str, folder: Path) -> str:
    p = Path(data_path)
    if not p.is_absolute():
        return data_path
    try:
        rel = os.path.relpath(p, folder.absolute())
    except ValueError:  # another drive on Windows
        return str(p)
    return Path(rel).as_posix()


def experiment_text(exp: Experiment, toml: bool = False) -> str:
    """The file content for ``exp`` (CSV path written as it is held)."""
    d = exp.to_dict()
    return to_toml(d) if toml else to_json(d)


def save_experiment(exp: Experiment, path: str | os.PathLike[str]) -> None:
    """Write ``exp`` atomically as JSON (or TOML for a ``.toml`` name).

    An absolute CSV path is written relative to the file's folder.
    """
    file = Path(path)
    out = exp.copy()
    if out.data.path is not None:
        out.data.path = _relative_data_path(out.data.path, file.parent)
    try:
        atomic_write_text(file, experiment_text(out, toml=is_toml(file)))
    except OSError as exc:
        raise ExperimentError(f"{path}: cannot write the file ({exc.strerror or exc})") from None


# --- from an experiment to arrays, a network and a trainer ------------------------------------

@dataclass
class PreparedData:
    """The data of an experiment, ready to train on.

    ``X_*_raw`` hold the raw columns (for plots), ``X_train``/``X_test`` the network's inputs
    (features expanded, then standardized). ``y_*`` are class indices or regression targets.
    """

    dataset: Dataset
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    X_train_raw: np.ndarray
    X_test_raw: np.ndarray
    standardizer: Any  # preprocessing.Standardizer | None
    input_names: list[str]
    task: str
    classes: list | None
    train_index: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.intp))
    test_index: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.intp))

    @property
    def feature_names(self) -> list[str]:
        """The raw column names the inputs are computed from."""
        return list(self.dataset.feature_names)

    @property
    def n_targets(self) -> int:
        y = self.dataset.y
        return 1 if y.ndim == 1 else int(y.shape[1])

    def transform(self, X_raw: np.ndarray) -> np.ndarray:
        """Network inputs for raw rows (features, then standardization), e.g. a plot grid."""
        from nnstudio.engine.features import expand_features

        X = expand_features(np.asarray(X_raw, dtype=np.float64), self.feature_names,
                            self.input_names)
        return self.standardizer.transform(X) if self.standardizer is not None else X


def _plain(value: Any) -> Any:
    """A class label as a JSON-friendly Python value."""
    if isinstance(value, np.generic):
        return value.item()
    return value


def _painted_dataset(data: DataConfig) -> Dataset:
    points = data.points or []
    if len(points) < 2:
        raise DataError(f"painted data: {len(points)} point(s); paint at least 2 points")
    X = np.array([[p[0], p[1]] for p in points], dtype=np.float64)
    labels = [p[2] for p in points]
    texts = any(isinstance(v, str) for v in labels)
    task = data.task
    if texts and task == "regression":
        raise DataError("painted data: text labels cannot be regression values")
    if task is None:
        if texts:
            task = "classification"
        else:
            distinct = sorted(set(labels))
            whole = all(float(v).is_integer() for v in distinct)
            task = "classification" if whole and len(distinct) <= MAX_PAINTED_CLASSES \
                else "regression"
    if task == "regression":
        y = np.array(labels, dtype=np.float64)
        return Dataset("painted", X, y, "regression", ["x1", "x2"], None)
    keyed = [str(v) if texts else v for v in labels]
    classes = sorted(set(keyed))
    if task == "binary" and not texts and set(classes) <= {0, 1}:
        classes = [0, 1]
    if len(classes) < 2:
        raise DataError(f"painted data: every point has the class {classes[0]!r}; paint "
                        "points of at least two classes")
    if task == "classification":
        task = "binary" if len(classes) == 2 else "multiclass"
    lookup = {c: i for i, c in enumerate(classes)}
    y = np.array([lookup[v] for v in keyed], dtype=np.int64)
    return Dataset("painted", X, y, task, ["x1", "x2"], classes)


def load_dataset(data: DataConfig, base_dir: str | os.PathLike[str] | None = None) -> Dataset:
    """The raw data set an experiment's ``data`` section describes."""
    if data.source == "builtin":
        dataset = make_dataset(data.name, data.samples, data.noise, data.seed)
        if data.task is not None and data.task != dataset.task:
            raise ExperimentError(
                f"data.task: the built-in data set '{data.name}' is a {dataset.task} task; "
                "'task' can only be chosen for CSV files and painted points"
            )
        return dataset
    if data.source == "csv":
        if not data.path:
            raise ExperimentError("data.path: a CSV data source needs a file")
        from nnstudio.engine.csvdata import load_csv

        return load_csv(resolve_data_path(data.path, base_dir), data.target, data.task)
    if data.source == "painted":
        return _painted_dataset(data)
    raise ExperimentError(f"data.source: unknown data source {data.source!r} "
                          f"(known: {', '.join(SOURCES)})")


def prepare_data(exp: Experiment, base_dir: str | os.PathLike[str] | None = None,
                 standardizer: Any = None, dataset: Dataset | None = None) -> PreparedData:
    """Load the data, expand the features, split by ``data.seed`` and standardize.

    ``base_dir`` resolves a relative CSV path (default: the current folder). The
    standardization is fitted on the training rows, unless ``standardizer`` is given (e.g.
    one read from a model file), which is then used as it is. ``dataset`` skips loading
    when the caller already holds the experiment's data set.
    """
    from nnstudio.engine.features import expand_features, validate_feature
    from nnstudio.engine.preprocessing import Standardizer, train_test_split_indices

    cfg = exp.data
    if dataset is None:
        dataset = load_dataset(cfg, base_dir)
    names = list(dataset.feature_names)
    inputs = list(cfg.features) if cfg.features is not None else list(names)
    for i, expr in enumerate(inputs):
        try:
            inputs[i] = validate_feature(expr, names)
        except NNStudioError as exc:
            raise ExperimentError(f"data.features[{i}]: {exc}") from None
    if len(set(inputs)) != len(inputs):
        repeated = sorted({f for f in inputs if inputs.count(f) > 1})
        raise ExperimentError(f"data.features: {', '.join(repeated)} listed twice")
    X = expand_features(dataset.X, names, inputs)
    n = dataset.n_samples
    classification = dataset.task != "regression"
    if cfg.test_fraction > 0:
        train_idx, test_idx = train_test_split_indices(
            n, cfg.test_fraction, cfg.seed, stratify=dataset.y if classification else None)
    else:
        train_idx, test_idx = np.arange(n), np.empty(0, dtype=np.intp)
    train_idx = np.asarray(train_idx, dtype=np.intp)
    test_idx = np.asarray(test_idx, dtype=np.intp)
    if len(train_idx) == 0:
        raise DataError(f"data: no rows are left to train on ({n} rows, test fraction "
                        f"{cfg.test_fraction:g})")
    if standardizer is None and cfg.standardize:
        standardizer = Standardizer.fit(X[train_idx])
    X_train, X_test = X[train_idx], X[test_idx]
    if standardizer is not None:
        if np.shape(standardizer.mean)[-1] != X.shape[1]:
            raise DataError(f"the standardization has {np.shape(standardizer.mean)[-1]} "
                            f"columns but the inputs have {X.shape[1]}")
        X_train = standardizer.transform(X_train)
        X_test = standardizer.transform(X_test)
    return PreparedData(
        dataset=dataset,
        X_train=np.ascontiguousarray(X_train, dtype=np.float64),
        y_train=dataset.y[train_idx],
        X_test=np.ascontiguousarray(X_test, dtype=np.float64),
        y_test=dataset.y[test_idx],
        X_train_raw=dataset.X[train_idx],
        X_test_raw=dataset.X[test_idx],
        standardizer=standardizer,
        input_names=inputs,
        task=dataset.task,
        classes=None if dataset.classes is None else [_plain(c) for c in dataset.classes],
        train_index=train_idx,
        test_index=test_idx,
    )


def output_layer(exp: Experiment, prepared: PreparedData) -> tuple[LayerSpec, str]:
    """The output layer and loss for the experiment's data (units follow the data)."""
    n_classes = len(prepared.classes or [])
    default_layer, default_loss = default_output(prepared.task, n_classes, prepared.n_targets)
    if exp.output is None:
        layer = default_layer
        if exp.loss == "hinge":
            layer = LayerSpec(default_layer.units, "linear")
    else:
        units = default_layer.units
        if prepared.task == "binary" and exp.output.activation == "softmax":
            units = 2
        layer = LayerSpec(units, exp.output.activation, exp.output.alpha, exp.output.pieces)
    loss = exp.loss
    if loss is None:
        if layer.activation == "softmax":
            loss = "cross_entropy"
        elif layer.activation == "sigmoid" and prepared.task != "regression":
            loss = "binary_cross_entropy"
        elif layer.activation == default_layer.activation:
            loss = default_loss
        else:
            loss = "mse"
    return layer, loss


def build_spec(exp: Experiment, prepared: PreparedData) -> NetworkSpec:
    """The network's architecture for the prepared data."""
    layer, loss = output_layer(exp, prepared)
    if prepared.task == "multiclass" and layer.units == 1:
        raise ExperimentError("output: a multiclass task needs one output unit per class")
    try:
        return NetworkSpec(
            inputs=len(prepared.input_names),
            layers=[copy.copy(h) for h in exp.hidden] + [layer],
            loss=loss,
            task=prepared.task,
            classes=None if prepared.classes is None else list(prepared.classes),
            feature_names=prepared.feature_names,
            features=list(prepared.input_names),
        )
    except NNStudioError as exc:
        key = "loss" if exp.loss is not None else "output"
        message = str(exc).removeprefix("spec: ")
        raise ExperimentError(f"{key}: {message}") from None


def build_network(exp: Experiment, prepared: PreparedData, seed: int | None = None) -> Network:
    """A freshly initialized network (weights from ``seed``, default ``training.seed``)."""
    spec = build_spec(exp, prepared)
    try:
        return Network(spec, init=exp.init, seed=exp.training.seed if seed is None else seed,
                       init_params=exp.init_params, dtype=exp.training.precision)
    except NNStudioError as exc:
        raise ExperimentError(f"init: {exc}") from None


def build_trainer(exp: Experiment, prepared: PreparedData, network: Network) -> Trainer:
    """A trainer over the prepared data with a copy of the experiment's training settings."""
    Y_train = encode_targets(prepared.y_train, network.spec)
    has_test = len(prepared.X_test) > 0
    Y_test = encode_targets(prepared.y_test, network.spec) if has_test else None
    config = dataclasses.replace(exp.training)
    return Trainer(network, prepared.X_train, Y_train,
                   prepared.X_test if has_test else None, Y_test, config)


def default_experiment() -> Experiment:
    """Two spirals and a small tanh network that learns them in a few hundred epochs.

    The same experiment as ``resources/presets/default.json``.
    """
    return Experiment(
        name="Two spirals",
        description=("Press Play (Space) to start training. Two interleaved spiral arms. "
                     "A network with three hidden tanh layers learns to tell them apart "
                     "from x1 and x2 alone; watch the decision boundary curl up over the "
                     "first few hundred epochs."),
        data=DataConfig(source="builtin", name="spiral", noise=0.1, seed=0, test_fraction=0.2,
                        features=["x1", "x2"], standardize=True),
        hidden=[LayerSpec(12, "tanh"), LayerSpec(12, "tanh"), LayerSpec(12, "tanh")],
        output=None,
        loss=None,
        init="auto",
        training=TrainConfig(optimizer="sgd", learning_rate=0.2, batch_size=16, epochs=300,
                             seed=0),
    )


__all__ = [
    "FORMAT", "VERSION", "DataConfig", "Experiment", "PreparedData", "build_network",
    "build_spec", "build_trainer", "default_experiment", "experiment_text", "load_dataset",
    "load_experiment", "output_layer", "prepare_data", "resolve_data_path", "save_experiment",
    "to_toml",
]
