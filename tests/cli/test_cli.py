"""The ``nnstudio`` command: train / predict / info, the contracts, errors and the GUI forms."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest

import nnstudio
from nnstudio import cli_train
from nnstudio.cli import main
from nnstudio.paths import resource

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> int:
    return main([str(a) for a in args])


def read_csv(text_or_path) -> tuple[list[str], list[list[str]]]:
    text = Path(text_or_path).read_text() if isinstance(text_or_path, Path) else text_or_path
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], rows[1:]


@pytest.fixture
def labelled_csv(tmp_path) -> Path:
    """30 rows: two numeric columns and a text label (classes sorted: no, yes)."""
    rng = np.random.default_rng(5)
    X = rng.normal(size=(30, 2)) * [2.0, 0.5] + [1.0, -3.0]
    labels = np.where(X[:, 0] + 4 * X[:, 1] > -10.5, "yes", "no")
    path = tmp_path / "data.csv"
    lines = ["a,b,label"] + [f"{x:.6f},{y:.6f},{lab}" for (x, y), lab in zip(X, labels)]
    path.write_text("\n".join(lines) + "\n")
    return path


# --- train ------------------------------------------------------------------------------------

def test_train_builtin_prints_a_summary(tmp_path, capsys):
    model = tmp_path / "xor.npz"
    assert run("train", "--dataset", "xor", "--layers", "6", "--epochs", "30",
               "--export", model) == 0
    out = capsys.readouterr().out
    assert "training 2-6-1 tanh,sigmoid / binary_cross_entropy on xor (400 training rows, " \
           "100 test rows)" in out
    assert "epochs   30 (" in out and "steps/s" in out
    assert "loss     train " in out and "accuracy train " in out
    assert model.is_file()


def test_train_default_experiment_learns(tmp_path, capsys):
    assert run("train", "--epochs", "250", "--history", tmp_path / "h.csv") == 0
    out = capsys.readouterr().out.splitlines()
    # the training summary first, then what was written
    assert out[-1] == f"history written to {tmp_path / 'h.csv'}"
    assert out[-2].startswith("accuracy train ") and out[-3].startswith("loss     train ")
    header, rows = read_csv(tmp_path / "h.csv")
    assert len(rows) == 250
    assert float(rows[-1][header.index("test_accuracy")]) >= 0.9


def test_train_csv_with_quiet(tmp_path, labelled_csv, capsys):
    assert run("train", "--dataset", labelled_csv, "--target", "label", "--layers", "4",
               "--epochs", "5", "--quiet", "--export", tmp_path / "m.npz") == 0
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    from nnstudio.engine.modelfile import load_model

    spec = load_model(tmp_path / "m.npz").spec
    assert spec.classes == ["no", "yes"] and spec.feature_names == ["a", "b"]


def test_train_csv_as_regression_by_index(tmp_path, capsys):
    path = tmp_path / "reg.csv"
    path.write_text("y,x1,x2\n" + "".join(f"{i % 7},{i},{i * 0.5}\n" for i in range(40)))
    assert run("train", "--dataset", path, "--target", "0", "--task", "regression",
               "--epochs", "3", "-q", "--export", tmp_path / "r.npz") == 0
    from nnstudio.engine.modelfile import load_model

    spec = load_model(tmp_path / "r.npz").spec
    assert spec.task == "regression" and spec.feature_names == ["x1", "x2"]


@pytest.mark.parametrize("task, dataset, extra", [
    ("binary", "moons", []),
    ("regression", "sine", []),
    ("binary", "gate_xor", ["--test-split", "0"]),
])
def test_history_columns(tmp_path, task, dataset, extra):
    path = tmp_path / "h.csv"
    assert run("train", "--dataset", dataset, "--layers", "5,3", "--epochs", "4",
               "--history", path, "-q", *extra) == 0
    header, rows = read_csv(path)
    expected = ["epoch", "train_loss", "test_loss"]
    if task != "regression":
        expected += ["train_accuracy", "test_accuracy"]
    expected += ["grad/layer0", "grad/layer1", "grad/layer2"]
    assert header == expected
    assert [r[0] for r in rows] == ["1", "2", "3", "4"]
    values = {name: [r[k] for r in rows] for k, name in enumerate(header)}
    assert all(float(v) > 0 for v in values["train_loss"] + values["grad/layer0"])
    if "--test-split" in extra:
        assert values["test_loss"] == [""] * 4 and values["test_accuracy"] == [""] * 4
    else:
        assert all(float(v) > 0 for v in values["test_loss"])


@pytest.mark.parametrize("l2", [0.0, 0.1])
def test_init_plus_one_full_batch_sgd_step_matches_a_hand_computed_step(tmp_path,
                                                                        labelled_csv, l2):
    m0, m1 = tmp_path / "m0.npz", tmp_path / "m1.npz"
    assert run("train", "--dataset", labelled_csv, "--layers", "4", "--epochs", "2",
               "--export", m0, "-q") == 0
    lr = 0.5
    assert run("train", "--dataset", labelled_csv, "--init", m0, "--epochs", "1",
               "--batch-size", "full", "--optimizer", "sgd", "--no-shuffle", "--test-split", "0",
               "--lr", lr, "--l2", l2, "--export", m1, "-q") == 0
    # the same step by hand, from the files and the CSV only
    f0, f1 = np.load(m0, allow_pickle=False), np.load(m1, allow_pickle=False)
    X = np.loadtxt(labelled_csv, delimiter=",", skiprows=1, usecols=(0, 1))
    labels = np.loadtxt(labelled_csv, delimiter=",", skiprows=1, usecols=2, dtype=str)
    y = (labels == "yes").astype(float)[:, None]
    Xs = (X - f0["meta/input_mean"]) / f0["meta/input_scale"]
    W0, b0, W1, b1 = (f0[k] for k in ("layer0/weights", "layer0/bias",
                                      "layer1/weights", "layer1/bias"))
    a1 = np.tanh(Xs @ W0 + b0)
    p = 1.0 / (1.0 + np.exp(-(a1 @ W1 + b1)))
    n = len(X)
    dz2 = (p - y) / n  # binary cross-entropy through the sigmoid
    dW1 = a1.T @ dz2 + l2 * W1
    db1 = dz2.sum(axis=0)
    dz1 = (dz2 @ W1.T) * (1.0 - a1 ** 2)
    dW0 = Xs.T @ dz1 + l2 * W0
    db0 = dz1.sum(axis=0)
    expected = {"layer0/weights": W0 - lr * dW0, "layer0/bias": b0 - lr * db0,
                "layer1/weights": W1 - lr * dW1, "layer1/bias": b1 - lr * db1}
    for key, value in expected.items():
        np.testing.assert_allclose(f1[key], value, rtol=1e-12, atol=1e-14, err_msg=key)
        assert not np.allclose(f1[key], f0[key])  # the step really moved every array
    for key in ("meta/input_mean", "meta/input_scale", "meta/spec"):
        np.testing.assert_array_equal(f1[key], f0[key])


def test_init_with_data_that_does_not_fit(tmp_path, capsys):
    model = tmp_path / "m.npz"
    assert run("train", "--dataset", "xor", "--epochs", "1", "--export", model, "-q") == 0
    assert run("train", "--dataset", "iris", "--init", model) == 1
    err = capsys.readouterr().err
    assert err.startswith("nnstudio: error: --init") and "no column x1, x2" in err
    assert "petal_width)." in err  # a whole sentence, ending with its full stop
    assert run("train", "--dataset", "sine", "--init", model) == 1
    assert "no column x1, x2" in capsys.readouterr().err
    assert run("train", "--dataset", "plane", "--init", model) == 1
    err = capsys.readouterr().err
    assert "trained for a binary task" in err and err.rstrip().endswith(".")


def test_saved_experiment_reproduces_the_run(tmp_path):
    a, b, exp = tmp_path / "a.npz", tmp_path / "b.npz", tmp_path / "run.toml"
    assert run("train", "--dataset", "circles", "--noise", "0.2", "--samples", "200",
               "--features", "x1,x2,x1^2,x2^2", "--layers", "3", "--activation", "relu",
               "--optimizer", "momentum", "--lr", "0.05", "--batch-size", "8", "--epochs", "4",
               "--seed", "9", "--l1", "0.001", "--export", a, "--save-experiment", exp,
               "-q") == 0
    assert run("train", exp, "--export", b, "-q") == 0
    fa, fb = np.load(a), np.load(b)
    for key in fa.files:
        np.testing.assert_array_equal(fa[key], fb[key])
    spec = json.loads(str(fa["meta/spec"]))
    assert spec["features"] == ["x1", "x2", "x1^2", "x2^2"]


def test_activation_list_and_output_options(tmp_path):
    model = tmp_path / "m.npz"
    assert run("train", "--dataset", "moons", "--layers", "4,3", "--activation", "relu,sigmoid",
               "--output-activation", "linear", "--loss", "hinge", "--epochs", "2",
               "--export", model, "-q") == 0
    spec = json.loads(str(np.load(model)["meta/spec"]))
    assert [(la["units"], la["activation"]) for la in spec["layers"]] == \
        [(4, "relu"), (3, "sigmoid"), (1, "linear")]
    assert spec["loss"] == "hinge"


# --- predict and info ---------------------------------------------------------------------------

@pytest.fixture
def binary_model(tmp_path, labelled_csv) -> Path:
    model = tmp_path / "bin.npz"
    assert run("train", "--dataset", labelled_csv, "--layers", "4", "--epochs", "20",
               "--export", model, "-q") == 0
    return model


def test_predict_binary_columns(tmp_path, binary_model, labelled_csv, capsys):
    assert run("predict", binary_model, "--input", labelled_csv) == 0
    header, rows = read_csv(capsys.readouterr().out)
    assert header == ["no", "yes", "prediction"]
    assert len(rows) == 30
    from nnstudio.engine.modelfile import load_model

    model = load_model(binary_model)
    X = np.loadtxt(labelled_csv, delimiter=",", skiprows=1, usecols=(0, 1))
    p = model.predict_raw(X)[:, 0]
    np.testing.assert_allclose([float(r[1]) for r in rows], p, rtol=1e-15)
    np.testing.assert_allclose([float(r[0]) + float(r[1]) for r in rows], 1.0)
    assert [r[2] for r in rows] == ["yes" if v > 0.5 else "no" for v in p]


def test_predict_to_a_file_and_without_header(tmp_path, binary_model, capsys):
    plain = tmp_path / "plain.csv"
    plain.write_text("0.5,-3\n1.5,-2.5\n")
    out = tmp_path / "pred.csv"
    assert run("predict", binary_model, "-i", plain, "-o", out) == 0
    assert "2 predictions written" in capsys.readouterr().err
    header, rows = read_csv(out)
    assert header == ["no", "yes", "prediction"] and len(rows) == 2


def test_predict_columns_by_name_in_any_order(tmp_path, binary_model, capsys):
    shuffled = tmp_path / "shuffled.csv"
    shuffled.write_text("id,B,A\n1,-3,0.5\n2,-2.5,1.5\n")
    plain = tmp_path / "plain.csv"
    plain.write_text("a,b\n0.5,-3\n1.5,-2.5\n")
    assert run("predict", binary_model, "-i", shuffled) == 0
    first = capsys.readouterr().out
    assert run("predict", binary_model, "-i", plain) == 0
    assert capsys.readouterr().out == first


def test_predict_multiclass_and_regression(tmp_path, capsys):
    iris = tmp_path / "iris.npz"
    assert run("train", "--dataset", "iris", "--layers", "6", "--optimizer", "adam", "--lr",
               "0.02", "--epochs", "40", "--export", iris, "-q") == 0
    assert run("predict", iris, "--input", resource("data", "iris.csv")) == 0
    header, rows = read_csv(capsys.readouterr().out)
    assert header == ["setosa", "versicolor", "virginica", "prediction"]
    assert len(rows) == 150
    np.testing.assert_allclose([sum(map(float, r[:3])) for r in rows], 1.0)
    truth = np.loadtxt(resource("data", "iris.csv"), delimiter=",", skiprows=1, usecols=4,
                       dtype=str)
    assert np.mean([r[3] for r in rows] == truth) > 0.9

    sine = tmp_path / "sine.npz"
    assert run("train", "--dataset", "sine", "--epochs", "2", "--export", sine, "-q") == 0
    data = tmp_path / "x.csv"
    data.write_text("x\n0.5\n1\n2\n")
    assert run("predict", sine, "--input", data) == 0
    header, rows = read_csv(capsys.readouterr().out)
    assert header == ["output"] and len(rows) == 3


def test_predict_bad_input(tmp_path, binary_model, capsys):
    missing = tmp_path / "missing.csv"
    missing.write_text("a,c\n1,2\n3,4\n")
    assert run("predict", binary_model, "--input", missing) == 1
    err = capsys.readouterr().err
    assert "no column 'b', which the model needs" in err
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n3,oops\n")
    assert run("predict", binary_model, "--input", bad) == 1
    assert "row 3, column 'b': 'oops' is not a number" in capsys.readouterr().err
    assert run("predict", tmp_path / "nope.npz", "--input", bad) == 1
    assert "no such model file" in capsys.readouterr().err
    plain = tmp_path / "plain.csv"
    plain.write_text("1,2\n3,x\n")  # no header: columns are named by position
    assert run("predict", binary_model, "--input", plain) == 1
    assert "plain.csv: row 2, column 2: 'x' is not a number" in capsys.readouterr().err
    wide = tmp_path / "wide.csv"
    wide.write_text("1,2,3\n4,5,6\n")
    assert run("predict", binary_model, "--input", wide) == 1
    assert "wide.csv has 3 columns; the model reads 2 (a, b); add a header row" in \
        capsys.readouterr().err


def test_info(binary_model, capsys):
    assert run("info", binary_model) == 0
    out = capsys.readouterr().out
    for line in ["format           nnstudio.model, version 1",
                 "task             binary",
                 "classes          no, yes",
                 "architecture     2-4-1",
                 "4 units, tanh, hidden; weights 2x4, bias 4",
                 "1 unit, sigmoid, output; weights 4x1, bias 1",
                 "loss             binary_cross_entropy",
                 "input columns    a, b",
                 "neurons          5",
                 "parameters       17",
                 "standardization  yes"]:
        assert line in out, line


# --- errors -------------------------------------------------------------------------------------

@pytest.mark.parametrize("args, message", [
    (["train", "--bogus"], "unrecognized arguments: --bogus"),
    (["train", "--lr", "fast"], "argument --lr: expected a number, got 'fast'"),
    (["train", "--lr", "-1"], "argument --lr: must be a number greater than 0"),
    (["train", "--batch-size", "0"], "argument --batch-size: must be at least 1 or 'full'"),
    (["train", "--layers", "8,x"], "argument --layers: expected hidden layer sizes"),
    (["train", "--test-split", "1"], "argument --test-split: must be at least 0 and below 1"),
    (["train", "--noise", "0.7"], "argument --noise: must be from 0 to 0.5"),
    (["train", "--optimizer", "lbfgs"], "argument --optimizer: invalid choice: 'lbfgs'"),
    (["train", "--activation", "relux"], "--activation: unknown activation 'relux'"),
    (["train", "--activation", "softmax"], "softmax is only allowed on the output layer"),
    (["train", "--layers", "4,4", "--activation", "relu,tanh,relu"], "lists 3 activations"),
    (["train", "--dataset", "spirals"], "unknown data set 'spirals'"),
    (["train", "--target", "y"], "--target applies to CSV data only"),
    (["train", "--dataset", "iris", "--noise", "0.1"], "--noise does not apply to 'iris'"),
    (["train", "--init", "m.npz", "--layers", "3"], "leave out --layers"),
    (["predict", "m.npz"], "the following arguments are required: --input"),
    (["info"], "the following arguments are required: MODEL.npz"),
    (["trian"], "unknown command or missing experiment file 'trian'"),
    (["--train-seconds", "2"], "--train-seconds only applies with --screenshot"),
    (["--install-desktop", "--uninstall-desktop"], "choose one of"),
])
def test_usage_errors_exit_2_with_one_line(capsys, args, message):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("nnstudio: error: ") and err.count("\n") == 1
    assert message in err


def test_unknown_hidden_activation_lists_only_hidden_layer_activations(capsys):
    assert main(["train", "--activation", "relux"]) == 2
    err = capsys.readouterr().err
    known = err.split("known for hidden layers: ")[1].rstrip(")\n").split(", ")
    assert "relu" in known and "maxout" in known and "softmax" not in known


def test_builtin_options_on_csv_data_are_usage_errors(labelled_csv, capsys):
    assert run("train", "--dataset", labelled_csv, "--samples", "10") == 2
    assert "--samples applies to built-in data sets only" in capsys.readouterr().err


def test_bad_csv_exits_1_naming_row_and_column(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text("a,b,label\n1,2,x\n3,,y\n5,6,x\n")
    assert run("train", "--dataset", path) == 1
    err = capsys.readouterr().err
    assert err.startswith("nnstudio: error: bad.csv: row 3, column 'b': missing value")
    assert err.count("\n") == 1


def test_missing_csv_exits_1(tmp_path, capsys):
    assert run("train", "--dataset", tmp_path / "none.csv") == 1
    assert "no such CSV file" in capsys.readouterr().err


def test_unknown_activation_in_experiment_exits_1_naming_the_key(tmp_path, capsys):
    path = tmp_path / "exp.json"
    path.write_text(json.dumps({"hidden": [{"units": 4, "activation": "relux"}]}))
    assert run("train", path) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"nnstudio: error: {path}: hidden[0].activation: unknown activation "
                          "'relux'")


def test_bad_feature_in_experiment_names_the_file_and_key(tmp_path, capsys):
    path = tmp_path / "exp.json"
    path.write_text(json.dumps({"data": {"name": "xor", "features": ["x1", "x9"]}}))
    assert run("train", path) == 1
    assert f"{path}: data.features[1]: " in capsys.readouterr().err


def test_diverging_run_exits_1_with_learning_rate_advice(tmp_path, capsys):
    history = tmp_path / "h.csv"
    assert run("train", "--dataset", "plane", "--lr", "10", "--epochs", "100",
               "--history", history, "--export", tmp_path / "m.npz") == 1
    out, err = capsys.readouterr()
    assert err.startswith("nnstudio: error: Training stopped: the loss became")
    assert "learning rate (10) is probably too high" in err and err.count("\n") == 1
    assert not (tmp_path / "m.npz").exists()
    assert history.is_file()  # what happened up to the divergence is kept
    assert out.splitlines()[-1] == f"history written to {history}"


def test_bad_model_file_exits_1(tmp_path, capsys):
    path = tmp_path / "junk.npz"
    path.write_text("not a model")
    assert run("info", path) == 1
    assert "not an .npz (zip) archive" in capsys.readouterr().err


def test_unwritable_output_exits_1(tmp_path, capsys):
    assert run("train", "--dataset", "gate_and", "--epochs", "1", "-q",
               "--history", tmp_path / "no" / "h.csv") == 1
    assert "cannot write the history file" in capsys.readouterr().err


# --- version, progress, GUI forms -----------------------------------------------------------------

def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"nnstudio {nnstudio.__version__}"


def test_help_lists_the_commands(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "train" in out and "predict" in out and "info" in out


def test_progress_bar_draws_and_clears():
    stream = io.StringIO()
    progress = cli_train.ProgressBar(10, True, stream)
    progress.start -= 2.0  # pretend the run has been going for two seconds
    report = types.SimpleNamespace(train_loss=0.25, train_accuracy=0.9)
    progress.update(5, report)
    text = stream.getvalue()
    assert "[##############..............] epoch 5/10  loss 0.25  accuracy 90.0%" in text
    progress.close()
    assert stream.getvalue().endswith("\r")
    silent = io.StringIO()
    off = cli_train.ProgressBar(10, False, silent)
    off.update(5, report)
    assert silent.getvalue() == ""


@pytest.fixture
def fake_gui(monkeypatch):
    calls = []
    fake = types.ModuleType("nnstudio.gui.app")
    fake.run_gui = lambda path=None: calls.append(("run_gui", path)) or 0
    fake.take_screenshot = lambda out, experiment_path=None, train_seconds=2.0: \
        calls.append(("take_screenshot", out, experiment_path, train_seconds)) or 0
    import nnstudio.gui

    monkeypatch.setitem(sys.modules, "nnstudio.gui.app", fake)
    monkeypatch.setattr(nnstudio.gui, "app", fake, raising=False)
    return calls


def test_gui_forms(tmp_path, fake_gui):
    exp = tmp_path / "e.json"
    exp.write_text("{}")
    assert main([]) == 0
    assert main([str(exp)]) == 0
    assert main(["--screenshot", "out.png"]) == 0
    assert main(["--screenshot", "out.png", "--train-seconds", "0.5", str(exp)]) == 0
    assert fake_gui == [("run_gui", None), ("run_gui", str(exp)),
                        ("take_screenshot", "out.png", None, 2.0),
                        ("take_screenshot", "out.png", str(exp), 0.5)]


def test_gui_missing_experiment_file(tmp_path, fake_gui, capsys):
    assert main([str(tmp_path / "gone.json")]) == 1
    assert "no such experiment file" in capsys.readouterr().err
    assert fake_gui == []


def test_gui_that_cannot_start_is_a_clear_message(monkeypatch, capsys):
    broken = types.ModuleType("nnstudio.gui.app")

    def run_gui(path=None):
        raise ImportError("libEGL.so.1: cannot open shared object file")

    broken.run_gui = run_gui
    import nnstudio.gui

    monkeypatch.setitem(sys.modules, "nnstudio.gui.app", broken)
    monkeypatch.setattr(nnstudio.gui, "app", broken, raising=False)
    assert main([]) == 1
    err = capsys.readouterr().err
    assert err.startswith("nnstudio: error: the graphical interface cannot start (libEGL")


def test_desktop_install_and_uninstall(monkeypatch, tmp_path, capsys):
    from nnstudio import desktop

    written = [tmp_path / "applications" / "nnstudio.desktop", tmp_path / "icons" / "x.svg"]
    monkeypatch.setattr(desktop, "install_desktop", lambda: written)
    monkeypatch.setattr(desktop, "uninstall_desktop", lambda: [])
    assert main(["--install-desktop"]) == 0
    out = capsys.readouterr().out
    assert all(str(p) in out for p in written)
    assert main(["--uninstall-desktop"]) == 0
    assert "not installed" in capsys.readouterr().out


# --- as a real process ------------------------------------------------------------------------

def _python(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


def test_python_dash_m_train_predict_info(tmp_path):
    result = _python("-m", "nnstudio", "train", "--dataset", "gate_and", "--layers", "none",
                     "--lr", "0.5", "--batch-size", "full", "--test-split", "0", "--epochs",
                     "300", "--export", "and.npz", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "accuracy train 100.0 %" in result.stdout
    (tmp_path / "in.csv").write_text("x1,x2\n0,0\n0,1\n1,0\n1,1\n")
    result = _python("-m", "nnstudio", "predict", "and.npz", "--input", "in.csv", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    header, rows = read_csv(result.stdout)
    assert header == ["0", "1", "prediction"] and [r[2] for r in rows] == ["0", "0", "0", "1"]
    result = _python("-m", "nnstudio", "info", "and.npz", cwd=tmp_path)
    assert "architecture     2-1" in result.stdout and "parameters       3" in result.stdout


def test_python_dash_m_error_is_one_line_and_no_qt(tmp_path):
    result = _python("-m", "nnstudio", "train", "--dataset", "missing.csv", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == "nnstudio: error: --dataset: no such CSV file: missing.csv\n"
    code = ("import sys; from nnstudio.cli import main; "
            "rc = main(['train', '--dataset', 'gate_or', '--epochs', '1', '-q']); "
            "assert rc == 0; "
            "assert not [m for m in sys.modules if m.startswith(('PySide6', 'pyqtgraph'))]")
    result = _python("-c", code, cwd=tmp_path)
    assert result.returncode == 0, result.stderr


def test_precision_float32_trains_and_exports_float32_weights(tmp_path):
    model = tmp_path / "m.npz"
    assert main(["train", "--dataset", "xor", "--layers", "4", "--epochs", "3",
                 "--precision", "float32", "--export", str(model), "--quiet"]) == 0
    with np.load(model, allow_pickle=False) as f:
        assert f["layer0/weights"].dtype == np.float32
