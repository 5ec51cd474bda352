"""Responsiveness of the main window while it trains at full speed with every plot live.

Drives the real MainWindow off-screen (1280x800) and reports:

- GUI event-loop latency: a 10 ms QTimer probe; latency = how late each tick fires
  (median and p99). Goal: p99 <= 50 ms.
- Redraws per second: snapshots drawn by the window that updated at least one view
  (the network view, the output view or a history plot); also every view's own update
  rate and the paint events of the network view and of every plot. Goal: >= 25 per second.
- Training steps/s inside the GUI versus headless (the same experiment, the same
  Trainer, BLAS pinned to one thread in both). Goal: GUI >= 70 % of headless.

Usage::

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_gui.py [--seconds 10]
        [--experiment resources/presets/vanishing_sigmoid.json] [--json out.json]

Without ``--experiment`` it runs the default experiment (two spirals, 3 x 12 tanh) and the
8-layer sigmoid preset.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("NNSTUDIO_SETTINGS_SCOPE", "test")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from PySide6.QtCore import QElapsedTimer, QEvent, QEventLoop, QObject, QTimer  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from nnstudio.engine.experiment import default_experiment, load_experiment  # noqa: E402
from nnstudio.gui.app import ensure_app  # noqa: E402
from nnstudio.gui.session import build_session  # noqa: E402

PROBE_MS = 10


def headless_steps_per_second(exp, seconds: float) -> float:
    """The bare training loop: the same Trainer the worker drives, nothing else."""
    trainer = build_session(exp).trainer
    with threadpool_limits(limits=1):
        for _ in range(50):  # warm up buffers
            trainer.step(collect_activations=False)
        start_steps = trainer.step_count
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            for _ in range(20):
                trainer.step(collect_activations=False)
        elapsed = time.perf_counter() - t0
    return (trainer.step_count - start_steps) / elapsed


class PaintCounter(QObject):
    """Counts paint events of the widgets it watches."""

    def __init__(self) -> None:
        super().__init__()
        self.counts: dict[str, int] = {}
        self._names: dict[int, str] = {}

    def watch(self, name: str, widget) -> None:
        self._names[id(widget)] = name
        self.counts[name] = 0
        widget.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.Paint:
            name = self._names.get(id(obj))
            if name is not None:
                self.counts[name] += 1
        return False


def _run_events(seconds: float) -> None:
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def _plot_widgets(window) -> list[tuple[str, object]]:
    """Every pyqtgraph view inside the plots panel (their viewports receive the paints)."""
    import pyqtgraph as pg

    views = []
    for i, view in enumerate(window.plots.findChildren(pg.GraphicsView)):
        parent = view.parent()
        owner = type(parent).__name__ if parent is not None else "plot"
        views.append((f"{owner}[{i}]", view.viewport()))
    return views


def _set_plot_layout(window, mode: str | None) -> None:
    """The plots panel's arrangement: None keeps the window's (all plots side by side at
    1280x800, every one repainted); "tabs" shows one plot at a time."""
    if mode:
        window.plots.set_layout_mode(mode)


def gui_run(exp, seconds: float, plot_layout: str | None = None) -> dict:
    from nnstudio.gui.main_window import MainWindow

    app = ensure_app()
    window = MainWindow(exp, restore_layout=False)
    window.resize(1280, 800)
    window.show()
    window.training_bar.stop_check.setChecked(False)  # train on, whatever the epochs
    _set_plot_layout(window, plot_layout)
    _run_events(0.5)

    painter = PaintCounter()
    painter.watch("network view", window.network_view.viewport())
    for name, widget in _plot_widgets(window):
        painter.watch(name, widget)

    lateness: list[float] = []
    clock = QElapsedTimer()
    last = [0.0]

    def tick() -> None:
        now = clock.nsecsElapsed() / 1e6
        lateness.append(max(0.0, now - last[0] - PROBE_MS))
        last[0] = now

    probe = QTimer()
    probe.setTimerType(probe.timerType().PreciseTimer)
    probe.setInterval(PROBE_MS)
    probe.timeout.connect(tick)

    window.play()
    _run_events(1.0)  # warm up: buffers, first epochs, plot ranges
    first = window._last_snapshot
    drawn0 = window.snapshots_drawn
    views0 = window.snapshots_with_views
    draw_seconds0 = window.draw_seconds
    window.part_seconds.clear()
    window.part_counts.clear()
    for name in painter.counts:
        painter.counts[name] = 0
    clock.start()
    last[0] = 0.0
    probe.start()
    t0 = time.perf_counter()
    _run_events(seconds)
    elapsed = time.perf_counter() - t0
    probe.stop()
    end = window._last_snapshot
    drawn = window.snapshots_drawn - drawn0
    with_views = window.snapshots_with_views - views0
    counts = dict(window.part_counts)
    draw_seconds = window.draw_seconds - draw_seconds0
    parts = {name: 1000 * t / max(counts.get(name, 0), 1)
             for name, t in window.part_seconds.items()}
    window.pause()
    window.wait_for_idle(2.0)
    window.close()
    app.processEvents()

    steps = (end.step - first.step) if (end is not None and first is not None) else 0
    lat = np.asarray(lateness[1:], dtype=float)
    paints = {name: count / elapsed for name, count in painter.counts.items()}
    plot_paints = [v for k, v in paints.items() if k != "network view"]
    return {
        "seconds": elapsed,
        "latency_ms_median": float(np.median(lat)) if lat.size else float("nan"),
        "latency_ms_p99": float(np.percentile(lat, 99)) if lat.size else float("nan"),
        "latency_ms_max": float(lat.max()) if lat.size else float("nan"),
        "probe_ticks": int(lat.size),
        "snapshots_per_second": drawn / elapsed,
        "redraws_per_second": with_views / elapsed,
        "view_updates_per_second": {name: n / elapsed for name, n in counts.items()},
        "draw_ms_per_snapshot": 1000 * draw_seconds / max(drawn, 1),
        "draw_ms_per_view": parts,
        "paints_per_second": paints,
        "plot_paints_per_second_min": min(plot_paints) if plot_paints else float("nan"),
        "gui_steps_per_second": steps / elapsed,
        "epochs": end.epoch if end is not None else 0,
    }


def bench(exp, label: str, seconds: float, plot_layout: str | None = None) -> dict:
    # headless before and after the GUI run (averaged), so that a change in machine load
    # during the run affects both sides alike
    before = headless_steps_per_second(exp, seconds / 2)
    gui = gui_run(exp, seconds, plot_layout)
    after = headless_steps_per_second(exp, seconds / 2)
    headless = (before + after) / 2
    gui["headless_steps_per_second"] = headless
    gui["gui_vs_headless"] = gui["gui_steps_per_second"] / headless if headless else 0.0
    gui["experiment"] = label
    return gui


def report(result: dict) -> str:
    ok = lambda cond: "ok" if cond else "MISSED"  # noqa: E731
    r = result
    lines = [
        f"## {r['experiment']}",
        f"- event-loop latency (10 ms probe): median {r['latency_ms_median']:.1f} ms, "
        f"p99 {r['latency_ms_p99']:.1f} ms, max {r['latency_ms_max']:.1f} ms "
        f"[goal p99 <= 50 ms: {ok(r['latency_ms_p99'] <= 50)}]",
        f"- redraws: {r['redraws_per_second']:.1f} snapshots/s drawn that updated at least "
        f"one view (of {r['snapshots_per_second']:.1f} snapshots/s received; "
        f"{r['draw_ms_per_snapshot']:.1f} ms GUI drawing time per snapshot) "
        f"[goal >= 25/s: {ok(r['redraws_per_second'] >= 25)}]",
        "  view updates/s: " + ", ".join(
            f"{name} {rate:.1f}" for name, rate in r["view_updates_per_second"].items())
        + f"; repaints/s: network view {r['paints_per_second'].get('network view', 0):.1f}, "
        f"slowest plot {r['plot_paints_per_second_min']:.1f}",
        "  GUI ms per view update (update + layout + paint): " + ", ".join(
            f"{name} {ms:.1f}" for name, ms in r["draw_ms_per_view"].items()),
        f"- training: {r['gui_steps_per_second']:,.0f} steps/s in the GUI vs "
        f"{r['headless_steps_per_second']:,.0f} headless = {100 * r['gui_vs_headless']:.0f} % "
        f"[goal >= 70 %: {ok(r['gui_vs_headless'] >= 0.7)}]",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--experiment", action="append", default=None,
                        help="experiment file (repeatable); default: the default experiment "
                             "and the 8-layer sigmoid preset")
    parser.add_argument("--json", type=Path, default=None, help="also write the numbers here")
    parser.add_argument("--plot-layout", choices=("row", "grid", "column", "tabs"),
                        default=None, help="arrange the plots panel so (default: the "
                        "window's own choice, all plots visible)")
    args = parser.parse_args(argv)
    ensure_app()
    runs = []
    if args.experiment:
        for path in args.experiment:
            runs.append((load_experiment(path), Path(path).name))
    else:
        from nnstudio.paths import resource

        runs.append((default_experiment(), "default experiment (spiral, 2-12-12-12-1 tanh)"))
        runs.append((load_experiment(resource("presets", "vanishing_sigmoid.json")),
                     "vanishing_sigmoid.json (8 x 8 sigmoid)"))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"# nnstudio GUI benchmark — {platform.platform()}, Python "
          f"{platform.python_version()}, {os.cpu_count()} CPUs, load average {load:.1f}, "
          f"{args.seconds:g} s per run, plots: {args.plot_layout or 'as the window shows them'}")
    results = []
    for exp, label in runs:
        result = bench(exp, label, args.seconds, args.plot_layout)
        results.append(result)
        print(report(result))
        sys.stdout.flush()
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    good = all(r["latency_ms_p99"] <= 50 and r["redraws_per_second"] >= 25
               and r["gui_vs_headless"] >= 0.7 for r in results)
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
