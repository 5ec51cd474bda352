"""The live plots, fed with snapshots of real training runs (engine Network + Trainer)."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from PySide6 import QtCore, QtWidgets

from nnstudio.engine import grids
from nnstudio.engine.errors import NNStudioError
from nnstudio.engine.experiment import (
    DataConfig,
    Experiment,
    build_network,
    build_trainer,
    prepare_data,
)
from nnstudio.engine.network import LayerSpec
from nnstudio.engine.training import TrainConfig
from nnstudio.gui import qtfix
from nnstudio.gui.plots_activations import ActivationPlot
from nnstudio.gui.plots_common import BoundedHistory, format_sci, power_of_ten
from nnstudio.gui.plots_gradients import CAPTIONS, GradientPlot
from nnstudio.gui.plots_loss import LossPlot
from nnstudio.gui.plots_output import CONFUSION, CURVE, MESSAGE, PLANE, OutputView
from nnstudio.gui.plots_panel import PlotsPanel
from nnstudio.gui.snapshot import PlotContext, Snapshot, layer_names


class Run:
    """An experiment being trained, producing Snapshots as the GUI worker would."""

    def __init__(self, data: DataConfig, hidden: list[LayerSpec], lr: float = 0.1,
                 optimizer: str = "sgd", batch: int | None = 10) -> None:
        exp = Experiment(name="test", data=data, hidden=hidden,
                         training=TrainConfig(optimizer=optimizer, learning_rate=lr,
                                              batch_size=batch, epochs=10_000, seed=1))
        self.prepared = p = prepare_data(exp)
        self.network = build_network(exp, p, seed=3)
        self.trainer = build_trainer(exp, p, self.network)
        X_raw = np.asarray(p.X_train_raw, dtype=float)
        extent = None
        if X_raw.shape[1] == 2:
            X_all = np.vstack([X_raw, p.X_test_raw]) if len(p.X_test_raw) else X_raw
            lo, hi = X_all.min(axis=0), X_all.max(axis=0)
            m = 0.1 * (hi - lo)
            extent = (lo[0] - m[0], hi[0] + m[0], lo[1] - m[1], hi[1] + m[1])
        self.extent = extent
        has_test = p.X_test_raw is not None and len(p.X_test_raw) > 0
        self.context = PlotContext(
            task=p.task, classes=p.classes, layer_names=layer_names(self.network.n_layers),
            activations=[layer.activation for layer in self.network.layers],
            X_train_raw=X_raw, y_train=np.asarray(p.y_train),
            X_test_raw=np.asarray(p.X_test_raw, dtype=float) if has_test else None,
            y_test=np.asarray(p.y_test) if has_test else None,
            extent=extent, input_dim=X_raw.shape[1], show_test=True,
            feature_names=list(p.feature_names))

    def snapshot(self, steps: int = 20) -> Snapshot:
        t, net, p = self.trainer, self.network, self.prepared
        nums, losses, grads, epochs = [], [], [], []
        act = None
        for _ in range(steps):
            r = t.step(collect_activations=True)
            nums.append(r.step)
            losses.append(r.loss)
            grads.append(r.grad_mean_abs)
            act = r.act
            if r.epoch_end:
                epochs.append(dict(t.history[-1]))
        snap = Snapshot(step=t.step_count, epoch=t.epoch, steps_per_second=100.0, running=True,
                        steps=np.array(nums), losses=np.array(losses), grads=np.array(grads),
                        epochs=epochs, act=act, weights=net.get_weights())
        if self.extent is not None:
            snap.output = grids.output_grid(net, p.transform, self.extent, 100)
        elif p.task == "regression" and p.X_train_raw.shape[1] == 1:
            x = p.X_train_raw[:, 0]
            snap.curve = grids.regression_curve(net, p.transform, (x.min(), x.max()))
        elif p.task != "regression":
            pred = net.classes_from_output(net.predict(p.X_test))
            snap.confusion = grids.confusion_matrix(p.y_test, pred, len(p.classes))
        return snap


def xor_run(hidden=None, **kw) -> Run:
    hidden = hidden or [LayerSpec(6, "tanh"), LayerSpec(6, "tanh")]
    return Run(DataConfig(source="builtin", name="xor", samples=200, noise=0.0, seed=4),
               hidden, **kw)


def deep_sigmoid_run() -> Run:
    return Run(DataConfig(source="builtin", name="spiral", samples=200, noise=0.1, seed=2),
               [LayerSpec(8, "sigmoid") for _ in range(8)], lr=0.3)


def relu_run() -> Run:
    return Run(DataConfig(source="builtin", name="circles", samples=200, seed=2),
               [LayerSpec(8, "relu") for _ in range(4)], lr=0.01, optimizer="adam")


def feed(widget, run: Run, n: int, steps: int = 20) -> list[Snapshot]:
    snaps = [run.snapshot(steps) for _ in range(n)]
    widget.reset(run.context)
    for snap in snaps:
        widget.append(snap)
    return snaps


def data(item) -> tuple[np.ndarray, np.ndarray]:
    """All the data a curve holds (getData() gives the clipped, downsampled display data)."""
    return item.xData, item.yData


def curve_len(item) -> int:
    x, _ = data(item)
    return 0 if x is None else len(x)


# --- LossPlot ---------------------------------------------------------------------------------

def test_loss_plot_holds_steps_and_epochs(qtbot):
    run = xor_run()
    plot = LossPlot()
    qtbot.addWidget(plot)
    snaps = feed(plot, run, 12)
    steps = sum(len(s.steps) for s in snaps)
    epochs = sum(len(s.epochs) for s in snaps)
    assert epochs >= 2
    assert curve_len(plot.batch_curve) == steps
    assert curve_len(plot.train_curve) == epochs
    assert curve_len(plot.test_curve) == epochs
    assert curve_len(plot.train_acc_curve) == epochs
    x, y = data(plot.batch_curve)
    np.testing.assert_array_equal(x, np.concatenate([s.steps for s in snaps]))
    np.testing.assert_allclose(y, np.concatenate([s.losses for s in snaps]))
    _, acc = data(plot.train_acc_curve)
    assert np.all((acc >= 0) & (acc <= 100))
    assert plot.acc_plot.isVisible()
    # epoch rows carry no step: placed at epoch × (steps per epoch, from the counters)
    ex, _ = data(plot.train_curve)
    spe = run.trainer.steps_per_epoch
    np.testing.assert_allclose(ex, spe * np.arange(1, epochs + 1), rtol=1e-9)
    # while training, the header's numbers follow a few times a second
    qtbot.waitUntil(lambda: "train" in plot.status_text and "acc." in plot.status_text,
                    timeout=2000)


def test_loss_plot_log_toggle_and_regression(qtbot):
    run = Run(DataConfig(source="builtin", name="sine", samples=120, noise=0.05, seed=1),
              [LayerSpec(8, "tanh")], lr=0.05)
    plot = LossPlot()
    qtbot.addWidget(plot)
    feed(plot, run, 6)
    assert not plot.acc_plot.isVisible()
    assert not plot.loss_plot.getAxis("left").logMode
    plot.log_box.setChecked(True)
    assert plot.loss_plot.getAxis("left").logMode
    assert plot.batch_curve.opts["logMode"][1]
    assert curve_len(plot.batch_curve) == 120
    plot.log_box.setChecked(False)
    assert not plot.loss_plot.getAxis("left").logMode


def test_loss_plot_history_is_bounded(qtbot):
    plot = LossPlot(capacity=500)
    qtbot.addWidget(plot)
    run = xor_run()
    plot.reset(run.context)
    total = 0
    for k in range(60):  # 60 000 synthetic steps
        steps = np.arange(total + 1, total + 1001)
        total += 1000
        plot.append(Snapshot(step=total, epoch=k + 1, steps=steps,
                             losses=np.full(1000, 0.5 + k),
                             epochs=[{"epoch": k + 1, "train_loss": 1.0 / (k + 1),
                                      "test_loss": 2.0 / (k + 1), "train_accuracy": 0.5,
                                      "test_accuracy": 0.4, "step": total}]))
    n_batch, n_epochs = plot.history_sizes
    assert 250 <= n_batch <= 500
    assert n_epochs == 60
    x, y = data(plot.batch_curve)
    assert x[0] < 1000 and x[-1] > 59_000  # the whole run, decimated
    assert np.all(np.diff(x) > 0)
    assert y[0] == pytest.approx(0.5) and y[-1] == pytest.approx(59.5)


def test_bounded_history_pools_means():
    h = BoundedHistory(2, capacity=8)
    x = np.arange(1.0, 21.0)
    h.extend(x[:6], np.column_stack([x[:6], 2 * x[:6]]))
    h.extend(x[6:], np.column_stack([x[6:], 2 * x[6:]]))
    assert h.n <= 8 and h.stride >= 2
    np.testing.assert_allclose(h.y[:, 1], 2 * h.y[:, 0])
    np.testing.assert_allclose(h.x, h.y[:, 0])  # x and y pooled alike
    assert h.x[0] < 3 and h.x[-1] > 14
    h.clear()
    assert h.n == 0 and h.stride == 1


# --- GradientPlot -----------------------------------------------------------------------------

def test_gradient_plot_curves_per_layer_and_bars(qtbot):
    run = deep_sigmoid_run()
    plot = GradientPlot()
    qtbot.addWidget(plot)
    snaps = feed(plot, run, 10)
    assert len(plot.curves) == 9
    assert plot.legend_labels[0] == "Hidden 1 (sigmoid)"
    assert plot.legend_labels[-1] == "Output (sigmoid)"
    assert [c.name() for c in plot.curves] == plot.legend_labels
    assert plot.curve_plot.getAxis("left").logMode
    steps = sum(len(s.steps) for s in snaps)
    assert all(curve_len(c) == steps for c in plot.curves)
    _, y0 = data(plot.curves[0])
    np.testing.assert_allclose(y0, np.concatenate([s.grads[:, 0] for s in snaps]))
    np.testing.assert_allclose(plot.current, snaps[-1].grads.mean(axis=0))
    # vanishing gradients: the first layer orders of magnitude below the output layer
    assert plot.current[0] < plot.current[-1] / 100
    # while training the bars and their numbers follow a few times a second
    value_axis = plot.bar_plot.getAxis("right")
    qtbot.waitUntil(lambda: [text for _, text in value_axis._tickLevels[0]]
                    == [format_sci(v) for v in plot.current], timeout=2000)
    assert "smaller" in plot.readout.text()
    widths = plot.bars.opts["width"]
    assert widths[0] < widths[-1]
    assert plot.state == "vanishing" and plot.caption.text() == CAPTIONS["vanishing"]
    colors = [c.opts["pen"].color().name() for c in plot.curves]
    assert len(set(colors)) == 9


def test_gradient_plot_relu_layers_stay_comparable(qtbot):
    plot = GradientPlot()
    qtbot.addWidget(plot)
    feed(plot, relu_run(), 8)
    assert plot.legend_labels[:4] == [f"Hidden {i} (relu)" for i in range(1, 5)]
    cur = plot.current
    assert cur[0] > cur[-1] / 100


# --- ActivationPlot ---------------------------------------------------------------------------

def test_activation_plot_rows_and_fractions(qtbot):
    run = deep_sigmoid_run()
    plot = ActivationPlot()
    qtbot.addWidget(plot)
    snaps = feed(plot, run, 7)
    assert len(plot.rows) == 9
    assert plot.history_size == 7
    # while training the labels follow a few times a second: the last snapshot's numbers
    sat = snaps[-1].act.saturated
    qtbot.waitUntil(lambda: plot.row_texts[0].endswith(f"{100 * sat[0]:.0f} % saturated"),
                    timeout=2000)
    texts = plot.row_texts
    assert texts[2].startswith("Hidden 3 (sigmoid) — ") and texts[2].endswith("% saturated")
    sat = snaps[-1].act.saturated
    assert texts[0] == f"Hidden 1 (sigmoid) — {100 * sat[0]:.0f} % saturated"
    row = plot.rows[4]
    x, med = row.median_data
    # drawn from the first step of training: the first statistics reach back to it
    first = snaps[0].steps[0]
    np.testing.assert_array_equal(x, [first] + [s.step for s in snaps])
    np.testing.assert_allclose(med, [snaps[0].act.percentiles[4, 2]]
                               + [s.act.percentiles[4, 2] for s in snaps])
    assert not row.median.path().isEmpty()
    assert not row.outer.path().isEmpty() and not row.inner.path().isEmpty()
    assert row.plot.vb.viewRange()[1][0] < 0 < 1 < row.plot.vb.viewRange()[1][1]


def test_activation_plot_relu_dead_fraction(qtbot):
    plot = ActivationPlot()
    qtbot.addWidget(plot)
    snaps = feed(plot, relu_run(), 5)
    dead = snaps[-1].act.dead
    qtbot.waitUntil(lambda: plot.row_texts[1] == f"Hidden 2 (relu) — {100 * dead[1]:.0f} % dead",
                    timeout=2000)
    assert "saturated" in plot.row_texts[-1]  # sigmoid output


def test_activation_history_is_bounded(qtbot):
    run = xor_run()
    plot = ActivationPlot(capacity=40)
    qtbot.addWidget(plot)
    snaps = [run.snapshot(2) for _ in range(5)]
    plot.reset(run.context)
    for k in range(300):
        snap = snaps[k % 5]
        snap.step = k + 1
        plot.append(snap)
    assert 20 <= plot.history_size <= 40
    x, _ = plot.rows[0].median_data
    assert x[0] < 10 and x[-1] > 290


# --- OutputView -------------------------------------------------------------------------------

def test_output_view_binary_heatmap_and_points(qtbot):
    run = xor_run()
    view = OutputView()
    qtbot.addWidget(view)
    feed(view, run, 3)
    assert view.mode == PLANE
    assert view.image.image.shape == (100, 100)
    np.testing.assert_allclose(view.image.image, run.snapshot(0).output["value"])
    assert view.image.levels is not None
    assert len(view.train_points.data) == len(run.context.X_train_raw)
    assert len(view.test_points.data) == len(run.context.X_test_raw)
    rect = view.image.mapRectToParent(view.image.boundingRect())
    xmin, xmax, ymin, ymax = run.extent
    assert rect.left() < xmin < rect.left() + 0.2 and rect.right() > xmax
    assert view.test_points.isVisible()
    view.test_box.setChecked(False)
    assert not view.test_points.isVisible()
    lut_before = np.array(view.image.lut, copy=True)
    view.discrete_box.setChecked(True)
    lut_after = np.array(view.image.lut)
    assert not np.array_equal(lut_before, lut_after)
    assert len(np.unique(lut_after, axis=0)) == 2


def test_output_view_multiclass_colours_by_confidence(qtbot):
    rng = np.random.default_rng(0)
    centres = np.array([[-2.0, 0.0], [2.0, 0.0], [0.0, 2.5]])
    pts = [[*(centres[c] + 0.5 * rng.standard_normal(2)), c] for c in range(3)
           for _ in range(20)]
    run = Run(DataConfig(source="painted", points=pts, test_fraction=0.25, seed=1),
              [LayerSpec(8, "tanh")], lr=0.05, optimizer="adam")
    view = OutputView()
    qtbot.addWidget(view)
    feed(view, run, 4)
    assert view.mode == PLANE
    img = view.image.image
    assert img.shape == (100, 100, 3) and img.dtype == np.uint8
    winner = run.snapshot(0).output["value"]
    # where class 1 (blue) wins, the pixel is tinted blue
    iy, ix = np.argwhere(winner == 1)[0]
    r, g, b = img[iy, ix].astype(int)
    assert b > r


def test_output_view_regression_curve(qtbot):
    run = Run(DataConfig(source="builtin", name="sine", samples=120, noise=0.05, seed=1),
              [LayerSpec(8, "tanh")], lr=0.05)
    view = OutputView()
    qtbot.addWidget(view)
    feed(view, run, 3)
    assert view.mode == CURVE
    assert curve_len(view.curve) == 200
    assert len(view.train_points.data) == len(run.context.X_train_raw)
    np.testing.assert_allclose(view.train_points.data["y"], run.context.y_train)


def test_output_view_confusion_matrix(qtbot):
    run = Run(DataConfig(source="builtin", name="iris", test_fraction=0.3, seed=1),
              [LayerSpec(8, "tanh")], lr=0.02, optimizer="adam")
    view = OutputView()
    qtbot.addWidget(view)
    snaps = feed(view, run, 5)
    assert view.mode == CONFUSION
    cm = snaps[-1].confusion
    assert view.cell_values == [str(v) for v in cm.ravel()]
    assert view.image.image.shape == (3, 3)
    np.testing.assert_allclose(view.image.image.sum(axis=1), 1.0)
    ticks = [t for _, t in view.plot.getAxis("bottom")._tickLevels[0]]
    assert ticks == [str(c) for c in run.context.classes]
    acc = 100.0 * np.trace(cm) / cm.sum()
    assert f"accuracy {acc:.1f} %" in view.info.text()


def test_output_view_message_for_many_input_regression(qtbot):
    ctx = PlotContext(task="regression", classes=None, layer_names=["Hidden 1", "Output"],
                      activations=["tanh", "linear"], X_train_raw=np.zeros((5, 3)),
                      y_train=np.zeros(5), X_test_raw=None, y_test=None, extent=None,
                      input_dim=3)
    view = OutputView()
    qtbot.addWidget(view)
    view.reset(ctx)
    view.append(Snapshot())
    assert view.mode == MESSAGE
    assert "3 inputs" in view.message.textItem.toPlainText()


# --- PlotsPanel -------------------------------------------------------------------------------

def test_panel_fans_out_and_keeps_items(qtbot):
    run = xor_run()
    panel = PlotsPanel()
    qtbot.addWidget(panel)
    panel.resize(1280, 300)
    panel.show()
    panel.reset(run.context)
    snaps = [run.snapshot(10) for _ in range(40)]
    panel.append(snaps[0])
    QtCore.QCoreApplication.processEvents()
    counts = [len(p.graphics.scene().items()) for p in panel.plots]
    for snap in snaps[1:]:
        panel.append(snap)
        QtCore.QCoreApplication.processEvents()  # settles: no endless re-range loop
    assert [len(p.graphics.scene().items()) for p in panel.plots] == counts
    assert curve_len(panel.loss.batch_curve) == 400
    assert panel.gradients.history_size == 400
    assert panel.activations.history_size == 40
    assert panel.output_view.image.image.shape == (100, 100)
    assert panel.layout_mode == "row"
    panel.set_show_test(False)
    assert not panel.output_view.test_box.isChecked()


def test_panel_layout_follows_size_and_lets_the_window_take_the_output(qtbot):
    panel = PlotsPanel()
    qtbot.addWidget(panel)
    panel.resize(450, 800)
    panel.show()
    QtCore.QCoreApplication.processEvents()
    assert panel.layout_mode in ("column", "grid", "tabs")
    holder = QtWidgets.QWidget()
    qtbot.addWidget(holder)
    QtWidgets.QVBoxLayout(holder).addWidget(panel.output_view)
    panel.resize(1280, 300)
    QtCore.QCoreApplication.processEvents()
    assert panel.layout_mode == "row"
    assert panel.output_view.parentWidget() is holder
    panel.set_layout_mode("tabs")
    assert panel.layout_mode == "tabs"
    with pytest.raises(NNStudioError, match="unknown plot layout"):
        panel.set_layout_mode("spiral")


def test_panel_fresh_snapshot_restarts_the_plots(qtbot):
    run = xor_run()
    panel = PlotsPanel()
    qtbot.addWidget(panel)
    panel.reset(run.context)
    for _ in range(3):
        panel.append(run.snapshot(10))
    snap = run.snapshot(10)
    snap.fresh = True
    panel.append(snap)
    assert curve_len(panel.loss.batch_curve) == 10


def test_export_png_and_svg(qtbot, tmp_path):
    run = deep_sigmoid_run()
    panel = PlotsPanel()
    qtbot.addWidget(panel)
    panel.resize(1280, 300)
    panel.show()
    panel.reset(run.context)
    for _ in range(3):
        panel.append(run.snapshot(10))
    png = panel.export_image("gradients", tmp_path / "grad.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = panel.export_image("loss", tmp_path / "loss.svg")
    text = svg.read_text(encoding="utf-8")
    assert "<svg" in text and "</svg>" in text
    with pytest.raises(NNStudioError, match="use .png or .svg"):
        panel.export_image("loss", tmp_path / "loss.jpg")
    with pytest.raises(NNStudioError, match="unknown plot"):
        panel.export_image("weights", tmp_path / "w.png")
    with pytest.raises(NNStudioError, match="cannot write"):
        panel.export_image("output", tmp_path / "missing" / "dir" / "o.png")


# --- helpers ----------------------------------------------------------------------------------

def test_number_formatting():
    assert format_sci(3.2e-6) == "3.2e-6"
    assert format_sci(0.0246) == "0.0246"
    assert format_sci(0.0) == "0"
    assert format_sci(float("nan")) == "–"
    assert power_of_ten(-6) == "10⁻⁶" and power_of_ten(2) == "10²"


def test_signals_do_not_exhaust_singleton_refcounts(qtbot):
    """PySide6 6.12 on Python < 3.12 drops a reference to True/None per emit (see qtfix)."""
    qtfix.install()

    class Emitter(QtCore.QObject):
        fired = QtCore.Signal()

    emitter = Emitter()
    before = sys.getrefcount(True)
    for _ in range(20_000):  # without the guard this aborts the interpreter
        emitter.fired.emit()
    assert sys.getrefcount(True) > 0
    assert before > 0


def test_panes_show_again_after_the_tabbed_layout(qtbot):
    """A narrow window puts the plots in tabs; widening it again must show every pane
    (a tab widget hides its inactive pages, and they stayed hidden once moved out)."""
    from nnstudio.gui.plots_panel import PlotsPanel

    panel = PlotsPanel()
    qtbot.addWidget(panel)
    panel.resize(1200, 320)
    panel.show()
    panel.set_layout_mode("tabs")
    qtbot.wait(10)
    panel.set_layout_mode("row")
    qtbot.wait(10)
    assert all(pane.isVisible() for pane in (panel.loss, panel.gradients, panel.activations))
