"""The shared plot machinery: the fast wide curve, the empty-plot hint, throttled texts, axis
labels that fit, and the output plane fitted to the data."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pyqtgraph.exporters  # noqa: F401  (registers pg.exporters)
import pytest
from PySide6 import QtGui

from nnstudio.gui import plots_common
from nnstudio.gui.plots_activations import ActivationPlot
from nnstudio.gui.plots_common import (
    HINT_TEXT,
    BoundedHistory,
    LogAxis,
    Throttle,
    make_curve,
)
from nnstudio.gui.plots_gradients import GradientPlot
from nnstudio.gui.plots_loss import LossPlot
from nnstudio.gui.plots_output import OutputView
from nnstudio.gui.snapshot import Snapshot
from tests.gui.test_plots import deep_sigmoid_run, xor_run

BLUE = (31, 119, 180)


def _image(widget) -> np.ndarray:
    img = widget.grab().toImage().convertToFormat(QtGui.QImage.Format.Format_RGB32)
    arr = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine() // 4, 4)
    return arr[:, :img.width(), 2::-1].astype(int)  # BGRA -> RGB


def _blueish(rgb: np.ndarray) -> np.ndarray:
    """Pixels clearly tinted with BLUE (antialiased edges included, white excluded)."""
    r, b = rgb[..., 0], rgb[..., 2]
    return (b - r > 40) & (b > 120)


def _curve_plot(qtbot, width: float) -> tuple[pg.PlotWidget, pg.PlotDataItem]:
    view = pg.PlotWidget(background="w")
    qtbot.addWidget(view)
    view.resize(300, 200)
    view.hideAxis("left")
    view.hideAxis("bottom")
    curve = make_curve(view.getPlotItem(), pg.mkPen(BLUE, width=width), antialias=True)
    view.setXRange(0, 10, padding=0)
    view.setYRange(0, 1, padding=0)
    curve.setData(np.linspace(0, 10, 500), np.full(500, 0.5))
    view.show()
    qtbot.waitExposed(view)
    return view, curve


def _thickness(rgb: np.ndarray) -> list[int]:
    """Tinted pixels per column across the middle of the picture."""
    mask = _blueish(rgb)
    w = mask.shape[1]
    return [int(mask[:, x].sum()) for x in range(w // 4, 3 * w // 4, 10)]


def test_fast_wide_curve_draws_a_line_as_wide_as_its_pen(qtbot, monkeypatch):
    calls = []
    original = plots_common._fast_thick_applies

    def spy(item, painter):
        calls.append(original(item, painter))
        return calls[-1]

    monkeypatch.setattr(plots_common, "_fast_thick_applies", spy)
    view, _ = _curve_plot(qtbot, 2.0)
    rgb = _image(view)
    assert calls and all(calls)  # painted by the fast path
    thickness = _thickness(rgb)
    # a horizontal 2 px line, antialiased: 2-3 tinted rows in every column, no gaps
    assert all(2 <= t <= 4 for t in thickness), thickness
    # and as dark as a real 2 px line: its core pixels are the pen's colour
    core = rgb[_blueish(rgb)]
    assert np.abs(core.min(axis=0) - np.array(BLUE)).max() < 40


def test_thin_and_translucent_pens_keep_pyqtgraphs_own_painting(qtbot, monkeypatch):
    used = []
    monkeypatch.setattr(plots_common, "_fast_thick_applies",
                        lambda item, painter: used.append(1) or False)
    view, curve = _curve_plot(qtbot, 2.0)
    rgb = _image(view)
    assert used  # asked, declined: the normal path drew the same line
    assert all(2 <= t <= 4 for t in _thickness(rgb))
    thin = pg.mkPen(BLUE, width=1)
    curve.setPen(thin)
    canvas = QtGui.QImage(10, 10, QtGui.QImage.Format.Format_ARGB32)  # outlives the painter
    painter = QtGui.QPainter(canvas)
    try:
        monkeypatch.undo()
        assert not plots_common._fast_thick_applies(curve.curve, painter)
        curve.setPen(pg.mkPen((31, 119, 180, 120), width=2))
        assert not plots_common._fast_thick_applies(curve.curve, painter)
        curve.setPen(pg.mkPen(BLUE, width=2))
        assert plots_common._fast_thick_applies(curve.curve, painter)
    finally:
        painter.end()


def test_exports_draw_the_true_pen(qtbot):
    view, curve = _curve_plot(qtbot, 2.0)
    exporter = pg.exporters.ImageExporter(view.getPlotItem())
    image = exporter.export(toBytes=True)
    assert image is not None and not image.isNull()
    # while exporting pyqtgraph sets _exportOpts: the fast path stands aside
    curve.curve.setExportMode(True, {"antialias": True})
    canvas = QtGui.QImage(10, 10, QtGui.QImage.Format.Format_ARGB32)  # outlives the painter
    painter = QtGui.QPainter(canvas)
    try:
        assert not plots_common._fast_thick_applies(curve.curve, painter)
    finally:
        painter.end()
        curve.curve.setExportMode(False)
    image = image.convertToFormat(QtGui.QImage.Format.Format_RGB32)
    arr = np.frombuffer(image.constBits(), np.uint8).reshape(
        image.height(), image.bytesPerLine() // 4, 4)[:, :image.width(), 2::-1].astype(int)
    assert _blueish(arr).sum() > 200  # the line is in the exported picture


# --- the empty-plot hint ----------------------------------------------------------------------

@pytest.mark.parametrize("cls", [LossPlot, GradientPlot, ActivationPlot])
def test_empty_plots_say_how_to_start(qtbot, cls):
    run = deep_sigmoid_run() if cls is not LossPlot else xor_run()
    plot = cls()
    qtbot.addWidget(plot)
    plot.resize(360, 300)
    plot.show()
    plot.reset(run.context)
    assert plot.hint.isVisible() and plot.hint.label.text() == HINT_TEXT
    label, view = plot.hint.label, plot.graphics
    if cls is ActivationPlot:  # centred over the drawing area
        assert abs(label.geometry().center().x() - view.width() / 2) <= 2
    else:  # centred inside the (first) plot's axes, so it covers no tick or axis title
        vb = plot.loss_plot.vb if cls is LossPlot else plot.curve_plot.vb
        area = view.mapFromScene(vb.sceneBoundingRect()).boundingRect()
        assert area.contains(label.geometry())
        assert abs(label.geometry().center().x() - area.center().x()) <= 2
        assert abs(label.geometry().center().y() - area.center().y()) <= 2
    plot.append(run.snapshot(10))
    assert not plot.hint.isVisible()
    plot.reset(run.context)
    assert plot.hint.isVisible()


def test_a_snapshot_without_data_keeps_the_hint(qtbot):
    plot = LossPlot()
    qtbot.addWidget(plot)
    plot.reset(xor_run().context)
    plot.append(Snapshot())
    assert plot.hint.isVisible()


def test_output_view_hint_in_its_header(qtbot):
    run = xor_run()
    view = OutputView()
    qtbot.addWidget(view)
    view.reset(run.context)
    assert view.hint_shown and view.info.text() == HINT_TEXT
    view.append(run.snapshot(5))
    assert not view.hint_shown and view.info.text() == ""
    view.reset(run.context)
    assert view.hint_shown


# --- the output plane shows the data's extent -------------------------------------------------

@pytest.mark.parametrize("size", [(373, 273), (300, 520), (700, 260)])
def test_output_plane_range_is_the_data_extent(qtbot, size):
    run = xor_run()
    view = OutputView()
    qtbot.addWidget(view)
    view.resize(*size)
    view.show()
    qtbot.waitExposed(view)
    view.reset(run.context)
    view.append(run.snapshot(5))
    xmin, xmax, ymin, ymax = run.extent

    def fits() -> bool:
        (x0, x1), (y0, y1) = view.plot.vb.viewRange()
        tol_x, tol_y = 0.01 * (xmax - xmin), 0.01 * (ymax - ymin)
        return (abs(x0 - xmin) < tol_x and abs(x1 - xmax) < tol_x
                and abs(y0 - ymin) < tol_y and abs(y1 - ymax) < tol_y)

    qtbot.waitUntil(fits, timeout=2000)
    # undistorted: a data unit is as long across as it is up
    vb = view.plot.vb
    sx = vb.width() / (xmax - xmin)
    sy = vb.height() / (ymax - ymin)
    assert sx == pytest.approx(sy, rel=0.02)


# --- axis labels that fit -------------------------------------------------------------------

def _axis_texts(axis: pg.AxisItem) -> list[str]:
    image = QtGui.QImage(10, 10, QtGui.QImage.Format.Format_ARGB32)
    painter = QtGui.QPainter(image)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [text for _, _, text in specs[2] if text]


def test_accuracy_axis_labels_0_50_and_100(qtbot):
    run = xor_run()
    plot = LossPlot()
    qtbot.addWidget(plot)
    plot.resize(284, 349)
    plot.show()
    qtbot.waitExposed(plot)
    plot.reset(run.context)
    plot.append(run.snapshot(20))
    qtbot.wait(20)
    assert plot.acc_plot.getAxis("left").height() < 140  # the short subplot
    # from a round floor at or below every accuracy shown, to 100 %: ends and middle labelled
    low, high = plot.acc_range
    accuracies = np.concatenate([plot.train_acc_curve.getData()[1],  # in %
                                 plot.test_acc_curve.getData()[1]])
    assert high == 100 and low <= np.nanmin(accuracies) and low in (0, 50, 80, 90)
    labels = sorted(_axis_texts(plot.acc_plot.getAxis("left")), key=float)
    assert labels == [f"{low:g}", f"{(low + 100) / 2:g}", "100"]


@pytest.mark.parametrize("width, height, decades", [
    # the bars span at least six decades (10⁻⁵ … 10⁰ around data in 10⁻³ … 10⁻²), labelled
    # every decade, every 2nd, 3rd ... as the room allows, a label never dropped twice over
    (700, 349, ["10⁻³", "10⁰"]),  # wide: bars beside the curves
    (354, 349, ["10⁻⁴", "10⁻²", "10⁰"]),  # the window's size: bars below the curves
    (354, 200, ["10⁻⁴", "10⁰"]),  # too short for rows below: beside, labelled H1 … Out
    (262, 200, ["10⁰"]),  # a narrow bar plot beside the curves still gets one
])
def test_gradient_bars_label_their_decades(qtbot, width, height, decades):
    plot = GradientPlot()
    qtbot.addWidget(plot)
    plot.resize(width, height)
    plot.show()
    qtbot.waitExposed(plot)
    run = deep_sigmoid_run()
    plot.reset(run.context)
    snap = run.snapshot(10)
    snap.running = False
    snap.grads = np.tile([2e-3, 3e-3, 5e-3, 7e-3, 8e-3, 8e-3, 9e-3, 9e-3, 9e-3], (10, 1))
    plot.append(snap)  # all within one decade: the decades at both ends get labels if
    qtbot.wait(20)     # there is room, and a narrow bar plot still gets one
    assert _axis_texts(plot.bar_plot.getAxis("bottom")) == decades
    values = _axis_texts(plot.bar_plot.getAxis("right"))
    assert len(values) == 9  # every bar's value, none dropped for lack of room


def test_log_axis_labels_minor_ticks_only_with_room(qtbot):
    view = pg.PlotWidget(axisItems={"left": LogAxis("left")})
    qtbot.addWidget(view)
    view.setLogMode(y=True)
    view.plot([1, 2, 3], [0.01, 0.1, 1.0])
    view.resize(300, 160)  # two decades on ~130 px: decades only
    view.show()
    qtbot.waitExposed(view)
    view.setYRange(-2, 0, padding=0)
    qtbot.wait(20)
    texts = _axis_texts(view.getAxis("left"))
    assert texts and all(t.startswith("10") for t in texts)
    view.resize(300, 700)  # ~330 px a decade: the ticks between get numbers too
    qtbot.wait(50)
    texts = _axis_texts(view.getAxis("left"))
    assert "0.02" in texts and "0.05" in texts


# --- throttled texts and the activation history ----------------------------------------------

def test_throttle_applies_the_last_update(qtbot):
    seen = []
    throttle = Throttle(interval=0.2)
    throttle(lambda: seen.append(1))
    throttle(lambda: seen.append(2))
    throttle(lambda: seen.append(3))
    assert seen == [1] and throttle.pending
    qtbot.waitUntil(lambda: seen == [1, 3], timeout=2000)
    throttle(lambda: seen.append(4), live=False)  # not training: at once
    assert seen == [1, 3, 4]


def test_activation_plot_redraws_the_same_moment_in_place(qtbot):
    run = xor_run()
    plot = ActivationPlot()
    qtbot.addWidget(plot)
    plot.reset(run.context)
    snap = run.snapshot(5)
    plot.append(snap)
    plot.append(snap)  # paused: the same step again
    assert plot.history_size == 1
    x, _ = plot.rows[0].median_data
    assert x[0] == snap.steps[0] and x[-1] == snap.step  # one reading, from the start


def test_bounded_history_replaces_only_raw_rows():
    h = BoundedHistory(1, capacity=4)
    assert not h.replace_last([1.0])
    h.extend([1.0], [[2.0]])
    assert h.replace_last([5.0]) and h.y[-1, 0] == 5.0
    h.extend(np.arange(2.0, 12.0), np.arange(2.0, 12.0))
    assert h.stride > 1 and not h.replace_last([0.0])


def test_hint_is_not_exported(qtbot, tmp_path):
    plot = LossPlot()
    qtbot.addWidget(plot)
    plot.resize(300, 260)
    plot.show()
    plot.reset(xor_run().context)
    assert plot.hint.isVisible()
    items = plot.graphics.scene().items()
    assert not any(isinstance(i, pg.TextItem) and HINT_TEXT in i.toPlainText() for i in items
                   if hasattr(i, "toPlainText"))
    assert plot.hint.label.parentWidget() is plot.graphics


def test_strike_offsets_cover_the_pen_width():
    for width in (1.5, 2.0, 2.5, 3.0):
        offsets = plots_common._strike_offsets(width)
        ys = [dy for _, dy in offsets]
        assert max(ys) - min(ys) == pytest.approx(width - 1.0)
    assert (0.0, 0.0) in plots_common._strike_offsets(2.5)  # no gap in the middle


def test_step_axis_follows_the_data_in_few_nice_steps(qtbot):
    plot = pg.PlotWidget()
    qtbot.addWidget(plot)
    item = plot.getPlotItem()
    changes, last_range = 0, None
    for last in np.geomspace(10, 1_000_000, 2000):
        plots_common.follow_x(item, 1.0, float(last))
        (x0, x1), _ = item.vb.viewRange()
        assert x0 <= 1.0 and last <= x1  # the whole history shows ...
        assert x1 - 1.0 <= 1.6 * (last - 1.0) + 1  # ... without much empty room
        if (x0, x1) != last_range:
            changes, last_range = changes + 1, (x0, x1)
    # five decades of growth: about 5 x 8 nice lengths, not a change every frame
    assert changes <= 45
    # each range is a nice length: 1, 1.5, 2, 3, 4, 5, 6 or 8 times a power of ten
    length = last_range[1] - 1.0
    mantissa = length / 10 ** np.floor(np.log10(length))
    assert min(abs(mantissa - m) for m in (1, 1.5, 2, 3, 4, 5, 6, 8, 10)) < 1e-9
    # starting over (a reset) shrinks the range again
    plots_common.follow_x(item, 1.0, 50.0)
    assert item.vb.viewRange()[0][1] <= 1.0 + 80
