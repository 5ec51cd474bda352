"""The training loop: an iterator of small reports that the GUI worker and the CLI both drive.

``Trainer.step()`` runs one mini-batch and returns a :class:`StepReport`; between steps the
driver may change hyper-parameters, edit weights or stop. Each epoch the data are shuffled
once into preallocated arrays, so a mini-batch is a contiguous slice (no copy per step).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from math import isfinite
from typing import Any

import numpy as np

from nnstudio.engine.errors import NNStudioError
from nnstudio.engine.network import Network
from nnstudio.engine.optimizers import OPTIMIZERS, Optimizer, make_optimizer

PERCENTILES = (5, 25, 50, 75, 95)
PRECISIONS = ("float64", "float32")


def _quiet_state() -> tuple[Any, Any, Any] | None:
    """(set, reset, state) to silence NumPy's floating-point warnings for one step, at a
    fraction of ``np.errstate``'s cost, where this NumPy keeps its error state in a context
    variable (NumPy >= 2); None elsewhere (then ``np.errstate`` is used)."""
    try:
        from numpy._core._ufunc_config import _extobj_contextvar, _make_extobj

        state = _make_extobj(all="ignore")
        token = _extobj_contextvar.set(state)
        try:
            ok = np.geterr() == {"divide": "ignore", "over": "ignore", "under": "ignore",
                                 "invalid": "ignore"}
        finally:
            _extobj_contextvar.reset(token)
        return (_extobj_contextvar.set, _extobj_contextvar.reset, state) if ok else None
    except Exception:  # noqa: BLE001 - any other NumPy: the public way
        return None


_QUIET = _quiet_state()


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
    precision: str = "float64"  # or "float32": about twice as fast for larger networks

    def validate(self) -> None:
        if self.optimizer not in OPTIMIZERS:
            raise NNStudioError(
                f"unknown optimizer {self.optimizer!r} (known: {', '.join(OPTIMIZERS)})")
        if not (isinstance(self.learning_rate, (int, float)) and self.learning_rate > 0
                and math.isfinite(self.learning_rate)):
            raise NNStudioError(f"learning rate must be a positive number, got {self.learning_rate!r}")
        if self.batch_size is not None and (not isinstance(self.batch_size, int)
                                            or isinstance(self.batch_size, bool)
                                            or self.batch_size < 1):
            raise NNStudioError(f"batch size must be a whole number >= 1 or 'full', got {self.batch_size!r}")
        if not isinstance(self.epochs, int) or self.epochs < 0:
            raise NNStudioError(f"epochs must be a whole number >= 0, got {self.epochs!r}")
        if self.precision not in PRECISIONS:
            raise NNStudioError(f"precision must be one of {', '.join(PRECISIONS)}, "
                                f"got {self.precision!r}")
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


@dataclass(slots=True)
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


_PERCENTILE_INDEX: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}


def _percentile_index(size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(lower index, upper index, fraction) of PERCENTILES in a sorted array of ``size``
    values, by linear interpolation (NumPy's default method)."""
    cached = _PERCENTILE_INDEX.get(size)
    if cached is None:
        position = np.array(PERCENTILES, dtype=float) / 100.0 * max(size - 1, 0)
        lower = np.floor(position).astype(np.intp)
        upper = np.minimum(lower + 1, max(size - 1, 0))
        cached = (lower, upper, position - lower)
        if len(_PERCENTILE_INDEX) > 64:
            _PERCENTILE_INDEX.clear()
        _PERCENTILE_INDEX[size] = cached
    return cached


def activation_stats(network: Network) -> ActivationStats:
    """Statistics of the activations of the network's last forward pass.

    One sorted copy per layer gives the percentiles and the saturated fraction (two binary
    searches) without a pass per statistic.
    """
    acts = network.activations()
    n = len(acts)
    mean, std = np.empty(n), np.empty(n)
    sat, dead = np.full(n, np.nan), np.full(n, np.nan)
    pct = np.full((n, len(PERCENTILES)), np.nan)
    for i, (layer, a) in enumerate(zip(network.layers, acts)):
        values = np.sort(a, axis=None).astype(np.float64, copy=False)
        size = values.size
        if size == 0:
            mean[i] = std[i] = np.nan
            continue
        m = float(np.add.reduce(values)) / size
        centred = values - m
        mean[i] = m
        std[i] = math.sqrt(float(np.dot(centred, centred)) / size)
        lower, upper, frac = _percentile_index(size)
        low = values[lower]
        pct[i] = low + frac * (values[upper] - low)
        act = layer.act
        if act.saturates:
            lo, hi = act.saturation_bounds
            outside = values.searchsorted(lo, "left") + size - values.searchsorted(hi, "right")
            sat[i] = outside / size
        if act.rectifies:
            column_max = np.maximum.reduce(a, axis=0)
            dead[i] = np.count_nonzero(~(column_max > 0)) / column_max.size
    return ActivationStats(mean, std, sat, dead, pct)


def _targets(Y: Any, dtype: np.dtype, which: str) -> np.ndarray:
    Y = np.asarray(Y)
    if Y.ndim == 1:
        Y = Y.reshape(-1, 1)
    try:
        return np.ascontiguousarray(Y, dtype=dtype)
    except (TypeError, ValueError):
        raise NNStudioError(f"the {which} targets must be numbers (encode them with "
                            f"encode_targets)") from None


def _check_targets(Y: np.ndarray, n: int, network: Network, which: str) -> None:
    if Y.ndim != 2 or len(Y) != n:
        raise NNStudioError(f"the {which} data has {n} rows but {len(Y)} targets")
    if Y.shape[1] != network.spec.n_outputs:
        raise NNStudioError(f"the {which} targets have {Y.shape[1]} column(s) but the network "
                            f"has {network.spec.n_outputs} output unit(s)")


def _check_finite(X: np.ndarray, Y: np.ndarray, which: str) -> None:
    for what, arr in (("inputs", X), ("targets", Y)):
        if not np.isfinite(arr).all():
            rows = np.flatnonzero(~np.isfinite(arr).all(axis=1))
            raise NNStudioError(f"the {which} {what} contain a missing (NaN) or infinite value "
                                f"(row {rows[0]})")


class Trainer:
    """Drives one network over one data set; commands are applied between steps."""

    def __init__(self, network: Network, X_train: np.ndarray, Y_train: np.ndarray,
                 X_test: np.ndarray | None = None, Y_test: np.ndarray | None = None,
                 config: TrainConfig | None = None, train_metrics: str = "full") -> None:
        """``train_metrics``: what an epoch's end reports as the training loss/accuracy.
        ``"full"`` (the default) evaluates the whole training set with the epoch's final
        weights; ``"running"`` averages the epoch's mini-batch losses instead, as
        scikit-learn's ``loss_curve_`` and Keras do (no extra forward pass, no training
        accuracy). The test set, if any, is always evaluated in full."""
        self.config = config or TrainConfig()
        self.config.validate()
        if train_metrics not in ("full", "running"):
            raise NNStudioError(f"train_metrics must be 'full' or 'running', got {train_metrics!r}")
        self.train_metrics = train_metrics
        self.network = network
        dt = network.dtype
        self.X_train = np.ascontiguousarray(X_train, dtype=dt)
        self.Y_train = _targets(Y_train, dt, "training")
        if self.X_train.ndim != 2 or len(self.X_train) == 0:
            raise NNStudioError("there are no training rows")
        if self.X_train.shape[1] != network.spec.inputs:
            raise NNStudioError(f"the data has {self.X_train.shape[1]} input column(s) but the "
                                f"network expects {network.spec.inputs}")
        _check_targets(self.Y_train, len(self.X_train), network, "training")
        _check_finite(self.X_train, self.Y_train, "training")
        has_test = X_test is not None and len(X_test) > 0
        self.X_test = np.ascontiguousarray(X_test, dtype=dt) if has_test else None
        self.Y_test = _targets(Y_test, dt, "test") if has_test else None
        if has_test:
            if self.X_test.ndim != 2 or self.X_test.shape[1] != network.spec.inputs:
                raise NNStudioError(f"the test data has {self.X_test.shape[-1]} input column(s) "
                                    f"but the network expects {network.spec.inputs}")
            _check_targets(self.Y_test, len(self.X_test), network, "test")
            _check_finite(self.X_test, self.Y_test, "test")
        self.classification = network.spec.task != "regression"
        self.rng = np.random.default_rng(self.config.seed)
        # inputs with a trailing column of ones (the bias); each epoch shuffles them into
        # _Xa_epoch, so a mini-batch is a contiguous slice, never copied
        self._Xa_train = network.augment(self.X_train)
        self._Xa_test = network.augment(self.X_test) if has_test else None
        self._Xa_epoch = np.empty_like(self._Xa_train)
        self._Y_epoch = np.empty_like(self.Y_train)
        self._labels_train = self._labels(self.Y_train)
        self._labels_test = self._labels(self.Y_test) if has_test else None
        self.optimizer: Optimizer = make_optimizer(
            self.config.optimizer, network.params, self.config.learning_rate,
            scratch=network.scratch, **self.config.optimizer_settings())
        self.step_count = 0
        self.epoch = 0
        self._position = 0
        self._stopped = False
        # one row of per-layer mean |dJ/dW| per step of the current epoch; every report's
        # grad_mean_abs is its own row (a fresh array each epoch, so reports stay valid)
        self._grad_rows = np.empty((0, network.n_layers))
        self._grad_capacity = 0
        self._grad_row = 0
        self._n = len(self.X_train)
        self._buffers = network._buffers  # the network's work arrays per batch size
        self._epoch_loss = 0.0  # sum over the epoch's batches of loss * rows
        # evaluation runs in chunks whose work arrays stay in the CPU cache
        widest = max([network.spec.inputs + 1] + [layer.width + 1 for layer in network.layers])
        self._eval_chunk = max(64, (1 << 16) // widest)
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
        merged = self.config.optimizer_settings()
        unknown = set(settings) - set(merged)
        if unknown:
            raise NNStudioError(f"unknown optimizer setting(s) {', '.join(sorted(unknown))} "
                                f"(known: learning_rate, {', '.join(merged)})")
        merged.update({key: float(value) for key, value in settings.items()})
        # build first: a bad name or value leaves the current optimizer and config as they are
        self.optimizer = make_optimizer(name, self.network.params, lr,
                                        scratch=self.network.scratch, **merged)
        for key, value in merged.items():
            setattr(self.config, key, value)
        self.config.optimizer = name
        self.config.learning_rate = lr

    def set_batch_size(self, batch_size: int | None) -> None:
        """Mini-batch size from the next step on (None: the full training set)."""
        if batch_size is not None and (isinstance(batch_size, bool) or int(batch_size) != batch_size
                                       or batch_size < 1):
            raise NNStudioError(f"batch size must be a whole number >= 1 or full, got {batch_size}")
        self.config.batch_size = None if batch_size is None else int(batch_size)

    def set_regularization(self, l1: float, l2: float) -> None:
        if not (l1 >= 0 and l2 >= 0 and math.isfinite(l1) and math.isfinite(l2)):
            raise NNStudioError(f"regularization strengths must be numbers >= 0, got l1={l1}, "
                                f"l2={l2}")
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
            np.take(self._Xa_train, order, axis=0, out=self._Xa_epoch, mode="clip")
            np.take(self.Y_train, order, axis=0, out=self._Y_epoch, mode="clip")
        else:
            np.copyto(self._Xa_epoch, self._Xa_train)
            np.copyto(self._Y_epoch, self.Y_train)
        self._grad_rows = np.empty((self.steps_per_epoch, self.network.n_layers))
        self._grad_capacity = len(self._grad_rows)
        self._grad_row = 0

    def step(self, collect_activations: bool = True) -> StepReport:
        """One mini-batch: forward, backward, update. Returns the step's report."""
        start = self._position
        if start == 0:
            self._begin_epoch()
        n = self._n
        config = self.config
        batch = config.batch_size
        stop = n if batch is None or start + batch >= n else start + batch
        net = self.network
        row = self._grad_row
        if row == self._grad_capacity:  # the batch size shrank during the epoch
            self._grow_grad_rows()
        grads_now = self._grad_rows[row]
        rows = stop - start
        buf = self._buffers.get(rows) or net._buffers_for(rows)
        # a diverging network overflows: the loss check below reports it, without warnings
        if _QUIET is not None:
            token = _QUIET[0](_QUIET[2])
        else:
            errstate = np.errstate(all="ignore")
            errstate.__enter__()
        try:
            loss = net._loss_and_gradients(buf, self._Xa_epoch[start:stop],
                                           self._Y_epoch[start:stop], config.l1, config.l2)
            net._grad_mean_abs_into(grads_now)
            act = activation_stats(net) if collect_activations else None
            finite = isfinite(loss)
            if finite:
                self.optimizer.step(net.grads)
        finally:
            if _QUIET is not None:
                _QUIET[1](token)
            else:
                errstate.__exit__(None, None, None)
        self._grad_row = row + 1
        self.step_count += 1
        self._epoch_loss += loss * rows
        if stop < n:
            self._position = stop
            report = StepReport(self.step_count, self.epoch, False, loss, grads_now, act)
        else:
            self._position = 0
            self.epoch += 1
            report = StepReport(self.step_count, self.epoch, True, loss, grads_now, act)
            if finite:
                self._finish_epoch(report)
        if not finite:
            epoch = self.epoch if report.epoch_end else self.epoch + 1
            self.diverged = report.diverged = self._divergence_message(loss, epoch)
        return report

    def _grow_grad_rows(self) -> None:
        extra = max(self._grad_capacity, 1)
        self._grad_rows = np.concatenate(
            [self._grad_rows, np.empty((extra, self.network.n_layers))])
        self._grad_capacity = len(self._grad_rows)

    def _finish_epoch(self, report: StepReport) -> None:
        if self.train_metrics == "full":
            metrics = self.evaluate()
        else:
            metrics = self._evaluate(train=False)
            metrics["train_loss"] = self._epoch_loss / self._n
        self._epoch_loss = 0.0
        report.train_loss = metrics["train_loss"]
        report.test_loss = metrics["test_loss"]
        report.train_accuracy = metrics["train_accuracy"]
        report.test_accuracy = metrics["test_accuracy"]
        row: dict[str, float] = {"epoch": self.epoch}
        row.update({k: (math.nan if v is None else v) for k, v in metrics.items()})
        steps = max(self._grad_row, 1)
        grads = np.add.reduce(self._grad_rows[:steps], axis=0) / steps
        for i, g in enumerate(grads):
            row[f"grad/layer{i}"] = float(g)
        self.history.append(row)
        if not math.isfinite(metrics["train_loss"]):
            self.diverged = report.diverged = self._divergence_message(metrics["train_loss"],
                                                                       self.epoch)

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
        return self._evaluate(train=True)

    def _evaluate(self, train: bool) -> dict[str, float | None]:
        train_loss = train_acc = test_loss = test_acc = None
        with np.errstate(all="ignore"):
            if train:
                train_loss, train_acc = self._score(self._Xa_train, self.Y_train,
                                                    self._labels_train)
            if self._Xa_test is not None:
                test_loss, test_acc = self._score(self._Xa_test, self.Y_test, self._labels_test)
        return {"train_loss": train_loss, "test_loss": test_loss,
                "train_accuracy": train_acc, "test_accuracy": test_acc}

    def _score(self, Xa, Y, labels) -> tuple[float, float | None]:
        net = self.network
        n = len(Xa)
        chunk = self._eval_chunk
        total = 0.0
        correct = 0
        for start in range(0, n, chunk):
            stop = min(start + chunk, n)
            total += net.data_loss_augmented(Xa[start:stop], Y[start:stop]) * (stop - start)
            if self.classification:
                predicted = net.classes_from_output(net.activations()[-1])
                correct += int(np.count_nonzero(predicted == labels[start:stop]))
        return total / n, (correct / n if self.classification else None)

    def _labels(self, Y: np.ndarray | None) -> np.ndarray | None:
        if Y is None or not self.classification:
            return None
        if Y.shape[1] == 1:
            return (Y[:, 0] > 0).astype(np.int64)  # 0/1 or -1/+1 targets
        return Y.argmax(axis=1)

    def _divergence_message(self, loss: float, epoch: int) -> str:
        what = "NaN (not a number)" if math.isnan(loss) else "infinite"
        lr = self.config.learning_rate
        return (
            f"Training stopped: the loss became {what} at epoch {epoch}, "
            f"step {self.step_count}. The weights grew without bound - the learning rate "
            f"({lr:g}) is probably too high. Try a smaller one (e.g. {lr / 10:g}), "
            f"the Adam optimizer, or reset and train again."
        )
