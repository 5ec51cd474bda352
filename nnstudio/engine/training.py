"""The training loop: an iterator of small reports that the GUI worker and the CLI both drive.

``Trainer.step()`` runs one mini-batch and returns a :class:`StepReport`; between steps the
driver may change hyper-parameters, edit weights or stop. Each epoch the data are shuffled
once into preallocated arrays, so a mini-batch is a contiguous slice (no copy per step).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from nnstudio.engine.errors import NNStudioError
from nnstudio.engine.network import Network
from nnstudio.engine.optimizers import OPTIMIZERS, Optimizer, make_optimizer

PERCENTILES = (5, 25, 50, 75, 95)


@dataclass
class TrainConfig:
    """Everything about *how* to train (the network and data are separate)."""

    optimizer: str = "sgd"
    learning_rate: float = 0.03
    batch_size: int | None = 32  # None: full batch
    epochs: int = 100
    l1: float = 0.0
    l2: float = 0.0
    shuffle: bool = True
    seed: int = 0
    momentum: float = 0.9
    beta1: float = 0.9
    beta2: float = 0.999
    epsilon: float = 1e-8
    rho: float = 0.9

    def validate(self) -> None:
        if self.optimizer not in OPTIMIZERS:
            raise NNStudioError(
                f"unknown optimizer {self.optimizer!r} (known: {', '.join(OPTIMIZERS)})")
        if not (isinstance(self.learning_rate, (int, float)) and self.learning_rate > 0
                and math.isfinite(self.learning_rate)):
            raise NNStudioError(f"learning rate must be a positive number, got {self.learning_rate!r}")
        if self.batch_size is not None and (not isinstance(self.batch_size, int)
                                            or self.batch_size < 1):
            raise NNStudioError(f"batch size must be a whole number >= 1 or 'full', got {self.batch_size!r}")
        if not isinstance(self.epochs, int) or self.epochs < 0:
            raise NNStudioError(f"epochs must be a whole number >= 0, got {self.epochs!r}")
        for name in ("l1", "l2"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or value < 0 or not math.isfinite(value):
                raise NNStudioError(f"{name} must be a number >= 0, got {value!r}")

    def optimizer_settings(self) -> dict[str, float]:
        return {"momentum": self.momentum, "beta1": self.beta1, "beta2": self.beta2,
                "epsilon": self.epsilon, "rho": self.rho}

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass
class ActivationStats:
    """Per-layer activation statistics, arrays of shape ``(n_layers,)``."""

    mean: np.ndarray
    std: np.ndarray
    saturated: np.ndarray  # fraction of saturated values (sigmoid/tanh); nan elsewhere
    dead: np.ndarray  # fraction of units that are zero for the whole batch (ReLU); nan elsewhere
    percentiles: np.ndarray  # (n_layers, 5) at 5/25/50/75/95


@dataclass
class StepReport:
    """What one training step tells its driver."""

    step: int
    epoch: int  # completed epochs
    epoch_end: bool
    loss: float
    grad_mean_abs: np.ndarray
    act: ActivationStats | None = None
    train_loss: float | None = None
    test_loss: float | None = None
    train_accuracy: float | None = None
    test_accuracy: float | None = None
    diverged: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def activation_stats(network: Network) -> ActivationStats:
    """Statistics of the activations of the network's last forward pass."""
    acts = network.activations()
    n = len(acts)
    mean, std = np.empty(n), np.empty(n)
    sat, dead = np.full(n, np.nan), np.full(n, np.nan)
    pct = np.empty((n, len(PERCENTILES)))
    for i, (layer, a) in enumerate(zip(network.layers, acts)):
        mean[i] = a.mean()
        std[i] = a.std()
        pct[i] = np.percentile(a, PERCENTILES)
        if layer.act.saturates:
            sat[i] = layer.act.saturated_fraction(a)
        if layer.act.rectifies:
            dead[i] = float(np.mean(~(a > 0).any(axis=0)))
    return ActivationStats(mean, std, sat, dead, pct)


class Trainer:
    """Drives one network over one data set; commands are applied between steps."""

    def __init__(self, network: Network, X_train: np.ndarray, Y_train: np.ndarray,
                 X_test: np.ndarray | None = None, Y_test: np.ndarray | None = None,
                 config: TrainConfig | None = None) -> None:
        self.config = config or TrainConfig()
        self.config.validate()
        self.network = network
        dt = network.dtype
        self.X_train = np.ascontiguousarray(X_train, dtype=dt)
        self.Y_train = np.ascontiguousarray(Y_train, dtype=dt)
        if len(self.X_train) == 0:
            raise NNStudioError("there are no training rows")
        if self.X_train.shape[1] != network.spec.inputs:
            raise NNStudioError(f"the data has {self.X_train.shape[1]} input column(s) but the "
                                f"network expects {network.spec.inputs}")
        has_test = X_test is not None and len(X_test) > 0
        self.X_test = np.ascontiguousarray(X_test, dtype=dt) if has_test else None
        self.Y_test = np.ascontiguousarray(Y_test, dtype=dt) if has_test else None
        self.classification = network.spec.task != "regression"
        self.rng = np.random.default_rng(self.config.seed)
        self._X_epoch = np.empty_like(self.X_train)
        self._Y_epoch = np.empty_like(self.Y_train)
        self._labels_train = self._labels(self.Y_train)
        self._labels_test = self._labels(self.Y_test) if has_test else None
        self.optimizer: Optimizer = make_optimizer(
            self.config.optimizer, network.params, self.config.learning_rate,
            **self.config.optimizer_settings())
        self.step_count = 0
        self.epoch = 0
        self._position = 0
        self._stopped = False
        self._grad_sum = np.zeros(network.n_layers)
        self._grad_steps = 0
        self._grad_now = np.zeros(network.n_layers)
        self.history: list[dict[str, float]] = []
        self.diverged: str | None = None

    # --- commands (call between steps) ----------------------------------------------------
    def set_learning_rate(self, lr: float) -> None:
        if not (lr > 0 and math.isfinite(lr)):
            raise NNStudioError(f"learning rate must be a positive number, got {lr!r}")
        self.config.learning_rate = float(lr)
        self.optimizer.lr = float(lr)

    def set_optimizer(self, name: str, **settings: float) -> None:
        """Switch optimizer (its state starts fresh); keeps the current learning rate unless given."""
        lr = float(settings.pop("learning_rate", self.config.learning_rate))
        for key, value in settings.items():
            setattr(self.config, key, value)
        self.optimizer = make_optimizer(name, self.network.params, lr,
                                        **self.config.optimizer_settings())
        self.config.optimizer = name
        self.config.learning_rate = lr

    def set_batch_size(self, batch_size: int | None) -> None:
        if batch_size is not None and batch_size < 1:
            raise NNStudioError(f"batch size must be >= 1, got {batch_size}")
        self.config.batch_size = batch_size

    def set_regularization(self, l1: float, l2: float) -> None:
        if l1 < 0 or l2 < 0:
            raise NNStudioError("regularization strengths must be >= 0")
        self.config.l1, self.config.l2 = float(l1), float(l2)

    def stop(self) -> None:
        self._stopped = True

    @property
    def stopped(self) -> bool:
        return self._stopped

    @property
    def finished(self) -> bool:
        return self._stopped or self.diverged is not None or self.epoch >= self.config.epochs

    @property
    def steps_per_epoch(self) -> int:
        n = len(self.X_train)
        bs = self.config.batch_size or n
        return -(-n // min(bs, n))

    # --- stepping -----------------------------------------------------------------------
    def _begin_epoch(self) -> None:
        if self.config.shuffle:
            order = self.rng.permutation(len(self.X_train))
            np.take(self.X_train, order, axis=0, out=self._X_epoch)
            np.take(self.Y_train, order, axis=0, out=self._Y_epoch)
        else:
            self._X_epoch[:] = self.X_train
            self._Y_epoch[:] = self.Y_train

    def step(self, collect_activations: bool = True) -> StepReport:
        """One mini-batch: forward, backward, update. Returns the step's report."""
        n = len(self.X_train)
        if self._position == 0:
            self._begin_epoch()
        batch = min(self.config.batch_size or n, n)
        start, stop = self._position, min(self._position + batch, n)
        net = self.network
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            loss = net.loss_and_gradients(self._X_epoch[start:stop], self._Y_epoch[start:stop],
                                          self.config.l1, self.config.l2)
            grads_now = net.grad_mean_abs(out=self._grad_now)
            act = activation_stats(net) if collect_activations else None
            finite = math.isfinite(loss)
            if finite:
                self.optimizer.step(net.grads)
        self.step_count += 1
        self._grad_sum += grads_now
        self._grad_steps += 1
        self._position = stop if stop < n else 0
        epoch_end = self._position == 0
        if epoch_end:
            self.epoch += 1
        report = StepReport(self.step_count, self.epoch, epoch_end, float(loss),
                            grads_now.copy(), act)
        if not finite:
            self.diverged = report.diverged = self._divergence_message(loss)
            return report
        if epoch_end:
            self._finish_epoch(report)
        return report

    def _finish_epoch(self, report: StepReport) -> None:
        metrics = self.evaluate()
        report.train_loss = metrics["train_loss"]
        report.test_loss = metrics["test_loss"]
        report.train_accuracy = metrics["train_accuracy"]
        report.test_accuracy = metrics["test_accuracy"]
        row: dict[str, float] = {"epoch": self.epoch}
        row.update({k: (math.nan if v is None else v) for k, v in metrics.items()})
        grads = self._grad_sum / max(self._grad_steps, 1)
        for i, g in enumerate(grads):
            row[f"grad/layer{i}"] = float(g)
        self.history.append(row)
        self._grad_sum[:] = 0.0
        self._grad_steps = 0
        if not math.isfinite(metrics["train_loss"]):
            self.diverged = report.diverged = self._divergence_message(metrics["train_loss"])

    def run_epoch(self) -> StepReport:
        """Steps until the current epoch ends (or training diverges)."""
        while True:
            report = self.step(collect_activations=False)
            if report.epoch_end or report.diverged:
                return report

    def steps(self) -> Iterator[StepReport]:
        """Reports until ``config.epochs`` are done, ``stop()`` is called or training diverges."""
        while not self.finished:
            yield self.step()

    def evaluate(self) -> dict[str, float | None]:
        """Loss (without regularization) and accuracy on the training and test sets."""
        net = self.network
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            train_loss, train_acc = self._score(self.X_train, self.Y_train, self._labels_train)
            test_loss = test_acc = None
            if self.X_test is not None:
                test_loss, test_acc = self._score(self.X_test, self.Y_test, self._labels_test)
        del net
        return {"train_loss": train_loss, "test_loss": test_loss,
                "train_accuracy": train_acc, "test_accuracy": test_acc}

    def _score(self, X, Y, labels) -> tuple[float, float | None]:
        net = self.network
        loss = net.data_loss(X, Y)
        if not self.classification:
            return float(loss), None
        out = net.activations()[-1]
        acc = float(np.mean(net.classes_from_output(out) == labels))
        return float(loss), acc

    def _labels(self, Y: np.ndarray | None) -> np.ndarray | None:
        if Y is None or not self.classification:
            return None
        if Y.shape[1] == 1:
            return (Y[:, 0] > 0).astype(np.int64)  # 0/1 or -1/+1 targets
        return Y.argmax(axis=1)

    def _divergence_message(self, loss: float) -> str:
        what = "NaN (not a number)" if math.isnan(loss) else "infinite"
        lr = self.config.learning_rate
        return (
            f"Training stopped: the loss became {what} at epoch {self.epoch + 1}, "
            f"step {self.step_count}. The weights grew without bound - the learning rate "
            f"({lr:g}) is probably too high. Try a smaller one (e.g. {lr / 10:g}), "
            f"the Adam optimizer, or reset and train again."
        )
