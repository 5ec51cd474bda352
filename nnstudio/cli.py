"""The ``nnstudio`` command: argument parsing and dispatch.

With no sub-command it opens the GUI (or takes a screenshot, or installs the desktop
launcher); ``train`` (:mod:`nnstudio.cli_train`), ``predict`` and ``info``
(:mod:`nnstudio.cli_predict`) run the engine headless.

Exit codes: 0 success, 1 bad data or files (or a diverging run), 2 a usage error,
130 interrupted. Every error is one line ``nnstudio: error: ...`` on stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import nnstudio
from nnstudio.cli_common import PROG, UsageError
from nnstudio.cli_predict import cmd_info, cmd_predict
from nnstudio.cli_train import cmd_train
from nnstudio.engine.errors import ModelFileError, NNStudioError

COMMANDS = ("train", "predict", "info")
TASK_CHOICES = ("binary", "multiclass", "regression")


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

def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None


def _positive_float(text: str) -> float:
    value = _float(text)
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a number greater than 0, got {text!r}")
    return value


def _non_negative_float(text: str) -> float:
    value = _float(text)
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"must be a number >= 0, got {text!r}")
    return value


def _fraction(text: str) -> float:
    value = _non_negative_float(text)
    if value >= 1:
        raise argparse.ArgumentTypeError("must be at least 0 and below 1 (0.2 keeps 20 %% of "
                                         f"the rows for testing), got {text!r}")
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
    train.add_argument("--precision", choices=("float64", "float32"),
                       help="floating-point precision of the weights and arithmetic "
                            "(float32 is about twice as fast for larger networks)")
    train.add_argument("--no-shuffle", action="store_true",
                       help="visit the rows in the same order every epoch")
    train.add_argument("--l1", type=_non_negative_float, metavar="LAMBDA")
    train.add_argument("--l2", type=_non_negative_float, metavar="LAMBDA")
    out = parser.add_argument_group("output")
    out.add_argument("--export", metavar="MODEL.npz", help="save the trained model")
    out.add_argument("--onnx", metavar="MODEL.onnx",
                     help="also export the trained model to ONNX (needs nnstudio[onnx])")
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


# --- GUI forms ----------------------------------------------------------------------------------

def _gui_unavailable(exc: ImportError) -> NNStudioError:
    return NNStudioError(f"the graphical interface cannot start ({exc}); the command line "
                         f"still works: '{PROG} train --help'")


def _gui_module() -> Any:
    try:
        from nnstudio.gui import app
    except ImportError as exc:
        raise _gui_unavailable(exc) from None
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
        raise _gui_unavailable(exc) from None


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
