"""Runs kept for comparison: what was trained (the experiment), how it went (per-epoch rows
and a decimated per-step series) and how it ended.

A :class:`RunRecord` is filled while a run trains (``extend``) and closed with ``finish``.
A :class:`RunStore` keeps a bounded number of them (the oldest are dropped) and saves them
to / loads them from one JSON file. :func:`describe_differences` says in plain words how
runs differ from the first one ("activation: sigmoid → relu"); :func:`duplicate_with_change`
makes the "same run, one setting changed" experiment; :func:`comparison_presets` gives the
classic comparisons (activations, optimizers, initializers, learning rates, L2).
"""

from __future__ import annotations

import json
import math
import operator
import os
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nnstudio.engine.activations import ACTIVATIONS
from nnstudio.engine.errors import ExperimentError, NNStudioError
from nnstudio.engine.fileio import atomic_write_text
from nnstudio.engine.initializers import INITIALIZERS
from nnstudio.engine.optimizers import OPTIMIZERS

FORMAT = "nnstudio.runs"
VERSION = 1
#: how a run ended ("running" while it still trains)
STATUSES = ("running", "finished", "stopped", "diverged")
DEFAULT_CAPACITY = 20
#: per-step samples kept per run; longer runs are averaged down to this many
DEFAULT_STEP_SAMPLES = 4000
METRIC_KEYS = ("train_loss", "test_loss", "train_accuracy", "test_accuracy")


# --- the per-step series ------------------------------------------------------------------------

class StepSeries:
    """Per-step (step, loss, grads[L]) samples with bounded memory.

    When more than ``capacity`` samples are held, neighbouring samples are averaged in
    pairs and later samples are pooled in groups of the same size (``stride`` raw steps per
    kept sample), so a long run keeps a uniform density from start to end.
    """

    def __init__(self, n_layers: int = 0, capacity: int = DEFAULT_STEP_SAMPLES) -> None:
        if capacity < 4:
            raise NNStudioError(f"a step series needs room for at least 4 samples, got {capacity}")
        self.capacity = int(capacity)
        self.n_layers = int(n_layers)
        self.stride = 1
        self._steps = np.empty(0)
        self._losses = np.empty(0)
        self._grads = np.empty((0, self.n_layers))
        # raw rows [step, loss, g...] of an unfinished group: their sum and number
        self._acc_sum: Any = 0.0
        self._acc_n = 0

    @property
    def steps(self) -> np.ndarray:
        return self._steps

    @property
    def losses(self) -> np.ndarray:
        return self._losses

    @property
    def grads(self) -> np.ndarray:
        return self._grads

    def __len__(self) -> int:
        return len(self._steps)

    def extend(self, steps: Any, losses: Any, grads: Any = None) -> None:
        """Append ``k`` samples: steps ``(k,)``, losses ``(k,)``, grads ``(k, L)`` or None."""
        steps = np.asarray(steps, dtype=np.float64).reshape(-1)
        k = steps.size
        if k == 0:
            return
        losses = np.asarray(losses, dtype=np.float64).reshape(-1)
        if losses.size != k:
            raise NNStudioError(f"step series: {k} steps but {losses.size} losses")
        if grads is None or np.size(grads) == 0:
            grads = np.full((k, self.n_layers), np.nan)
        grads = np.asarray(grads, dtype=np.float64)
        if grads.ndim == 1:
            grads = grads.reshape(k, -1)
        if len(self) == 0 and not self._acc_n and grads.shape[1] != self.n_layers:
            self.n_layers = grads.shape[1]
            self._grads = np.empty((0, self.n_layers))
        if grads.shape != (k, self.n_layers):
            raise NNStudioError(f"step series: gradients of shape {grads.shape}, expected "
                                f"({k}, {self.n_layers}) (one column per layer)")
        rows = np.column_stack([steps, losses, grads])
        if self.stride > 1 or self._acc_n:
            rows = self._pool(rows)
        if len(rows) == 0:
            return
        table = np.concatenate([self._table(), rows])
        with np.errstate(invalid="ignore", over="ignore"):
            while len(table) > self.capacity:
                if len(table) % 2:  # the odd one out waits for the next samples
                    self._acc_sum = self._acc_sum + table[-1] * self.stride
                    self._acc_n += self.stride
                    table = table[:-1]
                table = table.reshape(-1, 2, table.shape[1]).mean(axis=1)
                self.stride *= 2
        self._set_table(table)

    def _pool(self, rows: np.ndarray) -> np.ndarray:
        """Raw rows averaged in groups of ``stride`` (carrying an unfinished group over)."""
        s = self.stride
        need = s - self._acc_n
        with np.errstate(invalid="ignore", over="ignore"):
            if len(rows) < need:
                self._acc_sum = self._acc_sum + rows.sum(axis=0)
                self._acc_n += len(rows)
                return rows[:0]
            first = (self._acc_sum + rows[:need].sum(axis=0)) / s
            rest = rows[need:]
            m = len(rest) // s * s
            pooled = rest[:m].reshape(-1, s, rest.shape[1]).mean(axis=1)
            self._acc_sum = rest[m:].sum(axis=0)
            self._acc_n = len(rest) - m
        return np.concatenate([first[None, :], pooled])

    def _table(self) -> np.ndarray:
        return np.column_stack([self._steps, self._losses, self._grads]) if len(self) else \
            np.empty((0, 2 + self.n_layers))

    def _set_table(self, table: np.ndarray) -> None:
        self._steps = table[:, 0].copy()
        self._losses = table[:, 1].copy()
        self._grads = table[:, 2:].copy()

    def to_dict(self) -> dict[str, Any]:
        return {"stride": self.stride, "steps": _floats(self._steps),
                "losses": _floats(self._losses), "grads": [_floats(r) for r in self._grads]}

    @classmethod
    def from_dict(cls, d: Any, capacity: int, where: str) -> StepSeries:
        if not isinstance(d, dict):
            raise NNStudioError(f"{where}: expected an object with steps, losses and grads")
        steps = _array(d.get("steps", []), f"{where}.steps")
        losses = _array(d.get("losses", []), f"{where}.losses")
        grads = _array(d.get("grads", []), f"{where}.grads", ndim=2)
        if len(losses) != len(steps) or (len(grads) and len(grads) != len(steps)):
            raise NNStudioError(f"{where}: steps, losses and grads have different lengths "
                                f"({len(steps)}, {len(losses)}, {len(grads)})")
        n_layers = grads.shape[1] if grads.ndim == 2 and len(grads) else 0
        series = cls(n_layers, max(capacity, 4))
        series._set_table(np.column_stack([steps, losses, grads.reshape(len(steps), n_layers)]))
        stride = d.get("stride", 1)
        series.stride = stride if isinstance(stride, int) and stride >= 1 else 1
        return series


# --- the per-epoch rows ---------------------------------------------------------------------------

class EpochTable:
    """Per-epoch rows (``Trainer.history`` rows: epoch, losses, accuracies, grad/layer{i})
    kept as one float64 column per key, so reading a column is an array slice, not a pass
    over dicts. New rows wait as they came until something reads the table (a run trains
    thousands of epochs a second while nobody looks at it), then they are converted in one
    go. A value a row lacks, or that is not a number, is NaN; keys keep the order in which
    they first appeared. The rows added must not be changed afterwards.
    """

    def __init__(self, rows: Iterable[dict[str, Any]] = ()) -> None:
        self._columns: dict[str, np.ndarray] = {}
        self._n = 0  # rows in the columns
        self._capacity = 0
        self._waiting: list[dict[str, Any]] = []  # rows not converted yet
        self.extend(rows)

    def __len__(self) -> int:
        return self._n + len(self._waiting)

    @property
    def keys(self) -> list[str]:
        self._settle()
        return list(self._columns)

    def extend(self, rows: Iterable[dict[str, Any]]) -> None:
        """Append rows (mappings of key to number or None)."""
        self._waiting.extend(rows)

    def _settle(self) -> None:
        """Move the waiting rows into the columns."""
        rows = self._waiting
        if not rows:
            return
        self._waiting = []
        k = len(rows)
        keys = [str(key) for key in rows[0]]
        values = None
        if len(keys) > 1 and sum(map(len, rows)) == k * len(keys):
            # the common case, every row with the same keys: one conversion for all
            try:
                getter = operator.itemgetter(*rows[0])
                values = np.array(list(map(getter, rows)), dtype=np.float64)
            except (KeyError, TypeError, ValueError):
                values = None
        if values is None or values.shape != (k, len(keys)):
            keys = list(dict.fromkeys(str(key) for row in rows for key in row))
            values = np.empty((k, len(keys)))
            for c, key in enumerate(keys):
                values[:, c] = _column_values([row.get(key) for row in rows])
        n = self._n
        self._reserve(n + k)
        for c, key in enumerate(keys):
            column = self._columns.get(key)
            if column is None:
                column = self._columns[key] = np.full(self._capacity, math.nan)
            column[n:n + k] = values[:, c]
        for key, column in self._columns.items():
            if key not in keys:
                column[n:n + k] = math.nan
        self._n = n + k

    def _reserve(self, n: int) -> None:
        if n <= self._capacity:
            return
        capacity = max(64, n, 2 * self._capacity)
        for key, column in self._columns.items():
            grown = np.full(capacity, math.nan)
            grown[:self._n] = column[:self._n]
            self._columns[key] = grown
        self._capacity = capacity

    def column(self, key: str) -> np.ndarray:
        """One key's values, a copy (NaN where a row lacks it)."""
        self._settle()
        column = self._columns.get(key)
        return np.full(self._n, math.nan) if column is None else column[:self._n].copy()

    def epochs(self) -> np.ndarray:
        """The ``epoch`` column (1, 2, 3, ... where rows lack it)."""
        epochs = self.column("epoch")
        missing = np.isnan(epochs)
        if missing.any():
            epochs[missing] = np.arange(1, self._n + 1)[missing]
        return epochs

    def value(self, row: int, key: str) -> float:
        """One value (``row`` -1: the last row); NaN if missing."""
        self._settle()
        column = self._columns.get(key)
        if column is None or not -self._n <= row < self._n:
            return math.nan
        return float(column[row % self._n])

    def row(self, index: int) -> dict[str, float]:
        """One row as a dict (``index`` -1: the last)."""
        self._settle()
        if not -self._n <= index < self._n:
            raise IndexError(index)
        i = index % self._n
        return {key: float(column[i]) for key, column in self._columns.items()}

    def rows(self, stop: int | None = None) -> list[dict[str, float]]:
        """The first ``stop`` rows (all by default) as dicts, fresh copies."""
        self._settle()
        n = self._n if stop is None else max(0, min(int(stop), self._n))
        keys = list(self._columns)
        if not keys or not n:
            return [{} for _ in range(n)]
        lists = [self._columns[key][:n].tolist() for key in keys]
        return [dict(zip(keys, values)) for values in zip(*lists)]

    def truncate(self, n: int) -> None:
        """Keep the first ``n`` rows."""
        self._settle()
        self._n = max(0, min(int(n), self._n))


def _column_values(values: list[Any]) -> np.ndarray:
    """Numbers (None and non-numbers as NaN) as a float64 array, fast for plain floats."""
    try:
        return np.array(values, dtype=np.float64)
    except (TypeError, ValueError):
        return np.array([_number(v) if not isinstance(v, bool) else float(v) for v in values],
                        dtype=np.float64)


# --- one run ------------------------------------------------------------------------------------

def new_run_id() -> str:
    return uuid.uuid4().hex[:12]


@dataclass
class RunRecord:
    """One training run: its experiment (``Experiment.to_dict()``), history and outcome.

    ``table`` holds the per-epoch rows as ``Trainer.history`` has them (epoch, train_loss,
    test_loss, train_accuracy, test_accuracy, grad/layer{i}) in columns (``history`` gives
    them as rows); ``series`` the per-step mini-batch loss and mean |dJ/dW| per layer,
    decimated to a bound.
    """

    id: str
    name: str
    experiment: dict[str, Any]
    table: EpochTable = field(default_factory=EpochTable)
    series: StepSeries = field(default_factory=StepSeries)
    status: str = "running"
    created: float = field(default_factory=time.time)
    message: str = ""  # e.g. the divergence message
    #: grows with every change of the record's data or status (see RunStore.unsaved)
    revision: int = field(default=0, compare=False)

    # --- building ----------------------------------------------------------------------
    @classmethod
    def start(cls, experiment: Any, name: str | None = None,
              step_capacity: int = DEFAULT_STEP_SAMPLES) -> RunRecord:
        """A new running record for ``experiment`` (an Experiment or its ``to_dict()``)."""
        d = _experiment_dict(experiment)
        n_layers = len(d.get("hidden", [])) + 1
        return cls(id=new_run_id(), name=name or str(d.get("name") or "Run"),
                   experiment=d, series=StepSeries(n_layers, step_capacity))

    def extend(self, steps: Any = None, losses: Any = None, grads: Any = None,
               epochs: Iterable[dict[str, Any]] | None = None) -> None:
        """Add new per-step samples and/or per-epoch rows (e.g. from a worker snapshot:
        ``record.extend(snap.steps, snap.losses, snap.grads, snap.epochs)``)."""
        if steps is not None and np.size(steps):
            self.series.extend(steps, losses, grads)
        if epochs:
            self.table.extend(epochs)
        self.revision += 1

    def finish(self, status: str, message: str = "") -> None:
        """Close the run: ``status`` is finished, stopped or diverged."""
        if status not in STATUSES:
            raise NNStudioError(f"unknown run status {status!r} (known: {', '.join(STATUSES)})")
        if (status, message) != (self.status, self.message):
            self.status = status
            self.message = message
            self.revision += 1

    # --- reading -----------------------------------------------------------------------
    @property
    def steps(self) -> np.ndarray:
        return self.series.steps

    @property
    def losses(self) -> np.ndarray:
        return self.series.losses

    @property
    def grads(self) -> np.ndarray:
        return self.series.grads

    @property
    def history(self) -> list[dict[str, float]]:
        """The per-epoch rows, oldest first (fresh dicts: changing them changes nothing)."""
        return self.table.rows()

    @property
    def n_epochs(self) -> int:
        """How many per-epoch rows the record holds."""
        return len(self.table)

    @property
    def epochs_done(self) -> int:
        n = len(self.table)
        if not n:
            return 0
        epoch = self.table.value(-1, "epoch")
        return int(epoch) if math.isfinite(epoch) else n

    @property
    def n_layers(self) -> int:
        """Layers of the network, output included."""
        return len(self.experiment.get("hidden", [])) + 1

    @property
    def task_is_classification(self) -> bool:
        return bool(np.isfinite(self.table.column("train_accuracy")).any())

    def layer_names(self) -> list[str]:
        """["Hidden 1", ..., "Output"]."""
        return [f"Hidden {i + 1}" for i in range(self.n_layers - 1)] + ["Output"]

    def column(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        """(epochs, values) of one per-epoch key, e.g. ``train_loss`` or ``grad/layer0``;
        missing values are NaN."""
        return self.table.epochs(), self.table.column(key)

    def final_metrics(self) -> dict[str, float | None]:
        """The last epoch's losses and accuracies (None where not measured)."""
        last = self.table.row(-1) if len(self.table) else {}
        return {k: (float(last[k]) if _finite(last.get(k)) else None) for k in METRIC_KEYS}

    def experiment_object(self) -> Any:
        """The run's experiment as an :class:`~nnstudio.engine.experiment.Experiment`."""
        from nnstudio.engine.experiment import Experiment

        return Experiment.from_dict(self.experiment, source=f"run '{self.name}'")

    def summary(self) -> str:
        """E.g. "finished · 200 epochs · test loss 0.041 · test accuracy 98.0 %"."""
        parts = [self.status, f"{self.epochs_done} epoch{'s' if self.epochs_done != 1 else ''}"]
        m = self.final_metrics()
        loss = m["test_loss"] if m["test_loss"] is not None else m["train_loss"]
        which = "test" if m["test_loss"] is not None else "train"
        if loss is not None:
            parts.append(f"{which} loss {loss:.3g}")
        acc = m["test_accuracy"] if m["test_accuracy"] is not None else m["train_accuracy"]
        if acc is not None:
            parts.append(f"{which} accuracy {100 * acc:.1f} %")
        return " · ".join(parts)

    # --- files -------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "status": self.status,
                "created": self.created, "message": self.message,
                "experiment": self.experiment,
                "history": self._history_json(),
                "series": self.series.to_dict()}

    def _history_json(self) -> list[dict[str, float | None]]:
        """The rows for a file: non-finite values as null (JSON has no NaN)."""
        table = self.table
        keys = table.keys
        columns = [_floats(table.column(key)) for key in keys]
        return [dict(zip(keys, values)) for values in zip(*columns)] if keys else \
            [{} for _ in range(len(table))]

    @classmethod
    def from_dict(cls, d: Any, where: str = "run",
                  step_capacity: int = DEFAULT_STEP_SAMPLES) -> RunRecord:
        if not isinstance(d, dict):
            raise NNStudioError(f"{where}: expected an object")
        for key in ("id", "name"):
            if not isinstance(d.get(key), str) or not d[key]:
                raise NNStudioError(f"{where}.{key}: expected non-empty text")
        status = d.get("status", "finished")
        if status not in STATUSES:
            raise NNStudioError(f"{where}.status: unknown status {status!r} "
                                f"(known: {', '.join(STATUSES)})")
        if status == "running":  # a run saved while training is a stopped run when read back
            status = "stopped"
        experiment = d.get("experiment")
        if not isinstance(experiment, dict):
            raise NNStudioError(f"{where}.experiment: expected the experiment as an object")
        from nnstudio.engine.experiment import Experiment

        # validate (errors name the run and the key), then keep the normalized form
        experiment = Experiment.from_dict(experiment, source=f"{where}.experiment").to_dict()
        history = d.get("history", [])
        if not isinstance(history, list) or not all(isinstance(r, dict) for r in history):
            raise NNStudioError(f"{where}.history: expected a list of per-epoch objects")
        rows = []
        for i, row in enumerate(history):
            try:
                rows.append({str(k): _number(v, strict=True) for k, v in row.items()})
            except (TypeError, ValueError):
                raise NNStudioError(f"{where}.history[{i}]: every value must be a number "
                                    "or null") from None
        created = d.get("created", 0.0)
        return cls(id=d["id"], name=d["name"], experiment=experiment, table=EpochTable(rows),
                   series=StepSeries.from_dict(d.get("series", {}), step_capacity,
                                               f"{where}.series"),
                   status=status,
                   created=float(created) if isinstance(created, (int, float)) else 0.0,
                   message=str(d.get("message", "")))


# --- the store ------------------------------------------------------------------------------------

class RunStore:
    """At most ``capacity`` runs, oldest first; adding one more drops the oldest
    (finished runs before running ones). ``revision`` grows with every change."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        if capacity < 1:
            raise NNStudioError(f"a run store holds at least 1 run, got {capacity}")
        self.capacity = int(capacity)
        self._runs: list[RunRecord] = []
        self.revision = 0
        self._saved: dict[str, int] = {}  # run id -> its revision when saved or loaded

    def add(self, record: RunRecord) -> list[RunRecord]:
        """Keep ``record`` (its id made unique); returns the runs dropped to make room."""
        if self.get(record.id) is not None:
            record.id = new_run_id()
        self._runs.append(record)
        dropped: list[RunRecord] = []
        while len(self._runs) > self.capacity:
            victim = next((r for r in self._runs if r.status != "running"), self._runs[0])
            self._runs.remove(victim)
            dropped.append(victim)
        self.revision += 1
        return dropped

    def get(self, run_id: str) -> RunRecord | None:
        return next((r for r in self._runs if r.id == run_id), None)

    def remove(self, run_id: str) -> bool:
        record = self.get(run_id)
        if record is None:
            return False
        self._runs.remove(record)
        self.revision += 1
        return True

    def touch(self) -> None:
        """Mark a change made to a kept record (e.g. new epochs), for views that poll."""
        self.revision += 1

    def clear(self) -> None:
        self._runs.clear()
        self.revision += 1

    def list(self) -> list[RunRecord]:
        """The runs, oldest first."""
        return list(self._runs)

    def ids(self) -> list[str]:
        return [r.id for r in self._runs]

    def __len__(self) -> int:
        return len(self._runs)

    def __iter__(self) -> Iterator[RunRecord]:
        return iter(list(self._runs))

    def __contains__(self, run_id: object) -> bool:
        return any(r.id == run_id for r in self._runs)

    def unique_name(self, base: str) -> str:
        """``base``, or ``base (2)``, ``base (3)``, ... if a kept run already has that name."""
        names = {r.name for r in self._runs}
        if base not in names:
            return base
        n = 2
        while f"{base} ({n})" in names:
            n += 1
        return f"{base} ({n})"

    def save(self, path: str | os.PathLike[str]) -> None:
        save_runs(path, self._runs)
        self._saved = {r.id: r.revision for r in self._runs}

    def unsaved(self) -> list[RunRecord]:
        """The runs not in the last file saved or read (or changed since), oldest first."""
        return [r for r in self._runs if self._saved.get(r.id) != r.revision]

    def load(self, path: str | os.PathLike[str], replace: bool = False) -> list[RunRecord]:
        """Read runs from a file and add them (after clearing if ``replace``); returns them."""
        records = load_runs(path)
        if replace:
            self._runs.clear()
        for record in records[-self.capacity:]:
            self.add(record)
            self._saved[record.id] = record.revision  # (add may have given it a new id)
        self.revision += 1
        return records


def save_runs(path: str | os.PathLike[str], records: Sequence[RunRecord]) -> None:
    """Write runs to a JSON file (atomically)."""
    d = {"format": FORMAT, "version": VERSION, "runs": [r.to_dict() for r in records]}
    atomic_write_text(path, json.dumps(d, ensure_ascii=False, allow_nan=False) + "\n")


def load_runs(path: str | os.PathLike[str]) -> list[RunRecord]:
    """Runs from a file written by :func:`save_runs`; errors name the file and the run."""
    label = os.path.basename(os.fspath(path))
    try:
        with open(path, encoding="utf-8") as f:
            d = json.load(f)
    except FileNotFoundError:
        raise NNStudioError(f"{label}: no such file") from None
    except OSError as exc:
        raise NNStudioError(f"{label}: cannot read the file ({exc.strerror})") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise NNStudioError(f"{label}: not a valid JSON file ({exc})") from None
    if not isinstance(d, dict) or d.get("format") != FORMAT:
        raise NNStudioError(f"{label}: this is not an nnstudio runs file "
                            f"(expected format {FORMAT!r})")
    version = d.get("version")
    if not isinstance(version, int) or version > VERSION:
        raise NNStudioError(f"{label}: runs file version {version!r} is not supported "
                            f"(this nnstudio reads version {VERSION})")
    runs = d.get("runs")
    if not isinstance(runs, list):
        raise NNStudioError(f"{label}: 'runs' must be a list")
    return [RunRecord.from_dict(r, f"{label}: runs[{i}]") for i, r in enumerate(runs)]


# --- training a run headless ----------------------------------------------------------------

def record_training(experiment: Any, epochs: int | None = None, name: str | None = None,
                    base_dir: str | os.PathLike[str] | None = None,
                    should_stop: Callable[[], bool] | None = None,
                    on_epoch: Callable[[RunRecord], None] | None = None) -> RunRecord:
    """Train ``experiment`` without a GUI and return its finished record.

    ``epochs`` overrides the experiment's; ``should_stop()`` is polled between steps (a run
    stopped that way is "stopped"); ``on_epoch(record)`` is called after every epoch. Bad
    experiments raise :class:`NNStudioError` with the experiment's own message.
    """
    from nnstudio.engine.experiment import (
        Experiment,
        build_network,
        build_trainer,
        prepare_data,
    )

    exp = experiment.copy() if isinstance(experiment, Experiment) else \
        Experiment.from_dict(_experiment_dict(experiment))
    if epochs is not None:
        exp.training.epochs = int(epochs)
    record = RunRecord.start(exp, name)
    prepared = prepare_data(exp, base_dir)
    network = build_network(exp, prepared)
    trainer = build_trainer(exp, prepared, network)
    block_steps: list[int] = []
    block_losses: list[float] = []
    block_grads: list[np.ndarray] = []
    stopped = False
    while not trainer.finished:
        if should_stop is not None and should_stop():
            stopped = True
            break
        report = trainer.step(collect_activations=False)
        block_steps.append(report.step)
        block_losses.append(report.loss)
        block_grads.append(report.grad_mean_abs.copy())
        if report.epoch_end or report.diverged:
            new_rows = trainer.history[record.n_epochs:]
            record.extend(block_steps, block_losses, np.array(block_grads), new_rows)
            block_steps, block_losses, block_grads = [], [], []
            if on_epoch is not None:
                on_epoch(record)
    if block_steps:
        record.extend(block_steps, block_losses, np.array(block_grads))
    if trainer.diverged:
        record.finish("diverged", trainer.diverged)
    else:
        record.finish("stopped" if stopped else "finished")
    return record


# --- how runs differ ----------------------------------------------------------------------------

_LABELS = {
    "data.source": "data source", "data.name": "data set", "data.samples": "samples",
    "data.noise": "noise", "data.seed": "data seed", "data.path": "CSV file",
    "data.target": "target column", "data.task": "task", "data.test_fraction": "test fraction",
    "data.features": "input features", "data.standardize": "standardize inputs",
    "data.points": "painted points", "output": "output activation", "loss": "loss",
    "training.optimizer": "optimizer", "training.learning_rate": "learning rate",
    "training.batch_size": "batch size", "training.epochs": "epochs", "training.l1": "L1",
    "training.l2": "L2", "training.shuffle": "shuffle", "training.seed": "seed",
    "training.momentum": "momentum", "training.beta1": "β1", "training.beta2": "β2",
    "training.epsilon": "ε", "training.rho": "ρ",
}
_IGNORED = ("format", "version", "name", "description")


def fold_repeats(names: Sequence[str]) -> str:
    """Names with repeats folded: ``sigmoid ×8``, ``tanh ×2, relu``."""
    runs: list[list[Any]] = []
    for name in names:
        if runs and runs[-1][0] == name:
            runs[-1][1] += 1
        else:
            runs.append([name, 1])
    return ", ".join(name if n == 1 else f"{name} ×{n}" for name, n in runs)


def _activation_text(layer: dict[str, Any]) -> str:
    act = str(layer.get("activation", "tanh"))
    if act == "leaky_relu" and "alpha" in layer:
        return f"leaky_relu (α {_fmt(layer['alpha'])})"
    if act == "maxout" and "pieces" in layer:
        return f"maxout ({layer['pieces']} pieces)"
    return act


def _sizes_text(units: Sequence[int]) -> str:
    if not units:
        return "none"
    if len(units) > 3 and len(set(units)) == 1:
        return f"{len(units)} layers of {units[0]}"
    return "-".join(str(u) for u in units)


def _init_text(d: dict[str, Any]) -> str:
    init = str(d.get("init", "auto"))
    params = d.get("init_params") or {}
    relevant = {"normal": "std", "uniform": "limit"}.get(init)
    if relevant and relevant in params:
        return f"{init} ({relevant} {_fmt(params[relevant])})"
    if relevant:
        default = {"std": 0.1, "limit": 0.5}[relevant]
        return f"{init} ({relevant} {_fmt(default)})"
    return init


def _fmt(value: Any) -> str:
    if value is None:
        return "automatic"
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.6g}"
    if isinstance(value, list):
        return ", ".join(_fmt(v) for v in value) or "none"
    return str(value)


def _flatten(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in d.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, path + "."))
        else:
            out[path] = value
    return out


def experiment_differences(base: Any, other: Any) -> list[str]:
    """How ``other`` differs from ``base`` (experiments or their dicts), one phrase per
    setting: ``["hidden activations: sigmoid ×8 → relu ×8", "learning rate: 0.03 → 0.3"]``."""
    a, b = _experiment_dict(base), _experiment_dict(other)
    changes: list[str] = []
    # hidden layers: sizes, then activations
    ha, hb = a.get("hidden", []), b.get("hidden", [])
    ua, ub = [h.get("units") for h in ha], [h.get("units") for h in hb]
    if ua != ub:
        changes.append(f"hidden layers: {_sizes_text(ua)} → {_sizes_text(ub)}")
    aa, ab = [_activation_text(h) for h in ha], [_activation_text(h) for h in hb]
    if len(aa) == len(ab):
        differs = aa != ab
    else:  # the sizes line already says how many; only say so if the kinds changed
        differs = [n for n, _ in _rle(aa)] != [n for n, _ in _rle(ab)]
    if differs and (aa or ab):
        word = "activation" if len(aa) == 1 and len(ab) == 1 else "hidden activations"
        changes.append(f"{word}: {fold_repeats(aa) or 'none'} → {fold_repeats(ab) or 'none'}")
    # initializer with its parameter
    if _init_text(a) != _init_text(b):
        changes.append(f"initializer: {_init_text(a)} → {_init_text(b)}")
    # output layer
    oa, ob = a.get("output"), b.get("output")
    if oa != ob:
        ta = _activation_text(oa) if oa else "automatic"
        tb = _activation_text(ob) if ob else "automatic"
        changes.append(f"output activation: {ta} → {tb}")
    # everything else, key by key
    fa, fb = _flatten(a), _flatten(b)
    skip = set(_IGNORED) | {"hidden", "init", "output"}
    order = list(fa) + [k for k in fb if k not in fa]
    for key in order:
        top = key.split(".")[0]
        if top in skip or key.startswith("init_params") or key.startswith("output."):
            continue
        va, vb = fa.get(key), fb.get(key)
        if _same(va, vb):
            continue
        label = _LABELS.get(key, key.replace("_", " "))
        if key == "data.points":
            na = len(va) if isinstance(va, list) else 0
            nb = len(vb) if isinstance(vb, list) else 0
            text = f"{na} → {nb}" if na != nb else "moved or relabelled"
            changes.append(f"{label}: {text}")
            continue
        if key == "data.features":
            va = va if va is not None else "raw columns"
            vb = vb if vb is not None else "raw columns"
        changes.append(f"{label}: {_fmt(va)} → {_fmt(vb)}")
    return changes


def _rle(names: Sequence[str]) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    for name in names:
        if out and out[-1][0] == name:
            out[-1] = (name, out[-1][1] + 1)
        else:
            out.append((name, 1))
    return out


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) \
            and not isinstance(a, bool) and not isinstance(b, bool):
        return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=0.0)
    return a == b


def describe_differences(records: Sequence[Any]) -> dict[str, str]:
    """For each run, how it differs from the first (the baseline), in plain words.

    ``records`` are :class:`RunRecord` objects (or anything with ``id`` and ``experiment``).
    The baseline gets ``"baseline"``; a run with the same settings ``"same settings"``.
    """
    out: dict[str, str] = {}
    if not records:
        return out
    base = records[0]
    for i, record in enumerate(records):
        if i == 0:
            out[record.id] = "baseline"
            continue
        changes = experiment_differences(base.experiment, record.experiment)
        out[record.id] = "; ".join(changes) if changes else "same settings"
    return out


# --- duplicating with one change ----------------------------------------------------------------

@dataclass(frozen=True)
class Setting:
    """A setting that "Duplicate with changes" can change."""

    key: str  # key path for duplicate_with_change
    label: str
    kind: str  # "choice" | "float" | "int" | "batch"
    choices: tuple[str, ...] = ()
    minimum: float | None = None  # inclusive; for float/int
    positive: bool = False  # float: strictly greater than 0


HIDDEN_ACTIVATIONS = tuple(name for name in ACTIVATIONS if name != "softmax")

#: what the "Duplicate with changes" dialog offers, in its order
SETTINGS: tuple[Setting, ...] = (
    Setting("hidden.activation", "activation of all hidden layers", "choice", HIDDEN_ACTIVATIONS),
    Setting("training.optimizer", "optimizer", "choice", tuple(OPTIMIZERS)),
    Setting("training.learning_rate", "learning rate", "float", positive=True),
    Setting("init", "initializer", "choice", tuple(INITIALIZERS)),
    Setting("training.batch_size", "batch size", "batch", minimum=1),
    Setting("training.l2", "L2 regularization", "float", minimum=0.0),
    Setting("training.l1", "L1 regularization", "float", minimum=0.0),
    Setting("hidden.units", "neurons in every hidden layer", "int", minimum=1),
    Setting("training.epochs", "epochs", "int", minimum=0),
    Setting("training.seed", "seed (initial weights and shuffling)", "int", minimum=0),
)


def setting(key: str) -> Setting:
    for s in SETTINGS:
        if s.key == key:
            return s
    raise NNStudioError(f"unknown setting {key!r} (known: {', '.join(s.key for s in SETTINGS)})")


def current_value(experiment: Any, key_path: str) -> Any:
    """The experiment's value at ``key_path`` (``hidden.activation``: the first hidden
    layer's; ``training.batch_size``: a number or "full")."""
    d = _experiment_dict(experiment)
    if key_path.startswith("hidden."):
        hidden = d.get("hidden", [])
        return hidden[0].get(key_path.split(".", 1)[1]) if hidden else None
    node: Any = d
    for part in key_path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def parse_value(key_path: str, text: Any) -> Any:
    """A value typed by the user for a :data:`SETTINGS` key, checked; raises a clear
    :class:`NNStudioError` ("learning rate: must be greater than 0, got -1")."""
    s = setting(key_path)
    raw = text.strip() if isinstance(text, str) else text
    if s.kind == "choice":
        if raw not in s.choices:
            raise NNStudioError(f"{s.label}: unknown choice {raw!r} "
                                f"(known: {', '.join(s.choices)})")
        return raw
    if s.kind == "batch" and isinstance(raw, str) and raw.lower() in ("full", "all"):
        return "full"
    try:
        number = float(raw)
    except (TypeError, ValueError):
        raise NNStudioError(f"{s.label}: expected a number, got {raw!r}") from None
    if not math.isfinite(number):
        raise NNStudioError(f"{s.label}: must be a finite number, got {raw!r}")
    if s.kind in ("int", "batch"):
        if not number.is_integer():
            raise NNStudioError(f"{s.label}: expected a whole number, got {raw!r}")
        number = int(number)
    if s.positive and number <= 0:
        raise NNStudioError(f"{s.label}: must be greater than 0, got {raw}")
    if s.minimum is not None and number < s.minimum:
        raise NNStudioError(f"{s.label}: must be at least {_fmt(s.minimum)}, got {raw}")
    return number


def duplicate_with_change(experiment: Any, key_path: str, value: Any,
                          name: str | None = None) -> Any:
    """A copy of ``experiment`` (same seeds) with one setting changed.

    ``key_path`` is a dotted path into the experiment file, e.g. ``training.learning_rate``,
    ``training.optimizer``, ``init``, ``training.batch_size`` (a number or "full"),
    ``data.noise``; ``hidden.activation`` / ``hidden.units`` set every hidden layer and
    ``hidden[1].activation`` one of them. The result is validated like a file; a bad value
    raises :class:`NNStudioError` naming the setting. The copy is named after the change
    ("Two spirals (learning rate 0.3)") unless ``name`` is given.
    """
    return duplicate_with_changes(experiment, {key_path: value}, name)


def duplicate_with_changes(experiment: Any, changes: dict[str, Any],
                           name: str | None = None) -> Any:
    """Like :func:`duplicate_with_change` for several settings at once."""
    from nnstudio.engine.experiment import Experiment

    d = _experiment_dict(experiment)
    base = json.loads(json.dumps(d))
    for key_path, value in changes.items():
        _set_path(d, key_path, value)
    if name is None:
        words = [_short_change(w) for w in experiment_differences(base, d)]
        name = f"{base.get('name') or 'Run'} ({', '.join(words) if words else 'copy'})"
    d["name"] = name
    try:
        return Experiment.from_dict(d, source="changed setting")
    except ExperimentError as exc:
        raise NNStudioError(str(exc).removeprefix("changed setting: ")) from None


def _short_change(change: str) -> str:
    """"learning rate: 0.03 → 0.3" -> "learning rate 0.3"; activations: just the new ones."""
    label, _, values = change.partition(": ")
    after = values.rsplit(" → ", 1)[-1]
    return after if label in ("activation", "hidden activations") else f"{label} {after}"


def _set_path(d: dict[str, Any], key_path: str, value: Any) -> None:
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        value = value.item()
    if key_path == "training.batch_size" and value is None:
        value = "full"
    if key_path.startswith("hidden.") or key_path.startswith("hidden["):
        head, _, attr = key_path.partition(".")
        if not attr:
            raise NNStudioError(f"{key_path}: name a layer setting, e.g. hidden.activation")
        hidden = d.setdefault("hidden", [])
        if head == "hidden":
            layers = hidden
        else:
            try:
                index = int(head[len("hidden["):-1])
                layers = [hidden[index]]
            except (ValueError, IndexError):
                raise NNStudioError(f"{key_path}: there is no such hidden layer "
                                    f"(the network has {len(hidden)})") from None
        if not layers:
            raise NNStudioError(f"{key_path}: the network has no hidden layers")
        for layer in layers:
            layer[attr] = value
        return
    parts = key_path.split(".")
    node = d
    for part in parts[:-1]:
        child = node.get(part)
        if child is None:
            child = node[part] = {}
        if not isinstance(child, dict):
            raise NNStudioError(f"{key_path}: {part!r} is not a section")
        node = child
    node[parts[-1]] = value


# --- the classic comparisons --------------------------------------------------------------------

@dataclass
class Comparison:
    """A ready-made set of runs that differ in one setting."""

    key: str
    title: str
    description: str
    experiments: list[Any]


def _preset(stem: str, fallback: Callable[[], Any]) -> Any:
    from nnstudio.engine.experiment import load_experiment

    try:
        from nnstudio.paths import resource

        path = resource("presets", f"{stem}.json")
        if path.is_file():
            return load_experiment(path)
    except (FileNotFoundError, NNStudioError, OSError):
        pass
    return fallback()


def _deep_net(activation: str, init: str = "auto", lr: float = 0.1) -> Any:
    from nnstudio.engine.experiment import DataConfig, Experiment
    from nnstudio.engine.network import LayerSpec
    from nnstudio.engine.training import TrainConfig

    return Experiment(
        name=f"Deep network: 8 {activation} layers",
        data=DataConfig(source="builtin", name="circles", noise=0.0, seed=0),
        hidden=[LayerSpec(8, activation) for _ in range(8)], init=init,
        training=TrainConfig(optimizer="sgd", learning_rate=lr, batch_size=16, epochs=200))


def _variants(base: Any, key: str, values: Sequence[Any], title: Callable[[Any], str]
              ) -> list[Any]:
    return [duplicate_with_change(base, key, v, name=title(v)) for v in values]


def comparison_presets() -> list[Comparison]:
    """The classic comparisons, each a list of experiments that differ in one setting (the
    same data, architecture and seeds otherwise), built from the bundled presets."""
    from nnstudio.engine.experiment import default_experiment

    out: list[Comparison] = []

    deep = _preset("vanishing_sigmoid", lambda: _deep_net("sigmoid"))
    out.append(Comparison(
        "activations", "Activations on a deep network: sigmoid vs tanh vs ReLU",
        "Eight hidden layers on the circles data. With sigmoid the first layers' gradients "
        "vanish and the loss stays near chance; tanh and ReLU learn. Initial weights follow "
        "each activation (automatic initializer).",
        _variants(deep, "hidden.activation", ("sigmoid", "tanh", "relu"),
                  lambda v: f"Deep network, {v}")))

    spirals = _preset("default", default_experiment)
    spirals = duplicate_with_change(spirals, "training.learning_rate", 0.01, name=spirals.name)
    out.append(Comparison(
        "optimizers", "Optimizers: SGD vs momentum vs Adam",
        "The two spirals with the same small learning rate (0.01). Plain SGD barely moves, "
        "momentum speeds it up, Adam adapts each weight's step size and learns fastest.",
        _variants(spirals, "training.optimizer", ("sgd", "momentum", "adam"),
                  lambda v: f"Two spirals, {v}")))

    relu = _preset("vanishing_relu", lambda: _deep_net("relu", "he_uniform"))
    inits = [("zeros", {}), ("normal", {"std": 0.01}), ("normal", {"std": 1.0}),
             ("glorot_uniform", {}), ("he_uniform", {})]
    out.append(Comparison(
        "initializers", "Initializers: zeros vs small vs large vs Glorot vs He",
        "A deep ReLU network. All-zero weights never break the symmetry, tiny weights make "
        "the signal vanish, large ones make it blow up; Glorot and He scale the weights to "
        "the layer sizes and learn.",
        [duplicate_with_changes(relu, {"init": init, "init_params": params},
                                name=f"Deep ReLU, {_init_text({'init': init, 'init_params': params})}")
         for init, params in inits]))

    high = _preset("lr_too_high", lambda: _lr_fallback())
    out.append(Comparison(
        "learning_rates", "Learning rates: 0.003 vs 0.03 vs 0.3 vs 10",
        "The same small tanh network. Too small crawls, a good rate converges, too large "
        "jumps around or diverges.",
        _variants(high, "training.learning_rate", (0.003, 0.03, 0.3, 10.0),
                  lambda v: f"Learning rate {_fmt(v)}")))

    over = _preset("overfitting", lambda: _overfit_fallback())
    out.append(Comparison(
        "l2", "Regularization: L2 0 vs 0.001 vs 0.01",
        "A big network on 30 noisy training points. Without L2 it memorizes the noise (the "
        "test loss rises again); a little L2 keeps the weights small and the boundary smooth.",
        _variants(over, "training.l2", (0.0, 0.001, 0.01), lambda v: f"L2 {_fmt(v)}")))
    return out


def _lr_fallback() -> Any:
    from nnstudio.engine.experiment import DataConfig, Experiment
    from nnstudio.engine.network import LayerSpec
    from nnstudio.engine.training import TrainConfig

    return Experiment(name="Learning rate", data=DataConfig(name="circles", noise=0.1),
                      hidden=[LayerSpec(6, "tanh"), LayerSpec(6, "tanh")],
                      training=TrainConfig(learning_rate=0.03, batch_size=16, epochs=200))


def _overfit_fallback() -> Any:
    from nnstudio.engine.experiment import DataConfig, Experiment
    from nnstudio.engine.network import LayerSpec
    from nnstudio.engine.training import TrainConfig

    return Experiment(name="Overfitting",
                      data=DataConfig(name="circles", samples=60, noise=0.5, test_fraction=0.5),
                      hidden=[LayerSpec(32, "tanh") for _ in range(3)],
                      training=TrainConfig(optimizer="adam", learning_rate=0.003, batch_size=10,
                                           epochs=400))


# --- small helpers ------------------------------------------------------------------------------

def _experiment_dict(experiment: Any) -> dict[str, Any]:
    if isinstance(experiment, dict):
        return json.loads(json.dumps(experiment))  # a deep, JSON-clean copy
    to_dict = getattr(experiment, "to_dict", None)
    if to_dict is None:
        raise NNStudioError(f"expected an experiment, got {type(experiment).__name__}")
    return to_dict()


def _finite(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _number(v: Any, strict: bool = False) -> float:
    if v is None:
        return math.nan
    if isinstance(v, bool) or (strict and not isinstance(v, (int, float))):
        raise TypeError(v)
    try:
        return float(v)
    except (TypeError, ValueError):
        if strict:
            raise
        return math.nan


def _json_number(v: Any) -> float | None:
    return float(v) if _finite(v) else None


def _floats(a: np.ndarray) -> list[float | None]:
    return [float(x) if math.isfinite(x) else None for x in np.asarray(a, dtype=np.float64)]


def _array(values: Any, where: str, ndim: int = 1) -> np.ndarray:
    if not isinstance(values, list):
        raise NNStudioError(f"{where}: expected a list of numbers")
    try:
        a = np.array([[math.nan if x is None else x for x in row] for row in values]
                     if ndim == 2 else [math.nan if x is None else x for x in values],
                     dtype=np.float64)
    except (TypeError, ValueError):
        raise NNStudioError(f"{where}: expected numbers (or null)") from None
    if ndim == 2 and a.size == 0:
        return np.empty((0, 0))
    if a.ndim != ndim:
        raise NNStudioError(f"{where}: expected a {'table' if ndim == 2 else 'list'} of numbers")
    return a


__all__ = [
    "DEFAULT_CAPACITY", "FORMAT", "SETTINGS", "STATUSES", "VERSION", "Comparison", "EpochTable",
    "RunRecord", "RunStore", "Setting", "StepSeries", "comparison_presets", "current_value",
    "describe_differences", "duplicate_with_change", "duplicate_with_changes",
    "experiment_differences", "fold_repeats", "load_runs", "parse_value", "record_training", "save_runs",
    "setting",
]
