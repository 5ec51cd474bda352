"""The ``nnstudio`` command: the GUI with no sub-command, or train / predict / info headless.

Exit codes: 0 success, 1 bad data or files (or a diverging run), 2 a usage error,
130 interrupted. Every error is one line ``nnstudio: error: ...`` on stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

import nnstudio
from nnstudio.engine.errors import DataError, ExperimentError, ModelFileError, NNStudioError

PROG = "nnstudio"
COMMANDS = ("train", "predict", "info")
TASK_CHOICES = ("binary", "multiclass", "regression")


class UsageError(Exception):
    """A command-line mistake: exit code 2."""


class _Exit(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors and no ``sys.exit`` (so ``main`` can return a code)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see '{self.prog} --help')")

    def exit(self, status: int = 0, message: str | None = None) -> None:  # type: ignore[override]
        if message:
            sys.stderr.write(message)
        raise _Exit(status)


# --- argument types -----------------------------------------------------------------------------

def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a number greater than 0, got {text!r}")
    return value


def _non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"must be a number >= 0, got {text!r}")
    return value


def _fraction(text: str) -> float:
    value = _non_negative_float(text)
    if value >= 1:
        raise argparse.ArgumentTypeError(
            f"must be at least 0 and below 1 (0.2 keeps 20 %% of the rows for testing), got {text!r}")
    return value


def _noise(text: str) -> float:
    value = _non_negative_float(text)
    if value > 0.5:
        raise argparse.ArgumentTypeError(f"must be from 0 to 0.5 (0.1 is 10 %%), got {text!r}")
    return value


def _whole(minimum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return value

    parse.__name__ = f"whole number >= {minimum}"
    return parse


def _batch_size(text: str) -> int | str:
    if text.strip().lower() == "full":
        return "full"
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a whole number or 'full' (full-batch gradient descent), got {text!r}"
        ) from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 or 'full', got {value}")
    return value


def _layers(text: str) -> list[int]:
    if text.strip().lower() in ("", "none", "0"):
        return []
    units = []
    for part in text.split(","):
        part = part.strip()
        try:
            value = int(part)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected hidden layer sizes such as 8,8 (or 'none'), got {text!r}") from None
        if value < 1:
            raise argparse.ArgumentTypeError(f"a layer needs at least 1 unit, got {value}")
        units.append(value)
    return units


def _name_list(text: str) -> list[str]:
    names = [part.strip() for part in text.split(",")]
    if not all(names):
        raise argparse.ArgumentTypeError(f"expected a comma-separated list, got {text!r}")
    return names


# --- parsers ------------------------------------------------------------------------------------

_GUI_USAGE = f"""{PROG} [EXPERIMENT]
       {PROG} --screenshot OUT.png [--train-seconds S] [EXPERIMENT]
       {PROG} --install-desktop | --uninstall-desktop
       {PROG} train [EXPERIMENT] [options]     (see '{PROG} train --help')
       {PROG} predict MODEL.npz --input DATA.csv [--output PRED.csv]
       {PROG} info MODEL.npz"""

_GUI_EPILOG = f"""commands:
  train     train a network headless (built-in data set, CSV file or experiment file)
  predict   apply a saved model (.npz) to the rows of a CSV file
  info      describe a saved model: architecture, size, features, standardization

examples:
  {PROG}                                   open the app on the default experiment
  {PROG} train --dataset xor --layers 4 --epochs 200 --export xor.npz
  {PROG} predict xor.npz --input points.csv
"""


def _gui_parser() -> _Parser:
    parser = _Parser(
        prog=PROG, usage=_GUI_USAGE, epilog=_GUI_EPILOG,
        description="nnstudio: a desktop laboratory for neural networks. With no command "
                    "it opens the app (on EXPERIMENT, an experiment file, if given).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("experiment", nargs="?", metavar="EXPERIMENT",
                        help="experiment file (.json or .toml) to open")
    parser.add_argument("--version", action="version", version=f"{PROG} {nnstudio.__version__}")
    parser.add_argument("--screenshot", metavar="OUT.png",
                        help="open the main window off-screen, train, save a PNG and exit")
    parser.add_argument("--train-seconds", type=_non_negative_float, metavar="S",
                        help="with --screenshot: seconds to train first (default 2)")
    parser.add_argument("--install-desktop", action="store_true",
                        help="add nnstudio to the desktop's application menu (Linux)")
    parser.add_argument("--uninstall-desktop", action="store_true",
                        help="remove what --install-desktop added")
    return parser


def _train_parser() -> _Parser:
    from nnstudio.engine.activations import ACTIVATIONS
    from nnstudio.engine.initializers import INITIALIZERS
    from nnstudio.engine.losses import LOSSES
    from nnstudio.engine.optimizers import OPTIMIZERS

    parser = _Parser(
        prog=f"{PROG} train",
        description="Train a network without the GUI. Settings come from EXPERIMENT (an "
                    "experiment file; default: the two-spirals experiment), and the options "
                    "below override them.",
        epilog="built-in data sets: xor circles gaussians spiral moons linear (2-D "
               "classification), sine plane gauss_mix (regression), gate_and gate_or "
               "gate_nand gate_nor gate_xor (logic gates), iris digits (bundled).",
    )
    parser.add_argument("experiment", nargs="?", metavar="EXPERIMENT",
                        help="experiment file (.json or .toml)")
    data = parser.add_argument_group("data")
    data.add_argument("--dataset", metavar="NAME|CSV",
                      help="a built-in data set name or a CSV file")
    data.add_argument("--target", metavar="COL",
                      help="CSV target column: name or 0-based index (default: the last)")
    data.add_argument("--task", choices=TASK_CHOICES,
                      help="CSV task, instead of the guess from the target column")
    data.add_argument("--noise", type=_noise, help="built-in data: noise 0..0.5")
    data.add_argument("--samples", type=_whole(4), help="built-in data: number of rows")
    data.add_argument("--data-seed", type=_whole(0), metavar="N",
                      help="seed of the data set and of the train/test split")
    data.add_argument("--features", type=_name_list, metavar="LIST",
                      help="input features, e.g. x1,x2,x1*x2,sin(x1),x1^2")
    data.add_argument("--test-split", type=_fraction, metavar="F",
                      help="fraction of rows held out for testing (0: train on every row)")
    data.add_argument("--no-standardize", action="store_true",
                      help="feed the inputs unscaled (default: standardized)")
    net = parser.add_argument_group("network")
    net.add_argument("--layers", type=_layers, metavar="8,8",
                     help="hidden layer sizes ('none': no hidden layer)")
    net.add_argument("--activation", type=_name_list, metavar="NAME[,NAME...]",
                     help="hidden activation, or one per hidden layer: "
                          + ", ".join(a for a in ACTIVATIONS if a != "softmax"))
    net.add_argument("--output-activation", choices=list(ACTIVATIONS), metavar="NAME",
                     help="output activation (default: follows the task)")
    net.add_argument("--loss", choices=list(LOSSES), help="loss (default: follows the task)")
    net.add_argument("--initializer", choices=list(INITIALIZERS), metavar="NAME",
                     help="weight initializer: " + ", ".join(INITIALIZERS))
    net.add_argument("--init", metavar="MODEL.npz",
                     help="start from a saved model's architecture, weights and standardization")
    train = parser.add_argument_group("training")
    train.add_argument("--optimizer", choices=list(OPTIMIZERS))
    train.add_argument("--lr", type=_positive_float, metavar="RATE", help="learning rate")
    train.add_argument("--momentum", type=_non_negative_float, metavar="M",
                       help="momentum/nesterov: momentum coefficient")
    train.add_argument("--batch-size", type=_batch_size, metavar="N|full")
    train.add_argument("--epochs", type=_whole(0), metavar="N")
    train.add_argument("--seed", type=_whole(0), metavar="N",
                       help="seed of the initial weights and the shuffling")
    train.add_argument("--no-shuffle", action="store_true",
                       help="visit the rows in the same order every epoch")
    train.add_argument("--l1", type=_non_negative_float, metavar="LAMBDA")
    train.add_argument("--l2", type=_non_negative_float, metavar="LAMBDA")
    out = parser.add_argument_group("output")
    out.add_argument("--export", metavar="MODEL.npz", help="save the trained model")
    out.add_argument("--history", metavar="H.csv", help="write one row of metrics per epoch")
    out.add_argument("--save-experiment", metavar="EXP.json",
                     help="save the effective experiment (.json or .toml)")
    out.add_argument("--quiet", "-q", action="store_true", help="print nothing but errors")
    return parser


def _predict_parser() -> _Parser:
    parser = _Parser(prog=f"{PROG} predict",
                     description="Apply a saved model to every row of a CSV file. The CSV "
                                 "needs the model's input columns (by header name, or in "
                                 "order without a header); other columns are ignored.")
    parser.add_argument("model", metavar="MODEL.npz")
    parser.add_argument("--input", "-i", required=True, metavar="DATA.csv")
    parser.add_argument("--output", "-o", metavar="PRED.csv",
                        help="where to write the predictions (default: standard output)")
    return parser


def _info_parser() -> _Parser:
    parser = _Parser(prog=f"{PROG} info", description="Describe a saved model file.")
    parser.add_argument("model", metavar="MODEL.npz")
    return parser


# --- train --------------------------------------------------------------------------------------

def _say(args: argparse.Namespace, text: str) -> None:
    if not getattr(args, "quiet", False):
        print(text)


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
    if args.target is not None:
        data.target = args.target
    if args.task is not None:
        data.task = args.task
    if args.noise is not None:
        data.noise = args.noise
    if args.samples is not None:
        data.samples = args.samples
    if args.data_seed is not None:
        data.seed = args.data_seed
    if args.features is not None:
        data.features = args.features
    if args.test_split is not None:
        data.test_fraction = args.test_split
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

        for act in acts:
            if act not in ACTIVATIONS:
                raise UsageError(f"--activation: unknown activation {act!r} (known: "
                                 f"{', '.join(ACTIVATIONS)})")
            if act == "softmax":
                raise UsageError("--activation: softmax is only allowed on the output layer "
                                 "(--output-activation softmax)")
        hidden = [LayerSpec(layer.units, act) for layer, act in zip(hidden, acts)]
    exp.hidden = hidden
    if args.output_activation is not None:
        exp.output = LayerSpec(1, args.output_activation)
    if args.loss is not None:
        exp.loss = args.loss
    if args.initializer is not None:
        exp.init = args.initializer


def _apply_training_options(exp: Any, args: argparse.Namespace) -> None:
    t = exp.training
    if args.optimizer is not None:
        t.optimizer = args.optimizer
    if args.lr is not None:
        t.learning_rate = args.lr
    if args.momentum is not None:
        if args.momentum >= 1:
            raise UsageError(f"--momentum must be below 1, got {args.momentum:g}")
        t.momentum = args.momentum
    if args.batch_size is not None:
        t.batch_size = None if args.batch_size == "full" else args.batch_size
    if args.epochs is not None:
        t.epochs = args.epochs
    if args.seed is not None:
        t.seed = args.seed
    if args.no_shuffle:
        t.shuffle = False
    if args.l1 is not None:
        t.l1 = args.l1
    if args.l2 is not None:
        t.l2 = args.l2


def _same_labels(a: Sequence | None, b: Sequence | None) -> bool:
    if a is None or b is None:
        return a is b
    return [str(x) for x in a] == [str(x) for x in b]


def _network_from_model(exp: Any, args: argparse.Namespace, base_dir: Any) -> tuple[Any, Any]:
    """(prepared data, network) for --init: architecture, weights and scaling from the model."""
    from nnstudio.engine.experiment import load_dataset, prepare_data
    from nnstudio.engine.modelfile import load_model
    from nnstudio.engine.network import LayerSpec

    model = load_model(args.init)
    spec = model.spec
    dataset = load_dataset(exp.data, base_dir)
    names = spec.feature_names
    if names is not None:
        missing = [n for n in names if n not in dataset.feature_names]
        if missing:
            raise DataError(
                f"--init {args.init}: the model reads the columns {', '.join(names)}, but the "
                f"data set '{dataset.name}' has no column {', '.join(missing)} (its columns: "
                f"{', '.join(dataset.feature_names[:12])})"
            )
        exp.data.features = list(spec.features) if spec.features is not None else list(names)
    else:
        if dataset.n_features != spec.inputs:
            raise DataError(f"--init {args.init}: the model has {spec.inputs} inputs but the "
                            f"data set '{dataset.name}' has {dataset.n_features} columns")
        exp.data.features = None
    if spec.task != dataset.task or not _same_labels(spec.classes, dataset.classes):
        def task(t: str, classes: list | None) -> str:
            labels = f" (classes {', '.join(str(c) for c in classes)})" if classes else ""
            return f"a {t} task{labels}"

        raise DataError(f"--init {args.init}: the model was trained for "
                        f"{task(spec.task, spec.classes)}, but the data set '{dataset.name}' "
                        f"is {task(dataset.task, dataset.classes)}")
    if spec.task == "regression":
        n_targets = 1 if dataset.y.ndim == 1 else dataset.y.shape[1]
        if n_targets != spec.n_outputs:
            raise DataError(f"--init {args.init}: the model has {spec.n_outputs} outputs but "
                            f"the data set '{dataset.name}' has {n_targets} target columns")
    exp.data.standardize = model.standardizer is not None
    prepared = prepare_data(exp, base_dir, standardizer=model.standardizer, dataset=dataset)
    exp.hidden = [LayerSpec(layer.units, layer.activation, layer.alpha, layer.pieces)
                  for layer in spec.layers[:-1]]
    last = spec.layers[-1]
    exp.output = LayerSpec(1, last.activation, last.alpha, last.pieces)
    exp.loss = spec.loss
    return prepared, model.network


class _Progress:
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


def _number(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return repr(float(value))


def history_csv(history: list[dict[str, float]], classification: bool, has_test: bool,
                n_layers: int) -> str:
    """The ``--history`` file: one row per epoch (DESIGN.md, "Command line")."""
    columns = ["epoch", "train_loss", "test_loss"]
    if classification:
        columns += ["train_accuracy", "test_accuracy"]
    columns += [f"grad/layer{i}" for i in range(n_layers)]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in history:
        cells = []
        for column in columns:
            value = row.get(column)
            if column == "epoch":
                cells.append(str(int(value)))
            elif column.startswith("test_") and not has_test:
                cells.append("")
            else:
                cells.append("nan" if value is not None and math.isnan(value)
                             else _number(value))
        writer.writerow(cells)
    return buffer.getvalue()


def _write_text(path: str, text: str, what: str) -> None:
    from nnstudio.engine.fileio import atomic_write_text

    try:
        atomic_write_text(path, text)
    except OSError as exc:
        raise NNStudioError(f"cannot write the {what} {path} ({exc.strerror or exc})") from None


def _count(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f} %"


def _loss_text(value: float | None) -> str:
    return "-" if value is None else f"{value:.6g}"


def cmd_train(args: argparse.Namespace) -> int:
    from nnstudio.engine.experiment import (
        Experiment,
        build_network,
        build_trainer,
        default_experiment,
        load_experiment,
        prepare_data,
        save_experiment,
    )

    if args.init is not None:
        conflicts = [opt for opt, value in (
            ("--layers", args.layers), ("--activation", args.activation),
            ("--output-activation", args.output_activation), ("--loss", args.loss),
            ("--initializer", args.initializer), ("--features", args.features),
            ("--no-standardize", args.no_standardize or None)) if value is not None]
        if conflicts:
            raise UsageError(f"--init takes the architecture, features and standardization "
                             f"from {args.init}; leave out {', '.join(conflicts)}")
    if args.experiment is not None:
        exp = load_experiment(args.experiment)
    elif args.dataset is not None:
        exp = Experiment(name="Command line")  # generic defaults: 8,8 tanh, sgd 0.03, batch 32
    else:
        exp = default_experiment()  # the two spirals, tuned to learn them
    base_dir = None  # CSV paths are absolute after load_experiment; --dataset gives one too
    _apply_data_options(exp, args)
    _apply_network_options(exp, args)
    _apply_training_options(exp, args)
    exp.training.validate()

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
    rows = _count(len(prepared.X_train), "training row")
    if len(prepared.X_test):
        rows += ", " + _count(len(prepared.X_test), "test row")
    _say(args, f"training {spec.describe()} on {where} ({rows}), "
               f"{exp.training.optimizer} lr {exp.training.learning_rate:g}, "
               f"batch {exp.training.batch_size or 'full'}, "
               f"{_count(exp.training.epochs, 'epoch')}")

    progress = _Progress(exp.training.epochs, sys.stderr.isatty() and not args.quiet,
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

    if args.history:
        _write_text(args.history, history_csv(trainer.history, spec.task != "regression",
                                              len(prepared.X_test) > 0, network.n_layers),
                    "history file")
        _say(args, f"history written to {args.history}")
    if trainer.diverged:
        raise NNStudioError(trainer.diverged)
    metrics = trainer.evaluate()
    steps = trainer.step_count
    rate = f", {steps / elapsed:.0f} steps/s" if elapsed > 0 and steps else ""
    _say(args, f"epochs   {trainer.epoch} ({_count(steps, 'step')}, {elapsed:.2f} s{rate})")
    _say(args, f"loss     train {_loss_text(metrics['train_loss'])}   "
               f"test {_loss_text(metrics['test_loss'])}")
    if spec.task != "regression":
        _say(args, f"accuracy train {_percent(metrics['train_accuracy'])}   "
                   f"test {_percent(metrics['test_accuracy'])}")
    if args.export:
        from nnstudio.engine.modelfile import save_model

        save_model(args.export, network, prepared.standardizer)
        _say(args, f"model saved to {args.export}")
    if args.save_experiment:
        save_experiment(exp, args.save_experiment)
        _say(args, f"experiment saved to {args.save_experiment}")
    if interrupted:
        print(f"{PROG}: interrupted after epoch {trainer.epoch}", file=sys.stderr)
        return 130
    return 0


# --- predict ------------------------------------------------------------------------------------

def read_input_csv(path: str | os.PathLike[str], columns: list[str] | None,
                   n_inputs: int) -> Any:
    """The model's input columns from a CSV file, as a float array ``(n, len(columns))``.

    With a header, columns are found by name (other columns are ignored); without one the
    file must hold exactly the model's columns, in order. Uses the CSV reader's rules
    (delimiter, decimal comma, header detection) and its row/column error messages.
    """
    import numpy as np

    from nnstudio.engine import csvdata

    file = Path(path)
    label = file.name or str(file)
    text = csvdata._read_text(file, label)
    delimiter = csvdata._sniff_delimiter(text)
    decimal_comma = delimiter != ","
    records = csvdata._records(text, delimiter, label)
    if not records:
        raise DataError(f"{label} is empty: it needs a row per sample")
    header = csvdata._has_header(records, decimal_comma)
    rows = csvdata._rectangular(records, header, label)
    width = len(rows[0][1])
    names = csvdata._column_names(rows[0][1] if header else None, width)
    data = rows[1:] if header else rows
    if not data:
        raise DataError(f"{label} has only a header row and no data rows")
    wanted = columns if columns is not None else [f"input {i + 1}" for i in range(n_inputs)]
    if header and columns is not None:
        picked = []
        for name in columns:
            if name in names:
                picked.append(names.index(name))
                continue
            folded = [j for j, n in enumerate(names) if n.casefold() == name.casefold()]
            if len(folded) != 1:
                raise DataError(f"{label} has no column '{name}', which the model needs (it "
                                f"reads {', '.join(columns)}; the file has "
                                f"{', '.join(names[:12])})")
            picked.append(folded[0])
    else:
        if width != len(wanted):
            need = f" ({', '.join(columns)})" if columns else ""
            raise DataError(f"{label} has {width} columns; the model reads {len(wanted)}{need}"
                            + ("; add a header row naming the columns" if not header and columns
                               else ""))
        picked = list(range(width))
    lines = [line for line, _ in data]
    X = np.empty((len(data), len(picked)), dtype=np.float64)
    for k, j in enumerate(picked):
        cells = [cells[j] for _, cells in data]
        values, problem = csvdata._numeric_column(cells, decimal_comma)
        if problem is not None:
            i, kind = problem
            where = f"column '{names[j]}'" if header else f"column {j + 1}"
            message = csvdata._cell_message(label, lines[i], where, cells[i], kind, False)
            error = DataError(message)
            error.row, error.column = lines[i], names[j]  # type: ignore[attr-defined]
            raise error
        X[:, k] = values
    return X


def prediction_table(model: Any, X_raw: Any) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the ``predict`` output (DESIGN.md, "Command line")."""
    import numpy as np

    spec = model.spec
    out = model.predict_raw(X_raw)
    if spec.task == "regression":
        header = ["output"] if out.shape[1] == 1 else [f"output{k}" for k in range(out.shape[1])]
        return header, [[_number(v) for v in row] for row in out]
    classes = list(spec.classes or [])
    labels = [str(c) for c in classes]
    indices = model.network.classes_from_output(out)
    if out.shape[1] == 1:
        if spec.layers[-1].activation in ("sigmoid", "step"):
            p = out[:, 0]
            values = np.column_stack([1.0 - p, p])
            header = labels
        else:  # a score (e.g. a linear output trained with hinge loss)
            values = out
            header = ["score"]
    else:
        values = out
        header = labels
    rows = [[_number(v) for v in row] + [labels[k]] for row, k in zip(values, indices)]
    return header + ["prediction"], rows


def cmd_predict(args: argparse.Namespace) -> int:
    from nnstudio.engine.modelfile import load_model

    model = load_model(args.model)
    X = read_input_csv(args.input, model.input_columns, model.spec.inputs)
    header, rows = prediction_table(model, X)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    if args.output:
        _write_text(args.output, buffer.getvalue(), "predictions file")
        print(f"{len(rows)} predictions written to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(buffer.getvalue())
        sys.stdout.flush()
    return 0


# --- info ---------------------------------------------------------------------------------------

def describe_model(model: Any, label: str) -> str:
    """The ``info`` text for a loaded model."""
    spec = model.spec
    lines = [f"model            {label}",
             f"format           nnstudio.model, version {model.version}",
             f"task             {spec.task}"]
    if spec.classes is not None:
        lines.append(f"classes          {', '.join(str(c) for c in spec.classes)}")
    lines.append(f"architecture     {'-'.join(str(s) for s in spec.sizes)}")
    inputs = spec.features if spec.features is not None else spec.feature_names
    shown = f" ({', '.join(inputs)})" if inputs else ""
    lines.append(f"  input          {spec.inputs} units{shown}")
    for i, (layer, dense) in enumerate(zip(spec.layers, model.network.layers)):
        act = layer.activation
        if act == "leaky_relu":
            act += f" (alpha {layer.alpha:g})"
        elif act == "maxout":
            act += f" ({layer.pieces} pieces)"
        role = "output" if i == len(spec.layers) - 1 else "hidden"
        units = f"{layer.units} unit" + ("s" if layer.units != 1 else "")
        lines.append(f"  layer {i:<8} {units}, {act}, {role}; weights "
                     f"{dense.W.shape[0]}x{dense.W.shape[1]}, bias {dense.b.shape[0]}")
    lines.append(f"loss             {spec.loss}")
    if spec.feature_names is not None:
        lines.append(f"input columns    {', '.join(spec.feature_names)}")
    if spec.features is not None:
        lines.append(f"features         {', '.join(spec.features)}")
    lines.append(f"neurons          {spec.n_neurons} (input layer not counted)")
    lines.append(f"parameters       {spec.n_params} (weights and biases)")
    if model.standardizer is not None:
        lines.append("standardization  yes: the network sees (x - meta/input_mean) / "
                     "meta/input_scale")
    else:
        lines.append("standardization  no: the network sees the inputs as they are")
    return "\n".join(lines) + "\n"


def cmd_info(args: argparse.Namespace) -> int:
    from nnstudio.engine.modelfile import load_model

    model = load_model(args.model)
    sys.stdout.write(describe_model(model, args.model))
    return 0


# --- GUI forms ----------------------------------------------------------------------------------

def _gui_module() -> Any:
    try:
        from nnstudio.gui import app
    except ImportError as exc:
        raise NNStudioError(
            f"the graphical interface cannot start ({exc}); the command line still works: "
            f"'{PROG} train --help'"
        ) from None
    return app


def _gui(args: argparse.Namespace) -> int:
    if args.train_seconds is not None and args.screenshot is None:
        raise UsageError("--train-seconds only applies with --screenshot")
    if args.install_desktop or args.uninstall_desktop:
        if args.install_desktop and args.uninstall_desktop:
            raise UsageError("choose one of --install-desktop and --uninstall-desktop")
        if args.experiment or args.screenshot:
            raise UsageError("--install-desktop/--uninstall-desktop take no other arguments")
        from nnstudio import desktop

        if args.install_desktop:
            written = desktop.install_desktop()
            print("installed the nnstudio launcher:")
        else:
            written = desktop.uninstall_desktop()
            print("removed the nnstudio launcher:" if written else
                  "nothing to remove: the nnstudio launcher is not installed")
        for path in written:
            print(f"  {path}")
        return 0
    experiment = args.experiment
    if experiment is not None and not Path(experiment).is_file():
        if not Path(experiment).suffix and not Path(experiment).exists():
            raise UsageError(f"unknown command or missing experiment file {experiment!r} "
                             f"(commands: {', '.join(COMMANDS)})")
        raise NNStudioError(f"{experiment}: no such experiment file")
    app = _gui_module()
    try:
        if args.screenshot is not None:
            seconds = 2.0 if args.train_seconds is None else args.train_seconds
            return int(app.take_screenshot(args.screenshot, experiment_path=experiment,
                                           train_seconds=seconds) or 0)
        return int(app.run_gui(experiment) or 0)
    except ImportError as exc:  # a Qt library or a GUI module is missing
        raise NNStudioError(
            f"the graphical interface cannot start ({exc}); the command line still works: "
            f"'{PROG} train --help'"
        ) from None


# --- entry points -------------------------------------------------------------------------------

_COMMANDS: dict[str, tuple[Callable[[], _Parser], Callable[[argparse.Namespace], int]]] = {
    "train": (_train_parser, cmd_train),
    "predict": (_predict_parser, cmd_predict),
    "info": (_info_parser, cmd_info),
}


def _error(message: str) -> None:
    print(f"{PROG}: error: {' '.join(str(message).split())}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``nnstudio`` command; returns the exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        if args_list and args_list[0] in _COMMANDS:
            make_parser, command = _COMMANDS[args_list[0]]
            parser = make_parser()
            return command(parser.parse_args(args_list[1:]))
        return _gui(_gui_parser().parse_args(args_list))
    except _Exit as exc:
        return exc.status
    except UsageError as exc:
        _error(str(exc))
        return 2
    except (NNStudioError, ModelFileError) as exc:
        _error(str(exc))
        return 1
    except BrokenPipeError:
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keep Python from complaining
        return 1
    except KeyboardInterrupt:
        print(f"\n{PROG}: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:
        _error(f"{exc.filename + ': ' if exc.filename else ''}{exc.strerror or exc}")
        return 1


def gui_main() -> int:
    """Entry point of the ``nnstudio-gui`` launcher (same forms as ``nnstudio``)."""
    return main(sys.argv[1:])


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
