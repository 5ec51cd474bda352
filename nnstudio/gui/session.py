"""A training session: one experiment turned into prepared data, a network and a trainer.

The GUI thread builds a session (data preparation is quick for the app's data sets) and
hands it to the training worker, which owns the network and trainer from then on; the GUI
keeps only the experiment and the plot context.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nnstudio.engine import experiment as experiment_api
from nnstudio.engine import grids
from nnstudio.engine.datasets import BUILTIN_DATASETS, PLAYGROUND_EXTENT
from nnstudio.engine.network import Network
from nnstudio.engine.training import Trainer
from nnstudio.gui.snapshot import PlotContext, layer_names


@dataclass
class Session:
    """Everything one run needs. After :meth:`TrainingWorker.replace` only the worker
    touches ``network`` and ``trainer``."""

    experiment: Any  # nnstudio.engine.experiment.Experiment
    prepared: Any  # nnstudio.engine.experiment.PreparedData
    network: Network
    trainer: Trainer
    context: PlotContext
    seed: int
    x_range: tuple[float, float] | None  # 1-D inputs: the raw x range of the curve

    @property
    def task(self) -> str:
        return self.network.spec.task

    @property
    def n_classes(self) -> int:
        classes = self.prepared.classes
        return len(classes) if classes else 0

    def eval_set(self) -> tuple[np.ndarray, np.ndarray]:
        """The rows the confusion matrix counts: the test set if there is one, else training."""
        p = self.prepared
        if p.X_test is not None and len(p.X_test):
            return p.X_test, np.asarray(p.y_test)
        return p.X_train, np.asarray(p.y_train)


def _seed_of(exp: Any) -> int:
    training = getattr(exp, "training", None)
    return int(getattr(training, "seed", 0) or 0)


def plot_extent(exp: Any, prepared: Any) -> tuple[float, float, float, float] | None:
    """The raw input plane the output heatmap covers (None unless there are 2 raw columns).

    Uses ``PreparedData.extent`` when the engine provides it; otherwise a built-in data
    set's own extent, else the data's bounding box with a 10 % margin (for painted points
    at least the (−6, 6) square they are painted on).
    """
    extent = getattr(prepared, "extent", None)
    if extent is not None:
        return tuple(float(v) for v in extent)
    X = np.asarray(prepared.dataset.X, dtype=float)
    if X.ndim != 2 or X.shape[1] != 2 or len(X) == 0:
        return None
    if exp.data.source == "builtin":
        info = BUILTIN_DATASETS.get(exp.data.name)
        if info is not None and info.extent is not None:
            return tuple(float(v) for v in info.extent)
    lo, hi = X.min(axis=0), X.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    lo, hi = lo - 0.1 * span, hi + 0.1 * span
    if exp.data.source == "painted":  # the canvas stays put while points are painted
        lo = np.minimum(lo, PLAYGROUND_EXTENT[::2])
        hi = np.maximum(hi, PLAYGROUND_EXTENT[1::2])
    return float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1])


def build_session(exp: Any, base_dir: str | Path | None = None, seed: int | None = None,
                  show_test: bool = True, standardizer: Any = None,
                  weights: list | None = None) -> Session:
    """Prepare the experiment's data and build its network and trainer (raises NNStudioError).

    ``standardizer`` (e.g. a model file's) is used instead of fitting one on the training
    rows; ``weights`` (``[(W, b), ...]``, e.g. a model file's) replace the initial weights.
    """
    exp = copy.deepcopy(exp)
    prepared = experiment_api.prepare_data(exp, base_dir=base_dir, standardizer=standardizer)
    seed = _seed_of(exp) if seed is None else int(seed)
    network = experiment_api.build_network(exp, prepared, seed=seed)
    if weights is not None:
        network.set_weights(weights)
    trainer = experiment_api.build_trainer(exp, prepared, network)
    X_train_raw = np.asarray(prepared.X_train_raw, dtype=float)
    X_test_raw = prepared.X_test_raw
    y_test = prepared.y_test
    if X_test_raw is not None and len(X_test_raw) == 0:
        X_test_raw = y_test = None
    extent = plot_extent(exp, prepared)
    x_range = None
    if X_train_raw.shape[1] == 1 and network.spec.task == "regression":
        lo, hi = float(X_train_raw.min()), float(X_train_raw.max())
        pad = 0.05 * (hi - lo) if hi > lo else 1.0
        x_range = (lo - pad, hi + pad)
    context = PlotContext(
        task=network.spec.task,
        classes=list(prepared.classes) if prepared.classes is not None else None,
        layer_names=layer_names(network.n_layers),
        activations=[layer.activation for layer in network.layers],
        X_train_raw=X_train_raw,
        y_train=np.asarray(prepared.y_train),
        X_test_raw=None if X_test_raw is None else np.asarray(X_test_raw, dtype=float),
        y_test=None if y_test is None else np.asarray(y_test),
        extent=extent,
        input_dim=X_train_raw.shape[1],
        show_test=show_test,
        feature_names=list(prepared.dataset.feature_names),
    )
    return Session(exp, prepared, network, trainer, context, seed, x_range)


def input_images(session: Session, resolution: int = 24) -> np.ndarray | None:
    """Each network input over the raw input plane, ``(inputs, r, r)`` (2-D data only), so
    the network view can show what x1, x2, x1², sin x1 ... look like."""
    extent = session.context.extent
    if extent is None:
        return None
    X_raw, xs, _ = grids.grid_points(extent, resolution)
    X = np.asarray(session.prepared.transform(X_raw), dtype=float)
    r = len(xs)
    return np.ascontiguousarray(X.T).reshape(X.shape[1], r, r)
