"""What the training worker sends to the views: a Snapshot of copies, and the PlotContext
that tells the plots what they are drawing (set once per experiment, on ``reset``)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from nnstudio.engine.training import ActivationStats


@dataclass
class Snapshot:
    """Copies of the training state, emitted by the worker at most ~30 times a second.

    ``steps``, ``losses`` and ``grads`` hold only the *new* per-step samples since the
    previous snapshot (``grads`` is ``(k, n_layers)`` mean |dJ/dW|); ``epochs`` the new
    per-epoch history rows; ``act_steps`` and the ``act_*`` arrays the *new* activation
    statistics measured since the previous snapshot (on a spread of steps, the latest of
    them usually ``act``). Everything else describes the network as it is now.
    """

    step: int = 0
    epoch: int = 0
    steps_per_second: float = 0.0
    running: bool = False
    steps: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    losses: np.ndarray = field(default_factory=lambda: np.zeros(0))
    grads: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    epochs: list[dict[str, float]] = field(default_factory=list)
    #: the latest activation statistics (of a mini-batch while training; of the training
    #: data when paused)
    act: ActivationStats | None = None
    #: steps at which activation statistics were measured since the previous snapshot,
    #: ``(m,)``, and what they measured: ``act_percentiles`` ``(m, n_layers, 5)`` (5, 25, 50,
    #: 75, 95), ``act_saturated`` and ``act_dead`` ``(m, n_layers)`` (NaN where it does not
    #: apply). A step may come twice (paused: a new reading of the same moment)
    act_steps: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    act_percentiles: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 5)))
    act_saturated: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    act_dead: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    weights: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)
    output: dict[str, Any] | None = None
    neuron_images: list[np.ndarray] | None = None
    curve: tuple[np.ndarray, np.ndarray] | None = None
    confusion: np.ndarray | None = None
    diverged: str | None = None
    #: the latest whole-set metrics (train_loss, test_loss, train_accuracy, test_accuracy)
    metrics: dict[str, float | None] = field(default_factory=dict)
    #: True for the first snapshot after a reset or a new experiment (plots start over)
    fresh: bool = False
    #: which reset/replace this snapshot belongs to (the GUI drops older generations)
    generation: int = 0
    #: NEW weight copies since the previous snapshot, taken when training began (epoch 0)
    #: and at every epoch boundary: (epoch, step, flat params copy, metrics) - the timeline
    epoch_params: list[tuple[int, int, np.ndarray, dict[str, float]]] = \
        field(default_factory=list)
    #: per-layer histograms ``{kind: (edges (L, bins+1), counts (L, bins))}`` of the
    #: weights, activations and gradients now (a few times a second; None in between)
    histograms: dict[str, tuple[np.ndarray, np.ndarray]] | None = None

    @property
    def last_loss(self) -> float | None:
        """The most recent mini-batch loss in this snapshot, if any."""
        return float(self.losses[-1]) if len(self.losses) else None


@dataclass
class PlotContext:
    """Static facts about the experiment the plots draw (raw inputs, labels, names)."""

    task: str
    classes: list | None
    layer_names: list[str]
    activations: list[str]
    X_train_raw: np.ndarray
    y_train: np.ndarray
    X_test_raw: np.ndarray | None
    y_test: np.ndarray | None
    extent: tuple[float, float, float, float] | None
    input_dim: int
    show_test: bool = True
    #: names of the raw input columns (axis labels)
    feature_names: list[str] = field(default_factory=list)


def layer_names(n_layers: int) -> list[str]:
    """["Hidden 1", ..., "Output"] for a network of ``n_layers`` layers (output included)."""
    return [f"Hidden {i + 1}" for i in range(n_layers - 1)] + ["Output"]


def _joined(older: np.ndarray, newer: np.ndarray) -> np.ndarray:
    """Rows of ``older`` then ``newer`` (an empty side may have another shape)."""
    if len(older) and len(newer):
        return np.concatenate([older, newer])
    return older if len(older) else newer


def merge_snapshots(older: Snapshot | None, newer: Snapshot) -> Snapshot:
    """One snapshot carrying both snapshots' new samples (``older`` first) and ``newer``'s
    state: for views that skip snapshots but must not lose any per-step or epoch data."""
    if older is None or older.generation != newer.generation:
        return newer
    return replace(
        newer,
        steps=np.concatenate([older.steps, newer.steps]),
        losses=np.concatenate([older.losses, newer.losses]),
        grads=_joined(older.grads, newer.grads),
        act_steps=np.concatenate([older.act_steps, newer.act_steps]),
        act_percentiles=_joined(older.act_percentiles, newer.act_percentiles),
        act_saturated=_joined(older.act_saturated, newer.act_saturated),
        act_dead=_joined(older.act_dead, newer.act_dead),
        epochs=list(older.epochs) + list(newer.epochs),
        fresh=older.fresh or newer.fresh,
        epoch_params=list(older.epoch_params) + list(newer.epoch_params),
        histograms=newer.histograms if newer.histograms is not None else older.histograms,
    )
