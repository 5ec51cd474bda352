"""Continuing from a model file: an experiment's data with a saved model's architecture.

``nnstudio train --init MODEL.npz`` and the GUI's File → Open model both start from a model
file's architecture, weights and input standardization on the experiment's data set. The
model must fit the data: the columns it reads, its task and its classes.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from nnstudio.engine.errors import DataError
from nnstudio.engine.experiment import Experiment, PreparedData, load_dataset, prepare_data
from nnstudio.engine.network import LayerSpec


def same_labels(a: Sequence | None, b: Sequence | None) -> bool:
    """Whether two class label lists name the same classes in the same order."""
    if a is None or b is None:
        return a is b
    return [str(x) for x in a] == [str(x) for x in b]


def task_text(task: str, classes: list | None) -> str:
    """``a binary task (classes 0, 1)``."""
    labels = f" (classes {', '.join(str(c) for c in classes)})" if classes else ""
    return f"a {task} task{labels}"


def fit_experiment_to_model(exp: Experiment, model: Any,
                            base_dir: str | os.PathLike[str] | None = None,
                            label: str = "model") -> PreparedData:
    """Make ``exp`` (changed in place) describe ``model``'s network on ``exp``'s data.

    The experiment's input features, standardization, hidden layers, output activation and
    loss follow the model (a :class:`~nnstudio.engine.modelfile.LoadedModel`); the data are
    prepared with the model's standardization. Raises :class:`DataError` starting with
    ``label`` (e.g. the model file) when the model does not fit the data set.
    """
    spec = model.spec
    dataset = load_dataset(exp.data, base_dir)
    names = spec.feature_names
    if names is not None:
        missing = [n for n in names if n not in dataset.feature_names]
        if missing:
            raise DataError(
                f"{label}: the model reads the columns {', '.join(names)}, but the "
                f"data set '{dataset.name}' has no column {', '.join(missing)} (its columns: "
                f"{', '.join(dataset.feature_names[:12])})."
            )
        exp.data.features = list(spec.features) if spec.features is not None else list(names)
    else:
        if dataset.n_features != spec.inputs:
            raise DataError(f"{label}: the model has {spec.inputs} inputs but the "
                            f"data set '{dataset.name}' has {dataset.n_features} columns.")
        exp.data.features = None
    if spec.task != dataset.task or not same_labels(spec.classes, dataset.classes):
        raise DataError(f"{label}: the model was trained for "
                        f"{task_text(spec.task, spec.classes)}, but the data set "
                        f"'{dataset.name}' is {task_text(dataset.task, dataset.classes)}.")
    if spec.task == "regression":
        n_targets = 1 if dataset.y.ndim == 1 else dataset.y.shape[1]
        if n_targets != spec.n_outputs:
            raise DataError(f"{label}: the model has {spec.n_outputs} outputs but "
                            f"the data set '{dataset.name}' has {n_targets} target columns.")
    exp.data.standardize = model.standardizer is not None
    prepared = prepare_data(exp, base_dir, standardizer=model.standardizer, dataset=dataset)
    exp.hidden = [LayerSpec(layer.units, layer.activation, layer.alpha, layer.pieces)
                  for layer in spec.layers[:-1]]
    last = spec.layers[-1]
    exp.output = LayerSpec(1, last.activation, last.alpha, last.pieces)
    exp.loss = spec.loss
    return prepared


__all__ = ["fit_experiment_to_model", "same_labels", "task_text"]
