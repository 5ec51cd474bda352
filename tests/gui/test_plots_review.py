"""What a new user's review of the plots asked for: headers that say what they compare and
do not cry wolf, bar scales that compare across networks, an x axis that fits a stopped run,
hints inside the plot, a legend that fits, and a panel that can bring a plot into view."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6 import QtCore, QtWidgets

from nnstudio.engine.errors import NNStudioError
from nnstudio.gui import plots_common
from nnstudio.gui.plots_gradients import CAPTIONS, MIN_DECADES, WARN_COLOR, GradientPlot
from nnstudio.gui.plots_loss import LossPlot
from nnstudio.gui.plots_output import OutputView
from nnstudio.gui.plots_panel import PlotsPanel
from nnstudio.gui.snapshot import PlotContext, Snapshot
from tests.gui.test_plots import xor_run
from tests.gui.test_plots_readable import _fits, _shown


def _context(layers: int) -> PlotContext:
    names = [f"Hidden {i}" for i in range(1, layers)] + ["Output"]
    return PlotContext(task="binary", classes=[0, 1], layer_names=names,
                       activations=["sigmoid"] * layers, X_train_raw=np.zeros((4, 2)),
                       y_train=np.zeros(4), X_test_raw=None, y_test=None, extent=None,
                       input_dim=2)


def _snap(grads, step0: int = 0, steps: int = 20, loss: float = 0.7,
          epoch_loss: float | None = None, diverged: str | None = None) -> Snapshot:
    grads = np.tile(np.asarray(grads, dtype=float), (steps, 1))
    numbers = np.arange(step0 + 1, step0 + 1 + steps)
    epochs = [] if epoch_loss is None else [{"step": float(numbers[-1]), "epoch": 1.0,
                                             "train_loss": epoch_loss}]
    return Snapshot(step=int(numbers[-1]), epoch=1, running=False, steps=numbers,
                    losses=np.full(steps, loss), grads=grads, epochs=epochs,
                    diverged=diverged)


def _gradients(qtbot, grads, size=(354, 349), **kw) -> GradientPlot:
    plot = GradientPlot()
    _shown(qtbot, plot, size)
    plot.reset(_context(len(grads)))
    plot.append(_snap(grads, **kw))
    return plot


# --- 1. the gradient header and caption -----------------------------------------------------

def test_a_healthy_ratio_reads_neutral(qtbot):
    plot = _gradients(qtbot, [2e-3, 4e-3, 1e-2])  # the first layer 5x below the output's
    full = plot.readout.text()
    assert full == "Hidden 1: 5.0× smaller than Output"  # said plainly, not "≈"
    assert "<b>" not in full and WARN_COLOR not in full  # not bold, not coloured
    assert plot.state == "normal" and plot.caption.text() == CAPTIONS["normal"]
    assert "vanishing" not in plot.caption.text()


def test_a_tenfold_gap_is_stated_but_not_highlighted(qtbot):
    plot = _gradients(qtbot, [3e-4, 1e-2])  # 33x
    assert plot.readout.text() == "Hidden 1: 33× smaller than Output"
    assert plot.state == "normal"


def test_vanishing_gradients_are_highlighted_and_explained(qtbot):
    grads = [1e-8, 1e-6, 1e-4, 1e-2, 2e-2, 2e-2, 2e-2, 2e-2, 2e-2]  # nine layers
    plot = _gradients(qtbot, grads)
    assert plot.state == "vanishing" and "vanishing gradients" in plot.caption.text()
    texts = plot.readout._texts
    assert WARN_COLOR in texts[0] and "2,000,000× smaller than Output" in texts[0]
    # every wording, down to the shortest, says what the first layer is compared with
    for text in texts:
        plain = plot.readout._plain(text)
        assert "Out" in plain and ("H1" in plain or "Hidden 1" in plain)
    assert plot.readout._plain(texts[1]) == "H1: 2,000,000× smaller than Output"
    assert plot.readout._plain(texts[-2]) == "H1: 2.0e6× smaller than Out"
    assert plot.readout._plain(texts[-1]) == "H1/Out = 1/2.0e6"
    assert _fits(plot.readout)
    plot.resize(300, 349)  # narrow: a shorter wording, still with "Out"
    qtbot.wait(20)
    assert "Out" in plot.readout.shown_text and _fits(plot.readout)


def test_exploding_gradients_say_so(qtbot):
    plot = _gradients(qtbot, [5.0, 0.5, 1e-2])
    assert plot.state == "exploding"
    assert "500× larger than Output" in plot.readout.text()
    assert "exploding" in plot.caption.text()


def test_a_diverged_run_says_diverged_not_smaller(qtbot):
    plot = _gradients(qtbot, [1e-9, 1e-2], diverged="the loss became NaN")
    assert plot.state == "diverged"
    assert "diverged" in plot.readout.text() and "smaller" not in plot.readout.text()
    assert plot.caption.text() == CAPTIONS["diverged"]
    # non-finite gradients alone say the same
    plot.reset(_context(2))
    plot.append(_snap([np.inf, 1e-2]))
    assert plot.state == "diverged" and "smaller" not in plot.readout.text()
    # a reset starts over
    plot.reset(_context(2))
    plot.append(_snap([2e-3, 1e-2]))
    assert plot.state == "normal"


def test_a_loss_far_above_its_start_is_called_unstable_not_vanishing(qtbot):
    # learning rate too high: saturated layers get tiny gradients, but the problem is the step
    plot = _gradients(qtbot, [1e-9, 1e-10, 0.37], loss=0.7, epoch_loss=19.0)
    assert plot.state == "unstable"
    assert plot.readout.text().count("Loss unstable") == 1
    assert "vanishing" not in plot.caption.text()
    assert "learning rate" in plot.caption.text()
    # the same gradients with a loss going down: vanishing gradients
    plot.reset(_context(3))
    plot.append(_snap([1e-9, 1e-10, 0.37], loss=0.7, epoch_loss=0.69))
    assert plot.state == "vanishing"


# --- 2. bars and curves on a common scale ----------------------------------------------------

def _bar_share(plot: GradientPlot) -> np.ndarray:
    """Each bar's length as a share of the bar axis."""
    (x0, x1), _ = plot.bar_plot.vb.viewRange()
    return np.asarray(plot.bars.opts["width"]) / (x1 - x0)


def test_bars_span_at_least_six_decades_centred_on_the_data(qtbot):
    relu = [3.3e-5, 2.4e-5, 1.4e-5, 7.7e-6, 3.1e-5]  # a 4x spread
    plot = _gradients(qtbot, relu)
    lo, hi = plot._decades
    assert hi - lo >= MIN_DECADES
    data_lo, data_hi = np.log10(min(relu)), np.log10(max(relu))
    assert lo < data_lo and data_hi < hi
    assert abs((lo + hi) / 2 - (data_lo + data_hi) / 2) <= 1.0  # centred on the data
    share = _bar_share(plot)
    assert share.max() - share.min() < 0.15  # nearly flat
    sigmoid = [2.7e-7, 2.4e-6, 5.2e-5, 1e-3, 5.2e-2]  # five decades
    plot.reset(_context(5))
    plot.append(_snap(sigmoid))
    share = _bar_share(plot)
    assert share.max() - share.min() > 0.6  # a staircase
    assert np.all(np.diff(share) > 0)
    # the curves' axis too spans at least six decades
    (y0, y1) = plot.curve_plot.vb.viewRange()[1]
    assert y1 - y0 >= MIN_DECADES


def test_bar_labels_are_8_pt_where_rows_have_room(qtbot):
    plot = _gradients(qtbot, [1e-6] * 8 + [1e-2])  # nine layers, the window's size
    qtbot.wait(20)
    assert plot.bar_row_height >= 11
    font = plot.bar_plot.getAxis("left").style["tickFont"]
    assert font.pointSizeF() >= 8


# --- 3. the loss header and the accuracy strip -------------------------------------------------

def _loss_snapshot(step: int, train_acc: float, test_acc: float | None,
                   running: bool = False) -> Snapshot:
    row = {"step": float(step), "epoch": step / 10, "train_loss": 0.0564,
           "test_loss": 0.138 if test_acc is not None else None,
           "train_accuracy": train_acc, "test_accuracy": test_acc}
    return Snapshot(step=step, epoch=step // 10, running=running,
                    steps=np.arange(step - 9, step + 1), losses=np.full(10, 0.06),
                    epochs=[row])


def test_every_loss_header_wording_names_the_accuracy(qtbot):
    plot = LossPlot()
    _shown(qtbot, plot, (600, 349))
    plot.reset(xor_run().context)  # a classification with a test set
    plot.append(_loss_snapshot(10, 0.95, 0.91))
    texts = [plot.status._plain(t) for t in plot.status._texts]
    assert texts[0] == "train 0.0564 · test 0.138 · test acc. 91.0%"
    for text in texts:
        assert "%" not in text or "test acc. 91.0%" in text
    assert any("%" not in t for t in texts)  # the shortest ones leave the accuracy out
    for width in (600, 300, 220):
        plot.resize(width, 349)
        qtbot.wait(10)
        assert _fits(plot.status)
        shown = plot.status._plain(plot.status.shown_text)
        assert "%" not in shown or "test acc." in shown


def test_without_a_test_set_the_header_says_train_acc(qtbot):
    run = xor_run()
    context = run.context
    context.X_test_raw = None
    context.y_test = None
    plot = LossPlot()
    _shown(qtbot, plot, (600, 349))
    plot.reset(context)
    plot.append(_loss_snapshot(10, 0.95, None))
    texts = [plot.status._plain(t) for t in plot.status._texts]
    assert texts[0] == "train 0.0564 · train acc. 95.0%"
    assert all("%" not in t or "train acc." in t for t in texts)


def test_the_accuracy_strip_narrows_to_high_accuracies(qtbot):
    plot = LossPlot()
    _shown(qtbot, plot, (284, 349))
    plot.reset(xor_run().context)
    assert plot.acc_range == (0.0, 100.0)
    plot.append(_loss_snapshot(10, 0.93, 0.95))
    assert plot.acc_range == (90.0, 100.0)
    plot.append(_loss_snapshot(20, 1.0, 1.0))
    qtbot.wait(20)
    # 93 % and 100 % lie far apart on screen
    vb = plot.acc_plot.vb
    y93 = vb.mapViewToScene(QtCore.QPointF(10, 93)).y()
    y100 = vb.mapViewToScene(QtCore.QPointF(10, 100)).y()
    assert y93 - y100 >= 20
    assert plot.acc_plot.vb.height() >= 60
    plot.append(_loss_snapshot(30, 0.6, 0.55))  # a low accuracy widens the strip again
    assert plot.acc_range == (50.0, 100.0)
    plot.reset(xor_run().context)
    assert plot.acc_range == (0.0, 100.0)


# --- 4. a stopped run fills the step axis --------------------------------------------------

def test_follow_x_fits_the_data_when_not_running(qtbot):
    view = pg.PlotWidget()
    qtbot.addWidget(view)
    item = view.getPlotItem()
    plots_common.follow_x(item, 1.0, 5000.0)  # running: a nice length, room ahead
    assert item.vb.viewRange()[0][1] > 5200
    plots_common.follow_x(item, 1.0, 5000.0, running=False)
    x0, x1 = item.vb.viewRange()[0]
    span = 4999.0
    assert x0 == pytest.approx(1.0 - 0.01 * span) and x1 == pytest.approx(5000 + 0.01 * span)


@pytest.mark.parametrize("cls", [LossPlot, GradientPlot])
def test_a_paused_plot_ends_where_the_data_end(qtbot, cls):
    plot = cls()
    _shown(qtbot, plot, (354, 349))
    if cls is LossPlot:
        plot.reset(xor_run().context)
        plot.append(_loss_snapshot(10, 0.9, 0.9, running=True))
        axis_plot = plot.loss_plot
        last = lambda running: plot.append(_loss_snapshot(3400, 0.9, 0.9, running))  # noqa: E731
    else:
        plot.reset(_context(3))
        plot.append(_snap([1e-3, 1e-3, 1e-2], step0=0, steps=3300) | _running())
        axis_plot = plot.curve_plot
        last = lambda running: plot.append(  # noqa: E731
            _snap([1e-3, 1e-3, 1e-2], step0=3300, steps=100) | _running(running))
    last(True)
    assert axis_plot.vb.viewRange()[0][1] > 3400 * 1.1  # while training: room ahead
    last(False)
    hi = axis_plot.vb.viewRange()[0][1]
    assert 3400 <= hi <= 3400 + 0.011 * 3400


class _running:
    """``snapshot | _running(flag)``: the snapshot with ``running`` set."""

    def __init__(self, on: bool = True) -> None:
        self.on = on

    def __ror__(self, snapshot: Snapshot) -> Snapshot:
        snapshot.running = self.on
        return snapshot


# --- 6. the output legend in a narrow view ---------------------------------------------------

@pytest.mark.parametrize("width", [250, 373])
def test_output_legend_fits_the_view(qtbot, width):
    view = OutputView()
    _shown(qtbot, view, (width, 273))
    run = xor_run()
    view.reset(run.context)
    view.append(run.snapshot(5))
    qtbot.wait(20)
    labels = [label for _, label in view.legend.items]
    assert [lab.text for lab in labels] == ["class 0", "class 1", "train", "test"]
    right = view.graphics.width()
    for label in labels:
        rect = label.mapRectToScene(label.boundingRect())
        assert rect.right() <= right and label.isVisible()
    # wrapped onto two lines only where one does not fit; the plot stays below it
    assert view.legend_rows == (2 if width < 300 else 1)
    legend_bottom = view.legend.mapRectToScene(view.legend.boundingRect()).bottom()
    assert view.plot.vb.sceneBoundingRect().top() >= legend_bottom - 8


# --- 7. the panel brings a plot into view ----------------------------------------------------

def test_show_plot_selects_the_tab(qtbot):
    panel = PlotsPanel()
    qtbot.addWidget(panel)
    panel.resize(500, 300)
    panel.show()
    panel.set_layout_mode("tabs")
    assert panel.current_tab == "loss"
    for name in ("gradients", "activations", "output", "loss"):
        assert panel.show_plot(name)
        assert panel.current_tab == name
        plot = dict(zip(("loss", "gradients", "activations", "output"), panel.plots))[name]
        assert plot.isVisible()
    with pytest.raises(NNStudioError, match="unknown plot"):
        panel.show_plot("weights")
    # the main window holding the output view elsewhere: nothing to select, nothing breaks
    holder = QtWidgets.QWidget()
    qtbot.addWidget(holder)
    QtWidgets.QVBoxLayout(holder).addWidget(panel.output_view)
    panel.resize(501, 300)
    QtCore.QCoreApplication.processEvents()
    assert not panel.show_plot("output")
    assert panel.output_view.parentWidget() is holder
    # other layouts show every plot already: show_plot changes nothing
    panel.set_layout_mode("row")
    QtCore.QCoreApplication.processEvents()
    assert panel.show_plot("activations") and panel.current_tab is None
    assert all(p.isVisible() for p in panel.plots[:3])


def test_activation_range_labels_sit_on_their_edge_lines(qtbot):
    """A tanh row's "-1" and "1" are level with its dotted lines at -1 and 1 (they were drawn
    a fifth of the range inside, where they read as other values)."""
    from types import SimpleNamespace

    from nnstudio.gui.plots_activations import ActivationPlot

    plot = ActivationPlot()
    qtbot.addWidget(plot)
    plot.resize(290, 350)
    plot.show()
    plot.reset(SimpleNamespace(layer_names=["Hidden 1", "Output"],
                               activations=["tanh", "sigmoid"]))
    qtbot.wait(50)
    for row, (lo, hi) in zip(plot.rows, [(-1.0, 1.0), (0.0, 1.0)]):
        ticks = row.y_axis._tickLevels[0]
        assert [value for value, _ in ticks] == [lo, hi]
        assert [text for _, text in ticks] == [f"{lo:g}", f"{hi:g}"]
        _, (y0, y1) = row.plot.vb.viewRange()
        assert y0 < lo and hi < y1  # room for the labels inside the row
