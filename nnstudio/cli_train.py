"""``nnstudio train``: build the experiment from a file and the options, train, report, save.

The options override the experiment (``--dataset``, ``--layers``, ``--lr``, ...); ``--init``
starts from a saved model instead of fresh weights. A progress bar is drawn on stderr when
it is a terminal; the summary (epochs, loss, accuracy) goes to stdout.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from nnstudio.cli_common import PROG, UsageError, count, say, write_text
from nnstudio.engine.errors import DataError, ExperimentError, NNStudioError
from nnstudio.engine.history import history_csv


def _set_given(target: Any, values: dict[str, Any]) -> None:
    """Set each attribute of ``target`` whose option was given (is not None)."""
    for name, value in values.items():
        if value is not None:
            setattr(target, name, value)


# --- options over the experiment ----------------------------------------------------------------

def _apply_data_options(exp: Any, args: argparse.Namespace) -> None:
    from nnstudio.engine.datasets import BUILTIN_DATASETS

    data = exp.data
    if args.dataset is not None:
        name = args.dataset.strip()
        path = Path(name).expanduser()
        if name.lower() in BUILTIN_DATASETS and not path.is_file():
            same = data.source == "builtin" and data.name == name.lower()
            data.source, data.name = "builtin", name.lower()
            if not same:
                data.samples, data.noise = None, 0.0
        elif path.is_file():
            data.source, data.path = "csv", str(path.resolve())
            data.target = data.task = None
        elif path.suffix or os.sep in name or "/" in name:
            raise DataError(f"--dataset: no such CSV file: {name}")
        else:
            raise UsageError(f"--dataset: unknown data set {name!r}: not a built-in name "
                             f"({', '.join(BUILTIN_DATASETS)}) and not a file")
        data.points = None
        if data.source != "csv":
            data.path = data.target = data.task = None
        data.features = None
    csv_only = {"--target": args.target, "--task": args.task}
    for option, value in csv_only.items():
        if value is not None and data.source != "csv":
            raise UsageError(f"{option} applies to CSV data only (use --dataset FILE.csv)")
    for option, value in {"--noise": args.noise, "--samples": args.samples}.items():
        if value is None:
            continue
        if data.source != "builtin":
            raise UsageError(f"{option} applies to built-in data sets only")
        info = BUILTIN_DATASETS[data.name]
        if not (info.uses_noise if option == "--noise" else info.uses_samples):
            raise UsageError(f"{option} does not apply to '{data.name}': its rows are fixed")
    _set_given(data, {"target": args.target, "task": args.task, "noise": args.noise,
                      "samples": args.samples, "seed": args.data_seed,
                      "features": args.features, "test_fraction": args.test_split})
    if args.no_standardize:
        data.standardize = False


def _apply_network_options(exp: Any, args: argparse.Namespace) -> None:
    from nnstudio.engine.network import LayerSpec

    hidden = exp.hidden
    if args.layers is not None:
        old = [layer.activation for layer in hidden]
        base = old[0] if old else "tanh"
        acts = old if len(old) == len(args.layers) else [base] * len(args.layers)
        hidden = [LayerSpec(units, act) for units, act in zip(args.layers, acts)]
    if args.activation is not None:
        acts = args.activation
        if len(acts) == 1:
            acts = acts * len(hidden)
        elif len(acts) != len(hidden):
            raise UsageError(f"--activation lists {len(acts)} activations but there are "
                             f"{len(hidden)} hidden layers (give one, or one per layer)")
        from nnstudio.engine.activations import ACTIVATIONS

        hidden_ok = [a for a in ACTIVATIONS if a != "softmax"]  # softmax: output only
        for act in acts:
            if act not in ACTIVATIONS:
                raise UsageError(f"--activation: unknown activation {act!r} (known for "
                                 f"hidden layers: {', '.join(hidden_ok)})")
            if act == "softmax":
                raise UsageError("--activation: softmax is only allowed on the output layer "
                                 "(--output-activation softmax)")
        hidden = [LayerSpec(layer.units, act) for layer, act in zip(hidden, acts)]
    exp.hidden = hidden
    if args.output_activation is not None:
        exp.output = LayerSpec(1, args.output_activation)
    _set_given(exp, {"loss": args.loss, "init": args.initializer})


def _apply_training_options(exp: Any, args: argparse.Namespace) -> None:
    t = exp.training
    if args.momentum is not None and args.momentum >= 1:
        raise UsageError(f"--momentum must be below 1, got {args.momentum:g}")
    _set_given(t, {"optimizer": args.optimizer, "learning_rate": args.lr,
                   "momentum": args.momentum, "epochs": args.epochs, "seed": args.seed,
                   "l1": args.l1, "l2": args.l2})
    if args.batch_size is not None:
        t.batch_size = None if args.batch_size == "full" else args.batch_size
    if args.no_shuffle:
        t.shuffle = False
    if args.precision:
        t.precision = args.precision


def _check_init_conflicts(args: argparse.Namespace) -> None:
    conflicts = [opt for opt, value in (
        ("--layers", args.layers), ("--activation", args.activation),
        ("--output-activation", args.output_activation), ("--loss", args.loss),
        ("--initializer", args.initializer), ("--features", args.features),
        ("--no-standardize", args.no_standardize or None)) if value is not None]
    if conflicts:
        raise UsageError(f"--init takes the architecture, features and standardization "
                         f"from {args.init}; leave out {', '.join(conflicts)}")


# --- --init: start from a saved model -----------------------------------------------------------

def _network_from_model(exp: Any, args: argparse.Namespace, base_dir: Any) -> tuple[Any, Any]:
    """(prepared data, network) for --init: architecture, weights and scaling from the model."""
    from nnstudio.engine.model_experiment import fit_experiment_to_model
    from nnstudio.engine.modelfile import load_model

    model = load_model(args.init)
    prepared = fit_experiment_to_model(exp, model, base_dir, label=f"--init {args.init}")
    return prepared, model.network


# --- progress and results -----------------------------------------------------------------------

class ProgressBar:
    """A one-line progress bar on stderr, redrawn at most ten times a second."""

    def __init__(self, total: int, enabled: bool, stream: TextIO) -> None:
        self.total = max(total, 1)
        self.enabled = enabled
        self.stream = stream
        self.start = time.perf_counter()
        self.last = 0.0
        self.shown = False

    def update(self, epoch: int, report: Any) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        if now - self.start < 0.5 or now - self.last < 0.1:
            return
        self.last = now
        width = 28
        done = int(width * min(epoch, self.total) / self.total)
        bar = "#" * done + "." * (width - done)
        text = f"\r[{bar}] epoch {epoch}/{self.total}"
        if report is not None and report.train_loss is not None:
            text += f"  loss {report.train_loss:.4g}"
            if report.train_accuracy is not None:
                text += f"  accuracy {100 * report.train_accuracy:.1f}%"
        elapsed = now - self.start
        if epoch:
            remaining = elapsed * (self.total - epoch) / epoch
            text += f"  {elapsed:.0f}s, ~{remaining:.0f}s left"
        self.stream.write(text.ljust(100)[:120])
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r" + " " * 120 + "\r")
            self.stream.flush()


def _blas_one_thread() -> Any:
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - a declared dependency
        return contextlib.nullcontext()
    return threadpool_limits(1)


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f} %"


def _loss_text(value: float | None) -> str:
    return "-" if value is None else f"{value:.6g}"


# --- the command --------------------------------------------------------------------------------

def _experiment(args: argparse.Namespace) -> Any:
    """The experiment to train: the file (or a default) with the options applied."""
    from nnstudio.engine.experiment import Experiment, default_experiment, load_experiment

    if args.experiment is not None:
        exp = load_experiment(args.experiment)
    elif args.dataset is not None:
        exp = Experiment(name="Command line")  # generic defaults: 8,8 tanh, sgd 0.03, batch 32
    else:
        exp = default_experiment()  # the two spirals, tuned to learn them
    _apply_data_options(exp, args)
    _apply_network_options(exp, args)
    _apply_training_options(exp, args)
    exp.training.validate()
    return exp


def cmd_train(args: argparse.Namespace) -> int:
    from nnstudio.engine.experiment import (
        build_network,
        build_trainer,
        prepare_data,
        save_experiment,
    )

    if args.init is not None:
        _check_init_conflicts(args)
    exp = _experiment(args)
    base_dir = None  # CSV paths are absolute after load_experiment; --dataset gives one too
    try:
        if args.init is not None:
            prepared, network = _network_from_model(exp, args, base_dir)
        else:
            prepared = prepare_data(exp, base_dir)
            network = build_network(exp, prepared)
        trainer = build_trainer(exp, prepared, network)
    except ExperimentError as exc:  # a key of the experiment: say which file it is in
        if args.experiment is None or str(exc).startswith(str(args.experiment)):
            raise
        raise ExperimentError(f"{args.experiment}: {exc}") from None
    spec = network.spec
    where = prepared.dataset.name
    rows = count(len(prepared.X_train), "training row")
    if len(prepared.X_test):
        rows += ", " + count(len(prepared.X_test), "test row")
    say(args, f"training {spec.describe()} on {where} ({rows}), "
              f"{exp.training.optimizer} lr {exp.training.learning_rate:g}, "
              f"batch {exp.training.batch_size or 'full'}, "
              f"{count(exp.training.epochs, 'epoch')}")

    progress = ProgressBar(exp.training.epochs, sys.stderr.isatty() and not args.quiet,
                           sys.stderr)
    interrupted = False
    report = None
    start = time.perf_counter()
    with _blas_one_thread():
        try:
            while not trainer.finished:
                report = trainer.run_epoch()
                progress.update(trainer.epoch, report)
        except KeyboardInterrupt:
            interrupted = True
        finally:
            progress.close()
    elapsed = time.perf_counter() - start

    written = None  # said after the summary, with the other files
    if args.history:  # written even if training diverged: it shows how
        write_text(args.history, history_csv(trainer.history, spec.task != "regression",
                                             len(prepared.X_test) > 0, network.n_layers),
                   "history file")
        written = f"history written to {args.history}"
    if trainer.diverged:
        if written:
            say(args, written)
        raise NNStudioError(trainer.diverged)
    metrics = trainer.evaluate()
    steps = trainer.step_count
    rate = f", {steps / elapsed:.0f} steps/s" if elapsed > 0 and steps else ""
    say(args, f"epochs   {trainer.epoch} ({count(steps, 'step')}, {elapsed:.2f} s{rate})")
    say(args, f"loss     train {_loss_text(metrics['train_loss'])}   "
              f"test {_loss_text(metrics['test_loss'])}")
    if spec.task != "regression":
        say(args, f"accuracy train {_percent(metrics['train_accuracy'])}   "
                  f"test {_percent(metrics['test_accuracy'])}")
    if written:
        say(args, written)
    if args.export:
        from nnstudio.engine.modelfile import save_model

        save_model(args.export, network, prepared.standardizer)
        say(args, f"model saved to {args.export}")
    if args.onnx:
        from nnstudio.engine.onnx_export import export_onnx

        export_onnx(args.onnx, network, prepared.standardizer)
        say(args, f"ONNX model saved to {args.onnx}")
    if args.save_experiment:
        save_experiment(exp, args.save_experiment)
        say(args, f"experiment saved to {args.save_experiment}")
    if interrupted:
        print(f"{PROG}: interrupted after epoch {trainer.epoch}", file=sys.stderr)
        return 130
    return 0
