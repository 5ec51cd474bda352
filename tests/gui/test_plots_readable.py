"""The live plots stay readable at the sizes they get in the 1280x800 window: no vanishing
curves, no labels running together, no header cut off mid-word, no stale statistics."""

from __future__ import annotations

import dataclasses

import numpy as np
import pyqtgraph as pg
from PySide6 import QtGui

from nnstudio.gui.plots_activations import LEGEND_TEXTS, ActivationPlot
from nnstudio.gui.plots_common import FitLabel, StepAxis
from nnstudio.gui.plots_gradients import GradientPlot
from nnstudio.gui.plots_loss import LossPlot
from nnstudio.gui.plots_output import OutputView
from nnstudio.gui.snapshot import Snapshot
from tests.gui.test_plots import deep_sigmoid_run, xor_run

# the plots' sizes in the 1280x800 main window
LOSS_SIZE, GRAD_SIZE, ACT_SIZE, OUT_SIZE = (284, 349), (354, 340), (284, 349), (373, 273)


def _text_specs(axis: pg.AxisItem) -> list[tuple[QtGui.QRectF, str]]:
    """The tick labels an axis draws now, with where it draws them."""
    image = QtGui.QImage(10, 10, QtGui.QImage.Format.Format_ARGB32)
    painter = QtGui.QPainter(image)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [(rect, text) for rect, _, text in specs[2] if text]


def _no_overlap(specs: list[tuple[QtGui.QRectF, str]], gap: float = 4.0) -> bool:
    rects = sorted((rect for rect, _ in specs), key=lambda r: r.left())
    return all(b.left() - a.right() >= gap for a, b in zip(rects, rects[1:]))


def _shown(qtbot, widget, size) -> None:
    qtbot.addWidget(widget)
    widget.resize(*size)
    widget.show()
    qtbot.waitExposed(widget)


def _fits(label: FitLabel) -> bool:
    """The label's shown text fits its width and is never cut mid-word: it is one of the
    label's wordings (or empty), never an elided fragment."""
    shown = label.shown_text
    if not shown:
        return True
    doc = QtGui.QTextDocument()
    doc.setDefaultFont(label.font())
    doc.setDocumentMargin(0)
    doc.setHtml(shown)
    return doc.idealWidth() <= label.contentsRect().width() and shown in label._texts


def _grad_snapshot(step0: int, grads: np.ndarray, layers: int) -> Snapshot:
    steps = np.arange(step0 + 1, step0 + 1 + len(grads))
    return Snapshot(step=int(steps[-1]), epoch=0, running=False, steps=steps,
                    losses=np.ones(len(steps)), grads=grads.reshape(len(steps), layers))


# --- 1. gradients that are often exactly zero ----------------------------------------------

def test_gradient_curves_survive_steps_with_exactly_zero_gradient(qtbot):
    """A saturated tanh layer (learning rate 30) has a gradient of exactly 0 on ~40 % of
    the steps and tiny or large ones on the rest: its curve must run through the whole
    history at the mean |dJ/dW| (what its bar shows), not vanish into gaps."""
    run = xor_run()  # 2 hidden tanh layers and an output layer
    plot = GradientPlot()
    _shown(qtbot, plot, GRAD_SIZE)
    plot.reset(run.context)
    rng = np.random.default_rng(0)
    n = 5000
    hidden = 10.0 ** rng.uniform(-30, 0, size=(n, 2))
    hidden[rng.random((n, 2)) < 0.4] = 0.0
    grads = np.column_stack([hidden, np.full(n, 0.375)])
    for start in range(0, n, 250):
        plot.append(_grad_snapshot(start, grads[start:start + 250], 3))
    qtbot.wait(20)
    for j, curve in enumerate(plot.curves):
        x, y = curve.getData()  # what is drawn (after any downsampling)
        assert x is not None and len(x) > 50
        assert np.isfinite(y).mean() > 0.95, f"curve {j} is mostly gaps"
        assert x[np.isfinite(y)][-1] > 0.95 * n  # it reaches the newest steps
    # the drawn points are means over bins of steps (before the log), like the bars
    x, y = plot.curves[0].getData()
    assert np.nanmedian(10 ** y) > 1e-6  # a mean of logs (geometric) would be ~1e-15
    np.testing.assert_allclose(plot.current, grads[-250:].mean(axis=0))


def test_gradient_curve_has_a_gap_where_a_layer_gets_no_gradient_at_all(qtbot):
    run = xor_run()
    plot = GradientPlot()
    _shown(qtbot, plot, GRAD_SIZE)
    plot.reset(run.context)
    grads = np.tile([1e-3, 2e-3, 3e-2], (600, 1))
    grads[300:, 0] = 0.0  # Hidden 1 dies half-way
    plot.append(_grad_snapshot(0, grads, 3))
    x, y = plot.curves[0].getData()
    assert np.isfinite(y[x < 280]).all()
    assert not np.isfinite(y[x > 320]).any()
    assert np.isfinite(plot.curves[1].getData()[1]).all()


# --- 2. nine layers in the window's gradient pane ------------------------------------------

def test_gradient_plot_with_nine_layers_stays_readable(qtbot):
    run = deep_sigmoid_run()  # 8 sigmoid layers and the output layer
    plot = GradientPlot()
    _shown(qtbot, plot, GRAD_SIZE)
    plot.reset(run.context)
    snaps = [run.snapshot(100) for _ in range(50)]
    for snap in snaps:
        snap.running = False
        plot.append(snap)
    qtbot.wait(50)
    # the bars below the curves, in compact rows; the curves keep a useful height
    assert not plot.side_by_side
    assert plot.bar_row_height >= 10
    assert plot.curve_plot.vb.height() >= 60
    assert plot.curve_plot.vb.width() > 0.6 * GRAD_SIZE[0]
    labels = _text_specs(plot.bar_plot.getAxis("left"))
    assert [text for _, text in labels] == plot.legend_labels  # every layer named in full
    # the step labels have room between them ("2000 4000", never "20004000")
    steps = _text_specs(plot.curve_plot.getAxis("bottom"))
    assert len(steps) >= 2 and _no_overlap(steps)
    assert all(text.isdigit() for _, text in steps)
    # the header readout fits; the complete sentence is in the tooltip when shortened
    assert "smaller" in plot.readout.text() and "than Output" in plot.readout.text()
    assert _fits(plot.readout)
    if plot.readout.shown_text != plot.readout.text():
        assert "than Output" in plot.readout.toolTip()


def test_gradient_plot_beside_bars_when_short_uses_short_layer_names(qtbot):
    plot = GradientPlot()
    _shown(qtbot, plot, (354, 200))
    plot.reset(deep_sigmoid_run().context)
    qtbot.wait(20)
    assert plot.side_by_side
    names = [text for _, text in _text_specs(plot.bar_plot.getAxis("left"))]
    assert names == [f"H{i}" for i in range(1, 9)] + ["Out"]


def test_step_axis_labels_never_run_together():
    axis = StepAxis("bottom")
    for size in (60, 100, 150, 300, 600):
        for hi in (7, 120, 5500, 80_000, 3_000_000):
            (spacing, _), = axis.tickSpacing(0, hi, size)
            assert spacing >= 1 and float(spacing).is_integer()
            label = QtGui.QFontMetrics(axis.font()).horizontalAdvance(f"{hi:.0f}")
            assert spacing / hi * size >= label  # one label's width apart, at least


# --- 3. the empty gradient plot ------------------------------------------------------------

def test_empty_gradient_plot_shows_decades_and_whole_steps(qtbot):
    plot = GradientPlot()
    _shown(qtbot, plot, GRAD_SIZE)
    run = deep_sigmoid_run()
    plot.reset(run.context)
    qtbot.wait(20)
    y_texts = [text for _, text in _text_specs(plot.curve_plot.getAxis("left"))]
    assert len(y_texts) >= 3 and all(t.startswith("10") for t in y_texts), y_texts
    x_texts = [text for _, text in _text_specs(plot.curve_plot.getAxis("bottom"))]
    assert x_texts and all(t.isdigit() for t in x_texts), x_texts
    # after a run, a reset (e.g. another preset) shows the empty axes again
    snap = run.snapshot(50)
    snap.grads = np.full_like(snap.grads, 3e-15)
    plot.append(snap)
    plot.reset(run.context)
    qtbot.wait(20)
    assert plot.curve_plot.vb.viewRange()[1][1] > -1  # back up to 10⁰


# --- 4. headers at the window's sizes --------------------------------------------------------

def test_loss_header_numbers_fit_beside_the_log_box(qtbot):
    run = xor_run()
    plot = LossPlot()
    _shown(qtbot, plot, LOSS_SIZE)
    plot.reset(run.context)
    for _ in range(5):
        snap = run.snapshot(40)
        snap.running = False
        plot.append(snap)
    qtbot.wait(20)
    assert "acc." in plot.status_text and "train" in plot.status_text
    assert _fits(plot.status)
    assert plot.status.geometry().right() < plot.log_box.geometry().left()
    # narrower, a shorter wording (still the numbers), never a cut one
    plot.resize(230, 349)
    qtbot.wait(20)
    assert _fits(plot.status) and plot.status.shown_text
    assert plot.status.shown_text != plot.status_text
    assert "acc." in plot.status.toolTip()


def test_activation_header_key_fits_or_goes(qtbot):
    plot = ActivationPlot()
    _shown(qtbot, plot, ACT_SIZE)
    plot.reset(deep_sigmoid_run().context)
    qtbot.wait(20)
    assert plot.legend_text.shown_text in LEGEND_TEXTS[:2]
    assert _fits(plot.legend_text)
    plot.resize(240, 349)
    qtbot.wait(20)
    assert _fits(plot.legend_text)  # dropped rather than cut ("…edian · 50 %")


def test_output_header_hint_and_accuracy_fit_beside_the_check_boxes(qtbot):
    run = xor_run()
    view = OutputView()
    _shown(qtbot, view, OUT_SIZE)
    view.reset(run.context)
    qtbot.wait(20)
    assert _fits(view.info)
    assert view.info.shown_text  # "Press Play …" has room in some wording
    view.resize(262, 273)
    qtbot.wait(20)
    assert _fits(view.info)


# --- 5. activation statistics sent again with a later snapshot ----------------------------

def test_activation_plot_does_not_redraw_old_statistics_at_a_later_step(qtbot):
    """The worker attaches its latest statistics to every snapshot, also when the network
    trained on without measuring them (a run that reached its epoch limit between two
    frames): they describe the step where they first came, and are not drawn again."""
    run = xor_run(lr=3.0)
    plot = ActivationPlot()
    _shown(qtbot, plot, ACT_SIZE)
    plot.reset(run.context)
    first = run.snapshot(20)
    first.running = False
    plot.append(first)
    size = plot.history_size
    x_before, _ = plot.rows[0].median_data
    stale = run.snapshot(500)
    stale.act = first.act  # the same measurement again, 500 steps later
    stale.running = False
    plot.append(stale)
    assert plot.history_size == size
    np.testing.assert_array_equal(plot.rows[0].median_data[0], x_before)
    # new statistics of the same moment (e.g. measured when pausing) are drawn there
    fresh = dataclasses.replace(stale, act=run.snapshot(1).act, step=stale.step)
    plot.append(fresh)
    assert plot.history_size == size + 1
    assert plot.rows[0].median_data[0][-1] == stale.step
    sat = fresh.act.saturated
    assert plot.row_texts[0].endswith(f"{100 * sat[0]:.0f} % saturated")
