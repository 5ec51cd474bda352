"""Speed of nnstudio's NumPy engine against scikit-learn's MLPClassifier and a PyTorch CPU loop.

All three do identical work in one process and one run: the same data, architecture, loss,
optimizer, learning rate, batch size and number of epochs, with BLAS (and PyTorch) pinned to
one thread. The script prints microseconds per training step (one mini-batch: forward,
backward, update) and how many times faster nnstudio is.

    python benchmarks/bench_engine.py                    # both workloads, float64
    python benchmarks/bench_engine.py --dtype both       # float64 and float32
    python benchmarks/bench_engine.py --only A --repeat 5 --json out.json

A: two spirals, 1000 rows, 2-8-8-1 tanh/sigmoid, binary cross-entropy, SGD 0.03, batch 32,
   100 epochs.
B: 8x8 digits (1797 rows), 64-128-64-10 ReLU/softmax, cross-entropy, Adam 1e-3, batch 64,
   50 epochs.

nnstudio collects what its GUI needs while it trains (see benchmarks/README.md): the loss
and per-layer mean |dJ/dW| on every step, activation statistics whenever a GUI snapshot is
due (at most 30 times a second), and train loss/accuracy at every epoch's end.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from nnstudio.engine.network import LayerSpec, Network, NetworkSpec, encode_targets  # noqa: E402
from nnstudio.engine.training import TrainConfig, Trainer  # noqa: E402


@dataclass
class Workload:
    key: str
    title: str
    X: np.ndarray  # float64, already scaled
    y: np.ndarray  # int class indices
    hidden: tuple[int, ...]
    activation: str  # hidden layers
    optimizer: str  # "sgd" | "adam"
    learning_rate: float
    batch_size: int
    epochs: int

    @property
    def n_classes(self) -> int:
        return int(self.y.max()) + 1

    @property
    def steps(self) -> int:
        return self.epochs * math.ceil(len(self.X) / self.batch_size)


def spiral_data() -> tuple[np.ndarray, np.ndarray]:
    try:
        from nnstudio.engine.datasets import make_dataset
    except ImportError:  # the data sets module is optional for this script
        make_dataset = None
    if make_dataset is not None:
        data = make_dataset("spiral", samples=1000, noise=0.0, seed=0)
        X, y = data.X, data.y
    else:
        rng = np.random.default_rng(0)
        t = np.sqrt(rng.uniform(0.0, 1.0, 500)) * 3 * np.pi
        arms = [np.c_[t * np.cos(t + k * np.pi), t * np.sin(t + k * np.pi)] for k in (0, 1)]
        X, y = np.vstack(arms), np.repeat([0, 1], 500)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    return X.astype(np.float64), np.asarray(y, dtype=np.int64)


def digits_data() -> tuple[np.ndarray, np.ndarray]:
    try:
        from nnstudio.engine.datasets import make_dataset

        data = make_dataset("digits")
        X, y = data.X, data.y
    except Exception:  # noqa: BLE001 - fall back to scikit-learn's copy
        from sklearn.datasets import load_digits

        X, y = load_digits(return_X_y=True)
    return np.asarray(X, dtype=np.float64) / 16.0, np.asarray(y, dtype=np.int64)


def workloads() -> dict[str, Workload]:
    Xa, ya = spiral_data()
    Xb, yb = digits_data()
    return {
        "A": Workload("A", "two spirals 2-8-8-1 tanh/sigmoid, BCE, SGD 0.03, batch 32, 100 ep",
                      Xa, ya, (8, 8), "tanh", "sgd", 0.03, 32, 100),
        "B": Workload("B", "digits 64-128-64-10 relu/softmax, CE, Adam 1e-3, batch 64, 50 ep",
                      Xb, yb, (128, 64), "relu", "adam", 1e-3, 64, 50),
    }


# --- the three contenders -----------------------------------------------------------------

def run_nnstudio(w: Workload, dtype: Any, stats_hz: float | None,
                 train_metrics: str = "running") -> dict[str, Any]:
    """``stats_hz``: activation statistics at most this often (None: on every step).
    ``train_metrics``: "running" reports the epoch's training loss as the mean of its
    mini-batch losses, as scikit-learn's ``loss_curve_`` does; "full" (what the GUI and the
    command line use) evaluates the whole training set after every epoch."""
    binary = w.n_classes == 2
    out = LayerSpec(1, "sigmoid") if binary else LayerSpec(w.n_classes, "softmax")
    spec = NetworkSpec(w.X.shape[1], [LayerSpec(u, w.activation) for u in w.hidden] + [out],
                       loss="binary_cross_entropy" if binary else "cross_entropy",
                       task="binary" if binary else "multiclass")
    net = Network(spec, init="auto", seed=0, dtype=dtype)
    config = TrainConfig(optimizer=w.optimizer, learning_rate=w.learning_rate,
                         batch_size=w.batch_size, epochs=w.epochs, shuffle=True, seed=0)
    trainer = Trainer(net, w.X, encode_targets(w.y, spec), config=config,
                      train_metrics=train_metrics)
    interval = 0.0 if stats_hz is None else 1.0 / stats_hz
    samples = 0
    clock = time.perf_counter
    cpu = time.process_time()
    start = clock()
    next_sample = start
    step = trainer.step
    while True:  # as the GUI worker: sample when due, look at the report
        now = clock()
        due = now >= next_sample
        if due:
            next_sample = now + interval
            samples += 1
        report = step(collect_activations=due)
        if (report.epoch_end or report.diverged) and trainer.finished:
            break
    seconds = clock() - start
    cpu = time.process_time() - cpu
    final = trainer.evaluate()  # after the clock: the same final check for every contender
    return {"steps": trainer.step_count, "seconds": seconds,
            "us_per_step": seconds / trainer.step_count * 1e6,
            "cpu_us_per_step": cpu / trainer.step_count * 1e6,
            "train_loss": final["train_loss"], "train_accuracy": final["train_accuracy"],
            "activation_samples": samples}


def run_sklearn(w: Workload, dtype: Any) -> dict[str, Any]:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    model = MLPClassifier(
        hidden_layer_sizes=w.hidden, activation=w.activation, solver=w.optimizer,
        batch_size=w.batch_size, learning_rate="constant", learning_rate_init=w.learning_rate,
        max_iter=w.epochs, shuffle=True, tol=0.0, n_iter_no_change=10**9, alpha=0.0,
        momentum=0.0, nesterovs_momentum=False, early_stopping=False, random_state=0)
    X = w.X.astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        cpu = time.process_time()
        start = time.perf_counter()
        model.fit(X, w.y)
        seconds = time.perf_counter() - start
        cpu = time.process_time() - cpu
    from sklearn.metrics import log_loss

    steps = model.n_iter_ * math.ceil(len(X) / w.batch_size)
    final = float(log_loss(w.y, model.predict_proba(X)))
    return {"steps": steps, "seconds": seconds, "us_per_step": seconds / steps * 1e6,
            "cpu_us_per_step": cpu / steps * 1e6,
            "train_loss": final, "train_accuracy": float(model.score(X, w.y))}


def run_torch(w: Workload, dtype: Any) -> dict[str, Any]:
    import torch
    from torch import nn

    torch.set_num_threads(1)
    torch.manual_seed(0)
    tdtype = torch.float64 if np.dtype(dtype) == np.float64 else torch.float32
    binary = w.n_classes == 2
    act = {"tanh": nn.Tanh, "relu": nn.ReLU, "sigmoid": nn.Sigmoid}[w.activation]
    sizes = [w.X.shape[1], *w.hidden]
    layers: list[nn.Module] = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(fan_in, fan_out), act()]
    layers.append(nn.Linear(sizes[-1], 1 if binary else w.n_classes))
    model = nn.Sequential(*layers).to(tdtype)
    for module in model:  # the same initialization as nnstudio's "auto"
        if isinstance(module, nn.Linear):
            if w.activation == "relu":
                nn.init.kaiming_uniform_(module.weight, nonlinearity="relu")
            else:
                nn.init.xavier_uniform_(module.weight)
            nn.init.zeros_(module.bias)
    X = torch.tensor(w.X, dtype=tdtype)
    if binary:
        Y = torch.tensor(w.y.reshape(-1, 1), dtype=tdtype)
        loss_fn: nn.Module = nn.BCEWithLogitsLoss()
    else:
        Y = torch.tensor(w.y, dtype=torch.long)
        loss_fn = nn.CrossEntropyLoss()
    if w.optimizer == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=w.learning_rate)
    else:
        opt = torch.optim.Adam(model.parameters(), lr=w.learning_rate, betas=(0.9, 0.999),
                               eps=1e-8)
    gen = torch.Generator().manual_seed(0)
    n, bs = len(X), w.batch_size
    steps = 0
    cpu = time.process_time()
    start = time.perf_counter()
    for _ in range(w.epochs):
        order = torch.randperm(n, generator=gen)
        for i in range(0, n, bs):
            idx = order[i:i + bs]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(X[idx]), Y[idx])
            loss.backward()
            opt.step()
            loss.item()  # the per-step loss, as nnstudio reports it
            steps += 1
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu
    with torch.no_grad():
        logits = model(X)
        final = float(loss_fn(logits, Y))
        pred = (logits[:, 0] > 0).long() if binary else logits.argmax(1)
        acc = float((pred.numpy() == w.y).mean())
    return {"steps": steps, "seconds": seconds, "us_per_step": seconds / steps * 1e6,
            "cpu_us_per_step": cpu / steps * 1e6, "train_loss": final, "train_accuracy": acc}


# --- reporting ------------------------------------------------------------------------------

def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> dict[str, Any]:
    blas = [{k: lib.get(k) for k in ("internal_api", "version", "architecture", "num_threads")}
            for lib in threadpool_info() if lib.get("user_api") == "blas"]
    info: dict[str, Any] = {
        "cpu": cpu_model(), "cores": os.cpu_count(), "python": platform.python_version(),
        "numpy": np.__version__, "blas": blas,
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
        "OPENBLAS_L2_SIZE": os.environ.get("OPENBLAS_L2_SIZE"),
    }
    for name in ("sklearn", "torch"):
        try:
            info[name] = __import__(name).__version__
        except ImportError:
            info[name] = None
    return info


def best(runs: list[dict[str, Any]]) -> dict[str, Any]:
    return min(runs, key=lambda r: r["us_per_step"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=["A", "B"], help="run one workload")
    parser.add_argument("--dtype", choices=["float64", "float32", "both"], default="float64")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each contender, interleaved; the fastest counts (default 3)")
    parser.add_argument("--stats-hz", type=float, default=30.0,
                        help="nnstudio: activation statistics at most this often (default 30)")
    parser.add_argument("--no-sklearn", action="store_true")
    parser.add_argument("--no-torch", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args(argv)

    limiter = threadpool_limits(limits=1)
    info = machine()
    blas = ", ".join(f"{b['internal_api']} {b['version']} {b['architecture']} "
                     f"threads={b['num_threads']}" for b in info["blas"])
    print(f"# {info['cpu']}, {info['cores']} cores; Python {info['python']}, NumPy "
          f"{info['numpy']}, scikit-learn {info['sklearn']}, PyTorch {info['torch']}")
    print(f"# BLAS: {blas}; OPENBLAS_CORETYPE={info['OPENBLAS_CORETYPE']} "
          f"OPENBLAS_L2_SIZE={info['OPENBLAS_L2_SIZE']}")
    contenders = ["nnstudio", "nnstudio + full train-set metrics every epoch",
                  "nnstudio + activation stats every step"]
    if not args.no_sklearn:
        contenders.append("scikit-learn")
    if not args.no_torch:
        try:
            import torch  # noqa: F401
            contenders.append("PyTorch")
        except ImportError:
            print("# PyTorch is not installed: skipped (pip install -e '.[bench]')")
    dtypes = ["float64", "float32"] if args.dtype == "both" else [args.dtype]
    all_work = workloads()
    keys = [args.only] if args.only else list(all_work)
    results: list[dict[str, Any]] = []
    for dtype_name in dtypes:
        dtype = np.dtype(dtype_name)
        for key in keys:
            w = all_work[key]
            runs: dict[str, list[dict[str, Any]]] = {c: [] for c in contenders}
            for _ in range(max(args.repeat, 1)):
                for c in contenders:
                    if c == "nnstudio":
                        runs[c].append(run_nnstudio(w, dtype, args.stats_hz))
                    elif c.startswith("nnstudio + full"):
                        runs[c].append(run_nnstudio(w, dtype, args.stats_hz, "full"))
                    elif c.startswith("nnstudio"):
                        runs[c].append(run_nnstudio(w, dtype, None))
                    elif c == "scikit-learn":
                        runs[c].append(run_sklearn(w, dtype))
                    else:
                        runs[c].append(run_torch(w, dtype))
            ours = best(runs["nnstudio"])["us_per_step"]
            print(f"\n## {key} ({dtype_name}): {w.title}; {w.steps} steps")
            print("| | µs/step | × nnstudio's time | CPU µs/step | train loss | train acc |")
            print("|---|---:|---:|---:|---:|---:|")
            for c in contenders:
                r = best(runs[c])
                ratio = r["us_per_step"] / ours
                print(f"| {c} | {r['us_per_step']:.1f} | {ratio:.2f} | "
                      f"{r['cpu_us_per_step']:.1f} | {r['train_loss']:.4f} | "
                      f"{r['train_accuracy']:.3f} |")
                results.append({"workload": key, "dtype": dtype_name, "contender": c,
                                "runs_us_per_step": [x["us_per_step"] for x in runs[c]], **r})
            for c in contenders[3:]:
                print(f"nnstudio is {best(runs[c])['us_per_step'] / ours:.1f}x faster than {c}")
    limiter.restore_original_limits()
    if args.json:
        args.json.write_text(json.dumps({"machine": info, "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
